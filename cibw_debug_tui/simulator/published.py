"""What a simulated run publishes, as the bundled workflow would: its artifacts (SSH connection
files, the build log right after a failed build, the logs, the wheel), the check runs that
hold its SSH connection files in the GHES variant, and its jobs' logs.

Each artifact appears when the step that uploads it ends on the run's plan (runs.py), unless
the server refuses that upload-artifact (GHES refuses v4+, github.com v3); GHES lists v3's
artifacts only once the run has completed. An artifact's content is made once and kept, so
downloads and digests stay the same.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import random
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from cibw_debug_tui.core import workflow_contract as contract
from cibw_debug_tui.simulator import buildlogs

if TYPE_CHECKING:
    from cibw_debug_tui.simulator.runs import Run
    from cibw_debug_tui.simulator.steps import Job, Step

RUNNER_OS = {"linux": "Linux", "macos": "macOS", "windows": "Windows"}
STAMP = "%Y-%m-%dT%H:%M:%SZ"


@dataclass
class Artifact:
    id: int
    name: str
    created: float
    content: bytes
    expired: bool = False


@dataclass
class CheckRun:
    """A check run made through the API (`POST .../check-runs`); checks.py shows a run's jobs
    as check runs too, as GitHub does, and a GHES-variant run makes one per SSH connection
    (connection_checks)."""

    id: int
    repo: str
    head_sha: str
    name: str
    status: str = "queued"
    conclusion: str | None = None
    started_at: str | None = None  # as GitHub shows them: YYYY-MM-DDTHH:MM:SSZ
    completed_at: str | None = None
    title: str | None = None
    summary: str | None = None
    text: str | None = None
    annotations: list[dict[str, Any]] = field(default_factory=list)
    external_id: str | None = ""
    details_url: str | None = None
    page: str = ""  # its web page, under the web host; the check run's own page by default
    suite: int = 0  # its check suite's id: a run's, for its jobs; else one per commit


def artifacts(run: Run, now: float) -> list[Artifact]:
    """The run's artifacts uploaded by `now` (this attempt's, plus earlier attempts')."""
    run.plan()
    found = list(run.old_artifacts)
    attempt = run.attempt
    ident = run.combo.identifier or "invalid"
    # GHES lists the artifacts of upload-artifact v3 (its variant's) once the run has completed.
    listed_from = (run.end() or math.inf) if run.variant == contract.GHES else 0.0

    def add(kind: str, name: str, step: Step | None, make: Callable[[], bytes]) -> None:
        if step is None or step.end is None or step.conclusion == "failure":
            return  # not run (yet), or refused by the server
        if max(step.end, listed_from) <= now:
            found.append(Artifact(run.artifact_id[kind], name, step.end, _cached(run, name, make)))

    if run.variant == contract.GITHUB_COM:  # the GHES variant makes check runs instead
        for stage in contract.STAGES:
            add(
                f"ssh-{stage}",
                contract.ssh_artifact(stage, attempt),
                run.step("publish", stage),
                partial(_connection_zip, run, stage),
            )
    # Published right after a failed build, before the after-failure session.
    add(
        "buildlog",
        contract.buildlog_artifact(attempt),
        run.step("publish-buildlog"),
        lambda: _zip({contract.BUILD_LOG_FILE: build_log(run).encode()}),
    )
    add("logs", contract.logs_artifact(ident, attempt), run.step("upload-logs"),
        partial(_logs_zip, run))  # fmt: skip
    build = run.step("build")
    if build and build.conclusion == "success":
        python, platform = ident.split("-", 1)
        wheel = f"pkg-1.0-{python}-{python}-{platform}.whl"
        add(
            "wheels",
            contract.wheels_artifact(ident, attempt),
            run.step("upload-wheels"),
            lambda: _zip({wheel: stand_in_wheel(ident)}),  # made once, when first listed
        )
    return found


def connection_checks(run: Run, now: float) -> list[CheckRun]:
    """The check runs a GHES-variant run has made by `now`: one per SSH session (refused and
    failed ones too), holding its connection file, as the variant's publish step makes them."""
    found = list(run.old_checks)
    if run.variant != contract.GHES:
        return found
    start, end = contract.CHECK_RUN_JSON
    for index, stage in enumerate(contract.STAGES):
        publish = run.step("publish", stage)
        if publish is None or publish.end is None or publish.end > now:
            continue
        data = connection_json(run, stage)
        at = run.clock.moment(publish.end).strftime(STAMP)
        found.append(
            CheckRun(
                run.debug.id + 1 + index,  # after the jobs' ids, which check runs share
                run.repo,
                run.head_sha,
                contract.ssh_check_run(run.id, stage, run.attempt),
                status="completed",
                conclusion="neutral",
                started_at=at,
                completed_at=at,
                title=f"SSH session {data['status']} ({stage})",
                summary=data["message"],
                text=start + json.dumps(data, indent=2) + end,
                external_id="",
                page=f"{run.repo}/actions/runs/{run.id}",
                suite=run.id + 7,
            )
        )
    return found


