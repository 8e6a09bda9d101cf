"""Where the token may go: the API's own origin (scheme, host, port), and nowhere else.

A primitive of the transport (transport.py), for every request it sends: a next page named
by a `Link` header, a redirect followed by hand or by httpx, any URL an answer holds. The
token is added by `TokenAuth` per request, never as a default header, so a URL on another
origin goes without it whoever builds the request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from cibw_debug_tui.core.config import Token

if TYPE_CHECKING:
    import httpx

DEFAULT_PORTS = {"http": 80, "https": 443}
Origin = tuple[str, str, int]


def origin_of(url: str | httpx.URL) -> Origin:
    """A URL's origin: (scheme, host, port), the scheme's port when none is written. A URL
    that cannot be read has an origin no other URL has."""
    try:
        parts = urlsplit(str(url))
        port = parts.port or DEFAULT_PORTS.get(parts.scheme, 0)
    except ValueError:
        return ("", str(url), -1)
    return (parts.scheme.lower(), (parts.hostname or "").lower(), port)


def same_origin(one: str | httpx.URL, other: str | httpx.URL) -> bool:
    return origin_of(one) == origin_of(other)


class TokenAuth:
    """Adds the token to requests for the API's own origin, and takes it off any other.

    The client's only way to send the token: pages, redirects followed by hand or by httpx,
    and every URL an answer names go through it, so an answer cannot send the token away.
    """

    def __init__(self, token: Token, api_url: str):
        self._header = f"Bearer {token.value}"
        self.origin = origin_of(api_url)

    def __repr__(self) -> str:
        return f"TokenAuth(origin={self.origin!r})"

    def __call__(self, request: httpx.Request) -> httpx.Request:
        if origin_of(request.url) == self.origin:
            request.headers["Authorization"] = self._header
        else:
            request.headers.pop("Authorization", None)
        return request
