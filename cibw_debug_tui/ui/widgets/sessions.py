"""The sessions list: every session, its status icon and elapsed time; arrows or 1-9 select."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from cibw_debug_tui.ui.format import STATUS_ICONS, duration, status_key

if TYPE_CHECKING:
    from cibw_debug_tui.core.session import Session

COLUMNS = ("#", "", "build", "repository", "mode", "elapsed")


class SessionList(DataTable):
    """A row per session, newest first; the highlighted row is the selected session."""

    DEFAULT_CSS = """
    SessionList { height: 1fr; }
    """

    class Selected(Message):
        def __init__(self, session_id: str) -> None:
            super().__init__()
            self.session_id = session_id

    def __init__(self, *, now=time.time, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.now = now
        self.sessions: list[Session] = []

    def on_mount(self) -> None:
        for label in COLUMNS:
            self.add_column(label, key=label or "icon")

    def _icon(self, session: Session) -> Text:
        icon, colour = STATUS_ICONS[status_key(session)]
        style = self.app.theme_variables.get(colour.lstrip("$"), "") if self.is_mounted else ""
        return Text(icon, style=f"bold {style}")

    def _elapsed(self, session: Session) -> str:
        end = session.ended_at if session.done and session.ended_at else self.now()
        return duration(end - session.created_at)

    def _cells(self, index: int, session: Session) -> list:
        number = str(index + 1) if index < 9 else ""
        return [
            number,
            self._icon(session),
            session.identifier,
            session.spec.repo,
            session.spec.debug_mode,
            self._elapsed(session),
        ]

    def set_sessions(self, sessions: list[Session], selected: str | None = None) -> None:
        """Show these sessions (the order given), keeping the selection."""
        self.sessions = list(sessions)
        self.clear()
        for index, session in enumerate(self.sessions):
            self.add_row(*self._cells(index, session), key=session.id)
        if selected:
            self.select(selected)

    def refresh_session(self, session: Session) -> None:
        if session.id not in self.rows:
            return
        index = next(i for i, s in enumerate(self.sessions) if s.id == session.id)
        shown = self.get_row(session.id)
        for column, value, old in zip(COLUMNS, self._cells(index, session), shown, strict=True):
            if value != old:  # any update makes the table draw every row again
                self.update_cell(session.id, column or "icon", value)

    def tick(self) -> None:
        """Advance the elapsed times of sessions still going."""
        for session in self.sessions:
            if not session.done and session.id in self.rows:
                elapsed = self._elapsed(session)
                if elapsed != self.get_cell(session.id, "elapsed"):
                    self.update_cell(session.id, "elapsed", elapsed)

    def select(self, session_id: str) -> None:
        if session_id in self.rows:
            self.move_cursor(row=self.get_row_index(session_id))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.Selected(event.row_key.value))
