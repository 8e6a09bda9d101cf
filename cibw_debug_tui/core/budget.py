"""The request budget every watcher shares: many sessions slow each other down instead of
spending GitHub's rate limit, and the person's selected session goes first.

Two limits bind. All requests together: PER_MINUTE (GitHub's secondary limit, and CPU). And
the hourly limit (5,000 counted answers an hour for a person's token, fewer for others),
which binds first with many busy sessions: the answers it counts (not the 304s) are paced
to what `x-ratelimit-remaining` says is left until `x-ratelimit-reset`, less a reserve for
what a person does (dispatch, cancel, download); `rationing()` says so in words.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
import time
from dataclasses import dataclass, field
from typing import Protocol

from cibw_debug_tui.core.ratelimit import RateLimit
from cibw_debug_tui.core.waiting import nudged_or_timeout

BEAT = 1.0  # seconds: polls start on it, together (see RequestBudget)
PER_MINUTE = 240.0  # all polls together: GitHub's secondary limit is about 300 (every request
# costs CPU too; 240 still polls each of 50 busy sessions every ~12 s)


def on_beat(wait: float, beat: float) -> float:
    """`wait` (seconds), lengthened to end on the next beat of the monotonic clock."""
    if not beat:
        return wait
    now = time.monotonic()
    return math.ceil((now + wait) / beat) * beat - now


RESERVE = 0.05  # of the hourly limit, kept for what a person does
HOURLY_BURST = 10.0  # seconds of the hourly pace that may be spent at once


class Metered(Protocol):
    """What the budget reads of the client: the limit's headers, and the answers counted."""

    rate: RateLimit
    counted: int


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
        meter: Metered | None = None,
    ):
        self.rate = per_minute / 60.0 / pace  # tokens per real second
        self.per_minute = per_minute
        self.meter = meter  # the client whose counted answers the hourly limit paces
        self._counted_seen = meter.counted if meter else 0
        self.hourly_tokens = math.inf  # counted answers that may be received now
        self._hourly_stamp = time.monotonic()
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
        pace = self.hourly_pace()
        if self.meter is not None:
            counted = self.meter.counted
            self.hourly_tokens -= counted - self._counted_seen
            self._counted_seen = counted
        if pace is None:
            self.hourly_tokens = math.inf  # full, once the limit is known again
        else:
            rate = self.meter.rate if self.meter else RateLimit()
            left = (rate.remaining or 0) - RESERVE * (rate.limit or 0)
            ceiling = max(1.0, min(pace * HOURLY_BURST, left))
            self.hourly_tokens = min(
                ceiling, self.hourly_tokens + (now - self._hourly_stamp) * pace
            )
        self._hourly_stamp = now

    def hourly_pace(self) -> float | None:
        """Counted answers a second that fit in what the hourly limit has left until its
        reset; None when it is not known (no headers: GHES) or its reset has passed."""
        rate = self.meter.rate if self.meter else None
        if rate is None or rate.remaining is None or rate.limit is None or not rate.reset:
            return None
        seconds = rate.reset - time.time()
        if seconds <= 0:
            return None  # a new hour: the next answer says how much
        return max(0.0, rate.remaining - RESERVE * rate.limit) / seconds

    def rationing(self) -> str:
        """In words, when the hourly limit slows the polls (else "")."""
        pace = self.hourly_pace()
        rate = self.meter.rate if self.meter else None
        if pace is None or rate is None or pace * 60 >= self.per_minute:
            return ""
        until = time.strftime("%H:%M", time.localtime(rate.reset))
        return (f"polls slowed to {pace * 60:.0f} answers/min: {rate.remaining:,} of the hourly "
                f"{rate.limit:,} left until {until}")  # fmt: skip

    def _wait_for(self, count: int) -> float:
        """Seconds until `count` requests fit in both limits (0: now)."""
        waits = [max(0.0, (count - self.tokens) / self.rate)]
        pace = self.hourly_pace()
        if pace is not None and self.hourly_tokens < 1.0:
            waits.append((1.0 - self.hourly_tokens) / pace if pace > 0 else 60.0)
        return max(waits)

    async def take(self, count: int, priority: int = ROUTINE) -> None:
        self._refill()
        if priority == LOOKING and self.tokens > -self.burst and self.hourly_tokens >= 1.0:
            self.tokens -= count
            return
        if not self._line and not self._wait_for(count):
            self.tokens -= count
            return
        place = _Place(priority, next(self._arrivals), asyncio.Event())
        heapq.heappush(self._line, place)
        try:
            while True:
                self._refill()
                first = self._line[0] is place
                if first and not self._wait_for(count):
                    self.tokens -= count
                    return
                place.wake.clear()
                wait = on_beat(self._wait_for(count), self.beat) if first else None
                await nudged_or_timeout(place.wake, wait)
        finally:
            self._line.remove(place)
            heapq.heapify(self._line)
            if self._line:
                self._line[0].wake.set()  # the next in line looks again
