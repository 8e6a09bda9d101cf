"""A debug session: what was asked for (`SessionSpec`) and what is known of its run (`Session`).

Watchers (watcher.py) keep a session up to date; the history file (history.py) keeps it across
restarts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from cibw_debug_tui.core.connection import Connection
from cibw_debug_tui.core.matrix import check

if TYPE_CHECKING:
    from cibw_debug_tui.core import explain


def step_stage(step_name: str) -> str:
    """The SSH stage a step of the workflow belongs to, by its name's "(before the build)" or
    "(after the failure)"."""
    return "before-build" if "(before" in step_name else "after-failure"


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
    def ssh_before(self) -> bool:
        return self.debug_mode in ("before-build", "always")

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
        for job in self.jobs:
            for step in job.get("steps") or []:
                name = step["name"]
                if (
                    name.startswith("SSH session (")
                    and step_stage(name) == stage
                    and step.get("status") == "completed"
                ):
                    return True
        return False
