"""A run's logs, fetched into the log folder: the failed build's, to explain it, and any job's,
to read it whole.

A failed build's log comes first from the build log artifact, which the workflow publishes the
moment the build fails, before its after-failure SSH session: GitHub serves a job's own log only
once the job has ended, half an hour later when the person uses the whole session. A log
already in the folder (a finished job's, read before a restart) is not fetched again.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from cibw_debug_tui.core.files import private_folder, safe_file_name, whole_number
from cibw_debug_tui.core.github import GitHub, GitHubError
from cibw_debug_tui.core.models import Artifact, Job
from cibw_debug_tui.core.workflow_contract import (
    BUILD_LOG_FILE,
    BUILD_STEP_PREFIX,
    buildlog_artifact,
)

if TYPE_CHECKING:
    from cibw_debug_tui.core.explain import Explanation
    from cibw_debug_tui.core.session import Session

MAX_LOG_BYTES = 1 << 30  # a build log larger than this, unzipped, is refused
# A job's log may be written minutes after the job ends (its storage answers 404 until then):
# asked again after each of these waits (about 4 minutes in all), then left to `l`.
LOG_WAITS = (2.0, 4.0, 8.0, 15.0, 30.0, 30.0, 30.0, 30.0, 30.0, 30.0, 30.0)
SUCCEEDED = ("success", "skipped", "neutral")


def _base(session: Session) -> str:
    """The start of a log's file name: the repository and run id, kept in the log folder
    (files.py); an id that is not a whole number is a ValueError."""
    return safe_file_name(f"{session.spec.repo}-{whole_number(session.run_id)}")


def build_failed(session: Session) -> bool:
    """Whether this attempt's build step has failed (its job may still run: the SSH session)."""
    return any(
        step["name"].startswith(BUILD_STEP_PREFIX) and step.get("conclusion") == "failure"
        for job in session.jobs
        for step in job.get("steps") or []
    )


def job_to_explain(session: Session) -> Job | None:
    """The job whose log says why the run failed: the last that failed, else the last that
    did not succeed (cancelled, timed out, waiting for an approval) while the run failed."""
    done = [j for j in session.jobs if j.get("status") == "completed"]
    failed = [j for j in done if j.get("conclusion") == "failure"]
    failed = failed or [j for j in done if j.get("conclusion") not in SUCCEEDED]
    return failed[-1] if failed else None


def build_log_artifact(session: Session) -> Artifact | None:
    """This attempt's build log artifact, once it is listed."""
    name = buildlog_artifact(session.attempt)
    return next((a for a in session.artifacts if a["name"] == name), None)


async def fetch_build_log(github: GitHub, session: Session, artifact: Artifact,
                          folder: Path) -> Path:  # fmt: skip
    """The build log artifact's `build.log`, unzipped into `folder`. GitHubError in words when
    it cannot be had (a zip that is not one, no build.log in it, larger than MAX_LOG_BYTES)."""
    attempt = whole_number(session.attempt)
    dest = folder / f"{_base(session)}-attempt-{attempt}-{BUILD_LOG_FILE}"
    if dest.exists():
        return dest
    archive = await github.download_artifact(session.spec.repo, artifact, folder)
    # a new private file (files.py): a link planted at a name of ours is never written through
    handle, partial_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part",
                                            dir=private_folder(folder))  # fmt: skip
    partial = Path(partial_name)
    try:
        with zipfile.ZipFile(archive) as zipped, os.fdopen(handle, "wb") as out:
            names = [n for n in zipped.namelist() if n.rsplit("/", 1)[-1] == BUILD_LOG_FILE]
            if not names:
                raise GitHubError(f"the build log artifact holds no {BUILD_LOG_FILE}")
            written = 0
            with zipped.open(names[0]) as stream:
                while block := stream.read(1 << 20):
                    written += len(block)
                    if written > MAX_LOG_BYTES:
                        raise GitHubError("the build log is larger than 1 GiB; not read")
                    out.write(block)
        os.replace(partial, dest)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError):
        raise GitHubError("the build log artifact is not a readable zip") from None
    finally:
        partial.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            archive.unlink()
    return dest


async def fetch_job_log(github: GitHub, session: Session, job: Job, folder: Path) -> Path:
    """A finished job's log in `folder` (GitHub serves it once the job has ended)."""
    dest = folder / f"{_base(session)}-{whole_number(job['id'])}.log"
    if dest.exists():  # fetched before (a finished job's log does not change)
        return dest
    return await github.job_log(session.spec.repo, job["id"], dest)


def explain_file(path: Path) -> Explanation:
    from cibw_debug_tui.core import explain  # loaded with the first failure

    with open(path, "rb") as stream:
        return explain.explain_stream(stream)
