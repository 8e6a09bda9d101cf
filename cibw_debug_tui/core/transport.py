"""How the client talks to GitHub: cheap on the rate limit, calm when the network is not, and
suspicious of every answer.

- Conditional requests: every GET remembers its ETag; a 304 costs no rate limit.
- Rate limits: `x-ratelimit-*` headers are tracked; 403/429 wait for `retry-after` or the reset
  (never less than a second: `retry-after: 0` must not become a burst of requests). A
  secondary limit's wait doubles each time it holds, and is given up in words after
  SECONDARY_WAITS (GitHub's guidance); the hourly limit is paced by the budget (budget.py).
- Network errors, 5xx and answers that cannot be read (not JSON, or not the shape the tool
  needs: see models.py) are retried with back-off; `status` says in words what is happening
  meanwhile, for the dashboard to show; after the last try the error is a GitHubError in words.
- The server's clock: every answer's `Date` header sets `server_now()`, the time by which the
  server's own timestamps (a job's start, an SSH session's end) are read.
- Deadlines: every request, its whole answer included, has `request_deadline` seconds (a
  server that sends one byte every few seconds gets no further than one that sends nothing);
  a download, which may rightly take minutes, is given up when it stops making progress:
  fewer than `stall_bytes` in `stall_after` seconds.
- Sizes: a request for an answer that whatever ran in a job could fill (a commit's check runs)
  takes a `limit`; the answer is read as it arrives and refused once it passes it.
- The token goes to the API's own origin (scheme, host, port) and to no other: `TokenAuth`
  adds it to each request for that origin, whatever URL an answer named (a next page, a
  redirect); a next page elsewhere is not followed.

Its parts, one concern each: answers.py (errors in words, reading an answer), ratelimit.py
(what the headers say: the rate limit, a wait, the server's clock), redirects.py (a moved
repository), origin.py (where the token may go), downloads.py (signed URLs, streams).
"""

from __future__ import annotations

import asyncio
import importlib.util
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urljoin

from cibw_debug_tui import __version__
from cibw_debug_tui.core.answers import (
    AnswerTooLarge,
    GitHubError,
    LostResponse,
    answer_json,
    cannot_read,
    message_of,
    parse_link_next,
)
from cibw_debug_tui.core.config import Token, web_url
from cibw_debug_tui.core.models import Unreadable, read_repository
from cibw_debug_tui.core.origin import TokenAuth, origin_of, same_origin
from cibw_debug_tui.core.ratelimit import (
    RESET_UNREADABLE,
    SECONDARY_WAITS,
    RateLimit,
    ServerClock,
    rate_wait,
)
from cibw_debug_tui.core.redirects import (
    MAX_REDIRECTS,
    MovedRepositories,
    api_path,
    repository_id_in,
    repository_in,
    to_follow,
)

if TYPE_CHECKING:
    import httpx

API_VERSION = "2022-11-28"
RETRY_STATUSES = {500, 502, 503, 504}
REQUEST_DEADLINE = 20.0  # seconds for a whole request and its answer (GitHub's own limit is 10)
STALL_AFTER = 30.0  # a download is given up when fewer than STALL_BYTES came in this long
STALL_BYTES = 16 * 1024

T = TypeVar("T")


def _remember_missing_sniffio() -> None:
    """httpcore tries `import sniffio` four times a request. When it is not installed, each
    miss searches sys.path again: a sixth of a poll's CPU. Remember the miss instead."""
    if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None  # type: ignore[assignment]  # `import sniffio` fails at once


