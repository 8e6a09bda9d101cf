"""A debug session (one dispatch of the debug workflow) and the watcher that follows it.

The watcher polls the run, its jobs and its artifacts with conditional requests, one request
at a time (polls never overlap), quickly while something is about to change and more slowly
while nothing moves; it stops once the run is complete and its failure is explained. Network
trouble never ends a watch: it is reported in words (`note`) and retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cibw_debug_tui.core.connection import (
    Connection,
    ConnectionFileError,
    parse_connection_zip,
    stage_of_artifact,
)
from cibw_debug_tui.core.github import GitHub, GitHubError
from cibw_debug_tui.core.matrix import check
from cibw_debug_tui.core.workflow_contract import (
    AFTER_FAILURE,
    BEFORE_BUILD,
    BUILD_STEP_PREFIX,
    DEBUG_MODES,
    DEFAULT_DEBUG_MODE,
    PUBLISH_PREFIX,
    SESSION_STEP_PREFIX,
    SSH_SETUP_PREFIXES,
    UPLOAD_PREFIXES,
)

if TYPE_CHECKING:
    from cibw_debug_tui.core import explain

FAST = 2.0  # seconds between polls while something is about to change
NORMAL = 5.0
SLOW = 10.0  # at most, while nothing moves (the shared budget slows many sessions further)
GROWTH = 1.5
SELECTED_MAX = 5.0
BUILD_WITH_SSH_AFTER = 6.0  # the session a person is looking at is never polled slower than this
SSH_SOON = SSH_SETUP_PREFIXES
UPLOADING = UPLOAD_PREFIXES  # the workflow's steps that create artifacts


def step_stage(step_name: str) -> str:
    """The SSH stage a step of the workflow belongs to, by its name's "(before the build)" or
    "(after the failure)"."""
    return BEFORE_BUILD if "(before" in step_name else AFTER_FAILURE


BEAT = 1.0  # seconds: polls start on it, together (see RequestBudget)
PER_MINUTE = 240.0  # all polls together: GitHub's secondary limit is about 300 (every request
# costs CPU too; 240 still polls each of 50 busy sessions every ~12 s)


def on_beat(wait: float, beat: float) -> float:
    """`wait` (seconds), lengthened to end on the next beat of the monotonic clock."""
    if not beat:
        return wait
    now = time.monotonic()
    return math.ceil((now + wait) / beat) * beat - now


# Who is waiting for a poll, most pressing first.
LOOKING = 0  # the session a person has selected
SSH_OPENING = 1  # the SSH scout, or reading a connection file just published
ROUTINE = 2


class RequestBudget:
    """Requests per minute shared by every watcher: many sessions slow each other down instead
    of spending the rate limit. The selected session may borrow ahead; the others wait in line,
    the SSH scout first, then first come, first served.

    The line moves on the beat (a second): the requests that the past second paid for go
    together, not one every 200 ms. Together they cost less than half the CPU each (a request
    after a pause finds cold caches), and the dashboard paints once a second anyway."""

    def __init__(
        self,
        per_minute: float = PER_MINUTE,
        pace: float = 1.0,
        burst: float = 20.0,
        beat: float = BEAT,
    ):
        self.rate = per_minute / 60.0 / pace  # tokens per real second
        self.burst = burst
        self.pace = pace
        self.beat = beat * pace  # real seconds
        self.tokens = burst
        self._stamp = time.monotonic()
        self._line: list[list] = []  # a heap of [priority, arrival, wake-up event]
        self._arrivals = itertools.count()

    def _refill(self) -> None:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    async def take(self, count: int, priority: int = ROUTINE) -> None:
        self._refill()
        if priority == LOOKING and self.tokens > -self.burst:
            self.tokens -= count
            return
        if not self._line and self.tokens >= count:
            self.tokens -= count
            return
        place = [priority, next(self._arrivals), asyncio.Event()]
        heapq.heappush(self._line, place)
        try:
            while True:
                self._refill()
                first = self._line[0] is place
                if first and self.tokens >= count:
                    self.tokens -= count
                    return
                place[2].clear()
                wait = on_beat((count - self.tokens) / self.rate, self.beat) if first else None
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(place[2].wait(), wait)
        finally:
            self._line.remove(place)
            heapq.heapify(self._line)
            if self._line:
                self._line[0][2].set()  # the next in line looks again


@dataclass
class SessionSpec:
    """What was asked for: enough to dispatch the same thing again."""

    repo: str
    runner: str
    python: str
    arch: str
    debug_mode: str = DEFAULT_DEBUG_MODE
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
    def ssh_before(self) -> bool:
        return BEFORE_BUILD in DEBUG_MODES.get(self.debug_mode, ())

    @property
    def ssh_after(self) -> bool:
        return AFTER_FAILURE in DEBUG_MODES.get(self.debug_mode, ())


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
        for stage in (AFTER_FAILURE, BEFORE_BUILD):
            conn = self.connections.get(stage)
            if conn and conn.is_open and not self._session_step_done(stage):
                return conn
        return None

    def _session_step_done(self, stage: str) -> bool:
        for job in self.jobs:
            for step in job.get("steps") or []:
                name = step["name"]
                if (
                    name.startswith(SESSION_STEP_PREFIX)
                    and step_stage(name) == stage
                    and step.get("status") == "completed"
                ):
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
        budget: RequestBudget | None = None,
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
        self.budget = budget
        self._want_run = True
        self._uploads_seen: frozenset[str] = frozenset()
        self._final_artifacts = False

    def nudge(self) -> None:
        """Poll now, run included (after an action on it)."""
        self.interval = FAST
        self._want_run = True
        self._wake.set()

    def look(self) -> None:
        """Poll now (a person has selected this session): the jobs, which say whether the
        run needs reading too."""
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
                await asyncio.wait_for(
                    self._wake.wait(), on_beat(self.interval * self.pace, BEAT * self.pace)
                )

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
        young = self.now() - s.created_at < 60
        step = s.current_step() or ""
        if changed or (s.status == "queued" and young) or step.startswith(SSH_SOON):
            self.interval = FAST
        elif self.ssh_soon():  # a build that may fail into a session: the session's own
            self.interval = BUILD_WITH_SSH_AFTER  # steps take longer than this to publish
        else:
            self.interval = min(SLOW, max(NORMAL, self.interval * GROWTH))
        if self.selected:
            self.interval = min(self.interval, SELECTED_MAX)

    async def poll_once(self) -> bool:
        """One round, as cheap as it can be: the jobs always (they show every step), the run
        when the jobs say it started, may have ended or was run again (each job names its
        attempt), the artifacts when a step that uploads has finished. True when anything
        changed."""
        s = self.session
        repo, run_id = s.spec.repo, s.run_id
        assert run_id is not None
        priority = LOOKING if self.selected else ROUTINE  # SSH connections: see SshScout
        changed = False
        await self._spend(1, priority)
        jobs, jobs_changed = await self.github.jobs(repo, run_id)
        if jobs_changed and jobs != s.jobs:
            s.jobs = jobs
            self._emit("jobs", jobs)
            changed = True
        jobs_done = bool(jobs) and all(j.get("status") == "completed" for j in jobs)
        started = s.status == "queued" and any(j.get("status") != "queued" for j in jobs)
        rerun = any((j.get("run_attempt") or s.attempt) != s.attempt for j in jobs)
        if self._want_run or jobs_done or started or rerun:
            await self._spend(1, priority)
            changed |= self._take_run(*await self.github.run(repo, run_id))
            self._want_run = False
        uploaded = self._uploads_done()
        if uploaded != self._uploads_seen and all(
            map(self._scouted, uploaded - self._uploads_seen)
        ):
            self._uploads_seen = uploaded  # the scout has brought what those steps published
        if uploaded != self._uploads_seen or (
            s.status == "completed" and not self._final_artifacts
        ):
            if any(name.startswith(PUBLISH_PREFIX) for name in uploaded - self._uploads_seen):
                priority = min(priority, SSH_OPENING)  # the connection is there to read
            await self._spend(1, priority)
            artifacts, artifacts_changed = await self.github.artifacts(repo, run_id)
            self._uploads_seen = uploaded
            self._final_artifacts = s.status == "completed"
            if artifacts_changed and artifacts != s.artifacts:
                s.artifacts = artifacts
                self._emit("artifacts", artifacts)
                changed = True
        await self._read_connections()
        if s.status == "completed" and s.conclusion == "failure" and s.failure is None:
            await self._explain_failure()
        return changed

    def _take_run(self, run: dict, run_changed: bool) -> bool:
        s = self.session
        if not run_changed:
            return False
        attempt = run.get("run_attempt") or 1
        if attempt != s.attempt:
            s.attempt = attempt
            s.connections.clear()
            s.connection_errors.clear()
            s.failure = None
            s.failure_log = None
            self._uploads_seen = frozenset()
            self._final_artifacts = False
        s.html_url = run.get("html_url") or s.html_url
        if (run["status"], run["conclusion"]) == (s.status, s.conclusion):
            return False
        s.status, s.conclusion = run["status"], run["conclusion"]
        s.ended_at = self.now() if s.status == "completed" else None
        self._emit("status", s.status)
        return True

    def _uploads_done(self) -> frozenset[str]:
        """Steps that uploaded artifacts (finished, not skipped): when this grows, artifacts
        changed."""
        return frozenset(
            step["name"]
            for job in self.session.jobs
            for step in job.get("steps") or []
            if step["name"].startswith(UPLOADING)
            and step.get("status") == "completed"
            and step.get("conclusion") != "skipped"
        )

    def _scouted(self, step_name: str) -> bool:
        """Whether what this upload step published, an SSH connection file, is read already
        (the scout finds it first): then the run's artifacts need not be asked for."""
        if not step_name.startswith(PUBLISH_PREFIX):
            return False
        stage = step_stage(step_name)
        return stage in self.session.connections or stage in self.session.connection_errors

    def ssh_soon(self) -> bool:
        """An SSH session may open within seconds: its setup runs, or a build that may fail
        into an after-failure session."""
        step = self.session.current_step() or ""
        building = step.startswith(BUILD_STEP_PREFIX) and self.session.spec.ssh_after
        return building or any(step.startswith(prefix) for prefix in SSH_SOON)

    async def _spend(self, requests: int, priority: int) -> None:
        if self.budget is not None:
            await self.budget.take(requests, priority)

    def waits_for_ssh(self) -> bool:
        """Whether an SSH session of this run may still open (for the scout)."""
        s = self.session
        if s.status not in ("queued", "in_progress"):
            return False
        wanted = {BEFORE_BUILD} if s.spec.ssh_before else set()
        wanted |= {AFTER_FAILURE} if s.spec.ssh_after else set()
        return bool(wanted - set(s.connections) - set(s.connection_errors))

    async def offer(self, artifact: dict) -> None:
        """A connection file of this run, seen by the scout: read it now."""
        s = self.session
        if all(a["id"] != artifact["id"] for a in s.artifacts):
            s.artifacts = [*s.artifacts, artifact]
            self._emit("artifacts", s.artifacts)
        await self._read_connections()

    async def _read_connections(self) -> None:
        s = self.session
        for artifact in list(s.artifacts):
            stage = stage_of_artifact(artifact["name"])
            attempt_suffix = f"-attempt-{s.attempt}"
            if not stage or not artifact["name"].endswith(attempt_suffix):
                continue
            if artifact["id"] in self._fetched:  # read, or being read by the scout's call
                continue
            self._fetched.add(artifact["id"])
            try:
                blob = await self.github.artifact_bytes(s.spec.repo, artifact["id"])
                connection = parse_connection_zip(blob)
            except ConnectionFileError as error:
                s.connection_errors[stage] = str(error)
                self._emit("ssh-error", (stage, str(error)))
                continue
            except GitHubError as error:
                self._fetched.discard(artifact["id"])  # try again on the next round
                self._note(f"could not read the SSH connection yet: {error}")
                continue
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
        from cibw_debug_tui.core import explain

        with open(dest, "rb") as stream:
            s.failure = explain.explain_stream(stream)
        s.failure_log = dest
        self._emit("failure", s.failure)