def connection_json(run: Run, stage: str) -> dict[str, Any]:
    """The connection file of the SSH session of `stage`, as the workflow's helper writes it."""
    open_step = run.step("open", stage)
    opened = open_step.end if open_step and open_step.end is not None else run.created
    timeout = int(run.inputs.get("session-timeout") or 30)
    name = run.repo.split("/")[1]
    workspace = {
        "windows": f"D:/a/{name}/{name}",
        "macos": f"/Users/runner/work/{name}/{name}",
    }.get(run.combo.os or "", f"/home/runner/work/{name}/{name}")
    docker = None
    if run.combo.os == "linux" and stage == contract.AFTER_FAILURE:
        container = "cibuildwheel-" + hashlib.sha1(str(run.id).encode()).hexdigest()[:12]
        shell = "linux32 bash" if run.combo.arch in ("i686", "armv7l") else "bash"
        docker = f"docker start {container} >/dev/null && docker exec -it {container} {shell}"
    return {
        "format": contract.CONNECTION_FORMAT,
        "status": "open",
        "stage": stage,
        "message": f"SSH session open ({stage}) for @{run.actor}'s keys",
        "actor": run.actor,
        "identifier": run.combo.identifier,
        "runner_os": RUNNER_OS[run.combo.os or "linux"],
        "ssh": f"ssh {run.session_tokens[stage]}@{run.region}.tmate.io",
        "opened_at": run.clock.moment(opened).strftime(STAMP),
        "timeout_minutes": timeout,
        "expires_at": run.clock.moment(opened + 60 * timeout).strftime(STAMP),
        "continue_file": f"{workspace}/continue",
        "continue_command": f'touch "{workspace}/continue"',
        "docker_exec": docker,
        "rebuild": f"{contract.REBUILD_COMMAND}  # build {run.combo.identifier} again, "
        "keeping the build folder",
        "claude": "claude  # Claude Code; run `claude login` (no ANTHROPIC_API_KEY secret)",
    }


def build_log(run: Run) -> str:
    """cibuildwheel's output: a build that fails as the run's platform fails, or succeeds."""
    ident = run.combo.identifier
    text = buildlogs.BUILD_OUTPUT.format(identifier=ident, version=contract.CIBUILDWHEEL_VERSION)
    build = run.step("build")
    if build and build.conclusion == "failure":
        failure = buildlogs.failure_for(run.combo.os or "linux", run.combo.build or "native")
        return f"{text}\n{failure}\n"
    return f"{text}\n{buildlogs.SUCCESS_TAIL.format(identifier=ident)}\n"


def job_log(run: Run, job: Job) -> str:
    """A job's log as GitHub serves it once the job is done: each step that ran, in a group."""
    return "".join(text for _, _, text in _step_logs(run, job))


def run_logs_zip(run: Run, now: float) -> bytes:
    """A run's log archive as GitHub serves it (and `gh run view --log` reads it): each job's
    whole log as `N_JOB.txt`, and each step's part as `JOB/NUMBER_STEP.txt`."""
    files: dict[str, bytes] = {}
    jobs = [job for job in (run.validate, run.debug) if job.start is not None and job.start <= now]
    for index, job in enumerate(jobs):
        folder = _file_name(job.name)
        parts = _step_logs(run, job)
        files[f"{index}_{folder}.txt"] = "".join(text for _, _, text in parts).encode()
        for number, name, text in parts:
            files[f"{folder}/{number}_{_file_name(name)}.txt"] = text.encode()
    return _zip(files)


def _step_logs(run: Run, job: Job) -> list[tuple[int, str, str]]:
    """(step number, step name, its part of the log) for each step of `job` that ran."""
    steps: list[tuple[int, str, list[str]]] = []
    for number, step in enumerate(job.steps, 1):
        if step.start is None:
            continue
        body: list[str] = []
        if step.name == contract.CHECK_STEP:
            if run.combo.valid:
                body = [f"{run.combo.identifier}: {run.combo.build} build"]
            else:
                body = [f"##[error]{run.combo.reason}", f"error: {run.combo.reason}"]
        elif step.kind == "build":
            body = build_log(run).splitlines()
        if step.conclusion == "failure":
            body.append("##[error]Process completed with exit code 1.")
        steps.append((number, step.name, body))
    start = run.clock.moment(job.start or run.created)
    texts = buildlogs.step_logs(start, [(name, body) for _, name, body in steps])
    return [(number, name, text) for (number, name, _), text in zip(steps, texts, strict=True)]


def _file_name(name: str) -> str:
    """A job's or step's name as a file name in the log archive: no path separators."""
    return "".join(c for c in name if c not in '/\\:*?"<>|').strip()[:100] or "step"


def stand_in_wheel(identifier: str, size: int = 2 * 1024 * 1024) -> bytes:
    """A stand-in wheel of realistic size that does not compress away."""
    seed = int(hashlib.sha1(identifier.encode()).hexdigest(), 16)
    return random.Random(seed).randbytes(size)


def _cached(run: Run, name: str, make: Callable[[], bytes]) -> bytes:
    if name not in run.contents:
        run.contents[name] = make()
    return run.contents[name]


def _connection_zip(run: Run, stage: str) -> bytes:
    body = json.dumps(connection_json(run, stage), indent=2) + "\n"
    return _zip({contract.connection_file(stage): body.encode()})


def _logs_zip(run: Run) -> bytes:
    ident = run.combo.identifier
    return _zip(
        {
            contract.BUILD_LOG_FILE: build_log(run).encode(),
            "environment.txt": f"== cibuildwheel debug run for {ident}\n".encode(),
            "build-identifiers.txt": f"{ident}\n".encode(),
        }
    )


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()
