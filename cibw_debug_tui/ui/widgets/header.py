"""The selected session in a few lines: its state, what it builds where, its run's page and
what is happening to it now."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.markup import escape

from cibw_debug_tui.ui.format import status_words
from cibw_debug_tui.ui.widgets.pane import Pane

if TYPE_CHECKING:
    from cibw_debug_tui.core.session import Session


class SessionHeader(Pane):
    def show(self, session: Session | None) -> None:
        if session is None:
            self.show_text("No sessions yet: press [b]n[/b] to start one.")
            return
        spec = session.spec
        words = status_words(session)
        if session.status == "completed" and session.conclusion not in ("success", "failure"):
            words = session.conclusion or words
        words = words[0].upper() + words[1:]
        lines = [
            f"[b]{words}[/b] · [b]{session.identifier}[/b] on {spec.runner} · "
            f"{spec.repo}@{spec.ref} · {spec.debug_mode}"
        ]
        if session.html_url:
            lines.append(f"[dim]{session.html_url}[/dim]")
        if session.note:
            lines.append(f"[yellow]⚠ {escape(session.note)}[/yellow]")
        self.show_text("\n".join(lines))
