"""GitHub's answers as the client reads them: its errors in words, JSON that is checked to be
JSON, GitHub's `message`, and the `Link` header's next page."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from cibw_debug_tui.core.models import Unreadable

if TYPE_CHECKING:
    import httpx

_LINK_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


class GitHubError(Exception):
    """Something GitHub refused or could not do, in words a person can act on."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class LostResponse(GitHubError):
    """A write was sent but no answer came back: it may or may not have happened."""


class AnswerTooLarge(GitHubError):
    """An answer longer than the request's `limit`, refused while it was read."""


def cannot_read(why: object) -> str:
    return f"GitHub sent an answer this tool cannot read: {why}"


def parse_link_next(header: str | None) -> str | None:
    """The rel="next" URL of a Link header, or None."""
    if not header:
        return None
    for part in header.split(","):
        match = _LINK_NEXT.search(part)
        if match:
            return match.group(1)
    return None


def answer_json(response: httpx.Response) -> object:
    """The decoded JSON of an answer, or Unreadable saying why there is none."""
    if not response.content:
        raise Unreadable("the answer is empty")
    try:
        return response.json()
    except RecursionError:
        raise Unreadable("the answer is nested too deeply") from None
    except ValueError:  # JSON's errors, and bytes that are not UTF-8
        kind = response.headers.get("content-type", "").split(";")[0].strip() or "no type"
        raise Unreadable(f"the answer is not JSON ({kind})") from None


def message_of(response: httpx.Response) -> str:
    """GitHub's `message` in an error answer, or the status's reason."""
    try:
        data = response.json()
    except (ValueError, RecursionError):
        data = None
    message = data.get("message") if isinstance(data, dict) else None
    if isinstance(message, str):
        return message
    return response.reason_phrase or f"HTTP {response.status_code}"
