"""The sessions list: every session, its status icon, what it builds where, and its elapsed
time; arrows or 1-9 select. Oldest first, so that a session keeps its number when another is
added; the repository is shown only when the sessions are not all of one. As wide as it needs.

Drawn line by line (Textual's line API) from one cached strip per row, so a session whose
icon or elapsed time changes redraws that row alone. (A DataTable draws every row again on any
cell update: with 50 live sessions ticking each second that cost a sixth of a core.) Elapsed
times are to the minute here; the selected session's panes count the seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.color import Color, ColorParseError
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from cibw_debug_tui.core.safe_text import one_line
from cibw_debug_tui.ui.format import STATUS_ICONS, age, status_key

if TYPE_CHECKING:
    from cibw_debug_tui.core.session import Session

HEADINGS = {"number": "#", "icon": "", "build": "build", "runner": "runner",
            "repo": "repository", "mode": "mode", "elapsed": "elapsed"}  # fmt: skip
RIGHT_ALIGNED = ("number", "elapsed")
GAP = "  "


def group_marks(sessions: list[Session]) -> dict[str, str]:
    """A bracket beside each run of neighbouring sessions of one group (dispatched at once):
    ╭ first, │ between, ╰ last; a space beside the others, when there is any group."""
    marks: dict[str, str] = {}
    for index, session in enumerate(sessions):
        group = session.group
        before = index > 0 and group is not None and sessions[index - 1].group == group
        after = (index + 1 < len(sessions) and group is not None
                 and sessions[index + 1].group == group)  # fmt: skip
        marks[session.id] = {(False, True): "╭", (True, True): "│", (True, False): "╰"}.get(
            (before, after), " "
        )
    return marks if any(mark != " " for mark in marks.values()) else {}


class SessionList(ScrollView, can_focus=True):
    """A row per session, in the order given, under a heading; the cursor row is the selected
    one. Styled in app.tcss (its component classes too): CSS that comes with a widget as it
    mounts makes Textual parse and apply the stylesheet again, before the first frame."""

    COMPONENT_CLASSES = {"session-list--header", "session-list--even", "session-list--cursor"}
    BINDINGS = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "move(-10)", "Page up", show=False),
        Binding("pagedown", "move(10)", "Page down", show=False),
        Binding("home", "move(-1000000)", "First", show=False),
        Binding("end", "move(1000000)", "Last", show=False),
    ]

    class Selected(Message):
        def __init__(self, session_id: str) -> None:
            super().__init__()
            self.session_id = session_id

    def __init__(self, *, now: Callable[[], float] = time.time, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.now = now
        self.sessions: list[Session] = []
        self.cursor = 0
        self.columns = tuple(c for c in HEADINGS if c != "repo")
        self._cells: dict[str, tuple[str, ...]] = {}  # what each row shows, by session id
        self._strips: dict[str, tuple[tuple, Strip]] = {}  # each row drawn, and from what
        self._widths = tuple(len(HEADINGS[c]) for c in self.columns)
        self._icon_styles: dict[tuple[str, str], Style] = {}
        self._marks: dict[str, str] = {}  # ╭ │ ╰ beside the sessions dispatched as a group

    # -- what the rows say -------------------------------------------------------------------

    def _row(self, index: int, session: Session) -> tuple[str, ...]:
        spec = session.spec
        cells = {  # drawn as segments, straight to the terminal: one safe line each
            "number": self._marks.get(session.id, "") + str(index + 1),
            "icon": STATUS_ICONS[status_key(session)][0],
            "build": one_line(session.identifier),
            "runner": one_line(spec.runner),
            "repo": one_line(spec.repo),
            "mode": one_line(spec.debug_mode),
            "elapsed": age(session.elapsed(self.now())),
        }
        return tuple(cells[c] for c in self.columns)

    def _measure(self) -> None:
        rows = [tuple(HEADINGS[c] for c in self.columns), *self._cells.values()]
        self._widths = tuple(max(len(row[i]) for row in rows) for i in range(len(self.columns)))
        self._strips.clear()
        before = self.virtual_size.width
        self.virtual_size = Size(self.width_needed(), len(self.sessions) + 1)
        if self.virtual_size.width != before:
            self.refresh(layout=True)  # as wide as it needs

    def width_needed(self) -> int:
        """Columns the rows need (the list's `width: auto`)."""
        return 1 + sum(self._widths) + len(GAP) * (len(self.columns) - 1) + 1

    def set_sessions(self, sessions: list[Session], selected: str | None = None) -> None:
        """Show these sessions (the order given), keeping the selection."""
        self.sessions = list(sessions)
        repos = {s.spec.repo for s in self.sessions}
        self.columns = tuple(c for c in HEADINGS if c != "repo" or len(repos) > 1)
        self._marks = group_marks(self.sessions)
        self._cells = {s.id: self._row(i, s) for i, s in enumerate(self.sessions)}
        self._measure()
        self.cursor = min(self.cursor, max(0, len(self.sessions) - 1))
        if selected:
            self.select(selected)
        self.refresh()

    def refresh_session(self, session: Session) -> None:
        """Show a session's new state: its row is drawn again if what it says changed."""
        index = next((i for i, s in enumerate(self.sessions) if s.id == session.id), None)
        if index is not None:
            self._update(index, session)

    def tick(self) -> None:
        """Advance the elapsed times of sessions still going."""
        for index, session in enumerate(self.sessions):
            if not session.done:
                self._update(index, session)

    def _update(self, index: int, session: Session) -> None:
        cells = self._row(index, session)
        if cells == self._cells.get(session.id):
            return
        self._cells[session.id] = cells
        if any(len(c) > w for c, w in zip(cells, self._widths, strict=True)):
            self._measure()
            self.refresh()
        else:
            self.refresh_line(index + 1)  # the heading is line 0

    # -- the cursor --------------------------------------------------------------------------

    def select(self, session_id: str) -> None:
        index = next((i for i, s in enumerate(self.sessions) if s.id == session_id), None)
        if index is not None:
            self._move_to(index)

    def action_move(self, rows: int) -> None:
        if self.sessions:
            self._move_to(max(0, min(len(self.sessions) - 1, self.cursor + rows)))

    def _move_to(self, index: int) -> None:
        before, self.cursor = self.cursor, index
        visible = max(1, self.scrollable_content_region.height - 1)  # under the heading
        top = self.scroll_offset.y
        if index < top:
            self.scroll_to(y=index, animate=False, immediate=True)
        elif index >= top + visible:
            self.scroll_to(y=index - visible + 1, animate=False, immediate=True)
        for row in (before, index):
            self.refresh_line(row + 1)
        self.post_message(self.Selected(self.sessions[index].id))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None and offset.y >= 1:
            index = offset.y - 1 + self.scroll_offset.y
            if index < len(self.sessions):
                self._move_to(index)

    def _on_focus(self, event: events.Focus) -> None:
        self.refresh()  # the cursor row's colour says whether the list has the focus

    def _on_blur(self, event: events.Blur) -> None:
        self.refresh()

    # -- drawing -----------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y == 0:
            style = base + self.get_component_rich_style("session-list--header")
            return self._draw(tuple(HEADINGS[c] for c in self.columns), style, None, width)
        index = y - 1 + self.scroll_offset.y
        if index >= len(self.sessions):
            return Strip.blank(width, base)
        session = self.sessions[index]
        cells = self._cells[session.id]
        style = base
        if not index % 2:  # zebra stripes, from the first row
            style += self.get_component_rich_style("session-list--even")
        if index == self.cursor:
            style += self.get_component_rich_style("session-list--cursor")
        icon = self._icon_style(STATUS_ICONS[status_key(session)][1])
        key = (cells, style, icon, width, self._widths, self.scroll_offset.x)
        cached = self._strips.get(session.id)
        if cached is None or cached[0] != key:
            cached = (key, self._draw(cells, style, icon, width))
            self._strips[session.id] = cached
        return cached[1]

    def _icon_style(self, variable: str) -> Style:
        """An icon's colour: the theme's ($warning...) or its own (#D787FF); dim where it has
        no plain colour."""
        key = (self.app.theme, variable)
        if key not in self._icon_styles:
            value = (self.app.theme_variables.get(variable[1:], "") if variable.startswith("$")
                     else variable)  # fmt: skip
            try:
                style = Style(bold=True, color=Color.parse(value).rich_color)
            except ColorParseError:  # "auto 60%" (text-muted) depends on what is behind it
                style = Style(bold=True, dim=True)
            self._icon_styles[key] = style
        return self._icon_styles[key]

    def _draw(self, cells: tuple[str, ...], style: Style, icon: Style | None, width: int) -> Strip:
        segments = [Segment(" ", style)]
        for i, (text, cell_width) in enumerate(zip(cells, self._widths, strict=True)):
            column = self.columns[i]
            text = text.rjust(cell_width) if column in RIGHT_ALIGNED else text.ljust(cell_width)
            styled = style + icon if column == "icon" and icon else style
            segments.append(Segment(text, styled))
            segments.append(Segment(GAP if i < len(cells) - 1 else " ", style))
        return Strip(segments).crop_extend(
            self.scroll_offset.x, self.scroll_offset.x + width, style
        )
