"""An async GitHub REST client that is cheap on the rate limit and calm when the network is not.

- Conditional requests: every GET remembers its ETag; a 304 costs no rate limit.
- Rate limits: `x-ratelimit-*` headers are tracked; 403/429 wait for `retry-after` or the reset.
- Network errors, 5xx and malformed JSON are retried with back-off; `status` says in words what
  is happening meanwhile, for the dashboard to show.
- A dispatch is never sent twice blindly: when its answer is lost, the run is looked for first.
- Redirects to signed download URLs are followed without the token.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import re
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cibw_debug_tui import __version__
from cibw_debug_tui.core.config import Token, web_url
from cibw_debug_tui.core.workflow_contract import WORKFLOW_FILE

if TYPE_CHECKING:
    import httpx

API_VERSION = "2022-11-28"
RETRY_STATUSES = {500, 502, 503, 504}
_LINK_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')

Progress = Callable[[int, int | None], None]


class GitHubError(Exception):
    """Something GitHub refused or could not do, in words a person can act on."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class LostResponse(GitHubError):
    """A write was sent but no answer came back: it may or may not have happened."""


@dataclass
class RateLimit:
    limit: int | None = None
    remaining: int | None = None
    reset: float | None = None  # epoch seconds
    resource: str | None = None

    def update(self, headers: httpx.Headers) -> None:
        def number(name: str) -> int | None:
            try:
                return int(headers[name])
            except (KeyError, ValueError):
                return None

        limit, remaining, reset = (
            number("x-ratelimit-limit"),
            number("x-ratelimit-remaining"),
            number("x-ratelimit-reset"),
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
        return f"rate limit: {self.remaining:,}/{self.limit:,}{reset}"


def parse_link_next(header: str | None) -> str | None:
    """The rel="next" URL of a Link header, or None."""
    if not header:
        return None
    for part in header.split(","):
        match = _LINK_NEXT.search(part)
        if match:
            return match.group(1)
    return None


@dataclass(frozen=True)
class Dispatched:
    run_id: int
    html_url: str
    found_by: str  # "run details" or "session id"


def _remember_missing_sniffio() -> None:
    """httpcore tries `import sniffio` four times a request. When it is not installed, each
    miss searches sys.path again: a sixth of a poll's CPU. Remember the miss instead."""
    if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None  # `import sniffio` now fails at once, as it would anyway


def new_session_id() -> str:
    return uuid.uuid4().hex[:12]


def _message(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.reason_phrase or f"HTTP {response.status_code}"
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return data["message"]
    return response.reason_phrase or f"HTTP {response.status_code}"


class GitHub:
    """One client per API URL and token. Safe to share between sessions in one event loop."""

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
        find_timeout: float = 60.0,
        on_status: Callable[[str], None] | None = None,
    ):
        self.api_url = api_url.rstrip("/")
        self.web_url = web_url(self.api_url)
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": f"cibw-debug-tui/{__version__}",
        }
        if token is not None:
            headers["Authorization"] = f"Bearer {token.value}"
        _remember_missing_sniffio()
        import httpx  # here, not at the top: the dashboard paints before paying for it

        self._client = httpx.AsyncClient(
            base_url=self.api_url, headers=headers, timeout=timeout, follow_redirects=False
        )
        # Signed download URLs get no token.
        self._blob_client = httpx.AsyncClient(timeout=timeout, follow_redirects=True)
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_rate_wait = max_rate_wait
        self.find_timeout = find_timeout  # how long a dispatched run may take to be listed
        self.rate = RateLimit()
        self.status = ""
        self.on_status = on_status  # told each time `status` changes
        self._etags: dict[str, tuple[str, Any]] = {}
        self._urls: dict[str, httpx.URL] = {}  # polled URLs, built once (a fifth of a 304's CPU)
        self.requests = 0  # every response
        self.counted = 0  # responses that count against the rate limit (not 304)
        self.run_details_supported: bool | None = None

    async def aclose(self) -> None:
        await self._client.aclose()
        await self._blob_client.aclose()

    async def __aenter__(self) -> GitHub:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- transport ---------------------------------------------------------------------------

    def _say(self, status: str) -> None:
        self.status = status
        if self.on_status:
            self.on_status(status)

    def _delay(self, attempt: int) -> float:
        return min(self.max_backoff, self.backoff * 2**attempt)

    async def _rate_wait(self, response: httpx.Response) -> float | None:
        """Seconds to wait for a rate limit this response reports, or None if it is not one."""
        if response.status_code not in (403, 429):
            return None
        retry_after = response.headers.get("retry-after")
        if retry_after and retry_after.isdigit():
            return float(retry_after)
        if response.headers.get("x-ratelimit-remaining") == "0":
            reset = float(response.headers.get("x-ratelimit-reset") or 0)
            return max(1.0, reset - time.time() + 1)
        if response.status_code == 429 or "rate limit" in _message(response).lower():
            return 60.0  # secondary limit without a retry-after: at least a minute
        return None

    async def request(
        self,
        method: str,
        url: str | httpx.URL,
        *,
        params: dict | None = None,
        json: Any = None,
        headers: dict | None = None,
        resend_on_lost: bool = True,
    ) -> httpx.Response:
        """Send with retries; the final response may still be an error status."""
        import httpx

        attempt = 0
        while True:
            try:
                response = await self._client.request(
                    method, url, params=params, json=json, headers=headers
                )
            except httpx.TransportError as error:
                if not resend_on_lost and not isinstance(error, httpx.ConnectError):
                    name = type(error).__name__
                    raise LostResponse(f"no answer from {self.api_url} ({name})") from None
                if attempt >= self.retries:
                    self._say(f"cannot reach {self.api_url}: {type(error).__name__}")
                    raise GitHubError(
                        f"cannot reach {self.api_url} ({type(error).__name__}); "
                        "check your connection"
                    ) from None
                delay = self._delay(attempt)
                self._say(f"network error ({type(error).__name__}); retrying in {delay:.0f}s")
                await asyncio.sleep(delay)
                attempt += 1
                continue
            self.requests += 1
            if response.status_code != 304:
                self.counted += 1
            self.rate.update(response.headers)
            wait = await self._rate_wait(response)
            if wait is not None:
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
                delay = self._delay(attempt)
                self._say(f"GitHub answered {response.status_code}; retrying in {delay:.0f}s")
                await asyncio.sleep(delay)
                attempt += 1
                continue
            if self.status:
                self._say("")
            return response

    async def get_json(self, url: str, params: dict | None = None) -> tuple[Any, bool]:
        """GET with If-None-Match; returns (data, changed). Raises GitHubError on failure."""
        key = url + "?" + "&".join(f"{k}={v}" for k, v in sorted((params or {}).items()))
        full_url = self._urls.get(key)
        if full_url is None:
            full_url = self._urls[key] = self._client.build_request("GET", url, params=params).url
        cached = self._etags.get(key)
        for attempt in range(self.retries + 1):
            headers = {"If-None-Match": cached[0]} if cached else None
            response = await self.request("GET", full_url, headers=headers)
            if response.status_code == 304 and cached:
                return cached[1], False
            self._raise_for(response)
            try:
                data = response.json()
            except ValueError:
                if attempt >= self.retries:
                    raise GitHubError(f"GitHub sent a reply to {url} that is not JSON") from None
                self._say("GitHub sent a malformed reply; retrying")
                await asyncio.sleep(self._delay(attempt))
                continue
            etag = response.headers.get("etag")
            if etag:
                self._etags[key] = (etag, data)
            return data, True
        raise AssertionError("unreachable")

    def _raise_for(self, response: httpx.Response) -> None:
        status = response.status_code
        if status < 400:
            return
        message = _message(response)
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

    async def paginate(self, url: str, params: dict | None = None, key: str | None = None):
        """All items across pages, following Link rel="next"."""
        items: list = []
        next_url: str | None = url
        next_params = {"per_page": 100, **(params or {})}
        while next_url:
            response = await self.request("GET", next_url, params=next_params)
            self._raise_for(response)
            try:
                data = response.json()
            except ValueError:
                raise GitHubError(f"GitHub sent a reply to {url} that is not JSON") from None
            items.extend(data[key] if key else data)
            next_url, next_params = parse_link_next(response.headers.get("link")), None
        return items

    # -- reading -----------------------------------------------------------------------------

    async def user(self) -> tuple[dict, list[str] | None]:
        """The token's user, and its classic scopes (None for fine-grained tokens)."""
        response = await self.request("GET", "/user")
        self._raise_for(response)
        scopes = response.headers.get("x-oauth-scopes")
        data = response.json()
        return data, [s.strip() for s in scopes.split(",") if s.strip()] if scopes else None

    async def user_keys(self, login: str) -> list[dict]:
        data, _ = await self.get_json(f"/users/{login}/keys")
        return data

    async def repo(self, repo: str) -> dict:
        data, _ = await self.get_json(f"/repos/{repo}")
        return data

    async def workflow(self, repo: str, workflow: str = WORKFLOW_FILE) -> dict:
        data, _ = await self.get_json(f"/repos/{repo}/actions/workflows/{workflow}")
        return data

    async def run(self, repo: str, run_id: int) -> tuple[dict, bool]:
        return await self.get_json(f"/repos/{repo}/actions/runs/{run_id}")

    async def jobs(self, repo: str, run_id: int) -> tuple[list[dict], bool]:
        data, changed = await self.get_json(
            f"/repos/{repo}/actions/runs/{run_id}/jobs", {"per_page": 100}
        )
        return data["jobs"], changed

    async def artifacts(self, repo: str, run_id: int) -> tuple[list[dict], bool]:
        data, changed = await self.get_json(
            f"/repos/{repo}/actions/runs/{run_id}/artifacts", {"per_page": 100}
        )
        return data["artifacts"], changed

    async def repo_artifacts(self, repo: str) -> tuple[list[dict], bool]:
        """The repository's newest artifacts, of every run (one request for many sessions)."""
        data, changed = await self.get_json(f"/repos/{repo}/actions/artifacts", {"per_page": 100})
        return data["artifacts"], changed

    async def rate_limit(self) -> RateLimit:
        response = await self.request("GET", "/rate_limit")
        self._raise_for(response)
        core = response.json()["resources"]["core"]
        self.rate.limit, self.rate.remaining = core["limit"], core["remaining"]
        self.rate.reset = float(core["reset"])
        return self.rate

    def artifact_web_url(self, repo: str, run_id: int, artifact_id: int) -> str:
        return f"{self.web_url}/{repo}/actions/runs/{run_id}/artifacts/{artifact_id}"

    def run_web_url(self, repo: str, run_id: int) -> str:
        return f"{self.web_url}/{repo}/actions/runs/{run_id}"

    # -- dispatching -------------------------------------------------------------------------

    async def dispatch(
        self,
        repo: str,
        ref: str,
        inputs: dict[str, str],
        session_id: str,
        *,
        workflow: str = WORKFLOW_FILE,
    ) -> Dispatched:
        """Start the workflow and return its run; find it by session id when GitHub won't say."""
        url = f"/repos/{repo}/actions/workflows/{workflow}/dispatches"
        body: dict[str, Any] = {"ref": ref, "inputs": {**inputs, "session-id": session_id}}
        since = datetime.now(timezone.utc) - timedelta(seconds=30)
        for attempt in range(2):
            with_details = self.run_details_supported is not False
            payload = {**body, "return_run_details": True} if with_details else body
            try:
                response = await self.request("POST", url, json=payload, resend_on_lost=False)
            except LostResponse:
                # It may have started: look before sending it again.
                self._say("the dispatch got no answer; looking for its run")
                run = await self.find_run(repo, session_id, since, self.find_timeout, workflow)
                if run:
                    return Dispatched(run["id"], run["html_url"], "session id")
                if attempt == 0:
                    continue
                raise GitHubError(
                    "the dispatch got no answer and no run appeared; try again"
                ) from None
            if response.status_code == 200:
                data = response.json()
                self.run_details_supported = True
                return Dispatched(
                    int(data["workflow_run_id"]),
                    data.get("html_url") or self.run_web_url(repo, data["workflow_run_id"]),
                    "run details",
                )
            if response.status_code == 204:
                if with_details:
                    self.run_details_supported = False
                break
            if (
                with_details
                and response.status_code in (400, 422)
                and "return_run_details" in _message(response)
            ):
                # An older server (GHES) refused the field and started nothing: send it without.
                self.run_details_supported = False
                continue
            if response.status_code == 404:
                raise GitHubError(
                    f"{repo} has no {workflow} on its default branch, or the token cannot see "
                    "it: run `cibw-debug-tui install-workflow` and push it",
                    404,
                )
            if response.status_code == 422:
                raise GitHubError(f"GitHub refused the dispatch: {_message(response)}", 422)
            self._raise_for(response)
            raise GitHubError(f"unexpected answer {response.status_code} to the dispatch")
        run = await self.find_run(repo, session_id, since, self.find_timeout, workflow)
        if not run:
            raise GitHubError(
                f"the workflow was dispatched but its run did not appear within "
                f"{self.find_timeout:.0f}s; look at {self.web_url}/{repo}/actions"
            )
        return Dispatched(run["id"], run["html_url"], "session id")

    async def find_run(
        self,
        repo: str,
        session_id: str,
        since: datetime,
        timeout: float,
        workflow: str = WORKFLOW_FILE,
        interval: float = 2.0,
    ) -> dict | None:
        """The run whose run-name carries `[session_id]`, created since `since`."""
        deadline = time.monotonic() + timeout
        created = ">=" + since.strftime("%Y-%m-%dT%H:%M:%SZ")
        marker = f"[{session_id}]"
        while True:
            runs = await self.paginate(
                f"/repos/{repo}/actions/workflows/{workflow}/runs",
                {"event": "workflow_dispatch", "created": created},
                key="workflow_runs",
            )
            for run in runs:
                if marker in (run.get("display_title") or ""):
                    return run
            if time.monotonic() >= deadline:
                return None
            await asyncio.sleep(interval)

    # -- acting on a run ---------------------------------------------------------------------

    async def _post_action(self, url: str, ok: tuple[int, ...], what: str) -> None:
        response = await self.request("POST", url)
        if response.status_code in ok:
            return
        if response.status_code == 409:
            raise GitHubError(f"cannot {what}: {_message(response)}", 409)
        if response.status_code == 403:
            raise GitHubError(f"cannot {what}: {_message(response)}", 403)
        self._raise_for(response)

    async def rerun(self, repo: str, run_id: int) -> None:
        await self._post_action(f"/repos/{repo}/actions/runs/{run_id}/rerun", (201,), "rerun")

    async def rerun_failed(self, repo: str, run_id: int) -> None:
        url = f"/repos/{repo}/actions/runs/{run_id}/rerun-failed-jobs"
        await self._post_action(url, (201,), "rerun the failed jobs")

    async def cancel(self, repo: str, run_id: int) -> None:
        url = f"/repos/{repo}/actions/runs/{run_id}/cancel"
        await self._post_action(url, (202,), "cancel the run")

    async def force_cancel(self, repo: str, run_id: int) -> None:
        url = f"/repos/{repo}/actions/runs/{run_id}/force-cancel"
        await self._post_action(url, (202,), "force-cancel the run")

    # -- downloads ---------------------------------------------------------------------------

    async def _signed_url(self, url: str, what: str) -> str:
        response = await self.request("GET", url)
        if response.status_code in (301, 302, 303, 307, 308):
            return response.headers["location"]
        if response.status_code == 410:
            raise GitHubError(f"{what} has expired on GitHub (410 Gone)", 410)
        if response.status_code == 404:
            raise GitHubError(f"{what} is not available (yet)", 404)
        self._raise_for(response)
        raise GitHubError(f"GitHub did not redirect the download of {what}")

    async def download(
        self, url: str, dest: Path, what: str, progress: Progress | None = None
    ) -> Path:
        """Stream `url` (an API download URL) into `dest`; nothing partial is left on failure."""
        import httpx

        location = await self._signed_url(url, what)
        dest.parent.mkdir(parents=True, exist_ok=True)
        partial = dest.with_name(f".{dest.name}.{os.getpid()}.part")
        try:
            async with self._blob_client.stream("GET", location) as response:
                if response.status_code == 410:
                    raise GitHubError(f"the download link for {what} expired; try again", 410)
                if response.status_code != 200:
                    raise GitHubError(f"download of {what} failed: HTTP {response.status_code}")
                total = response.headers.get("content-length")
                size = int(total) if total and total.isdigit() else None
                done = 0
                with open(partial, "wb") as out:
                    async for chunk in response.aiter_bytes(1 << 20):
                        out.write(chunk)
                        done += len(chunk)
                        if progress:
                            progress(done, size)
                if size is not None and done != size:
                    raise GitHubError(f"download of {what} was cut short ({done} of {size} bytes)")
            os.replace(partial, dest)
        except httpx.TransportError as error:
            raise GitHubError(f"download of {what} failed: {type(error).__name__}") from None
        finally:
            partial.unlink(missing_ok=True)
        return dest

    async def download_artifact(
        self, repo: str, artifact: dict, folder: Path, progress: Progress | None = None
    ) -> Path:
        name = re.sub(r"[^A-Za-z0-9._-]", "_", artifact["name"]) + ".zip"
        url = f"/repos/{repo}/actions/artifacts/{artifact['id']}/zip"
        return await self.download(url, folder / name, f"artifact {artifact['name']}", progress)

    async def artifact_bytes(self, repo: str, artifact_id: int, limit: int = 1 << 20) -> bytes:
        """A small artifact's zip in memory (the SSH connection file)."""
        import httpx

        location = await self._signed_url(
            f"/repos/{repo}/actions/artifacts/{artifact_id}/zip", "the SSH connection artifact"
        )
        try:
            response = await self._blob_client.get(location)
        except httpx.TransportError as error:
            raise GitHubError(f"download failed: {type(error).__name__}") from None
        if response.status_code != 200:
            raise GitHubError(f"download failed: HTTP {response.status_code}")
        if len(response.content) > limit:
            raise GitHubError("the SSH connection artifact is unexpectedly large")
        return response.content

    async def job_log(self, repo: str, job_id: int, dest: Path) -> Path:
        """A finished job's log, saved to `dest` (GitHub serves it only once the job ends)."""
        return await self.download(f"/repos/{repo}/actions/jobs/{job_id}/logs", dest, "the job log")
