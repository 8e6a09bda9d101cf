"""The SSH connection file the workflow publishes as an artifact (format 1, workflow/README.md).

The artifact is a zip holding `connection-<stage>.json`. Anything malformed is a ConnectionError
with a sentence, never a crash: the file crosses a network and a zip library.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone

from cibw_debug_tui.core.workflow_contract import (
    CONNECTION_FORMAT,
    CONNECTION_STATUSES,
    STAGES,
)
from cibw_debug_tui.core.workflow_contract import SSH_ARTIFACT_PREFIX as ARTIFACT_PREFIX

MAX_FILE_BYTES = 64 * 1024
_SSH = re.compile(r"ssh (?:-\S+ )*[\w.-]+@[\w.-]+(?: .*)?")


class ConnectionFileError(ValueError):
    """The connection artifact could not be read; the message says why."""


@dataclass(frozen=True)
class Connection:
    status: str  # "open", "refused" or "failed" (then `message` says why)
    stage: str
    message: str
    actor: str
    ssh: str | None
    opened_at: datetime | None
    expires_at: datetime | None
    timeout_minutes: int
    continue_command: str | None
    docker_exec: str | None
    claude: str | None

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def seconds_left(self, now: datetime | None = None) -> float | None:
        if self.expires_at is None:
            return None
        now = now or datetime.now(timezone.utc)
        return max(0.0, (self.expires_at - now).total_seconds())


def stage_of_artifact(name: str) -> str | None:
    """The stage an artifact named `cibw-debug-ssh-<stage>-attempt-<n>` belongs to."""
    if not name.startswith(ARTIFACT_PREFIX):
        return None
    rest = name[len(ARTIFACT_PREFIX) :]
    return next((stage for stage in STAGES if rest.startswith(stage)), None)


def _time(value: object, field: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConnectionFileError(f"{field} is not a time")
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        raise ConnectionFileError(f"{field} is not a UTC time like 2026-01-31T12:00:00Z") from None


def _text(data: dict[str, object], field: str, required: bool = False) -> str | None:
    value = data.get(field)
    if value is None and not required:
        return None
    if not isinstance(value, str) or "\n" in value or len(value) > 2000:
        raise ConnectionFileError(f"{field} is missing or not one line of text")
    return value


def parse_connection(data: object) -> Connection:
    """Check and read the decoded JSON of a connection file."""
    if not isinstance(data, dict):
        raise ConnectionFileError("the connection file is not a JSON object")
    if data.get("format") != CONNECTION_FORMAT:
        raise ConnectionFileError(
            f"unknown connection file format {data.get('format')!r}; update cibw-debug-tui"
        )
    status = _text(data, "status", required=True)
    if status not in CONNECTION_STATUSES:
        raise ConnectionFileError(f"unknown session status {status!r}")
    stage = _text(data, "stage", required=True)
    if stage not in STAGES:
        raise ConnectionFileError(f"unknown session stage {stage!r}")
    ssh = _text(data, "ssh")
    if status == "open" and (ssh is None or not _SSH.fullmatch(ssh)):
        raise ConnectionFileError("the SSH command is missing or not an ssh command")
    timeout = data.get("timeout_minutes")
    if isinstance(timeout, bool) or not isinstance(timeout, int) or not 1 <= timeout <= 60:
        raise ConnectionFileError("timeout_minutes must be a whole number from 1 to 60")
    return Connection(
        status=status,
        stage=stage,
        message=_text(data, "message") or "",
        actor=_text(data, "actor") or "",
        ssh=ssh,
        opened_at=_time(data.get("opened_at"), "opened_at"),
        expires_at=_time(data.get("expires_at"), "expires_at"),
        timeout_minutes=timeout,
        continue_command=_text(data, "continue_command"),
        docker_exec=_text(data, "docker_exec"),
        claude=_text(data, "claude"),
    )


def parse_connection_zip(blob: bytes) -> Connection:
    """Read the connection from the artifact's zip."""
    try:
        with zipfile.ZipFile(io.BytesIO(blob)) as archive:
            names = [n for n in archive.namelist() if n.endswith(".json")]
            if not names:
                raise ConnectionFileError("the connection artifact holds no JSON file")
            info = archive.getinfo(names[0])
            if info.file_size > MAX_FILE_BYTES:
                raise ConnectionFileError("the connection file is unexpectedly large")
            raw = archive.read(info)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError):
        raise ConnectionFileError("the connection artifact is not a readable zip") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ConnectionFileError("the connection file is not valid JSON") from None
    return parse_connection(data)
