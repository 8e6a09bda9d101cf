"""What GitHub's headers say about time: the rate limit (`x-ratelimit-*`), how long an answer
asks to wait, and the server's clock (`Date`)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timezone
from typing import TYPE_CHECKING

from cibw_debug_tui.core.answers import message_of

if TYPE_CHECKING:
    import httpx

RATE_WAIT_FLOOR = 1.0  # seconds
RESET_UNREADABLE = -1.0  # a rate limit whose end the headers do not say in a number
SECONDARY_WAITS = 4  # a secondary limit is waited out this many times, each twice as long


@dataclass
class RateLimit:
    limit: int | None = None
    remaining: int | None = None
    reset: float | None = None  # epoch seconds
    resource: str | None = None

    def update(self, headers: httpx.Headers) -> None:
        limit, remaining, reset = (
            _number(headers.get("x-ratelimit-limit")),
            _number(headers.get("x-ratelimit-remaining")),
            _number(headers.get("x-ratelimit-reset")),
        )
        if limit is not None and remaining is not None:
            self.limit, self.remaining = limit, remaining
            self.reset = float(reset) if reset is not None else self.reset
            self.resource = headers.get("x-ratelimit-resource", self.resource)

    def describe(self, now: float | None = None) -> str:
        if self.remaining is None:
            return "rate limit: not reported"
        reset = ""
        if self.reset:
            minutes = max(0, round((self.reset - (now or time.time())) / 60))
            reset = f", resets in {minutes} min"
        return f"rate limit: {self.remaining:,}/{self.limit or 0:,}{reset}"


class ServerClock:
    """The server's time, from the `Date` header of its answers.

    What GitHub sends is on its clock (a step's start, when an SSH session closes, which runs
    were created after a moment): read against the local clock, a skewed machine, or a
    simulator whose clock runs fast, shows a 30-minute session closing in 1:30:32. `now()` is
    the local clock plus the offset of the last answer. `Date` has whole seconds, so a reading
    within a second of the offset in use is noise and is not taken (a countdown does not jump
    back and forth); with no answer yet the offset is 0.
    """

    def __init__(self) -> None:
        self.offset = 0.0  # seconds to add to the local clock
        self.known = False  # whether any answer said the server's time
        self._last_date = ""

    def update(self, date: str | None, received: float) -> None:
        """Take the `Date` header of an answer received at `received` (local epoch seconds)."""
        if not date or date == self._last_date:
            return  # the same second as the last answer: nothing new to learn
        from email.utils import parsedate_to_datetime

        try:
            moment = parsedate_to_datetime(date)
        except (TypeError, ValueError, IndexError, OverflowError):
            return  # unreadable: keep what we had
        if moment.tzinfo is None:  # "-0000": UTC, by RFC 5322
            moment = moment.replace(tzinfo=timezone.utc)
        stamp = moment.timestamp()
        self._last_date = date
        offset = stamp + 0.5 - received  # the server's second began up to 1 s before
        if not self.known or abs(offset - self.offset) > 1.0:
            self.offset, self.known = offset, True

    def now(self) -> float:
        """The server's time now, in epoch seconds."""
        return time.time() + self.offset


def _number(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def rate_wait(response: httpx.Response) -> float | None:
    """Seconds to wait for a rate limit this response reports, None if it is not one, or
    RESET_UNREADABLE when it is one whose end cannot be read."""
    if response.status_code not in (403, 429):
        return None
    retry_after = response.headers.get("retry-after")
    if retry_after and retry_after.isdigit():
        return max(RATE_WAIT_FLOOR, float(retry_after))
    if response.headers.get("x-ratelimit-remaining") == "0":
        reset = _number(response.headers.get("x-ratelimit-reset"))
        if reset is None:
            return RESET_UNREADABLE
        return max(RATE_WAIT_FLOOR, reset - time.time() + 1)
    if response.status_code == 429 or "rate limit" in message_of(response).lower():
        return 60.0  # secondary limit without a retry-after: at least a minute
    return None
