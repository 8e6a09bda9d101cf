"""Simulated workflow runs of the bundled debug workflow, on a clock that can run fast.

A run's whole story is a plan of steps with durations, decided by its inputs and scenario; its
state at any moment is read off that plan. What people do (continue a session, cancel, rerun)
edits the plan from that moment on.
"""

from __future__ import annotations

import copy
import hashlib
import json
import random
import re
import time
from collections.abc import Iterator
from datetime import datetime, timezone

from cibw_debug_tui import bundled
from cibw_debug_tui.core import matrix
from cibw_debug_tui.core import workflow_contract as contract
from cibw_debug_tui.simulator import published
from cibw_debug_tui.simulator.steps import Job, Step, debug_steps, validate_steps


def demo_scenario(combo: matrix.Combination) -> str:
    """The demo's story: emulated and pre-release builds fail, the rest build."""
    return "build-failure" if combo.build == "emulated" or combo.prerelease else "success"


QUEUE_SECONDS = 6.0
PICKUP_SECONDS = 4.0
AUTO_CONTINUE_SECONDS = 180.0  # the simulated person lets the build go on after 3 minutes
TMATE_REGIONS = ("nyc1", "sfo2", "lon1", "fra1", "sgp1")


def commit_of(repo: str, ref: str) -> str | None:
    """The commit a branch or tag names in a simulated repository (its branches are `main` and
    `develop`, its tags `v...`), or None when it has no such ref."""
    if ref not in ("main", "develop") and not ref.startswith("v"):
        return None
    return hashlib.sha1(f"{repo}@{ref}".encode()).hexdigest()


class Clock:
    """Simulated time: starts at the real time and runs `speed` times faster."""

    def __init__(self, speed: float = 1.0):
        self.speed = speed
        self._wall = time.time()
        self._start = time.monotonic()

    def now(self) -> float:
        return self._wall + (time.monotonic() - self._start) * self.speed

    def shift(self, seconds: float) -> None:
        """Set the clock `seconds` later (earlier when negative): a server whose clock and a
        client's disagree."""
        self._wall += seconds

    def moment(self, at: float | None = None) -> datetime:
        return datetime.fromtimestamp(self.now() if at is None else at, timezone.utc)

    def monotonic(self, at: float) -> float:
        """The `time.monotonic()` at which simulated time reaches `at`: for tests that time
        what a client saw against what happened."""
        return self._start + (at - self._wall) / self.speed


