"""Small pure helpers for how things read on screen: icons, words, times."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from cibw_debug_tui.core.units import duration

if TYPE_CHECKING:
    from cibw_debug_tui.core.session import Session


STATUS_ICONS = {
    "dispatching": ("…", "$text-muted"),
    "queued": ("◌", "$text-muted"),
    "in_progress": ("●", "$warning"),
    "ssh": ("⇄", "#D787FF"),  # a colour of its own: themes give $accent the running orange
    "success": ("✓", "$success"),
    "failure": ("✗", "$error"),
    "cancelled": ("⊘", "$text-muted"),
    "gone": ("?", "$text-muted"),
    "error": ("!", "$error"),
}


# What each status glyph means (the help screen's legend, in the order of a session's life).
STATUS_MEANINGS = {
    "dispatching": "dispatching",
    "queued": "queued: waiting for a runner",
    "in_progress": "running",
    "ssh": "SSH session open",
    "success": "built",
    "failure": "failed",
    "cancelled": "cancelled",
    "error": "not dispatched (the session says why)",
    "gone": "the run was deleted on GitHub",
}


def status_key(session: Session) -> str:
    if session.status == "completed":
        return session.conclusion if session.conclusion in STATUS_ICONS else "failure"
    if session.open_connection():
        return "ssh"
    return session.status if session.status in STATUS_ICONS else "queued"


def status_words(session: Session) -> str:
    from cibw_debug_tui.core.session import WAITING_WORDS

    key = status_key(session)
    if key == "queued" and session.status in WAITING_WORDS:  # pending, waiting, requested
        return WAITING_WORDS[session.status]  # type: ignore[index]  # a RunStatus there
    return {
        "dispatching": "dispatching",
        "queued": "queued, waiting for a runner",
        "in_progress": "running",
        "ssh": "SSH session open",
        "success": "built",
        "failure": "failed",
        "cancelled": "cancelled",
        "gone": "run deleted on GitHub",
        "error": "not dispatched",
    }[key]


def age(seconds: float) -> str:
    """How long, to the minute after the first one: "42s", "7m", "1h05m". The sessions list
    shows this, so that fifty sessions do not redraw fifty rows every second."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    hours, minutes = divmod(seconds // 60, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m"


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def span(start: str | None, end: str | None, now: datetime) -> str:
    """How long a job or step took, or has been running."""
    begun = parse_time(start)
    if begun is None:
        return ""
    finished = parse_time(end) or now
    return duration((finished - begun).total_seconds())
