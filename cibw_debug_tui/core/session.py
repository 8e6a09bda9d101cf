"""A debug session: what was asked for (`SessionSpec`) and what is known of its run (`Session`).

Watchers (watcher.py) keep a session up to date; the history file (history.py) keeps it across
restarts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

from cibw_debug_tui.core.connection import Connection
from cibw_debug_tui.core.matrix import check
from cibw_debug_tui.core.models import Artifact, Job, RunStatus
from cibw_debug_tui.core.workflow_contract import (
    AFTER_FAILURE,
    ALWAYS,
    BEFORE_BUILD,
    DEBUG_MODES,
    DEFAULT_DEBUG_MODE,
    DISABLED,
    SESSION_STEP_PREFIX,
    step_stage,
)

if TYPE_CHECKING:
    from cibw_debug_tui.core import explain


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
    cancel_asked_at: float | None = None  # when a cancel was sent, until the run ends

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
