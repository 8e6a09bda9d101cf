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

    def show_text(
        self, content: RenderableType, same_as: object = None, shape: object = None
    ) -> None:
        """Show `content`. `same_as` is what to compare instead of it, and `shape` what decides
        its size (line lengths, for text), when the content is not text."""
        key = content if same_as is None else same_as
        if key == self._shown:
            return
        if shape is None and isinstance(content, Text):
            shape = tuple(len(line) for line in content.plain.split("\n"))
        layout = shape is None or shape != self._shape
        self._shown, self._shape = key, shape
        self.update(content, layout=layout)
