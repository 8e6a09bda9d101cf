"""News of the sessions, gathered between ticks and told in one toast: fifty sessions finishing
together make one toast, not fifty."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, NamedTuple

from cibw_debug_tui.ui.format import status_words

if TYPE_CHECKING:
    from cibw_debug_tui.core.events import FleetEvent
    from cibw_debug_tui.core.session import Session

Severity = Literal["information", "warning", "error"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "information")  # the worst first
NEWS_GAP = 5.0  # seconds at least between toasts about sessions a person is not looking at
MOST_LINES = 6
ENDINGS = ("success", "failure", "cancelled", "timed_out")  # conclusions said on the desktop


class News(NamedTuple):
    """Something to notify with the next tick (or the next toast)."""

    session_id: str
    message: str
    severity: Severity
    timeout: float
    title: str = ""
    bell: bool = True
    desktop: str = ""  # the desktop notification's words: the tool's own, nothing GitHub sent


class Toast(NamedTuple):
    message: str
    title: str
    severity: Severity
    timeout: float


def news_of(event: FleetEvent, session: Session, selected: bool) -> News | None:
    """What a person hears of an event of this session: an SSH session opens, or could not,
    the run ends, the watch stops for a reason; the rest is only painted."""
    from cibw_debug_tui.core import events

    name = session.identifier
    match event:
        case events.SshConnectionRead(connection=connection) if connection.is_open:
            how = "press c to copy, s to connect" if selected else "select it, press c or s"
            return News(session.id, f"SSH session open for {name}: {how}", "information", 8,
                        title="SSH", desktop=f"SSH session open for {name}")  # fmt: skip
        case events.SshConnectionRead() | events.SshUnreadable():
            return News(session.id, f"SSH session for {name} refused or unreadable", "error", 5,
                        bell=False)  # fmt: skip
        case events.StatusChanged(status=status) if status in ("completed", "gone"):
            words = session.conclusion or status_words(session)
            severity: Severity = "information" if session.conclusion == "success" else "warning"
            ended = session.conclusion if session.conclusion in ENDINGS else "ended"
            return News(session.id, f"{name}: {words}", severity, 5, desktop=f"{name}: {ended}")
        case events.WatchEnded(error=error) if error:
            return News(session.id, f"{name}: {error}", "error", 10)
    return None


def toast(news: list[News]) -> Toast:
    """One toast for some news: one item as it is; several as lines (at most six), titled by
    their number, as severe as the worst and as long as the longest."""
    if len(news) == 1:
        item = news[0]
        return Toast(item.message, item.title, item.severity, item.timeout)
    lines = [item.message for item in news]
    if len(lines) > MOST_LINES:
        lines[MOST_LINES - 1 :] = [f"and {len(lines) - MOST_LINES + 1} more"]
    severities = {item.severity for item in news}
    worst = next(s for s in SEVERITIES if s in severities)
    return Toast("\n".join(lines), f"{len(news)} updates", worst, max(i.timeout for i in news))