class Run:
    """One workflow run (one attempt at a time) of the debug workflow."""

    path = contract.WORKFLOW_PATH
    event = "workflow_dispatch"

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
        artifact_ids: Iterator[int],
        rng: random.Random | None = None,
        *,
        variant: str = contract.GITHUB_COM,
        on_ghes: bool = False,
    ) -> None:
        self.id = run_id
        self.number = number
        self.repo = repo
        self.ref = ref
        self.inputs = inputs
        self.actor = actor
        self.scenario = scenario
        self.variant = variant  # the workflow it runs: github.com's or GHES's
        self.on_ghes = on_ghes  # the server it runs on
        self.clock = clock
        self._artifact_ids = artifact_ids
        self.head_sha = commit_of(repo, ref) or ""
        self.combo = matrix.check(inputs["runner"], inputs["python"], inputs["arch"])
        self.rng = rng or random.Random()
        if scenario == "demo":
            self.scenario = demo_scenario(self.combo)
        self.attempt = 0
        self.old_artifacts: list[published.Artifact] = []
        self.old_checks: list[published.CheckRun] = []
        self.deleted = False
        self.contents: dict[str, bytes] = {}  # each artifact's, made once (published.py)
        self.expired_ids: set[int] = set()
        self.visible_at = 0.0  # time.monotonic() from which GitHub's API knows it (quirks.py)
        # An earlier run of the same concurrency group (session id): this one is "pending"
        # until that one has ended (`cancel-in-progress: false`).
        self.after: Run | None = None
        self.start_attempt(created)

    # -- the plan ----------------------------------------------------------------------------

    @property
    def display_title(self) -> str:
        i = self.inputs
        return (
            f"cibuildwheel debug {i['python']} {i['arch']} on {i['runner']} "
            f"({i['debug-mode']}) [{i.get('session-id', '')}]"
        )

    @property
    def title(self) -> str:
        """The name of the workflow it runs, as GitHub shows it."""
        ghes = self.variant == contract.GHES
        return contract.GHES_WORKFLOW_TITLE if ghes else contract.WORKFLOW_TITLE

    @property
    def uploads_refused(self) -> bool:
        """Whether the server refuses the workflow's upload-artifact: GHES refuses v4+ (the
        github.com variant's), github.com v3 (the GHES variant's)."""
        return self.on_ghes != (self.variant == contract.GHES)

    def start_attempt(self, created: float, rerun_failed: bool = False) -> None:
        """A new attempt. "Re-run failed jobs" keeps the jobs that succeeded, listed with
        their own attempt beside the new attempt's (as GitHub's `filter=latest` does)."""
        self.kept: list[Job] = []
        if self.attempt:
            self.old_artifacts = published.artifacts(self, self.clock.now())  # theirs too
            self.old_checks = published.connection_checks(self, self.clock.now())
            self.plan()
            if rerun_failed and self.validate.conclusion == "success":
                self.kept = [copy.deepcopy(self.validate)]
        self.attempt += 1
        self.created = created
        self.continued: dict[str, float] = {}
        self.cancelled_at: float | None = None
        self.force_cancelled = False
        base = self.id * 100 + self.attempt * 10
        self.validate: Job = Job(base + 1, contract.VALIDATE_JOB,
                                 validate_steps(self.variant), attempt=self.attempt)  # fmt: skip
        ident = self.combo.identifier or "invalid"
        name = f"{ident} on {self.inputs['runner']}"
        self.debug = Job(base + 2, name, debug_steps(self.variant), attempt=self.attempt)
        for step in self.debug.steps:
            step.name = step.name.replace("${{ needs.validate.outputs.identifier }}", ident)
        kinds = [*(f"ssh-{stage}" for stage in contract.STAGES), "buildlog", "logs", "wheels"]
        self.artifact_id = {kind: next(self._artifact_ids) for kind in kinds}
        self.session_tokens = {
            stage: "".join(
                random.choices("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", k=25)
            )
            for stage in contract.STAGES
        }
        self.region = self.rng.choice(TMATE_REGIONS)

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
        t = self._released() + QUEUE_SECONDS
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
            step.start, step.end = t, t + (step.duration or 0.0)
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
        job_failed = False  # a step failed that has no continue-on-error
        opened: set[str] = set()  # the stages whose session was opened (or tried)
        for step in self.debug.steps:
            run_it = {
                "always": True,
                "ssh": ssh_before or ssh_after,
                "ssh-before": ssh_before,
                "ssh-after": ssh_after and not build_ok,
                "emulated": self.combo.build == "emulated",
                "failure": not build_ok,
            }[step.when]
            run_it = run_it and (step.always or not job_failed)
            if step.stage is not None and step.kind != "open":
                run_it = run_it and step.stage in opened
            if not run_it:
                step.start = step.end = None
                step.conclusion = "skipped"
                continue
            step.start = t
            if step.kind == "open":
                opened.add(step.stage or "")
            if step.kind == "wait":
                assert step.stage is not None  # a session's wait has its stage
                step.end = self._session_end(step.stage, t)
            elif step.kind == "build":
                duration = 420.0 if self.combo.build == "emulated" else 90.0
                step.end = t + (duration / 2 if build_fails else duration)
            else:
                step.end = t + (step.duration or 0.0)
            step.conclusion = "success"
            if step.kind == "build" and build_fails:
                build_ok = False
                step.conclusion = "failure"
            if step.name == contract.REPORT_STEP and not build_ok:
                step.conclusion = "failure"
            if step.uploads and self.uploads_refused:  # GHESNotSupportedError, at once
                step.end, step.conclusion = t + 1.0, "failure"
            job_failed |= step.conclusion == "failure" and not step.continue_on_error
            t = step.end
        self.debug.end = t
        self.debug.conclusion = "success" if build_ok and not job_failed else "failure"
        if self.scenario == "timed-out":
            self._time_out()
        if self.scenario == "cancelled" and self.cancelled_at is None:
            build = self.step("build")
            self.cancelled_at = (build.start if build and build.start else t) + 10
        if self.cancelled_at is not None:
            self._apply_cancel()

    def _released(self) -> float:
        """When the run may start: at once, or when the run it waits for has ended (a run
        that never ends holds it for a day)."""
        if self.after is None or self.attempt > 1:
            return self.created
        end = self.after.end()
        return max(self.created, end if end is not None else self.created + 86400.0)

    def _time_out(self) -> None:
        """The job reaches its time limit halfway through the build: the build step is
        cancelled, nothing after it runs, and the job (not "failure") says "timed_out"."""
        build = self.step("build")
        if build is None or build.start is None or build.end is None:
            return
        at = build.start + (build.end - build.start) / 2
        for step in self.debug.steps:
            if step.start is not None and step.start > build.start:
                step.start = step.end = None
                step.conclusion = "skipped"
        build.end, build.conclusion = at, "cancelled"
        self.debug.end, self.debug.conclusion = at + 1, "timed_out"

    def _apply_cancel(self) -> None:
        at = self.cancelled_at
        if at is None:
            return
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
                elif step.end is not None and step.end > at:
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
        if now < self._released():
            return "pending", None
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

    def jobs(self, now: float) -> list[Job]:
        """The jobs listed by `now`: validate from the start, the debug job once validate is
        done (it `needs` validate's outputs)."""
        self.plan()
        if now < self._released():
            return []  # a pending run has no jobs yet
        if self.kept:  # the debug job uses the outputs of the validate job that succeeded
            return [*self.kept, self.debug]
        if self.validate.end is not None and now >= self.validate.end:
            return [self.validate, self.debug]
        return [self.validate]

    def conclusion(self) -> str:
        if self.cancelled_at is not None:
            return "cancelled"
        if self.validate.conclusion == "failure" or self.debug.conclusion == "timed_out":
            return "failure"
        return self.debug.conclusion or "failure"

    def session_open(self, now: float) -> str | None:
        """The stage of the SSH session open now, if any: from its connection's publication
        (Claude Code is installed while the person connects) to the end of its wait."""
        self.plan()
        for step in self.debug.steps:
            if step.kind == "wait" and step.start is not None and step.end is not None:
                publish = self.step("publish", step.stage)
                if publish and publish.end is not None and publish.end <= now < step.end:
                    return step.stage
        return None

    def continue_session(self, now: float, stage: str | None = None) -> bool:
        current = self.session_open(now)
        if current is None or (stage and stage != current):
            return False
        self.continued[current] = now
        return True

    def cancel(self, now: float, force: bool = False, takes: float = 0.0) -> bool:
        """Cancel `takes` seconds from now (the workflow's `always()` steps run first), or
        at once when forced."""
        status, _ = self.status(now)
        if status == "completed":
            return False
        at = now if force else now + takes
        self.cancelled_at = at if self.cancelled_at is None else min(self.cancelled_at, at)
        self.force_cancelled = force
        return True

    def step(self, kind: str, stage: str | None = None) -> Step | None:
        """The debug job's step of this kind (and stage), as published.py reads it."""
        return next(
            (s for s in self.debug.steps if s.kind == kind and (stage is None or s.stage == stage)),
            None,
        )


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
