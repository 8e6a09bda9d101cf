"""Simulated workflow runs of the bundled debug workflow, on a clock that can run fast.

A run's whole story is a plan of steps with durations, decided by its inputs and scenario; its
state at any moment is read off that plan. What people do (continue a session, cancel, rerun)
edits the plan from that moment on.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import re
import time
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone

from cibw_debug_tui import bundled
from cibw_debug_tui.core import matrix
from cibw_debug_tui.core import workflow_contract as contract
from cibw_debug_tui.simulator import buildlogs


def demo_scenario(combo: matrix.Combination) -> str:
    """The demo's story: emulated and pre-release builds fail, the rest build."""
    return "build-failure" if combo.build == "emulated" or combo.prerelease else "success"


QUEUE_SECONDS = 6.0
PICKUP_SECONDS = 4.0
AUTO_CONTINUE_SECONDS = 180.0  # the simulated person lets the build go on after 3 minutes
TMATE_REGIONS = ("nyc1", "sfo2", "lon1", "fra1", "sgp1")


class Clock:
    """Simulated time: starts at the real time and runs `speed` times faster."""

    def __init__(self, speed: float = 1.0):
        self.speed = speed
        self._wall = time.time()
        self._start = time.monotonic()

    def now(self) -> float:
        return self._wall + (time.monotonic() - self._start) * self.speed

    def moment(self, at: float | None = None) -> datetime:
        return datetime.fromtimestamp(self.now() if at is None else at, timezone.utc)


@dataclass
class Step:
    name: str
    duration: float | None  # None: an SSH session, until continue, quit or timeout
    ok: bool = True
    # "always", "ssh", "ssh-before", "ssh-after", "emulated", "failure", "session-id"
    when: str = "always"
    stage: str | None = None
    # "step", "open", "publish", "wait", "build", "publish-buildlog", "upload-logs", "upload-wheels"
    kind: str = "step"
    # Filled in by the plan:
    start: float | None = None
    end: float | None = None
    conclusion: str | None = None


@dataclass
class Artifact:
    id: int
    name: str
    created: float
    content: bytes
    expired: bool = False


def _debug_steps() -> list[Step]:
    """The debug job's steps, named as in the bundled workflow (with expressions filled later)."""
    durations = {
        "Check out the repository": 2,
        "Set up Python for cibuildwheel": 6,
        "Set up QEMU for the emulated architecture": 9,
        "Prepare the build settings and the environment report": 20,
        contract.HELPER_STEP: 1,
        contract.BUILDLOG_STEP: 2,
        contract.LOGS_STEP: 3,
        contract.WHEELS_STEP: 3,
        contract.REPORT_STEP: 1,
    }
    kinds = {
        contract.BUILDLOG_STEP: "publish-buildlog",
        contract.LOGS_STEP: "upload-logs",
        contract.WHEELS_STEP: "upload-wheels",
    }
    when_stage = {contract.BEFORE_BUILD: "ssh-before", contract.AFTER_FAILURE: "ssh-after"}
    steps = [Step("Set up job", 3)]
    for raw in bundled.workflow()["jobs"]["debug"]["steps"]:
        name = raw["name"]
        stage = contract.step_stage(name)
        if name.startswith(contract.BUILD_STEP_PREFIX):
            steps.append(Step(name, 90, kind="build"))
        elif stage is not None:
            # Opening installs tmate (after the build, after a failure) and reaches tmate.io.
            kind, duration = {
                contract.open_step(stage): ("open", 15),
                contract.publish_step(stage): ("publish", 2),
                contract.claude_step(stage): ("step", 15),
                contract.session_step(stage): ("wait", None),
            }[name]
            steps.append(Step(name, duration, kind=kind, when=when_stage[stage], stage=stage))
        else:
            when = {contract.HELPER_STEP: "ssh", contract.BUILDLOG_STEP: "failure"}.get(name)
            when = when or ("emulated" if "QEMU" in name else "always")
            steps.append(
                Step(name, durations.get(name, 2), when=when, kind=kinds.get(name, "step"))
            )
    steps += [
        Step("Post Set up Python for cibuildwheel", 1),
        Step("Post Check out the repository", 1),
        Step("Complete job", 1),
    ]
    return steps


