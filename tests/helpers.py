"""What many tests need: waiting for something with a deadline (never a fixed sleep), and the
notifications an app has shown.

`until` is for async tests (a Pilot's app, or a plain event loop), `wait_for` for code that
waits on another thread or process (a subprocess, tmux, the simulator's clock).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from textual.app import App
    from textual.notifications import Notification
    from textual.pilot import Pilot

T = TypeVar("T")


def _deadline_passed(deadline: float, why: Callable[[], str] | None) -> None:
    if time.monotonic() >= deadline:
        raise AssertionError(why() if why else "timed out waiting")


async def until(
    pilot: Pilot | None,
    predicate: Callable[[], T],
    timeout: float = 20.0,
    why: Callable[[], str] | None = None,
) -> T:
    """Let the app (or, without a pilot, the event loop) run until `predicate()` is true, and
    return what it returned; fail after `timeout` seconds, saying `why()` if given."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        _deadline_passed(deadline, why)
        if pilot is None:
            await asyncio.sleep(0.02)
        else:
            await pilot.pause(0.05)
    return value


def wait_for(
    predicate: Callable[[], T],
    timeout: float = 20.0,
    every: float = 0.05,
    why: Callable[[], str] | None = None,
) -> T:
    """Block until `predicate()` is true (something another thread or process does), and
    return what it returned; fail after `timeout` seconds, saying `why()` if given."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        _deadline_passed(deadline, why)
        time.sleep(every)
    return value


def notifications(app: App[object]) -> list[Notification]:
    """The notifications the app has shown and not yet expired, oldest first. Textual keeps
    them privately; this is the one place the tests read them."""
    return list(app._notifications)
