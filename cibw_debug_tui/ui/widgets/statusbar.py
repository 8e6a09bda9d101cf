"""One line above the footer: the rate limit, the connection, and anything that needs saying."""

from __future__ import annotations

from rich.text import Text

from cibw_debug_tui.core.safe_text import one_line
from cibw_debug_tui.ui.widgets.pane import Pane


class StatusBar(Pane):
    """Styled in app.tcss, as SessionList is (see there)."""

    def show(self, *, rate: str, problem: str = "", where: str = "") -> None:
        """`problem` may quote GitHub (the client's words while it retries): made safe."""
        parts = [(one_line(where), "")] if where else []
        if problem:
            parts.append(("  ⚠ " + one_line(problem), "bold yellow"))
        text = Text.assemble(*parts)
        text.append(f"  {rate}" if rate else "", style="dim")
        self.show_text(text)
