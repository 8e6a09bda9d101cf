"""Waiting for a nudge or a timeout, whichever comes first, without losing a cancellation.

`asyncio.wait_for(event.wait(), t)` on Python 3.10 and 3.11 returns normally when the task is
cancelled just as the event is set: the cancellation is lost, a watcher's loop goes on, and
whoever cancelled it (the dashboard quitting) waits for it forever. `asyncio.wait` does not
swallow it."""

from __future__ import annotations

import asyncio


async def nudged_or_timeout(event: asyncio.Event, seconds: float | None) -> bool:
    """Wait until `event` is set or `seconds` pass (None: no limit); True if it was set."""
    waiter = asyncio.ensure_future(event.wait())
    try:
        await asyncio.wait({waiter}, timeout=seconds)
    finally:
        waiter.cancel()
    return event.is_set()
