"""Downloads: GitHub answers a download (an artifact's zip, a job's log) with a 302 to a signed
URL on its storage, which is fetched without the token, as a stream, into a new private file
(or, for a small connection file, into memory up to a limit). A download may take as long as it
needs while it makes progress; `Content-Length` is held against the bytes on the wire.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from cibw_debug_tui.core.answers import GitHubError, cannot_read
from cibw_debug_tui.core.config import is_loopback
from cibw_debug_tui.core.files import private_folder, safe_file_name, whole_number
from cibw_debug_tui.core.models import Artifact
from cibw_debug_tui.core.transport import Transport

if TYPE_CHECKING:
    import httpx

# The most a connection file's carrier may be: the artifact's zip, or a commit's check runs of
# one name (the file is a few KB; what else is in there was written by whatever ran in the job).
CONNECTION_LIMIT = 1 << 20

Progress = Callable[[int, int | None], None]


class Downloads(Transport):
    """The transport, with GitHub's downloads."""

    async def open_stream(self, url: str) -> httpx.Response:
        """A download's answer, its body still to be read (`read_body`), from a signed URL that
        gets no token; its headers within the request deadline."""
        import httpx

        try:
            request = self._blob_client.build_request("GET", url)
        except httpx.InvalidURL:
            raise GitHubError(cannot_read(f"a download link is not a URL ({url[:80]})")) from None
        try:
            return await asyncio.wait_for(
                self._blob_client.send(request, stream=True), self.request_deadline
            )
        except asyncio.TimeoutError:
            raise httpx.ReadTimeout("no answer within the deadline", request=request) from None

    async def read_body(
        self, response: httpx.Response, what: str, take: Callable[[bytes], None]
    ) -> None:
        """Hand a download's body to `take` as it arrives; GitHubError when it stalls (fewer
        than `stall_bytes` in `stall_after` seconds): slow is fine, stuck is not. A timer
        moved on with progress, not a deadline per chunk (that cost a tenth of the
        throughput)."""
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()
        stalled = False

        def stall() -> None:
            nonlocal stalled
            stalled = True
            task.cancel()

        timer = loop.call_at(loop.time() + self.stall_after, stall)
        since = 0
        try:
            async for chunk in response.aiter_bytes():
                take(chunk)
                since += len(chunk)
                if since >= self.stall_bytes:
                    since = 0
                    timer.cancel()
                    timer = loop.call_at(loop.time() + self.stall_after, stall)
        except asyncio.CancelledError:
            if not stalled:
                raise
            if sys.version_info >= (3, 11):
                task.uncancel()
            least = self.stall_bytes
            amount = f"{least // 1024} KB" if least >= 1024 else f"{least} bytes"
            raise GitHubError(
                f"the download of {what} stalled: less than {amount} in {self.stall_after:.0f}s"
            ) from None
        finally:
            timer.cancel()

    async def _signed_url(self, url: str, what: str) -> str:
        """Where GitHub redirects a download: a signed https URL (http only on this machine,
        for the simulator); anything else is an answer this tool cannot read."""
        response = await self.request("GET", url)
        if response.status_code in (301, 302, 303, 307, 308):
            location = str(response.headers.get("location", ""))
            try:
                parts = urlsplit(location)
                secure = parts.scheme == "https" or (
                    parts.scheme == "http" and is_loopback(parts.hostname)
                )
            except ValueError:
                secure = False
            if not (secure and parts.hostname):
                raise GitHubError(cannot_read(f"the download of {what} leads to no https link"))
            return location
        if response.status_code == 410:
            raise GitHubError(f"{what} has expired on GitHub (410 Gone)", 410)
        if response.status_code == 404:
            raise GitHubError(f"{what} is not available (yet)", 404)
        self._raise_for(response)
        raise GitHubError(f"GitHub did not redirect the download of {what}")

    async def download(
        self, url: str, dest: Path, what: str, progress: Progress | None = None
    ) -> Path:
        """Stream `url` (an API download URL) into `dest`, readable by its owner only, through
        a new temporary file beside it (never a name someone could have planted a link at);
        nothing partial is left on failure."""
        import httpx

        location = await self._signed_url(url, what)
        private_folder(dest.parent)
        handle, partial = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part",
                                           dir=dest.parent)  # fmt: skip
        try:
            with os.fdopen(handle, "wb") as out:
                response = await self.open_stream(location)
                try:
                    if response.status_code == 410:
                        raise GitHubError(f"the download link for {what} expired; try again", 410)
                    if response.status_code == 404:  # a log GitHub has not written yet
                        raise GitHubError(f"{what} is not in GitHub's storage yet (404)", 404)
                    if response.status_code != 200:
                        raise GitHubError(f"download of {what} failed: HTTP {response.status_code}")
                    # Content-Length counts the bytes sent, which a Content-Encoding makes
                    # fewer than the file's: progress and the check count those too.
                    total = response.headers.get("content-length")
                    size = int(total) if total and total.isdigit() else None

                    def take(chunk: bytes) -> None:
                        out.write(chunk)
                        if progress:
                            progress(response.num_bytes_downloaded, size)

                    await self.read_body(response, what, take)
                    done = response.num_bytes_downloaded
                finally:
                    await response.aclose()
            if size is not None and done != size:
                raise GitHubError(f"download of {what} was cut short ({done} of {size} bytes)")
            os.replace(partial, dest)
        except httpx.RequestError as error:  # the network, or a body that does not decode
            raise GitHubError(f"download of {what} failed: {type(error).__name__}") from None
        finally:
            Path(partial).unlink(missing_ok=True)
        return dest

    async def download_artifact(
        self, repo: str, artifact: Artifact, folder: Path, progress: Progress | None = None
    ) -> Path:
        name = safe_file_name(artifact["name"]) + ".zip"
        url = f"/repos/{repo}/actions/artifacts/{whole_number(artifact['id'])}/zip"
        return await self.download(url, folder / name, f"artifact {artifact['name']}", progress)

    async def artifact_bytes(
        self, repo: str, artifact_id: int, limit: int = CONNECTION_LIMIT
    ) -> bytes:
        """A small artifact's zip in memory (the SSH connection file): read as it arrives and
        refused once it passes `limit` bytes, all within the request deadline."""
        import httpx

        what = "the SSH connection artifact"
        location = await self._signed_url(
            f"/repos/{repo}/actions/artifacts/{whole_number(artifact_id)}/zip", what
        )

        async def read() -> bytes:
            response = await self.open_stream(location)
            try:
                if response.status_code != 200:
                    raise GitHubError(f"download failed: HTTP {response.status_code}")
                declared = response.headers.get("content-length", "")
                too_large = GitHubError(
                    f"{what} is unexpectedly large (over {limit // 1024} KB); not read"
                )
                if declared.isdigit() and int(declared) > limit:
                    raise too_large
                data = bytearray()

                def take(chunk: bytes) -> None:
                    data.extend(chunk)
                    if len(data) > limit:
                        raise too_large

                await self.read_body(response, what, take)
                return bytes(data)
            finally:
                await response.aclose()

        try:
            return await asyncio.wait_for(read(), self.request_deadline)
        except asyncio.TimeoutError:
            raise GitHubError(
                f"{what} did not arrive within {self.request_deadline:.0f}s"
            ) from None
        except httpx.RequestError as error:
            raise GitHubError(f"download failed: {type(error).__name__}") from None

    async def job_log(self, repo: str, job_id: int, dest: Path) -> Path:
        """A finished job's log, saved to `dest` (GitHub serves it only once the job ends)."""
        url = f"/repos/{repo}/actions/jobs/{whole_number(job_id)}/logs"
        return await self.download(url, dest, "the job log")