class Transport:
    """Requests to one API URL with one token. Safe to share between sessions in one event
    loop."""

    def __init__(
        self,
        api_url: str,
        token: Token | None,
        *,
        timeout: float = 15.0,
        retries: int = 5,
        backoff: float = 1.0,
        max_backoff: float = 30.0,
        max_rate_wait: float = 3600.0,
        request_deadline: float = REQUEST_DEADLINE,
        stall_after: float = STALL_AFTER,
        stall_bytes: int = STALL_BYTES,
        on_status: Callable[[str], None] | None = None,
    ):
        self.api_url = api_url.rstrip("/")
        self.web_url = web_url(self.api_url)
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": f"cibw-debug-tui/{__version__}",
        }
        _remember_missing_sniffio()
        import httpx  # here, not at the top: the dashboard paints before paying for it

        self.auth = TokenAuth(token, self.api_url) if token is not None else None
        self._client = httpx.AsyncClient(
            base_url=self.api_url,
            headers=headers,
            auth=self.auth,
            timeout=timeout,
            follow_redirects=False,
        )
        # Signed download URLs get no token.
        self._blob_client = httpx.AsyncClient(timeout=timeout, follow_redirects=True)
        self.request_deadline = request_deadline
        self.stall_after = stall_after
        self.stall_bytes = stall_bytes
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_rate_wait = max_rate_wait
        self.rate = RateLimit()
        self.moved = MovedRepositories()  # repositories renamed or transferred
        self.clock = ServerClock()
        self.status = ""
        self.on_status = on_status  # told each time `status` changes
        self._etags: dict[str, tuple[str, Any]] = {}  # URL -> (ETag, the record read)
        self._urls: dict[str, httpx.URL] = {}  # polled URLs, built once (a fifth of a 304's CPU)
        self.requests = 0  # every response
        self.counted = 0  # responses that count against the rate limit (not 304)

    def server_now(self) -> float:
        """The server's time now (epoch seconds): read its timestamps against this."""
        return self.clock.now()

    async def aclose(self) -> None:
        await self._client.aclose()
        await self._blob_client.aclose()

    def _say(self, status: str) -> None:
        self.status = status
        if self.on_status:
            self.on_status(status)

    def _delay(self, attempt: int) -> float:
        return float(min(self.max_backoff, self.backoff * 2**attempt))

    async def _back_off(self, attempt: int, why: str) -> None:
        delay = self._delay(attempt)
        self._say(f"{why}; retrying in {delay:.0f}s")
        await asyncio.sleep(delay)

    async def request(
        self,
        method: str,
        url: str | httpx.URL,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        resend_on_lost: bool = True,
        limit: int | None = None,
    ) -> httpx.Response:
        """Send with retries; the final response may still be an error status. With `limit`,
        the answer is read as it arrives and refused (AnswerTooLarge) past `limit` bytes.
        A repository that moved is followed, with the method and body (redirects.py)."""
        if isinstance(url, str):
            url = self.moved.route(url)
        for _ in range(MAX_REDIRECTS + 1):
            response = await self._tries(method, url, params=params, json=json,
                                         headers=headers, resend_on_lost=resend_on_lost,
                                         limit=limit)  # fmt: skip
            target = to_follow(response, self.api_url, method)
            if target is None:
                return response
            await self._learn_move(response, target)
            url, params = target, None
        raise GitHubError(cannot_read(f"it redirects more than {MAX_REDIRECTS} times"))

    async def _learn_move(self, response: httpx.Response, target: str) -> None:
        """The new name of the repository a redirect moved, from the redirect's URL or, for
        GitHub's `/repositories/<id>`, from the repository's own answer."""
        old = repository_in(api_path(response.request.url, self.api_url) or "")
        path = api_path(target, self.api_url) or ""
        if old is None or old in self.moved.names:
            return
        new = repository_in(path)
        rid = repository_id_in(path)
        if new is None and rid is not None:
            try:
                found, _ = await self.get_checked(f"/repositories/{rid}", read_repository)
            except GitHubError:
                return  # followed all the same; the name is learned another time
            new = found["full_name"]
        if new is not None:
            self.moved.learn(old, new)

    async def _tries(
        self,
        method: str,
        url: str | httpx.URL,
        *,
        params: dict[str, Any] | None,
        json: Any,
        headers: dict[str, str] | None,
        resend_on_lost: bool,
        limit: int | None,
    ) -> httpx.Response:
        """One request, tried again after network errors, 5xx and rate limits."""
        import httpx

        attempt = secondary = 0
        while True:
            try:
                request = self._client.build_request(
                    method, url, params=params, json=json, headers=headers
                )
                response = await asyncio.wait_for(self._send(request, limit), self.request_deadline)
            except (asyncio.TimeoutError, httpx.InvalidURL, httpx.DecodingError) as error:
                why = self._no_answer(error)  # none in time, or one httpx cannot read
                if not resend_on_lost:
                    raise LostResponse(why) from None
                if attempt >= self.retries:
                    raise GitHubError(f"{why} ({attempt + 1} tries); try again later") from None
                await self._back_off(attempt, why)
                attempt += 1
                continue
            except httpx.TransportError as error:
                name = type(error).__name__
                if not resend_on_lost and not isinstance(error, httpx.ConnectError):
                    raise LostResponse(f"no answer from {self.api_url} ({name})") from None
                if attempt >= self.retries:
                    self._say(f"cannot reach {self.api_url}: {name}")
                    raise GitHubError(
                        f"cannot reach {self.api_url} ({name}); check your connection"
                    ) from None
                await self._back_off(attempt, f"network error ({name})")
                attempt += 1
                continue
            self.requests += 1
            self.clock.update(response.headers.get("date"), time.time())
            if response.status_code != 304:
                self.counted += 1
            self.rate.update(response.headers)
            wait = rate_wait(response)
            if wait == RESET_UNREADABLE:
                if attempt >= self.retries:
                    raise GitHubError(
                        f"rate limited by GitHub (no readable reset time) {attempt + 1} times; "
                        "try again later",
                        response.status_code,
                    )
                await self._back_off(attempt, "rate limited by GitHub (no readable reset time)")
                attempt += 1
                continue
            if wait is not None:
                if response.headers.get("x-ratelimit-remaining") != "0":  # a secondary limit:
                    if secondary >= SECONDARY_WAITS:  # longer each time, then given up
                        raise GitHubError(
                            "GitHub's secondary rate limit (too many requests at once) held "
                            f"through {secondary} waits; try again in a few minutes",
                            response.status_code,
                        )
                    wait, secondary = wait * 2**secondary, secondary + 1
                if wait > self.max_rate_wait:
                    raise GitHubError(
                        f"GitHub rate limit reached; {self.rate.describe()}", response.status_code
                    )
                self._say(f"rate limited by GitHub; waiting {wait:.0f}s")
                await asyncio.sleep(wait)
                continue
            if response.status_code in RETRY_STATUSES:
                if not resend_on_lost:
                    raise LostResponse(f"GitHub answered {response.status_code}")
                if attempt >= self.retries:
                    raise GitHubError(
                        f"GitHub answered {response.status_code} {response.reason_phrase} "
                        f"{attempt + 1} times; try again later",
                        response.status_code,
                    )
                await self._back_off(attempt, f"GitHub answered {response.status_code}")
                attempt += 1
                continue
            if self.status:
                self._say("")
            return response

    async def _send(self, request: httpx.Request, limit: int | None) -> httpx.Response:
        """One request and its whole answer; one over `limit` bytes is refused while it
        arrives, never held whole (a check run's text is written by whatever ran in the job)."""
        if limit is None:
            return await self._client.send(request)
        import httpx

        response = await self._client.send(request, stream=True)
        too_large = AnswerTooLarge(
            cannot_read(f"its answer is over {limit // 1024} KB, more than it can be; not read")
        )
        try:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise too_large
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body.extend(chunk)
                if len(body) > limit:
                    raise too_large
        finally:
            await response.aclose()
        kept = [
            (key, value)
            for key, value in response.headers.multi_items()
            if key.lower() not in ("content-encoding", "content-length", "transfer-encoding")
        ]  # the body is decoded already
        return httpx.Response(response.status_code, headers=kept, content=bytes(body),
                              request=request, extensions=response.extensions)  # fmt: skip

    def _no_answer(self, error: Exception) -> str:
        import httpx

        if isinstance(error, asyncio.TimeoutError):  # not TimeoutError on 3.10
            return f"no complete answer from {self.api_url} within {self.request_deadline:.0f}s"
        if isinstance(error, httpx.InvalidURL):
            return cannot_read("it redirects to something that is not a URL")
        return cannot_read("its body does not decode")

    async def _unreadable(self, attempt: int, error: Unreadable) -> None:
        """An answer that cannot be read, like a 502: back off and ask again, or give up in
        words after the last try."""
        if attempt >= self.retries:
            raise GitHubError(cannot_read(error)) from None
        await self._back_off(attempt, cannot_read(error))

    async def get_json(
        self,
        url: str,
        read: Callable[[object], T],
        params: dict[str, Any] | None = None,
        limit: int | None = None,
    ) -> tuple[T, bool]:
        """GET with If-None-Match, the answer checked by `read`: (record, changed); an answer
        over `limit` bytes is AnswerTooLarge. Raises GitHubError on failure."""
        url = self.moved.route(url)
        key = url + "?" + "&".join(f"{k}={v}" for k, v in sorted((params or {}).items()))
        full_url = self._urls.get(key)
        if full_url is None:
            full_url = self._urls[key] = self._client.build_request("GET", url, params=params).url
        cached = self._etags.get(key)
        attempt = 0
        while True:
            headers = {"If-None-Match": cached[0]} if cached else None
            response = await self.request("GET", full_url, headers=headers, limit=limit)
            if response.status_code == 304 and cached:
                return cached[1], False
            self._raise_for(response)
            try:
                record = read(answer_json(response))
            except Unreadable as error:
                await self._unreadable(attempt, error)
                attempt += 1
                continue
            etag = response.headers.get("etag")
            if etag:
                self._etags[key] = (etag, record)
            return record, True

    async def get_checked(
        self, url: str, read: Callable[[object], T], params: dict[str, Any] | None = None
    ) -> tuple[T, httpx.Response]:
        """GET (not conditional), the answer checked by `read`: (record, response)."""
        attempt = 0
        while True:
            response = await self.request("GET", url, params=params)
            self._raise_for(response)
            try:
                return read(answer_json(response)), response
            except Unreadable as error:
                await self._unreadable(attempt, error)
                attempt += 1

    async def pages(
        self,
        url: str,
        read: Callable[[object], list[T]],
        params: dict[str, Any] | None = None,
    ) -> list[T]:
        """Every page's records, each page checked by `read`, following Link rel="next" on
        the API's own origin (a next page elsewhere is an answer this tool cannot read)."""
        records: list[T] = []
        next_url: str | None = url
        next_params: dict[str, Any] | None = {"per_page": 100, **(params or {})}
        while next_url:
            page, response = await self.get_checked(next_url, read, next_params)
            records.extend(page)
            link = parse_link_next(response.headers.get("link"))
            next_url, next_params = urljoin(str(response.url), link) if link else None, None
            if next_url and not same_origin(next_url, self.api_url):
                scheme, host, port = origin_of(next_url)
                raise GitHubError(
                    cannot_read(
                        f"its next page is on another host ({scheme}://{host}:{port}); the "
                        f"token goes to {self.api_url} only"
                    )
                )
        return records

    def _raise_for(self, response: httpx.Response) -> None:
        status = response.status_code
        if status < 300 or status == 304:
            return
        if status < 400:  # a redirect not followed: to another host, or not a move
            scheme, host, port = origin_of(response.headers.get("location", ""))
            raise GitHubError(cannot_read(
                f"it sends {response.request.url.path} elsewhere ({status} to "
                f"{scheme}://{host}:{port}), which is not followed: the token goes to "
                f"{self.api_url} only"), status)  # fmt: skip
        message = message_of(response)
        if status == 401:
            raise GitHubError(
                f"GitHub refused the token ({message}): it is missing, expired or revoked", 401
            )
        if status == 403:
            raise GitHubError(f"forbidden: {message} (does the token have the scope?)", 403)
        if status == 404:
            raise GitHubError(f"not found: {response.request.url.path}", 404)
        if status == 410:
            raise GitHubError(f"gone: {message} (expired)", 410)
        raise GitHubError(f"GitHub answered {status}: {message}", status)
