"""The GitHub REST endpoints this tool uses, each answer checked (models.py) before use.

- A dispatch is never sent twice blindly: when its answer is lost (or cannot be read), the run
  is looked for first, by the session id its run name carries.
- Downloads (signed URLs, fetched without the token): downloads.py.
- How requests are sent, retried and rate-limited: transport.py; redirects: redirects.py.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

from cibw_debug_tui.core.answers import (
    AnswerTooLarge,
    GitHubError,
    LostResponse,
    answer_json,
    cannot_read,
    message_of,
)
from cibw_debug_tui.core.config import Token
from cibw_debug_tui.core.downloads import CONNECTION_LIMIT, Downloads
from cibw_debug_tui.core.models import (
    Artifact,
    CheckRun,
    Job,
    Repository,
    Run,
    SshKey,
    Unreadable,
    User,
    Workflow,
    read_artifacts,
    read_check_runs,
    read_dispatch_details,
    read_jobs,
    read_keys,
    read_rate_limit,
    read_repository,
    read_run,
    read_runs,
    read_user,
    read_workflow,
)
from cibw_debug_tui.core.origin import same_origin
from cibw_debug_tui.core.ratelimit import RateLimit
from cibw_debug_tui.core.refusals import dispatch_refused
from cibw_debug_tui.core.transport import REQUEST_DEADLINE, STALL_AFTER, STALL_BYTES
from cibw_debug_tui.core.workflow_contract import WORKFLOW_FILE

__all__ = [
    "CONNECTION_LIMIT",
    "WORKFLOW_FILE",
    "AnswerTooLarge",
    "Dispatched",
    "GitHub",
    "GitHubError",
    "LostResponse",
    "RateLimit",
]


@dataclass(frozen=True)
class Dispatched:
    run_id: int
    html_url: str
    found_by: str  # "run details" or "session id"


class GitHub(Downloads):
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
        request_deadline: float = REQUEST_DEADLINE,
        stall_after: float = STALL_AFTER,
        stall_bytes: int = STALL_BYTES,
        find_timeout: float = 60.0,
        on_status: Callable[[str], None] | None = None,
    ):
        super().__init__(api_url, token, timeout=timeout, retries=retries, backoff=backoff,
                         max_backoff=max_backoff, max_rate_wait=max_rate_wait,
                         request_deadline=request_deadline, stall_after=stall_after,
                         stall_bytes=stall_bytes, on_status=on_status)  # fmt: skip
        self.find_timeout = find_timeout  # how long a dispatched run may take to be listed
        self.run_details_supported: bool | None = None

    async def __aenter__(self) -> GitHub:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- reading -----------------------------------------------------------------------------

    async def user(self) -> tuple[User, list[str] | None]:
        """The token's user, and its classic scopes (None for fine-grained tokens)."""
        data, response = await self.get_checked("/user", read_user)
        scopes = response.headers.get("x-oauth-scopes")
        return data, [s.strip() for s in scopes.split(",") if s.strip()] if scopes else None

    async def user_keys(self, login: str) -> list[SshKey]:
        data, _ = await self.get_json(f"/users/{login}/keys", read_keys)
        return data

    async def repo(self, repo: str) -> Repository:
        data, _ = await self.get_json(f"/repos/{repo}", read_repository)
        return data

    async def workflow(self, repo: str, workflow: str = WORKFLOW_FILE) -> Workflow:
        data, _ = await self.get_json(f"/repos/{repo}/actions/workflows/{workflow}", read_workflow)
        return data

    async def run(self, repo: str, run_id: int) -> tuple[Run, bool]:
        return await self.get_json(f"/repos/{repo}/actions/runs/{run_id}", read_run)

    async def jobs(self, repo: str, run_id: int) -> tuple[list[Job], bool]:
        url = f"/repos/{repo}/actions/runs/{run_id}/jobs"
        return await self.get_json(url, read_jobs, {"per_page": 100})

    async def artifacts(self, repo: str, run_id: int) -> tuple[list[Artifact], bool]:
        url = f"/repos/{repo}/actions/runs/{run_id}/artifacts"
        return await self.get_json(url, read_artifacts, {"per_page": 100})

    async def repo_artifacts(self, repo: str, name: str) -> tuple[list[Artifact], bool]:
        """The repository's newest artifacts named `name`, of every run (one request for many
        sessions; the whole list changes whenever any workflow uploads anything)."""
        url = f"/repos/{repo}/actions/artifacts"
        return await self.get_json(url, read_artifacts, {"per_page": 100, "name": name})

    async def commit_check_runs(
        self, repo: str, ref: str, name: str, limit: int = CONNECTION_LIMIT
    ) -> tuple[list[CheckRun], bool]:
        """The check runs of one name on a commit (or a branch), every one of them (not only
        the newest): where the GHES variant of the workflow publishes an SSH connection file.
        Their texts come from the job: the answer is refused (AnswerTooLarge) as it passes
        `limit` bytes."""
        url = f"/repos/{repo}/commits/{quote(ref, safe='')}/check-runs"
        params = {"check_name": name, "filter": "all", "per_page": 100}
        return await self.get_json(url, read_check_runs, params, limit=limit)

    async def rate_limit(self) -> RateLimit:
        core, _ = await self.get_checked("/rate_limit", read_rate_limit)
        self.rate.limit, self.rate.remaining = core["limit"], core["remaining"]
        self.rate.reset = float(core["reset"])
        return self.rate

    def artifact_web_url(self, repo: str, run_id: int, artifact_id: int) -> str:
        return f"{self.web_url}/{repo}/actions/runs/{run_id}/artifacts/{artifact_id}"

    def run_web_url(self, repo: str, run_id: int) -> str:
        return f"{self.web_url}/{repo}/actions/runs/{run_id}"

    def run_page(self, repo: str, run_id: int | None, html_url: str | None) -> str | None:
        """The page to open for a run: the html_url GitHub sent when it is on GitHub's own
        web host, else the page this tool builds (an answer must not choose what the
        browser opens: a `javascript:` or a look-alike host)."""
        if html_url and same_origin(html_url, self.web_url):
            return html_url
        return self.run_web_url(repo, run_id) if run_id is not None else None

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
        for attempt in range(2):
            with_details = self.run_details_supported is not False
            payload = {**body, "return_run_details": True} if with_details else body
            try:
                response = await self.request("POST", url, json=payload, resend_on_lost=False)
            except LostResponse:
                # It may have started: look before sending it again.
                self._say("the dispatch got no answer; looking for its run")
                run = await self.find_run(repo, session_id, self._since(), self.find_timeout,
                                          workflow)  # fmt: skip
                if run:
                    return Dispatched(run["id"], run["html_url"], "session id")
                if attempt == 0:
                    continue
                raise GitHubError(
                    "the dispatch got no answer and no run appeared; try again"
                ) from None
            if response.status_code == 200:
                self.run_details_supported = True
                try:
                    details = read_dispatch_details(answer_json(response))
                except Unreadable as error:
                    # It started, but which run is it? Look, never send it again.
                    self._say(f"{cannot_read(error)}; looking for the dispatched run")
                    break
                run_id = details["workflow_run_id"]
                url = details["html_url"] or self.run_web_url(repo, run_id)
                return Dispatched(run_id, url, "run details")
            if response.status_code == 204:
                if with_details:
                    self.run_details_supported = False
                break
            if (
                with_details
                and response.status_code in (400, 422)
                and "return_run_details" in message_of(response)
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
                refused = dispatch_refused(message_of(response), repo, ref, workflow)
                raise GitHubError(refused, 422)
            self._raise_for(response)
            raise GitHubError(f"unexpected answer {response.status_code} to the dispatch")
        run = await self.find_run(repo, session_id, self._since(), self.find_timeout, workflow)
        if not run:
            raise GitHubError(
                f"the workflow was dispatched but its run did not appear within "
                f"{self.find_timeout:.0f}s; look at {self.web_url}/{repo}/actions"
            )
        return Dispatched(run["id"], run["html_url"], "session id")

    def _since(self) -> datetime:
        """From when a dispatched run is looked for: 30 s before now by the server's clock
        (its `Date`, from the dispatch's own answer), not this machine's (a laptop whose clock
        runs fast looked for runs created after the one it had just made)."""
        return datetime.fromtimestamp(self.server_now(), timezone.utc) - timedelta(seconds=30)

    async def find_run(
        self,
        repo: str,
        session_id: str,
        since: datetime,
        timeout: float,
        workflow: str = WORKFLOW_FILE,
        interval: float = 2.0,
    ) -> Run | None:
        """The run whose run-name carries `[session_id]`, created since `since`: the first of
        them (the lowest id) when a dispatch sent twice made two, for the workflow's
        concurrency group holds the later one back and it ends without doing anything."""
        deadline = time.monotonic() + timeout
        created = ">=" + since.strftime("%Y-%m-%dT%H:%M:%SZ")
        marker = f"[{session_id}]"
        while True:
            runs = await self.pages(
                f"/repos/{repo}/actions/workflows/{workflow}/runs",
                read_runs,
                {"event": "workflow_dispatch", "created": created},
            )
            found = [run for run in runs if marker in run["display_title"]]
            if found:
                return min(found, key=lambda run: run["id"])
            if time.monotonic() >= deadline:
                return None
            await asyncio.sleep(interval)

    # -- acting on a run ---------------------------------------------------------------------

    async def _post_action(self, url: str, ok: tuple[int, ...], what: str) -> None:
        response = await self.request("POST", url)
        if response.status_code in ok:
            return
        if response.status_code == 409:
            raise GitHubError(f"cannot {what}: {message_of(response)}", 409)
        if response.status_code == 403:
            raise GitHubError(f"cannot {what}: {message_of(response)}", 403)
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
