"""What a simulated run publishes, as the bundled workflow would: its artifacts (SSH connection
files, the build log right after a failed build, the logs, the wheel) and its jobs' logs.

Each artifact appears when the step that uploads it ends on the run's plan (runs.py); its
content is made once and kept, so downloads and digests stay the same.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from cibw_debug_tui.core import workflow_contract as contract
from cibw_debug_tui.simulator import buildlogs

if TYPE_CHECKING:
    from cibw_debug_tui.simulator.runs import Run
    from cibw_debug_tui.simulator.steps import Job

RUNNER_OS = {"linux": "Linux", "macos": "macOS", "windows": "Windows"}
STAMP = "%Y-%m-%dT%H:%M:%SZ"


@dataclass
class Artifact:
    id: int
    name: str
    created: float
    content: bytes
    expired: bool = False


def artifacts(run: Run, now: float) -> list[Artifact]:
    """The run's artifacts uploaded by `now` (this attempt's, plus earlier attempts')."""
    run.plan()
    found = list(run.old_artifacts)
    attempt = run.attempt
    ident = run.combo.identifier or "invalid"

    def add(kind: str, name: str, end: float | None, make: Callable[[], bytes]) -> None:
        if end is not None and end <= now:
            found.append(Artifact(run.artifact_id[kind], name, end, _cached(run, name, make)))

    for stage in contract.STAGES:
        publish = run.step("publish", stage)
        add(
            f"ssh-{stage}",
            contract.ssh_artifact(stage, attempt),
            publish.end if publish else None,
            partial(_connection_zip, run, stage),
        )
    # Published right after a failed build, before the after-failure session.
    buildlog = run.step("publish-buildlog")
    add(
        "buildlog",
        contract.buildlog_artifact(attempt),
        buildlog.end if buildlog else None,
        lambda: _zip({contract.BUILD_LOG_FILE: build_log(run).encode()}),
    )
    logs = run.step("upload-logs")
    add(
        "logs",
        contract.logs_artifact(ident, attempt),
        logs.end if logs else None,
        partial(_logs_zip, run),
    )
    wheels, build = run.step("upload-wheels"), run.step("build")
    if wheels and build and build.conclusion == "success":
        python, platform = ident.split("-", 1)
        wheel = f"pkg-1.0-{python}-{python}-{platform}.whl"
        add(
            "wheels",
            contract.wheels_artifact(ident, attempt),
            wheels.end,
            lambda: _zip({wheel: stand_in_wheel(ident)}),  # made once, when first listed
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
