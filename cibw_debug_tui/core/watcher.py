"""The watcher that follows one session's run.

It polls the run, its jobs and its artifacts with conditional requests, one request at a time
(polls never overlap), quickly while something is about to change and more slowly while
nothing moves; it stops once the run is complete and its failure is explained. Network trouble
never ends a watch: it is reported in words (`note`) and retried. Its SSH connection files
are read by its SshReading part (ssh_reading.py).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from cibw_debug_tui.core import channels, logs
from cibw_debug_tui.core.budget import BEAT, LOOKING, ROUTINE, SSH_OPENING, RequestBudget, on_beat
from cibw_debug_tui.core.channels import Channel
from cibw_debug_tui.core.events import (
    ArtifactsChanged,
    FailureExplained,
    JobsChanged,
    NoteChanged,
    StatusChanged,
    WatchEvent,
)
from cibw_debug_tui.core.github import GitHub, GitHubError
from cibw_debug_tui.core.logs import LOG_WAITS
from cibw_debug_tui.core.models import Run, RunStatus, epoch_seconds
from cibw_debug_tui.core.safe_text import one_line
from cibw_debug_tui.core.session import HELD, NOT_STARTED, LocalStatus, Session
from cibw_debug_tui.core.ssh_reading import SshReading
from cibw_debug_tui.core.waiting import nudged_or_timeout
from cibw_debug_tui.core.workflow_contract import (
    BUILD_STEP_PREFIX,
    PUBLISH_PREFIX,
    SSH_SETUP_PREFIXES,
    UPLOAD_PREFIXES,
    step_stage,
)

FAST = 2.0  # seconds between polls while something is about to change
NORMAL = 5.0
SLOW = 10.0  # at most, while nothing moves (the shared budget slows many sessions further)
GROWTH = 1.5
SELECTED_MAX = 5.0
BUILD_WITH_SSH_AFTER = 6.0  # the session a person is looking at is never polled slower than this
GONE_AFTER = 5.0  # real seconds: a run is deleted when 404s last this long
SSH_SOON = SSH_SETUP_PREFIXES
UPLOADING = UPLOAD_PREFIXES  # the workflow's steps that create artifacts


class Watcher(SshReading):
    """Follows one session's run until it is complete (or deleted)."""

    def __init__(
        self,
        github: GitHub,
        session: Session,
        on_event: Callable[[WatchEvent], None] | None = None,
        *,
        log_dir: Path,
        pace: float = 1.0,
        now: Callable[[], float] = time.time,
        budget: RequestBudget | None = None,
        tmate_hosts: tuple[str, ...] = (),
    ):
        self.now = now  # the clock sessions are timed by (the simulator's, in the demo)
        self.pace = pace  # scales every interval; tests and the fast demo clock use < 1
        self.github = github
        self.session = session
        self.on_event = on_event or (lambda event: None)
        self.log_dir = log_dir
        self.tmate_hosts = tmate_hosts  # self-hosted tmate servers trusted besides tmate.io
        self.selected = False
        self.interval = FAST
        self._wake = asyncio.Event()
        self._fetched: set[int] = set()  # artifact ids already read as connection files
        # Where the run publishes its SSH connections (channels.py): known for GHES at once,
        # else from the run's workflow; the check runs are on the run's commit.
        self.channel = channels.channel_for(github.api_url)
        self.head_sha = ""
        self._asking: set[str] = set()  # stages whose check run is being read
        self._explain_tries = 0  # of the failed job's log
        self._build_log_tries = 0  # of the build log artifact
        self._noted = False  # whether this round said something (then it stays said)
        self._missing_since: float | None = None  # the first of the 404s in a row
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

    def _emit(self, event: WatchEvent) -> None:
        self.on_event(event)

    def _note(self, text: str) -> None:
        self._noted = bool(text)
        if text != self.session.note:
            self.session.note = text
            self._emit(NoteChanged(self.session.id, text))

    async def run(self) -> Session:
        while True:
            self._noted = False
            try:
                changed = await self.poll_once()
            except GitHubError as error:
                if error.status == 404 and self.session.run_id is not None:
                    if self._gone():
                        return self.session
                    await self._rest(GONE_AFTER / 2)  # real seconds, whatever the pace
                    continue
                self._note(str(error))
                changed = False
                self.interval = min(SLOW, max(NORMAL, self.interval * 2))
            else:
                self._missing_since = None
                if self.session.note and not self.github.status and not self._noted:
                    self._note("")
            if self._finished():
                return self.session
            self._next_interval(changed)
            await self._rest(on_beat(self.interval * self.pace, BEAT * self.pace))

    async def _rest(self, seconds: float) -> None:
        """Wait `seconds`, or less when nudged."""
        self._wake.clear()
        await nudged_or_timeout(self._wake, seconds)

    def _gone(self) -> bool:
        """A 404 for the run: gone when GitHub still says so `GONE_AFTER` seconds after the
        first, else asked again (right after a dispatch, or in an incident, a 404 can pass)."""
        now = time.monotonic()
        if self._missing_since is None or now - self._missing_since < GONE_AFTER:
            self._missing_since = self._missing_since or now
            self._note("GitHub does not find the run just now; asking again")
            return False
        self.session.status = LocalStatus.GONE
        self._note("the run was deleted on GitHub")
        self._emit(StatusChanged(self.session.id, LocalStatus.GONE, None))
        return True

    def _finished(self) -> bool:
        s = self.session
        if s.status == LocalStatus.GONE:
            return True
        if s.status != RunStatus.COMPLETED:
            return False
        return not self._log_awaited() or self._explain_tries > len(LOG_WAITS)

    def _log_awaited(self) -> bool:
        """Whether the run failed and the log that says why is still to be read."""
        s = self.session
        return (
            s.status == RunStatus.COMPLETED
            and s.conclusion == "failure"
            and (s.failure is None and logs.job_to_explain(s) is not None)
        )

    def _next_interval(self, changed: bool) -> None:
        s = self.session
        young = self.now() - s.created_at < 60
        step = s.current_step() or ""
        if s.status in HELD:  # behind another run, or an approval: nothing soon
            self.interval = SLOW
        elif changed or (s.status == RunStatus.QUEUED and young) or step.startswith(SSH_SOON):
            self.interval = FAST
        elif self.ssh_soon():  # a build that may fail into a session: the session's own
            self.interval = BUILD_WITH_SSH_AFTER  # steps take longer than this to publish
        else:
            self.interval = min(SLOW, max(NORMAL, self.interval * GROWTH))
        if self.selected:
            self.interval = min(self.interval, SELECTED_MAX)
        if self._log_awaited() and self._explain_tries:  # back off while it is not written
            self.interval = LOG_WAITS[min(self._explain_tries, len(LOG_WAITS)) - 1]

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
            self._emit(JobsChanged(s.id, jobs))
            changed = True
        jobs_done = bool(jobs) and all(j.get("status") == "completed" for j in jobs)
        started = s.status in NOT_STARTED and (
            jobs_changed or any(j.get("status") != "queued" for j in jobs)
        )  # pending (behind another run of its session), waiting (for an approval)...
        # After "re-run failed jobs" the list holds the new attempt's jobs beside the ones
        # that succeeded before, with their old attempt: the newest says whether it is new.
        rerun = max((j.get("run_attempt") or s.attempt for j in jobs), default=0) > s.attempt
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
            s.status == RunStatus.COMPLETED and not self._final_artifacts
        ):
            if any(name.startswith(PUBLISH_PREFIX) for name in uploaded - self._uploads_seen):
                priority = min(priority, SSH_OPENING)  # the connection is there to read
            await self._spend(1, priority)
            artifacts, artifacts_changed = await self.github.artifacts(repo, run_id)
            self._uploads_seen = uploaded
            self._final_artifacts = s.status == RunStatus.COMPLETED
            if artifacts_changed and artifacts != s.artifacts:
                s.artifacts = artifacts
                self._emit(ArtifactsChanged(s.id, artifacts))
                changed = True
        await self._read_connections()
        if self.channel is Channel.CHECK_RUN:  # what the scout has not brought yet
            await self._read_published_check_runs()
        if s.failure is None:
            await self._explain_failure()
        s.checked_at = self.now()
        return changed

    def _take_run(self, run: Run, run_changed: bool) -> bool:
        s = self.session
        self.channel = channels.channel_for(self.github.api_url, run["name"])
        self.head_sha = run["head_sha"] or self.head_sha
        if not run_changed:
            return False
        attempt = run["run_attempt"]
        if attempt != s.attempt:
            s.attempt = attempt
            s.connections.clear()
            s.connection_errors.clear()
            s.failure = None
            s.failure_log = None
            s.started_at = epoch_seconds(run["run_started_at"]) or self.now()
            self._explain_tries = self._build_log_tries = 0
            self._uploads_seen = frozenset()
            self._final_artifacts = False
        s.html_url = run["html_url"] or s.html_url
        if (run["status"], run["conclusion"]) == (s.status, s.conclusion):
            return False
        s.status, s.conclusion = run["status"], run["conclusion"]
        s.ended_at = self.now() if s.status == RunStatus.COMPLETED else None
        self._emit(StatusChanged(s.id, s.status, s.conclusion))
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
            and not (self.channel is Channel.CHECK_RUN and step["name"].startswith(PUBLISH_PREFIX))
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

    async def _explain_failure(self) -> None:
        """Read and explain the failed build's log: the build log artifact as soon as it is
        published (the job may hold an SSH session for half an hour yet), else the failed job's
        own log once the run has ended."""
        s = self.session
        artifact = logs.build_log_artifact(s) if logs.build_failed(s) else None
        if artifact is not None and self._build_log_tries >= 3:
            artifact = None  # three tries failed: the job's own log, at the end
        job = logs.job_to_explain(s) if self._log_awaited() else None
        if artifact is None and job is None:
            return
        try:
            if artifact is not None:
                self._build_log_tries += 1
                path = await logs.fetch_build_log(self.github, s, artifact, self.log_dir)
            else:
                self._explain_tries += 1
                assert job is not None
                path = await logs.fetch_job_log(self.github, s, job, self.log_dir)
        except GitHubError as error:
            if artifact is not None:
                self._note(f"could not fetch the failed build's log: {error}")
            elif self._explain_tries <= len(LOG_WAITS):
                wait = LOG_WAITS[self._explain_tries - 1]
                self._note(f"reading the log… ({error}; GitHub may write it minutes after the "
                           f"job ended): asking again in {wait:.0f}s")  # fmt: skip
            elif job is not None:
                self._note(f"the log of {one_line(job['name'])!r} could not be read ({error}): "
                           "press l to try again")  # fmt: skip
            return
        except OSError as error:
            self._note(f"could not save the failed build's log in {self.log_dir}: {error.strerror}")
            return
        s.failure = logs.explain_file(path)
        s.failure_log = path
        self._emit(FailureExplained(s.id, s.failure, path))
