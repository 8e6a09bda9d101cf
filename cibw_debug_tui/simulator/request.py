"""One request to the simulated GitHub, as routes.py and checks.py read it: its token, its
paging, and the URLs its answer names, which are on the host the client asked for (as
GitHub's are), so that a client behind a proxy or a host name follows them with its token."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from email.message import Message
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode, urlsplit

if TYPE_CHECKING:
    from cibw_debug_tui.simulator.state import SimulatedGitHub

DOCS = "https://docs.github.com/rest"

Answer = tuple[int, Any, dict[str, Any] | None]
T = TypeVar("T")

# A host name or an IP literal, with an optional port: anything else in a Host header is ignored.
_HOST = re.compile(
    r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*"
    r"|\[[0-9a-f:.]+\])(?::\d{1,5})?"
)


class Reply(Exception):
    """Raised to answer at once."""

    def __init__(self, status: int, body: Any = None, headers: dict[str, Any] | None = None):
        self.status, self.body, self.headers = status, body, headers or {}


def error(status: int, message: str) -> Reply:
    return Reply(status, {"message": message, "documentation_url": DOCS, "status": str(status)})


def origin(target: str, headers: Message, fallback: str) -> str:
    """Where the client asked: an absolute-form target's scheme and host (a request through a
    proxy), else `X-Forwarded-Proto` and the Host header; `fallback` (the address the server
    listens on) when neither names a host."""
    parts = urlsplit(target)
    if parts.scheme in ("http", "https") and parts.netloc:
        scheme, host = parts.scheme, parts.netloc
    else:
        proto = str(headers.get("X-Forwarded-Proto", "")).strip().lower()
        scheme, host = (proto if proto in ("http", "https") else "http"), headers.get("Host", "")
    host = str(host).strip().lower()
    return f"{scheme}://{host}" if _HOST.fullmatch(host) else fallback


@dataclass
class Request:
    """One request to answer."""

    sim: SimulatedGitHub
    method: str
    path: str  # the API's path (without GHES's /api/v3)
    query: dict[str, list[str]]
    headers: Message
    raw_body: bytes
    full_path: str  # as requested, for Link headers
    origin: str  # scheme://host the client asked, for every URL in the answer

    def body(self) -> Any:
        if not self.raw_body:
            return None
        try:
            return json.loads(self.raw_body)
        except ValueError:
            raise error(400, "Problems parsing JSON") from None

    def token(self) -> str:
        auth = self.headers.get("Authorization", "")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() not in ("bearer", "token") or not token.strip():
            raise error(401, "Requires authentication")
        token = token.strip()
        if token in self.sim.revoked or token.startswith("revoked"):
            raise error(401, "Bad credentials")
        return token

    def repo(self, name: str) -> str:
        """`name`, or a 404 where the simulated GitHub has no such repository."""
        if name in self.sim.missing_repos:
            raise error(404, "Not Found")
        return name

    @property
    def urls(self) -> tuple[str, str]:
        """(API URL, web URL) on the host asked: api.HOST's web pages are on HOST, as
        api.github.com's are on github.com; GHES serves its API under /api/v3 of its host."""
        if self.sim.ghes:
            return self.origin + "/api/v3", self.origin
        scheme, _, host = self.origin.partition("://")
        return self.origin, f"{scheme}://{host.removeprefix('api.')}"

    def page(self) -> tuple[int, int]:
        try:
            page = max(1, int(self.query.get("page", ["1"])[0]))
            per_page = min(100, max(1, int(self.query.get("per_page", ["30"])[0])))
        except ValueError:
            raise error(422, "Invalid page or per_page") from None
        return page, per_page

    def paginate(self, items: list[T]) -> tuple[list[T], dict[str, Any]]:
        """This request's page of `items`, and the Link header that leads to the others."""
        page, per_page = self.page()
        chosen = items[(page - 1) * per_page : page * per_page]
        return chosen, self._link(page, per_page, len(items))

    def _link(self, page: int, per_page: int, total: int) -> dict[str, Any]:
        last = max(1, -(-total // per_page))
        if last <= 1:
            return {}

        def page_url(n: int) -> str:
            params = {k: v[0] for k, v in self.query.items()} | {"page": n, "per_page": per_page}
            return f"{self.origin}{self.full_path}?{urlencode(params)}"

        links = []
        if page < last:
            links += [f'<{page_url(page + 1)}>; rel="next"', f'<{page_url(last)}>; rel="last"']
        if page > 1:
            links += [f'<{page_url(1)}>; rel="first"', f'<{page_url(page - 1)}>; rel="prev"']
        return {"Link": ", ".join(links)}
