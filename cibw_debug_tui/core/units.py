"""Durations and sizes as people read them, for the dashboard and the command line alike."""

from __future__ import annotations


def duration(seconds: float | None) -> str:
    """Minutes and seconds, with hours when there are any ("04:07", "1:02:03"); a dash when
    unknown."""
    if seconds is None or seconds < 0:
        return "–"
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def size(count: int) -> str:
    """ "612 B", "47.1 KB", "2.0 MB"."""
    value = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"
