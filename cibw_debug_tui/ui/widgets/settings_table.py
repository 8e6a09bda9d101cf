"""The dispatch form's settings: one line each, with where it comes from. ↑ ↓ move, space turns
an inherited setting off or on again, enter edits the highlighted one (the form opens a field
for it); a click does what space does.

One widget drawing its own lines (as Choice does): a list widget per setting would cost the
form's frames more than everything else in it.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget

from cibw_debug_tui.ui.settings_view import Row, row_text


class SettingsTable(Widget, can_focus=True):
    """Styled in app.tcss (see Choice for why)."""

    BINDINGS = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("space", "flip", "On/off", show=False),
        Binding("enter", "edit", "Edit", show=False),
    ]

    class Toggled(Message):
        """The person turned an inherited setting off (or on again)."""

        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    class EditAsked(Message):
        """The person wants to edit a setting's value."""

        def __init__(self, row: Row) -> None:
            super().__init__()
            self.row = row

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.rows: list[Row] = []
        self.cursor = 0

    def show(self, rows: list[Row]) -> None:
        """New rows; the highlight stays on the same setting when it is still there."""
        name = self.rows[self.cursor].name if self.rows[self.cursor : self.cursor + 1] else None
        names = [r.name for r in rows]
        if rows:  # none while the main build is read again: the highlight waits where it was
            self.cursor = names.index(name) if name in names else min(self.cursor, len(rows) - 1)
        self.rows = rows
        self.styles.height = max(1, len(rows))
        self.display = bool(rows)
        self.refresh(layout=True)

    @property
    def highlighted(self) -> Row | None:
        return self.rows[self.cursor] if self.rows else None

    def render(self) -> Text:
        lines = [row_text(r, self.has_focus and n == self.cursor) for n, r in enumerate(self.rows)]
        text = Text("\n").join(lines)
        text.no_wrap = True
        text.overflow = "ellipsis"
        return text

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def action_move(self, by: int) -> None:
        if self.rows:
            moved = self.cursor + by
            if 0 <= moved < len(self.rows):
                self.cursor = moved
                self.refresh()
            else:  # past either end: on to the form's next or previous field
                self.screen.focus_next() if by > 0 else self.screen.focus_previous()

    def action_flip(self) -> None:
        row = self.highlighted
        if row is None:
            return
        if row.inherited:
            self.post_message(self.Toggled(row.name))
        else:
            self.notify(f"{row.name} is the form's own: edit it (enter) or the CIBW settings")

    def action_edit(self) -> None:
        if self.highlighted is not None:
            self.post_message(self.EditAsked(self.highlighted))

    def on_click(self, event: events.Click) -> None:
        if 0 <= event.y < len(self.rows):
            self.cursor = event.y
            self.action_flip()