def _validate_steps() -> list[Step]:
    """The validate job's steps, as in the bundled workflow."""
    when = {contract.SESSION_ID_STEP: "session-id"}
    named = bundled.workflow()["jobs"]["validate"]["steps"]
    middle = [Step(s["name"], 2, when=when.get(s["name"], "always")) for s in named]
    return [Step("Set up job", 2), *middle, Step("Complete job", 1)]


@dataclass
class Job:
    id: int
    name: str
    steps: list[Step]
    start: float | None = None
    end: float | None = None
    conclusion: str | None = None
    runner_name: str | None = None
    labels: list[str] = field(default_factory=list)


class Run:
    """One workflow run (one attempt at a time) of the debug workflow."""

    def __init__(
        self,
        run_id: int,
        number: int,
        repo: str,
        ref: str,
        inputs: dict[str, str],
        actor: str,
        scenario: str,
        created: float,
        clock: Clock,
        artifact_ids,
        rng: random.Random | None = None,
    ):
        self.id = run_id
        self.number = number
        self.repo = repo
        self.ref = ref
        self.inputs = inputs
        self.actor = actor
        self.scenario = scenario
        self.clock = clock
        self._artifact_ids = artifact_ids
        self.head_sha = hashlib.sha1(f"{repo}@{ref}".encode()).hexdigest()
        self.combo = matrix.check(inputs["runner"], inputs["python"], inputs["arch"])
        self.rng = rng or random.Random()
        if scenario == "demo":
            self.scenario = demo_scenario(self.combo)
        self.attempt = 0
        self.old_artifacts: list[Artifact] = []
        self.deleted = False
        self._contents: dict[str, bytes] = {}
        self.expired_ids: set[int] = set()
        self.start_attempt(created)

    # -- the plan ----------------------------------------------------------------------------

    @property
    def display_title(self) -> str:
        i = self.inputs
        return (
            f"cibuildwheel debug {i['python']} {i['arch']} on {i['runner']} "
            f"({i['debug-mode']}) [{i.get('session-id', '')}]"
        )

    def start_attempt(self, created: float, rerun_failed: bool = False) -> None:
        if self.attempt:
            self.old_artifacts += [a for a in self.artifacts(self.clock.now())]
        self.attempt += 1
        self.created = created
        self.continued: dict[str, float] = {}
        self.cancelled_at: float | None = None
        self.force_cancelled = False
        base = self.id * 100 + self.attempt * 10
        self.validate = Job(base + 1, contract.VALIDATE_JOB, _validate_steps())
        ident = self.combo.identifier or "invalid"
        self.debug = Job(base + 2, f"{ident} on {self.inputs['runner']}", _debug_steps())
        for step in self.debug.steps:
            step.name = step.name.replace("${{ needs.validate.outputs.identifier }}", ident)
        self.artifact_id = {
            name: next(self._artifact_ids)
            for name in (
                *(f"ssh-{stage}" for stage in contract.STAGES),
                "buildlog",
                "logs",
                "wheels",
            )
        }
        self._session_tokens = {
            stage: "".join(
                random.choices("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", k=25)
            )
            for stage in contract.STAGES
        }
        self._region = self.rng.choice(TMATE_REGIONS)

    def _session_end(self, stage: str, start: float) -> float:
        timeout = 60.0 * int(self.inputs.get("session-timeout") or 30)
        end = start + timeout
        if self.scenario != "ssh-timeout":
            end = min(end, start + AUTO_CONTINUE_SECONDS)
        if stage in self.continued:
            end = min(end, max(start, self.continued[stage]))
        return end

    def plan(self) -> None:
        """Lay out both jobs' steps from the inputs, scenario and what people did so far."""
        stages = contract.DEBUG_MODES[self.inputs["debug-mode"]]
        ssh_before = contract.BEFORE_BUILD in stages
        ssh_after = contract.AFTER_FAILURE in stages
        build_fails = self.scenario in ("build-failure", "ssh-timeout")
        t = self.created + QUEUE_SECONDS
        if self.scenario == "never-picked-up":
            for job in (self.validate, self.debug):
                job.start = job.end = None
                for step in job.steps:
                    step.start = step.end = step.conclusion = None
            return
        self.validate.start = t
        for step in self.validate.steps:
            if step.when == "session-id" and not (
                self.inputs.get("session-id") and self.combo.valid
            ):
                step.start = step.end = None
                step.conclusion = "skipped"
                continue
            step.start, step.end = t, t + step.duration
            step.conclusion = "success"
            t = step.end
            if step.name == contract.CHECK_STEP and not self.combo.valid:
                step.conclusion = "failure"
        self.validate.end = t
        self.validate.runner_name = "GitHub Actions 1000000001"
        self.validate.labels = ["ubuntu-latest"]
        if not self.combo.valid:
            self.validate.steps[-1].conclusion = "success"
            self.validate.conclusion = "failure"
            self.debug.start = self.debug.end = None
            self.debug.conclusion = "skipped"
            for step in self.debug.steps:
                step.start = step.end = None
                step.conclusion = None
            return
        self.validate.conclusion = "success"
        t += PICKUP_SECONDS
        self.debug.start = t
        self.debug.runner_name = f"GitHub Actions {1000000000 + self.id % 1000}"
        self.debug.labels = [self.inputs["runner"]]
        build_ok = True
        for step in self.debug.steps:
            run_it = {
                "always": True,
                "ssh": ssh_before or ssh_after,
                "ssh-before": ssh_before,
                "ssh-after": ssh_after and not build_ok,
                "emulated": self.combo.build == "emulated",
                "failure": not build_ok,
            }[step.when]
            if not run_it:
                step.start = step.end = None
                step.conclusion = "skipped"
                continue
            step.start = t
            if step.kind == "wait":
                step.end = self._session_end(step.stage, t)
            elif step.kind == "build":
                duration = 420.0 if self.combo.build == "emulated" else 90.0
                step.end = t + (duration / 2 if build_fails else duration)
            else:
                step.end = t + step.duration
            step.conclusion = "success"
            if step.kind == "build" and build_fails:
                build_ok = False
                step.conclusion = "failure"
            if step.name == contract.REPORT_STEP and not build_ok:
                step.conclusion = "failure"
            t = step.end
        self.debug.end = t
        self.debug.conclusion = "success" if build_ok else "failure"
        if self.scenario == "cancelled" and self.cancelled_at is None:
            build = next(s for s in self.debug.steps if s.kind == "build")
            self.cancelled_at = build.start + 10
        if self.cancelled_at is not None:
            self._apply_cancel()

    def _apply_cancel(self) -> None:
        at = self.cancelled_at
        for job in (self.validate, self.debug):
            if job.start is None or job.end is None or job.end <= at:
                continue
            if job.start > at:
                job.start = job.end = None
                job.conclusion = "cancelled"
                for step in job.steps:
                    step.start = step.end = None
                    step.conclusion = None
                continue
            for step in job.steps:
                if step.start is None:
                    continue
                if step.start >= at:
                    step.start = step.end = None
                    step.conclusion = "skipped"
                elif step.end > at:
                    step.end, step.conclusion = at, "cancelled"
            job.end, job.conclusion = at + (0 if self.force_cancelled else 1), "cancelled"

    # -- reading the state -------------------------------------------------------------------

    def end(self) -> float | None:
        self.plan()
        if self.scenario == "never-picked-up":
            return self.cancelled_at
        ends = [j.end for j in (self.validate, self.debug) if j.end is not None]
        if self.debug.conclusion in ("skipped", "cancelled") and self.debug.start is None:
            return max(ends) if ends else self.cancelled_at
        return self.debug.end

    def status(self, now: float) -> tuple[str, str | None]:
        end = self.end()
        if end is not None and now >= end:
            return "completed", self.conclusion()
        if self.validate.start is not None and now >= self.validate.start:
            return "in_progress", None
        return "queued", None

    def last_change(self, now: float) -> float:
        """When anything visible last changed, for `updated_at` (and so for ETags)."""
        self.plan()
        moments = [self.created]
        for job in (self.validate, self.debug):
            for t in (job.start, job.end, *(x for s in job.steps for x in (s.start, s.end))):
                if t is not None and t <= now:
                    moments.append(t)
        if self.cancelled_at is not None and self.cancelled_at <= now:
            moments.append(self.cancelled_at)
        return max(moments)

    def conclusion(self) -> str:
        if self.cancelled_at is not None:
            return "cancelled"
        if self.validate.conclusion == "failure":
            return "failure"
        return self.debug.conclusion or "failure"

    def session_open(self, now: float) -> str | None:
        """The stage of the SSH session open now, if any: from its connection's publication
        (Claude Code is installed while the person connects) to the end of its wait."""
        self.plan()
        for step in self.debug.steps:
            if step.kind == "wait" and step.start is not None:
                published = self._step("publish", step.stage).end
                if published <= now < step.end:
                    return step.stage
        return None

    def continue_session(self, now: float, stage: str | None = None) -> bool:
        current = self.session_open(now)
        if current is None or (stage and stage != current):
            return False
        self.continued[current] = now
        return True

    def cancel(self, now: float, force: bool = False) -> bool:
        status, _ = self.status(now)
        if status == "completed":
            return False
        self.cancelled_at = now
        self.force_cancelled = force
        return True

    # -- artifacts and logs ------------------------------------------------------------------

    def _step(self, kind: str, stage: str | None = None) -> Step | None:
        return next(
            (s for s in self.debug.steps if s.kind == kind and (stage is None or s.stage == stage)),
            None,
        )

    def connection_json(self, stage: str) -> dict:
        open_step = self._step("open", stage)
        opened = open_step.end
        timeout = int(self.inputs.get("session-timeout") or 30)
        workspace = f"/home/runner/work/{self.repo.split('/')[1]}/{self.repo.split('/')[1]}"
        if self.combo.os == "windows":
            workspace = f"D:/a/{self.repo.split('/')[1]}/{self.repo.split('/')[1]}"
        elif self.combo.os == "macos":
            workspace = f"/Users/runner/work/{self.repo.split('/')[1]}/{self.repo.split('/')[1]}"
        docker = None
        if self.combo.os == "linux" and stage == contract.AFTER_FAILURE:
            container = "cibuildwheel-" + hashlib.sha1(str(self.id).encode()).hexdigest()[:12]
            shell = "linux32 bash" if self.combo.arch in ("i686", "armv7l") else "bash"
            docker = f"docker start {container} >/dev/null && docker exec -it {container} {shell}"
        stamp = "%Y-%m-%dT%H:%M:%SZ"
        return {
            "format": contract.CONNECTION_FORMAT,
            "status": "open",
            "stage": stage,
            "message": f"SSH session open ({stage}) for @{self.actor}'s keys",
            "actor": self.actor,
            "identifier": self.combo.identifier,
            "runner_os": {"linux": "Linux", "macos": "macOS", "windows": "Windows"}[self.combo.os],
            "ssh": f"ssh {self._session_tokens[stage]}@{self._region}.tmate.io",
            "opened_at": self.clock.moment(opened).strftime(stamp),
            "timeout_minutes": timeout,
            "expires_at": self.clock.moment(opened + 60 * timeout).strftime(stamp),
            "continue_file": f"{workspace}/continue",
            "continue_command": f'touch "{workspace}/continue"',
            "docker_exec": docker,
            "rebuild": f"{contract.REBUILD_COMMAND}  # build {self.combo.identifier} again, "
            "keeping the build folder",
            "claude": "claude  # Claude Code; run `claude login` (no ANTHROPIC_API_KEY secret)",
        }

    def artifacts(self, now: float) -> list[Artifact]:
        """Artifacts of this attempt uploaded by `now` (plus earlier attempts')."""
        self.plan()
        found = list(self.old_artifacts)
        ident = self.combo.identifier
        for stage in contract.STAGES:
            step = self._step("publish", stage)
            if step and step.end is not None and step.end <= now:
                name = contract.ssh_artifact(stage, self.attempt)
                content = self._cached(name, lambda stage=stage: self._connection_zip(stage))
                found.append(Artifact(self.artifact_id[f"ssh-{stage}"], name, step.end, content))
        buildlog = self._step("publish-buildlog")
        if buildlog and buildlog.end is not None and buildlog.end <= now:
            # Published right after a failed build, before the after-failure session.
            name = contract.buildlog_artifact(self.attempt)
            content = self._cached(
                name, lambda: _zip({contract.BUILD_LOG_FILE: self.build_log().encode()})
            )
            found.append(Artifact(self.artifact_id["buildlog"], name, buildlog.end, content))
        logs = self._step("upload-logs")
        if logs and logs.end is not None and logs.end <= now:
            name = contract.logs_artifact(ident, self.attempt)
            content = self._cached(name, self._logs_zip)
            found.append(Artifact(self.artifact_id["logs"], name, logs.end, content))
        wheels = self._step("upload-wheels")
        build = self._step("build")
        if (
            wheels
            and wheels.end is not None
            and wheels.end <= now
            and build.conclusion == "success"
        ):
            name = contract.wheels_artifact(ident, self.attempt)
            python, platform = ident.split("-", 1)
            wheel = f"pkg-1.0-{python}-{python}-{platform}.whl"
            content = self._cached(name, lambda: _zip({wheel: _wheel(ident)}))
            found.append(Artifact(self.artifact_id["wheels"], name, wheels.end, content))
        return found

    def _cached(self, name: str, make) -> bytes:
        if name not in self._contents:
            self._contents[name] = make()
        return self._contents[name]

    def _connection_zip(self, stage: str) -> bytes:
        body = json.dumps(self.connection_json(stage), indent=2) + "\n"
        return _zip({contract.connection_file(stage): body.encode()})

    def _logs_zip(self) -> bytes:
        ident = self.combo.identifier
        return _zip(
            {
                contract.BUILD_LOG_FILE: self.build_log().encode(),
                "environment.txt": f"== cibuildwheel debug run for {ident}\n".encode(),
                "build-identifiers.txt": f"{ident}\n".encode(),
            }
        )

    def build_log(self) -> str:
        ident = self.combo.identifier
        text = buildlogs.BUILD_OUTPUT.format(
            identifier=ident, version=contract.CIBUILDWHEEL_VERSION
        )
        build = self._step("build")
        if build and build.conclusion == "failure":
            return f"{text}\n{buildlogs.failure_for(self.combo.os, self.combo.build)}\n"
        return f"{text}\n{buildlogs.SUCCESS_TAIL.format(identifier=ident)}\n"

    def job_log(self, job: Job) -> str:
        steps: list[tuple[str, list[str]]] = []
        for step in job.steps:
            if step.start is None:
                continue
            body: list[str] = []
            if step.name == contract.CHECK_STEP:
                if self.combo.valid:
                    body = [f"{self.combo.identifier}: {self.combo.build} build"]
                else:
                    body = [f"##[error]{self.combo.reason}", f"error: {self.combo.reason}"]
            elif step.kind == "build":
                body = self.build_log().splitlines()
            if step.conclusion == "failure":
                body.append("##[error]Process completed with exit code 1.")
            steps.append((step.name, body))
        return buildlogs.job_log(self.clock.moment(job.start or self.created), steps)


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def _wheel(identifier: str, size: int = 2 * 1024 * 1024) -> bytes:
    """A stand-in wheel of realistic size that does not compress away."""
    seed = int(hashlib.sha1(identifier.encode()).hexdigest(), 16)
    return random.Random(seed).randbytes(size)


_INPUT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def check_inputs(inputs: object) -> tuple[dict[str, str] | None, str | None]:
    """Fill defaults and check a dispatch's inputs as GitHub does; (inputs, None) or (None, why)."""
    spec = bundled.dispatch_inputs()
    if inputs is None:
        inputs = {}
    if not isinstance(inputs, dict):
        return None, "Invalid request.\n\nFor 'properties/inputs', it is not an object."
    unexpected = [k for k in inputs if k not in spec]
    if unexpected:
        return None, f"Unexpected inputs provided: {json.dumps(unexpected)}"
    values: dict[str, str] = {}
    for name, field_spec in spec.items():
        value = inputs.get(name, field_spec.get("default", ""))
        if not isinstance(value, str | int | float | bool):
            return None, f"Input '{name}' must be a string"
        value = str(value)
        options = field_spec.get("options")
        if options and value not in options:
            return (
                None,
                f"Provided value '{value}' for input '{name}' not in the list of allowed values",
            )
        values[name] = value
    return values, None
