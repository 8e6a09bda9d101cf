"""The SSH pane: the command in full, a countdown, how to let the build go on, and more."""

from __future__ import annotations

from datetime import datetime, timezone

from rich.text import Text

from cibw_debug_tui.core.session import Session
from cibw_debug_tui.ui.format import duration
from cibw_debug_tui.ui.widgets.pane import Pane

STAGE_WORDS = {"before-build": "before the build", "after-failure": "after the failure"}


class SshPane(Pane):
    """What a person needs to get onto the runner, one key (c) from the clipboard."""

    def __init__(self, *, now=lambda: datetime.now(timezone.utc), **kwargs) -> None:
        super().__init__(**kwargs)
        self.now = now
        self.border_title = "SSH"

    def show(self, session: Session | None) -> None:
        self.set_class(False, "-open")
        if session is None:
            self.show_text("")
            return
        conn = session.open_connection()
        if conn is not None:
            self.set_class(True, "-open")
            left = conn.seconds_left(self.now())
            lines = [
                Text.assemble(
                    ("● open ", "bold green"),
                    STAGE_WORDS.get(conn.stage, conn.stage),
                    ("   closes in ", "dim"),
                    (duration(left), "bold"),
                ),
                Text(""),
                Text(conn.ssh or "", style="bold"),
                Text("press c to copy", style="dim italic"),
                Text(""),
                Text.assemble(("let the build go on  ", "dim"), conn.continue_command or ""),
            ]
            if conn.docker_exec:
                lines.append(Text.assemble(("enter the container  ", "dim"), conn.docker_exec))
            if conn.claude:
                lines.append(Text.assemble(("AI help              ", "dim"), conn.claude))
            self.show_text(Text("\n").join(lines))
            return
        refused = [c for c in session.connections.values() if not c.is_open]
        errors = list(session.connection_errors.values())
        if refused:
            self.show_text(Text.assemble(("✗ refused  ", "bold red"), refused[-1].message))
        elif errors:
            self.show_text(Text.assemble(("✗ unreadable connection  ", "bold red"), errors[-1]))
        elif session.connections:
            stages = ", ".join(STAGE_WORDS[s] for s in session.connections)
            self.show_text(Text(f"The session {stages} has ended.", style="italic"))
        else:
            self.show_text(Text(_expectation(session), style="italic"))


def _expectation(session: Session) -> str:
    mode = session.spec.debug_mode
    if session.done:
        return "No SSH session was opened."
    return {
        "disabled": "No SSH session: debug mode is disabled.",
        "before-build": "An SSH session opens before the build.",
        "after-failure": "An SSH session opens if the build fails.",
        "always": "SSH sessions open before the build and if it fails.",
    }.get(mode, "")
