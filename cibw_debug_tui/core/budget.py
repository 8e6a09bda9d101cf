"""The request budget every watcher shares: many sessions slow each other down instead of
spending GitHub's rate limit, and the person's selected session goes first."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import math
import time
from dataclasses import dataclass, field

BEAT = 1.0  # seconds: polls start on it, together (see RequestBudget)
PER_MINUTE = 240.0  # all polls together: GitHub's secondary limit is about 300 (every request
# costs CPU too; 240 still polls each of 50 busy sessions every ~12 s)


def on_beat(wait: float, beat: float) -> float:
    """`wait` (seconds), lengthened to end on the next beat of the monotonic clock."""
    if not beat:
        return wait
    now = time.monotonic()
    return math.ceil((now + wait) / beat) * beat - now


# Who is waiting for a poll, most pressing first.
LOOKING = 0  # the session a person has selected
SSH_OPENING = 1  # the SSH scout, or reading a connection file just published
ROUTINE = 2


@dataclass(order=True)
class _Place:
    """A request waiting in line: ordered by priority, then by arrival."""

    priority: int
    arrival: int
    wake: asyncio.Event = field(compare=False)


class RequestBudget:
    """Requests per minute shared by every watcher: many sessions slow each other down instead
    of spending the rate limit. The selected session may borrow ahead; the others wait in line,
    the SSH scout first, then first come, first served.

    The line moves on the beat (a second): the requests that the past second paid for go
    together, not one every 200 ms. Together they cost less than half the CPU each (a request
    after a pause finds cold caches), and the dashboard paints once a second anyway."""

    def __init__(
        self,
        per_minute: float = PER_MINUTE,
        pace: float = 1.0,
        burst: float = 20.0,
        beat: float = BEAT,
    ):
        self.rate = per_minute / 60.0 / pace  # tokens per real second
        self.burst = burst
        self.pace = pace
        self.beat = beat * pace  # real seconds
        self.tokens = burst
        self._stamp = time.monotonic()
        self._line: list[_Place] = []  # a heap: who waits, most pressing first
        self._arrivals = itertools.count()

    def _refill(self) -> None:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    async def take(self, count: int, priority: int = ROUTINE) -> None:
        self._refill()
        if priority == LOOKING and self.tokens > -self.burst:
            self.tokens -= count
            return
        if not self._line and self.tokens >= count:
            self.tokens -= count
            return
        place = _Place(priority, next(self._arrivals), asyncio.Event())
        heapq.heappush(self._line, place)
        try:
            while True:
                self._refill()
                first = self._line[0] is place
                if first and self.tokens >= count:
                    self.tokens -= count
                    return
                place.wake.clear()
                wait = on_beat((count - self.tokens) / self.rate, self.beat) if first else None
                with contextlib.suppress(asyncio.TimeoutError):  # not TimeoutError on 3.10
                    await asyncio.wait_for(place.wake.wait(), wait)
        finally:
            self._line.remove(place)
            heapq.heapify(self._line)
            if self._line:
                self._line[0].wake.set()  # the next in line looks again
