"""A debug session: what was asked for (`SessionSpec`) and what is known of its run (`Session`).

Watchers (watcher.py) keep a session up to date; the history file (history.py) keeps it across
restarts.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

from cibw_debug_tui.core.matrix import check
from cibw_debug_tui.core.models import Artifact, Job, RunStatus, epoch_seconds
from cibw_debug_tui.core.units import duration
from cibw_debug_tui.core.workflow_contract import (
    AFTER_FAILURE,
    ALWAYS,
    BEFORE_BUILD,
    DEBUG_MODES,
    DEFAULT_DEBUG_MODE,
    DISABLED,
    SESSION_STEP_PREFIX,
    VALIDATE_JOB,
    step_stage,
)

if TYPE_CHECKING:  # a session can be shown before either is loaded (the history's, at start)
    from cibw_debug_tui.core import explain
    from cibw_debug_tui.core.connection import Connection


class DebugMode(str, Enum):
    """When the workflow opens an SSH session (its `debug-mode` input): the contract's modes
    (tests/test_workflow_contract.py holds the two to each other)."""

    AFTER_FAILURE = AFTER_FAILURE
    BEFORE_BUILD = BEFORE_BUILD
    ALWAYS = ALWAYS
    DISABLED = DISABLED

    def __str__(self) -> str:
        return self.value


DEFAULT_MODE = DebugMode(DEFAULT_DEBUG_MODE)


class LocalStatus(str, Enum):
    """A session's states that only this tool knows: GitHub has no run for them, not yet or
    not any more. (The states GitHub reports are RunStatus.)"""

    DISPATCHING = "dispatching"
    GONE = "gone"  # the run was deleted on GitHub
    ERROR = "error"  # not dispatched: `note` says why

    def __str__(self) -> str:
        return self.value


SessionStatus = RunStatus | LocalStatus
FORCE_CANCEL_AFTER = 60.0  # seconds of "cancelling" before force-cancel is offered
# GitHub's statuses of a run that has not started; HELD ones wait for something else first.
NOT_STARTED = (RunStatus.REQUESTED, RunStatus.QUEUED, RunStatus.PENDING, RunStatus.WAITING)
HELD = (RunStatus.PENDING, RunStatus.WAITING)
WAITING_WORDS = {
    RunStatus.REQUESTED: "requested: GitHub is creating the run",
    RunStatus.QUEUED: "queued, waiting for a runner",
    RunStatus.PENDING: "waiting for another run of this session to finish",
    RunStatus.WAITING: "waiting for an approval or a wait timer (an environment's rule)",
}
FINAL = (RunStatus.COMPLETED, LocalStatus.GONE, LocalStatus.ERROR)


def session_status(text: str) -> SessionStatus:
    """A status as written in the history file; ValueError when it is none."""
    for kind in (RunStatus, LocalStatus):
        try:
            return kind(text)
        except ValueError:
            pass
    raise ValueError(f"unknown session status {text!r}")


@dataclass(frozen=True)
class SessionSpec:
    """What was asked for: enough to dispatch the same thing again."""

    repo: str
    runner: str
    python: str
    arch: str
    debug_mode: DebugMode = DEFAULT_MODE
    ref: str = "main"
    session_timeout: int = 30
    package_dir: str = "."
    cibw_settings: str = ""

    def __post_init__(self) -> None:
        # The history file and the command line give the mode as text: one type from here on.
        object.__setattr__(self, "debug_mode", DebugMode(self.debug_mode))

    def inputs(self) -> dict[str, str]:
        return {
            "runner": self.runner,
            "python": self.python,
            "arch": self.arch,
            "debug-mode": self.debug_mode.value,
            "session-timeout": str(self.session_timeout),
            "package-dir": self.package_dir,
            "cibw-settings": self.cibw_settings,
        }

    @property
    def ssh_before(self) -> bool:
        return BEFORE_BUILD in DEBUG_MODES[self.debug_mode.value]

    @property
    def ssh_after(self) -> bool:
        return AFTER_FAILURE in DEBUG_MODES[self.debug_mode.value]


WAITING_HINT_AFTER = 180.0  # seconds without a runner before the usual causes are named


def waiting_hint(runner: str) -> str:
    """Why a run may wait for a runner this long, and where to look."""
    return (
        f"a run waits this long when no runner takes its label: check that {runner} is a "
        "runner this repository may use (arm64 runners were free for public repositories "
        "only), that its organisation allows GitHub-hosted runners, and that other jobs do not "
        "hold every runner it may use at once; the run's page says what it waits for"
    )


def new_session_id() -> str:
    """A session's id: in its run's name, so that a dispatch whose answer was lost is found."""
    return uuid.uuid4().hex[:12]


TIMEOUT_SLACK = 15.0  # seconds: the workflow checks its session's deadline every 5 s


@dataclass(frozen=True)
class SshEnd:
    """How an SSH session ended, read from its step and its connection file: `why` is
    "continued" (the continue file, or the last shell closed), "timed out" or "cancelled"."""

    stage: str
    why: str
    lasted: float | None  # seconds from its opening to its end, when both are known
    limit: int  # its timeout, in minutes

    def words(self) -> str:
        """How it ended, in words for people."""
        if self.why == "timed out":
            return f"timed out at its {self.limit}-minute limit"
        if self.why == "cancelled":
            return "cancelled with the run"
        after = f" after {duration(self.lasted)}" if self.lasted is not None else ""
        return f"let go on{after} (the continue file, or its last shell closed)"


@dataclass
class Session:
    id: str
    spec: SessionSpec
    api_url: str
    created_at: float = field(default_factory=time.time)
    run_id: int | None = None
    html_url: str | None = None
    attempt: int = 1
    status: SessionStatus = LocalStatus.DISPATCHING
    conclusion: str | None = None  # GitHub's, once the run is completed
    jobs: list[Job] = field(default_factory=list)
    artifacts: list[Artifact] = field(default_factory=list)
    connections: dict[str, Connection] = field(default_factory=dict)
    connection_errors: dict[str, str] = field(default_factory=dict)
    failure: explain.Explanation | None = None
    failure_log: Path | None = None
    note: str = ""  # what is happening right now, in words ("GitHub answered 502; retrying")
    ended_at: float | None = None
    started_at: float | None = None  # when its run (its current attempt) started, if known
    group: str | None = None  # the batch it was dispatched with ("cp39-cp314 on macos-15")
    checked_at: float | None = None  # when its run was last read (not kept in the history)
    cancel_asked_at: float | None = None  # when a cancel was sent, until the run ends

    def elapsed(self, now: float) -> float:
        """Seconds the current attempt has taken: a rerun counts from its own start."""
        start = self.started_at if self.started_at is not None else self.created_at
        end = self.ended_at if self.done and self.ended_at is not None else now
        return max(0.0, end - start)

    def cancel_stuck(self, now: float) -> bool:
        """Whether a cancel has not taken for FORCE_CANCEL_AFTER seconds (GitHub runs the
        workflow's `always()` steps first): then force-cancel is offered."""
        asked = self.cancel_asked_at
        return asked is not None and not self.done and now - asked >= FORCE_CANCEL_AFTER

    @property
    def identifier(self) -> str:
        combo = check(self.spec.runner, self.spec.python, self.spec.arch)
        return combo.identifier or f"{self.spec.python}-{self.spec.arch}"

    @property
    def done(self) -> bool:
        return self.status in FINAL

    def debug_job(self) -> Job | None:
        """The job that builds (not the one that checks the combination), once listed."""
        return next((j for j in reversed(self.jobs) if j["name"] != VALIDATE_JOB), None)

    def waiting_for_runner(self) -> bool:
        """Whether the run waits for a runner: queued, or between its jobs with none running
        (the check is done, the build job is not taken yet)."""
        if self.status == RunStatus.QUEUED:
            return True
        if self.status != RunStatus.IN_PROGRESS:
            return False
        job = self.debug_job()
        if any(j.get("status") == "in_progress" for j in self.jobs):
            return False
        return job is None or job.get("status") in ("queued", "waiting", "pending")

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

    def ssh_end(self, stage: str) -> SshEnd | None:
        """How the SSH session of `stage` ended, once its step has: at its timeout (its end
        reached the connection file's `expires_at`), cancelled, or let go on before."""
        for job in self.jobs:
            for step in job.get("steps") or []:
                name = step["name"]
                if not (name.startswith(SESSION_STEP_PREFIX) and step_stage(name) == stage):
                    continue
                if step.get("status") != "completed":
                    return None
                conn = self.connections.get(stage)
                if step.get("conclusion") == "skipped":
                    # cancelled between opening the session and its step: it was open all the same
                    if conn is None or self.conclusion != "cancelled":
                        return None
                    return SshEnd(stage, "cancelled", None, conn.timeout_minutes)
                end = epoch_seconds(step.get("completed_at"))
                expires = conn.expires_at.timestamp() if conn and conn.expires_at else None
                opened = conn.opened_at.timestamp() if conn and conn.opened_at else None
                if step.get("conclusion") == "cancelled":
                    why = "cancelled"
                elif end is not None and expires is not None and end >= expires - TIMEOUT_SLACK:
                    why = "timed out"
                else:
                    why = "continued"
                lasted = end - opened if end is not None and opened is not None else None
                return SshEnd(stage, why, lasted, conn.timeout_minutes if conn else 0)
        return None
