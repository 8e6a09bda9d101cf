"""A debug session (one dispatch of the debug workflow) and the watcher that follows it.

The watcher polls the run, its jobs and its artifacts with conditional requests, one request
at a time (polls never overlap), quickly while something is about to change and more slowly
while nothing moves; it stops once the run is complete and its failure is explained. Network
trouble never ends a watch: it is reported in words (`note`) and retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cibw_debug_tui.core import explain
from cibw_debug_tui.core.connection import (
    Connection,
    ConnectionFileError,
    parse_connection_zip,
    stage_of_artifact,
)
from cibw_debug_tui.core.github import GitHub, GitHubError
from cibw_debug_tui.core.matrix import check

FAST = 2.0  # seconds between polls while something is about to change
NORMAL = 5.0
SLOW = 30.0  # at most, while nothing moves
GROWTH = 1.5
SELECTED_MAX = 5.0  # the session a person is looking at is never polled slower than this
SSH_SOON = ("Install tmate", "Write the SSH", "Open the SSH", "Publish the SSH")


@dataclass
class SessionSpec:
    """What was asked for: enough to dispatch the same thing again."""

    repo: str
    runner: str
    python: str
    arch: str
    debug_mode: str = "after-failure"
    ref: str = "main"
    session_timeout: int = 30
    package_dir: str = "."
    cibw_settings: str = ""

    def inputs(self) -> dict[str, str]:
        return {
            "runner": self.runner,
            "python": self.python,
            "arch": self.arch,
            "debug-mode": self.debug_mode,
            "session-timeout": str(self.session_timeout),
            "package-dir": self.package_dir,
            "cibw-settings": self.cibw_settings,
        }

    @property
    def ssh_after(self) -> bool:
        return self.debug_mode in ("after-failure", "always")


@dataclass
class Session:
    id: str
    spec: SessionSpec
    api_url: str
    created_at: float = field(default_factory=time.time)
    run_id: int | None = None
    html_url: str | None = None
    attempt: int = 1
    status: str = "dispatching"  # dispatching, queued, in_progress, completed, gone, error
    conclusion: str | None = None
    jobs: list[dict] = field(default_factory=list)
    artifacts: list[dict] = field(default_factory=list)
    connections: dict[str, Connection] = field(default_factory=dict)
    connection_errors: dict[str, str] = field(default_factory=dict)
    failure: explain.Explanation | None = None
    failure_log: Path | None = None
    note: str = ""  # what is happening right now, in words ("GitHub answered 502; retrying")
    ended_at: float | None = None
    last_change: float = field(default_factory=time.monotonic)

    @property
    def identifier(self) -> str:
        combo = check(self.spec.runner, self.spec.python, self.spec.arch)
        return combo.identifier or f"{self.spec.python}-{self.spec.arch}"

    @property
    def done(self) -> bool:
        return self.status in ("completed", "gone", "error")

    def current_step(self) -> str | None:
        for job in reversed(self.jobs):
            for step in job.get("steps") or []:
                if step.get("status") == "in_progress":
                    return step["name"]
        return None

    def open_connection(self) -> Connection | None:
        """The SSH session open now, the later stage first."""
        if self.done:
            return None
        for stage in ("after-failure", "before-build"):
            conn = self.connections.get(stage)
            if conn and conn.is_open and not self._session_step_done(stage):
                return conn
        return None

    def _session_step_done(self, stage: str) -> bool:
        wanted = "SSH session (before" if stage == "before-build" else "SSH session (after"
        for job in self.jobs:
            for step in job.get("steps") or []:
                if step["name"].startswith(wanted) and step.get("status") == "completed":
                    return True
        return False


Event = tuple[str, Any]  # (kind, payload): "status", "jobs", "ssh", "artifacts", "note", ...


class Watcher:
    """Follows one session's run until it is complete (or deleted)."""

    def __init__(
        self,
        github: GitHub,
        session: Session,
        on_event: Callable[[Event], None] | None = None,
        log_dir: Path | None = None,
        pace: float = 1.0,
        now: Callable[[], float] = time.time,
    ):
        self.now = now  # the clock sessions are timed by (the simulator's, in the demo)
        self.pace = pace  # scales every interval; tests and the fast demo clock use < 1
        self.github = github
        self.session = session
        self.on_event = on_event or (lambda event: None)
        self.log_dir = log_dir
        self.selected = False
        self.interval = FAST
        self._wake = asyncio.Event()
        self._fetched: set[int] = set()  # artifact ids already read as connection files
        self._explain_tries = 0

    def nudge(self) -> None:
        """Poll now (after an action, or when a person selects this session)."""
        self.interval = FAST
        self._wake.set()

    def _emit(self, kind: str, payload: Any = None) -> None:
        self.on_event((kind, payload))

    def _note(self, text: str) -> None:
        if text != self.session.note:
            self.session.note = text
            self._emit("note", text)

    async def run(self) -> Session:
        while True:
            try:
                changed = await self.poll_once()
            except GitHubError as error:
                if error.status == 404 and self.session.run_id is not None:
                    self.session.status = "gone"
                    self._note("the run was deleted on GitHub")
                    self._emit("status", "gone")
                    return self.session
                self._note(str(error))
                changed = False
                self.interval = min(SLOW, max(NORMAL, self.interval * 2))
            else:
                if self.session.note and not self.github.status:
                    self._note("")
            if self._finished():
                return self.session
            self._next_interval(changed)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval * self.pace)

    def _finished(self) -> bool:
        s = self.session
        if s.status == "gone":
            return True
        if s.status != "completed":
            return False
        unexplained = s.conclusion == "failure" and s.failure is None
        return not unexplained or self._explain_tries >= 3

    def _next_interval(self, changed: bool) -> None:
        s = self.session
        step = s.current_step() or ""
        soon = any(step.startswith(prefix) for prefix in SSH_SOON)
        young = self.now() - s.created_at < 60
        if changed or soon or (s.status == "queued" and young):
            self.interval = FAST
        else:
            self.interval = min(SLOW, max(NORMAL, self.interval * GROWTH))
        if self.selected:
            self.interval = min(self.interval, SELECTED_MAX)

    async def poll_once(self) -> bool:
        """One round: run, jobs, artifacts. True when anything changed."""
        s = self.session
        repo, run_id = s.spec.repo, s.run_id
        assert run_id is not None
        run, run_changed = await self.github.run(repo, run_id)
        changed = False
        if run_changed:
            attempt = run.get("run_attempt") or 1
            if attempt != s.attempt:
                s.attempt = attempt
                s.connections.clear()
                s.connection_errors.clear()
                s.failure = None
                s.failure_log = None
            if (run["status"], run["conclusion"]) != (s.status, s.conclusion):
                s.status, s.conclusion = run["status"], run["conclusion"]
                s.ended_at = self.now() if s.status == "completed" else None
                self._emit("status", s.status)
                changed = True
            s.html_url = run.get("html_url") or s.html_url
        jobs, jobs_changed = await self.github.jobs(repo, run_id)
        if jobs_changed and jobs != s.jobs:
            s.jobs = jobs
            self._emit("jobs", jobs)
            changed = True
        artifacts, artifacts_changed = await self.github.artifacts(repo, run_id)
        if artifacts_changed and artifacts != s.artifacts:
            s.artifacts = artifacts
            self._emit("artifacts", artifacts)
            changed = True
        await self._read_connections()
        if s.status == "completed" and s.conclusion == "failure" and s.failure is None:
            await self._explain_failure()
        if changed:
            s.last_change = time.monotonic()
        return changed

    async def _read_connections(self) -> None:
        s = self.session
        for artifact in s.artifacts:
            stage = stage_of_artifact(artifact["name"])
            attempt_suffix = f"-attempt-{s.attempt}"
            if not stage or not artifact["name"].endswith(attempt_suffix):
                continue
            if artifact["id"] in self._fetched:
                continue
            try:
                blob = await self.github.artifact_bytes(s.spec.repo, artifact["id"])
                connection = parse_connection_zip(blob)
            except ConnectionFileError as error:
                self._fetched.add(artifact["id"])
                s.connection_errors[stage] = str(error)
                self._emit("ssh-error", (stage, str(error)))
                continue
            except GitHubError as error:
                self._note(f"could not read the SSH connection yet: {error}")
                continue
            self._fetched.add(artifact["id"])
            s.connections[stage] = connection
            self._emit("ssh", connection)

    async def _explain_failure(self) -> None:
        s = self.session
        failed = [j for j in s.jobs if j.get("conclusion") == "failure"]
        if not failed:
            return
        job = failed[-1]
        self._explain_tries += 1
        folder = self.log_dir or Path.cwd()
        dest = folder / f"{s.spec.repo.replace('/', '_')}-{s.run_id}-{job['id']}.log"
        try:
            await self.github.job_log(s.spec.repo, job["id"], dest)
        except GitHubError as error:
            self._note(f"could not fetch the failed job's log: {error}")
            return
        with open(dest, "rb") as stream:
            s.failure = explain.explain_stream(stream)
        s.failure_log = dest
        self._emit("failure", s.failure)
