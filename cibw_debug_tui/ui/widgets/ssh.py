"""The SSH pane: the command in full on a line of its own, a countdown, how to let the build go
on, and more; once a session has ended, how (let go on, timed out, cancelled)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical

from cibw_debug_tui.core.connection import UNTRUSTED
from cibw_debug_tui.core.safe_text import one_line
from cibw_debug_tui.core.session import DebugMode, Session
from cibw_debug_tui.core.units import duration
from cibw_debug_tui.core.workflow_contract import STAGE_WORDS
from cibw_debug_tui.ui.widgets.pane import Pane

EXPECTATIONS = {
    DebugMode.DISABLED: "No SSH session: debug mode is disabled.",
    DebugMode.BEFORE_BUILD: "An SSH session opens before the build.",
    DebugMode.AFTER_FAILURE: "An SSH session opens if the build fails.",
    DebugMode.ALWAYS: "SSH sessions open before the build and if it fails.",
}


class SshPane(Vertical):
    """What a person needs to get onto the runner, one key (c) from the clipboard.

    The first line holds the countdown, which changes every second; the command and what
    follows are widgets of their own so that the clock does not draw them again each time.
    The command is never cut or wrapped by the pane: the dashboard leaves it room (app.py)."""

    DEFAULT_CSS = """
    SshPane { height: auto; }
    SshPane #ssh-command, SshPane #ssh-body { display: none; }
    SshPane.-open #ssh-command, SshPane.-open #ssh-body { display: block; }
    SshPane #ssh-command { margin-top: 1; text-style: bold; }
    """

    def __init__(
        self, *, now: Callable[[], datetime] = lambda: datetime.now(timezone.utc), **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.now = now
        self.border_title = "SSH"

    def compose(self) -> ComposeResult:
        yield Pane(id="ssh-state")
        yield Pane(id="ssh-command")
        yield Pane(id="ssh-body")

    def show(self, session: Session | None) -> None:
        conn = session.open_connection() if session else None
        if self.has_class("-open") != (conn is not None):
            self.set_class(conn is not None, "-open")  # once: each change restyles the pane
        if session is None:
            self.show_text("")
            return
        if conn is not None:
            left = conn.seconds_left(self.now())
            self.show_text(
                Text.assemble(
                    ("● open ", "bold green"),
                    STAGE_WORDS.get(conn.stage, conn.stage),
                    ("   closes in ", "dim"),
                    (duration(left), "bold"),
                )
            )
            command = one_line(conn.ssh)  # rebuilt from checked parts by connection.py
            self.query_one("#ssh-command", Pane).show_text(Text(command))
            lines = [
                Text("press c to copy, s to connect now", style="dim italic"),
                Text(""),
                Text.assemble(("let the build go on  ", "dim"), one_line(conn.continue_command)),
            ]
            if conn.docker_exec:
                lines.append(
                    Text.assemble(("enter the container  ", "dim"), one_line(conn.docker_exec))
                )
            if conn.claude:
                lines.append(Text.assemble(("AI help              ", "dim"), one_line(conn.claude)))
            self.query_one("#ssh-body", Pane).show_text(Text("\n").join(lines))
            return
        refused = [c for c in session.connections.values() if not c.is_open]
        errors = list(session.connection_errors.values())
        if refused:
            self.show_text(
                Text.assemble(("✗ refused  ", "bold red"), one_line(refused[-1].message))
            )
        elif errors:
            untrusted = errors[-1].startswith(UNTRUSTED)  # it says so itself
            what = "✗ " if untrusted else "✗ unreadable connection  "
            self.show_text(Text.assemble((what, "bold red"), one_line(errors[-1])))
        elif session.connections:
            self.show_text(Text("\n").join(_ended(session, stage) for stage in session.connections))
        else:
            self.show_text(Text(_expectation(session), style="italic"))

    def show_text(self, content: Text | str) -> None:
        """What the pane says on its first line (all it says without an open session)."""
        self.query_one("#ssh-state", Pane).show_text(content)


def _ended(session: Session, stage: str) -> Text:
    """How the SSH session of `stage` ended, in words."""
    end = session.ssh_end(stage)
    words = f"The SSH session {STAGE_WORDS.get(stage, stage)} has ended"
    if end is None:  # the run ended before its step was read
        return Text(words + ".", style="italic")
    return Text(f"{words}: {end.words()}.", style="italic")


def _expectation(session: Session) -> str:
    if session.done:
        return "No SSH session was opened."
    return EXPECTATIONS[session.spec.debug_mode]
