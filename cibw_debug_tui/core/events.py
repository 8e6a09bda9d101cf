"""What watchers and the fleet tell the dashboard and `dispatch --watch`: one small frozen
dataclass per kind of news. Consumers `match` on the classes, so a kind a consumer does not
know is a type error, not a string silently ignored.

An event says what changed; the session (`Fleet.sessions[event.session_id]`) holds the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, NoReturn

from cibw_debug_tui.core.connection import Connection
from cibw_debug_tui.core.models import Artifact, Job

if TYPE_CHECKING:
    from cibw_debug_tui.core.explain import Explanation
    from cibw_debug_tui.core.session import SessionStatus


@dataclass(frozen=True)
class StatusChanged:
    kind: ClassVar[str] = "status"
    session_id: str
    status: SessionStatus
    conclusion: str | None


@dataclass(frozen=True)
class JobsChanged:
    kind: ClassVar[str] = "jobs"
    session_id: str
    jobs: list[Job]


@dataclass(frozen=True)
class ArtifactsChanged:
    kind: ClassVar[str] = "artifacts"
    session_id: str
    artifacts: list[Artifact]


@dataclass(frozen=True)
class SshConnectionRead:
    """The runner published its SSH connection: open, or refused (`connection.message`)."""

    kind: ClassVar[str] = "ssh"
    session_id: str
    connection: Connection


@dataclass(frozen=True)
class SshUnreadable:
    """A connection file that could not be read or was not trusted."""

    kind: ClassVar[str] = "ssh-error"
    session_id: str
    stage: str
    message: str


@dataclass(frozen=True)
class FailureExplained:
    kind: ClassVar[str] = "failure"
    session_id: str
    explanation: Explanation
    log: Path


@dataclass(frozen=True)
class NoteChanged:
    """What is happening to the session now, in words ("" once it is fine again)."""

    kind: ClassVar[str] = "note"
    session_id: str
    text: str


@dataclass(frozen=True)
class WatchEnded:
    """The fleet stopped following the session: its run is over (`error` is ""), or its
    watcher failed, and `error` says how."""

    kind: ClassVar[str] = "ended"
    session_id: str
    error: str


@dataclass(frozen=True)
class ClientSaid:
    """The client is retrying, waiting out a rate limit... ("" once it is fine again)."""

    kind: ClassVar[str] = "client"
    text: str


@dataclass(frozen=True)
class RepositoryMoved:
    """GitHub redirected a repository's old name: it is `new` from now on (history too)."""

    kind: ClassVar[str] = "moved"
    old: str
    new: str

    @property
    def text(self) -> str:
        return f"{self.old} is now {self.new} on GitHub (renamed or transferred): using {self.new}"


WatchEvent = (
    StatusChanged
    | JobsChanged
    | ArtifactsChanged
    | SshConnectionRead
    | SshUnreadable
    | FailureExplained
    | NoteChanged
)
FleetEvent = WatchEvent | WatchEnded | ClientSaid | RepositoryMoved


def assert_never(event: NoReturn) -> NoReturn:
    """The end of a `match` over events: mypy names the kinds a consumer forgot (typing has
    this only from Python 3.11)."""
    raise AssertionError(f"an event of an unknown kind: {event!r}")
