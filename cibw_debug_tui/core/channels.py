"""The two channels a debug run publishes its SSH connection files through, chosen by the tool.

- Artifacts (github.com's workflow): listed while the job runs, read by the SSH scout from
  one list for every session (scout.py), unzipped by connection.py.
- Check runs (the GHES variant): GitHub Enterprise Server refuses upload-artifact v4+ and
  lists v3's artifacts only once a run has completed, so the variant's debug job puts each
  connection file into a check run on the run's own commit, named for the run, the stage and
  the attempt (`workflow_contract.ssh_check_run`). A client reads it back at once with a
  conditional GET of that commit's check runs of that name.

Which one a run uses: check runs on GHES (its API is under /api/v3) and for any run of the
GHES variant (its workflow's name says so); artifacts otherwise.

The check-run channel needs `checks: write` for the debug job, and everything in that job can
use the job's token: the package's own build, its build dependencies. So a check run is
believed only when it is the one check run of exactly its name on the run's commit, made by
GitHub Actions; one made by another app, or a second one beside it, is refused in words and
never shown. (A check run made with the same job's token cannot be told apart from the
workflow's own: workflow/README.md says what the permission exposes.)
"""

from __future__ import annotations

import json
import re
from enum import Enum
from urllib.parse import urlsplit

from cibw_debug_tui.core.connection import (
    MAX_FILE_BYTES,
    Connection,
    ConnectionFileError,
    parse_connection,
)
from cibw_debug_tui.core.models import CheckRun
from cibw_debug_tui.core.workflow_contract import (
    CHECK_RUN_JSON,
    GHES,
    GHES_WORKFLOW_TITLE,
    GITHUB_COM,
    ssh_check_run,
)

ACTIONS_APP = "github-actions"  # the app of a job's GITHUB_TOKEN, on github.com and GHES
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


class Channel(str, Enum):
    ARTIFACT = "artifacts"
    CHECK_RUN = "check runs"

    def __str__(self) -> str:
        return self.value


def is_ghes(api_url: str) -> bool:
    """GitHub Enterprise Server serves its API under /api/v3 of its host; github.com and
    GHE.com (which run upload-artifact v4) do not."""
    return urlsplit(api_url).path.rstrip("/").endswith("/api/v3")


def variant_for(api_url: str) -> str:
    """The workflow variant for the server at `api_url`."""
    return GHES if is_ghes(api_url) else GITHUB_COM


def channel_for(api_url: str, workflow_name: str = "") -> Channel:
    """Where a run of the workflow named `workflow_name` on that server publishes its SSH
    connection files."""
    if is_ghes(api_url) or workflow_name == GHES_WORKFLOW_TITLE:
        return Channel.CHECK_RUN
    return Channel.ARTIFACT


def connection_in(
    check_runs: list[CheckRun],
    run_id: int,
    stage: str,
    attempt: int,
    head_sha: str,
    tmate_hosts: tuple[str, ...] = (),
) -> Connection | None:
    """The connection of `stage` of the run's attempt in a commit's check runs; None while
    there is none. ConnectionFileError, in words, when the one there cannot be believed: the
    file inside is held to connection.py's grammar like an artifact's (`tmate_hosts`, the
    self-hosted tmate servers of the config file)."""
    name = ssh_check_run(run_id, stage, attempt)
    claims = [c for c in check_runs if c["name"] == name]
    if not claims:
        return None
    for claim in claims:
        slug = claim["app_slug"]
        if slug != ACTIONS_APP:
            who = f"the app {slug!r}" if slug and _SLUG.fullmatch(slug) else "another app"
            raise ConnectionFileError(
                f"the check run for this SSH session was made by {who}, not by GitHub "
                "Actions: it is not trusted"
            )
    if len(claims) > 1:
        raise ConnectionFileError(
            f"{len(claims)} check runs claim this SSH session, where the workflow makes one: "
            "none is trusted (something else in the job made check runs)"
        )
    (claim,) = claims
    if claim["head_sha"] != head_sha:
        raise ConnectionFileError("the check run for this SSH session is on another commit")
    connection = _connection_text(claim["text"], tmate_hosts)
    if connection.stage != stage:
        raise ConnectionFileError(
            f"the check run for the {stage} session holds the {connection.stage} one"
        )
    return connection


def _connection_text(text: str | None, tmate_hosts: tuple[str, ...]) -> Connection:
    """The connection file in a check run's text, between the JSON code fence's lines."""
    start, end = CHECK_RUN_JSON
    if text is None or not text.startswith(start) or not text.endswith(end):
        raise ConnectionFileError("the check run holds no connection file")
    if len(text) > MAX_FILE_BYTES:
        raise ConnectionFileError("the connection file is unexpectedly large")
    try:
        data = json.loads(text[len(start) : len(text) - len(end)])
    except (ValueError, RecursionError):
        raise ConnectionFileError("the connection file is not valid JSON") from None
    return parse_connection(data, tmate_hosts)
