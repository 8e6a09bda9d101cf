"""Jobs and their steps, with live status and durations."""

from __future__ import annotations

from datetime import datetime, timezone

from rich.table import Table
from rich.text import Text

from cibw_debug_tui.core.session import Session
from cibw_debug_tui.ui.format import span
from cibw_debug_tui.ui.widgets.pane import Pane

STEP_ICONS = {
    ("completed", "success"): ("✓", "green"),
    ("completed", "failure"): ("✗", "red"),
    ("completed", "cancelled"): ("⊘", "grey50"),
    ("completed", "skipped"): ("–", "grey42"),
    ("in_progress", None): ("●", "yellow"),
}


def _icon(status: str, conclusion: str | None) -> Text:
    icon, style = STEP_ICONS.get((status, conclusion), ("◌", "grey50"))
    return Text(icon, style=style)


class JobsPane(Pane):
    """Every job of the run and its steps; skipped steps are dimmed, the running one bold."""

    def __init__(self, *, now=lambda: datetime.now(timezone.utc), **kwargs) -> None:
        super().__init__(**kwargs)
        self.now = now
        self.border_title = "Jobs"

    def show(self, session: Session | None) -> None:
        if session is None:
            self.show_text("")
            return
        if not session.jobs:
            waiting = {
                "dispatching": "Dispatching the workflow…",
                "error": "The workflow was not dispatched.",
                "gone": "The run was deleted on GitHub.",
            }.get(session.status, "Waiting for a runner to pick up the first job…")
            self.show_text(Text(waiting, style="italic"))
            return
        now = self.now()
        rows = []
        for job in session.jobs:
            rows.append(
                (
                    _icon(job["status"], job.get("conclusion")),
                    Text(job["name"], style="bold"),
                    Text(span(job.get("started_at"), job.get("completed_at"), now)),
                )
            )
            for step in job.get("steps") or []:
                skipped = step.get("conclusion") == "skipped"
                running = step["status"] == "in_progress"
                style = "grey42" if skipped else ("bold" if running else "")
                rows.append(
                    (
                        _icon(step["status"], step.get("conclusion")),
                        Text("  " + step["name"], style=style),
                        Text(
                            span(step.get("started_at"), step.get("completed_at"), now), style=style
                        ),
                    )
                )
        if rows == self._shown:
            return
        table = Table.grid(padding=(0, 1), expand=True)
        table.add_column(width=1)
        table.add_column(ratio=1)
        table.add_column(justify="right")
        for row in rows:
            table.add_row(*row)
        shape = tuple(tuple(len(cell.plain) for cell in row) for row in rows)
        self.show_text(table, same_as=rows, shape=shape)