class SshScout:
    """Looks for every watched session's SSH connection file in one request.

    The repository's artifact list shows a connection file as soon as any run publishes one;
    each session's own polls would need a request per run, and with many sessions starting
    together they wait their turn in the budget. The scout asks every 2 s while a session is
    setting up its SSH session (every 5 s while one merely may open one) and hands what it
    finds to that session's watcher.
    """

    def __init__(self, github: GitHub, budget: RequestBudget | None = None, pace: float = 1.0):
        self.github = github
        self.budget = budget
        self.pace = pace
        self.watchers: list[Watcher] = []

    async def run(self) -> None:
        """Scout until no session is watched any more."""
        while self.watchers:
            waiting = [w for w in self.watchers if w.waits_for_ssh()]
            for repo in {w.session.spec.repo for w in waiting}:
                await self._look(repo, [w for w in waiting if w.session.spec.repo == repo])
            soon = any(w.ssh_soon() for w in waiting)
            await asyncio.sleep(on_beat((FAST if soon else NORMAL) * self.pace, BEAT * self.pace))

    async def _look(self, repo: str, watchers: list[Watcher]) -> None:
        if self.budget is not None:
            await self.budget.take(1, SSH_OPENING)
        try:
            artifacts, changed = await self.github.repo_artifacts(repo)
        except GitHubError:
            return  # the watchers' own polls find it later, and say what is wrong
        if not changed:
            return
        by_run = {w.session.run_id: w for w in watchers}
        for artifact in artifacts:
            watcher = by_run.get((artifact.get("workflow_run") or {}).get("id"))
            if watcher is not None and stage_of_artifact(artifact["name"]):
                await watcher.offer(artifact)
