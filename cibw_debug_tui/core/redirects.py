"""Redirects on the API's own host: a repository renamed or transferred.

GitHub answers a request for a repository's old name with 301 (GET) or 307 (any other method)
to `/repositories/<id>/...`, and asks clients to "assume that any request may result in a
redirection". Those are followed with the token, method and body kept (307/308); the
repository's new name is learned once (`MovedRepositories`), told, and used from then on. A 302,
or a redirect to another host, is a signed download URL: the token never goes there.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from cibw_debug_tui.core.origin import same_origin

if TYPE_CHECKING:
    import httpx

FOLLOWED = (301, 307, 308)  # "moved": 302 is how GitHub hands out a signed download URL
MAX_REDIRECTS = 5
_REPO_PATH = re.compile(r"/repos/([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)(?=/|\Z)")
_BY_ID = re.compile(r"/repositories/(\d+)(?=/|\Z)")
REPO_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}")


def api_path(url: str | httpx.URL, api_url: str) -> str | None:
    """`url`'s path inside the API (without GHES's /api/v3), None when it is not the API's."""
    if not same_origin(url, api_url):
        return None
    base = urlsplit(api_url).path.rstrip("/")
    path = urlsplit(str(url)).path
    if base and not (path == base or path.startswith(base + "/")):
        return None
    return path[len(base) :]


def to_follow(response: httpx.Response, api_url: str, method: str) -> str | None:
    """The URL a redirect on the API's own host leads to, when it is to be followed: 301 for
    GET, 307 and 308 for any method. None for anything else (a signed URL, an answer)."""
    status = response.status_code
    if status not in FOLLOWED or (status == 301 and method not in ("GET", "HEAD")):
        return None
    location = response.headers.get("location")
    if not location:
        return None
    target = urljoin(str(response.request.url), location)
    return target if api_path(target, api_url) is not None else None


def repository_in(path: str) -> str | None:
    """The `owner/name` a `/repos/...` API path is about."""
    match = _REPO_PATH.match(path)
    return match.group(1) if match else None


def repository_id_in(path: str) -> int | None:
    """The id a `/repositories/<id>/...` API path is about."""
    match = _BY_ID.match(path)
    return int(match.group(1)) if match else None


class MovedRepositories:
    """Repositories known under a new name: requests for the old one go to the new one, and
    `on_moved` is told once for each."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}  # old -> new
        self.on_moved: Callable[[str, str], None] | None = None

    def learn(self, old: str, new: str) -> None:
        if old == new or self.names.get(old) == new or not REPO_NAME.fullmatch(new):
            return
        self.names[old] = new
        for earlier, later in self.names.items():  # renamed twice: the newest name
            if later == old:
                self.names[earlier] = new
        if self.on_moved is not None:
            self.on_moved(old, new)

    def route(self, url: str) -> str:
        """An API path (`/repos/old/...`) with the repository's current name."""
        repo = repository_in(url) if url.startswith("/repos/") else None
        new = self.names.get(repo or "")
        return f"/repos/{new}{url[len('/repos/') + len(repo or '') :]}" if new else url
