"""A Static that is only updated when what it shows changes, and laid out again only when
its shape changes."""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text
from textual.widgets import Static


class Pane(Static):
    """The dashboard updates its panes every second for the running clocks. Most of the time
    nothing changed, which should cost nothing; when only a clock changed ("04:47" to
    "04:48"), the pane is drawn again but the screen is not laid out again."""

    _shown: object = None
    _shape: object = None

    def show_text(self, content: RenderableType) -> None:
        """Show `content`; text whose line lengths did not change is not laid out again."""
        if content == self._shown:
            return
        shape = None
        if isinstance(content, Text):
            shape = tuple(len(line) for line in content.plain.split("\n"))
        layout = shape is None or shape != self._shape
        self._shown, self._shape = content, shape
        self.update(content, layout=layout)
