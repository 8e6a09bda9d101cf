"""The selected session in a few lines: its state, what it builds where, its run's page and
what is happening to it now. Built as Text, never markup: the run's page, its conclusion and
the note come from outside (a `[link=...]` in them must stay words)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from cibw_debug_tui.core.safe_text import one_line
from cibw_debug_tui.ui.format import status_words
from cibw_debug_tui.ui.widgets.pane import Pane

if TYPE_CHECKING:
    from cibw_debug_tui.core.session import Session


class SessionHeader(Pane):
    def show(self, session: Session | None, group: list[Session] | None = None) -> None:
        """The session, and the tally of its group (the sessions dispatched with it)."""
        if session is None:
            self.show_text(
                Text.assemble("No sessions yet: press ", ("n", "bold"), " to start one.")
            )
            return
        spec = session.spec
        words = status_words(session)
        if session.status == "completed" and session.conclusion not in ("success", "failure"):
            words = one_line(session.conclusion) or words
        words = words[0].upper() + words[1:]
        where = f" on {spec.runner} · {spec.repo}@{spec.ref} · {spec.debug_mode}"
        lines = [
            Text.assemble(
                (words, "bold"), " · ", (one_line(session.identifier), "bold"), one_line(where)
            )
        ]
        if session.group and group:
            from cibw_debug_tui.core.batch import tally

            done = [s.conclusion or ("error" if s.done else None) for s in group]
            lines.append(Text(f"Group {one_line(session.group)}, {tally(done)}", style="bold"))
        if session.html_url:
            lines.append(Text(one_line(session.html_url), style="dim"))
        if session.note:
            lines.append(Text(f"⚠ {one_line(session.note)}", style="yellow"))
        self.show_text(Text("\n").join(lines))
