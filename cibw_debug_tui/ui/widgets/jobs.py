"""Jobs and their steps, with live status and durations.

Drawn line by line (Textual's line API) from one cached strip per row: each second the running
job's clock moves, and only its line and its step's are drawn again. (A Rich table drew all of
its 30 rows again, 5 ms each time, with 50 live sessions the largest cost of an idle dashboard.)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget

from cibw_debug_tui.core.safe_text import one_line
from cibw_debug_tui.core.session import Session
from cibw_debug_tui.ui.format import span

STEP_ICONS = {
    ("completed", "success"): ("✓", "green"),
    ("completed", "failure"): ("✗", "red"),
    ("completed", "cancelled"): ("⊘", "grey50"),
    ("completed", "skipped"): ("–", "grey42"),
    ("in_progress", None): ("●", "yellow"),
}
WAITING = {
    "dispatching": "Dispatching the workflow…",
    "error": "The workflow was not dispatched.",
    "gone": "The run was deleted on GitHub.",
}

# A line: (icon, its colour, name, its style, duration, its style); styles are Rich's names.
Row = tuple[str, str, str, str, str, str]


def _rows(session: Session, now: datetime) -> list[Row]:
    """The lines to draw. Job and step names come from GitHub and are drawn as segments,
    straight to the terminal: each is made one safe line first."""
    if not session.jobs:
        waiting = WAITING.get(session.status, "Waiting for a runner to pick up the first job…")
        return [("", "", waiting, "italic", "", "")]
    rows = []
    # After "re-run failed jobs", the jobs that succeeded before are listed with their own
    # attempt beside the re-run ones: each says which it is.
    attempts = {job.get("run_attempt") or session.attempt for job in session.jobs}
    for job in session.jobs:
        icon, color = STEP_ICONS.get((job["status"], job.get("conclusion")), ("◌", "grey50"))
        took = span(job.get("started_at"), job.get("completed_at"), now)
        name = one_line(job["name"])
        if len(attempts) > 1:
            attempt = job.get("run_attempt") or session.attempt
            name += f" · attempt {attempt}" + ("" if attempt == session.attempt else ", kept")
        rows.append((icon, color, name, "bold", took, ""))
        for step in job.get("steps") or []:
            icon, color = STEP_ICONS.get((step["status"], step.get("conclusion")), ("◌", "grey50"))
            skipped = step.get("conclusion") == "skipped"
            running = step["status"] == "in_progress"
            style = "grey42" if skipped else ("bold" if running else "")
            took = span(step.get("started_at"), step.get("completed_at"), now)
            rows.append((icon, color, "  " + one_line(step["name"]), style, took, style))
    return rows


class JobsPane(Widget):
    """Every job of the run and its steps; skipped steps are dimmed, the running one bold."""

    DEFAULT_CSS = "JobsPane { width: 1fr; }"

    def __init__(
        self, *, now: Callable[[], datetime] = lambda: datetime.now(timezone.utc), **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.now = now
        self.border_title = "Jobs"
        self.rows: list[Row] = []
        self._took_width = 0  # the duration column's width
        self._strips: dict[int, tuple[tuple, Strip]] = {}  # each line drawn, and from what

    def show(self, session: Session | None) -> None:
        """Show the session's jobs: lines whose words changed are drawn again, and the pane is
        laid out again only when its number of lines changes."""
        rows = [] if session is None else _rows(session, self.now())
        if rows == self.rows:
            return
        before, self.rows = self.rows, rows
        took_width = max((cell_len(row[4]) for row in rows), default=0)
        if len(rows) != len(before) or took_width != self._took_width:
            self._took_width = took_width
            self.refresh(layout=len(rows) != len(before))
            return
        width = self.content_size.width
        for y, (old, new) in enumerate(zip(before, rows, strict=True)):
            if old != new:
                self.refresh(Region(0, y, width, 1))  # in content lines

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.rows)

    def render_line(self, y: int) -> Strip:
        width = self.content_size.width
        base = self.rich_style
        if y >= len(self.rows):
            return Strip.blank(width, base)
        row = self.rows[y]
        key = (row, width, self._took_width, base)
        cached = self._strips.get(y)
        if cached is None or cached[0] != key:
            cached = (key, self._draw(row, width, base))
            self._strips[y] = cached
        return cached[1]

    def _draw(self, row: Row, width: int, base: Style) -> Strip:
        icon, color, name, name_style, took, took_style = row
        if not icon:  # a sentence in place of the jobs
            sentence = Segment(name, base + Style.parse(name_style))
            return Strip([sentence]).crop_extend(0, width, base)
        room = max(0, width - 2 - (self._took_width + 1 if self._took_width else 0))
        if cell_len(name) > room:
            name = set_cell_size(name, max(0, room - 1)) + "…"
        segments = [
            Segment(icon, base + Style.parse(color)),
            Segment(" ", base),
            Segment(set_cell_size(name, room), base + Style.parse(name_style)),
        ]
        if self._took_width:
            took = " " * (self._took_width - cell_len(took)) + took
            segments += [Segment(" ", base), Segment(took, base + Style.parse(took_style))]
        return Strip(segments).crop_extend(0, width, base)
