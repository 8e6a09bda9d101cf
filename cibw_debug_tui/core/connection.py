"""The SSH connection file the workflow publishes as an artifact (format 1, workflow/README.md).

The artifact is a zip holding `connection-<stage>.json`. Anything malformed is a
ConnectionFileError with a sentence, never a crash: the file crosses a network and a zip library.

The commands in it are pasted into a person's own shell, and the runner that writes the file
also runs the package's build (and its build dependencies) before an after-failure session
opens: on macOS and Windows they could rewrite the helper that writes it. So each command is
held to the one form the workflow writes and rebuilt here from its checked parts, never shown
as sent:

- `ssh [-p PORT] TOKEN@HOST`: TOKEN letters and digits, HOST a tmate server (`*.tmate.io`, or
  one named in `tmate_hosts:` in the config file);
- `docker start C >/dev/null && docker exec -it C bash` (or `linux32 bash`), C the container
  cibuildwheel keeps (`cibuildwheel-<hex>`);
- `touch "PATH/continue"`, PATH an absolute path of letters, digits, `.`, `_`, `-`;
- `cibw-rebuild` and `claude` with the comments the workflow writes.

A file that breaks this is UntrustedConnection: "the runner sent an SSH connection this tool
does not trust", and what was wrong; none of it is shown as a command or copied.
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
    REBUILD_COMMAND,
    STAGES,
)
from cibw_debug_tui.core.workflow_contract import SSH_ARTIFACT_PREFIX as ARTIFACT_PREFIX

MAX_FILE_BYTES = 64 * 1024
UNTRUSTED = "the runner sent an SSH connection this tool does not trust"
TMATE_DOMAIN = ".tmate.io"
# The `claude` lines the workflow writes (tests/test_connection.py finds them in it).
CLAUDE_LINES = (
    "claude  # Claude Code, with the repository's ANTHROPIC_API_KEY",
    "claude  # Claude Code; run `claude login` (no ANTHROPIC_API_KEY secret)",
)
_SHELL = set("`$;&|<>()'\"\\*?[]{}!#~=,%^")
_TOKEN = re.compile(r"[A-Za-z0-9]{1,128}")
_HOST = re.compile(r"(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
_DOCKER = re.compile(
    r"docker start (?P<container>cibuildwheel-[0-9a-f-]{1,80}) >/dev/null && "
    r"docker exec -it (?P=container) (?P<shell>bash|linux32 bash)"
)
_CONTINUE_FILE = re.compile(r"(?:[A-Za-z]:)?/(?:[A-Za-z0-9._-]+/)*continue")
_REBUILD = re.compile(
    rf"{REBUILD_COMMAND}(?:  # build (?P<identifier>[A-Za-z0-9_.+-]{{1,80}}) again, "
    r"keeping the build folder)?"
)
_LOGIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?")


class ConnectionFileError(ValueError):
    """The connection artifact could not be read; the message says why."""


class UntrustedConnection(ConnectionFileError):
    """A connection file whose commands are not the ones the workflow writes."""

    def __init__(self, why: str):
        super().__init__(f"{UNTRUSTED}: {why}")


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
    rebuild: str | None = None

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


def ssh_command(text: str, tmate_hosts: tuple[str, ...] = ()) -> str:
    """The SSH command, rebuilt as `ssh [-p PORT] TOKEN@HOST` from its checked parts;
    UntrustedConnection says what is wrong with anything else."""

    def untrusted(why: str) -> UntrustedConnection:
        return UntrustedConnection(f"its SSH command {why}")

    if not (text.isascii() and text.isprintable()):
        raise untrusted("holds control characters or characters beyond ASCII")
    shell = sorted(set(text) & _SHELL)
    if shell:
        raise untrusted(f"holds shell syntax ({' '.join(shell)})")
    words = text.split(" ")
    if words[0] != "ssh":
        raise untrusted("is not an ssh command")
    words, port = words[1:], ""
    if words and words[0].startswith("-p"):
        port = words[0][2:] or (words[1] if len(words) > 1 else "")
        words = words[1:] if words[0] != "-p" else words[2:]
        if not (port.isdigit() and 1 <= int(port) <= 65535):
            raise untrusted("gives a port that is not a port number")
        port = f"-p {int(port)} "
    if any(word.startswith("-") for word in words):
        raise untrusted("passes an ssh option other than -p")
    if len(words) != 1 or words[0].count("@") != 1:
        raise untrusted("is not `ssh [-p PORT] TOKEN@HOST` with one destination")
    token, _, host = words[0].partition("@")
    host = host.lower()
    if not _TOKEN.fullmatch(token):
        raise untrusted("has a session token that is not letters and digits")
    if not _HOST.fullmatch(host):
        raise untrusted("has a host that is not a host name")
    if not host.endswith(TMATE_DOMAIN) and host not in tmate_hosts:
        raise untrusted(
            f"connects to {host}, which is not a tmate server (*{TMATE_DOMAIN}, or a host "
            "named in tmate_hosts: in the config file)"
        )
    return f"ssh {port}{token}@{host}"


def _docker_exec(text: str | None) -> str | None:
    if text is None:
        return None
    match = _DOCKER.fullmatch(text)
    if not match:
        raise UntrustedConnection(
            "its docker exec command is not the one the workflow writes "
            "(docker start cibuildwheel-… && docker exec -it cibuildwheel-… bash)"
        )
    container, shell = match["container"], match["shell"]
    return f"docker start {container} >/dev/null && docker exec -it {container} {shell}"


def _continue(command: str | None, path: str | None) -> str | None:
    if command is None:
        return None
    match = re.fullmatch(r'touch "([^"]*)"', command)
    if not match or not _CONTINUE_FILE.fullmatch(match[1]) or "/../" in match[1] + "/":
        raise UntrustedConnection(
            'its continue command is not touch "PATH/continue" with a plain absolute PATH'
        )
    if path is not None and path != match[1]:
        raise UntrustedConnection("its continue command touches another file than continue_file")
    return f'touch "{match[1]}"'


def _rebuild(text: str | None) -> str | None:
    if text is None:
        return None
    match = _REBUILD.fullmatch(text)
    if not match:
        raise UntrustedConnection(f"its {REBUILD_COMMAND} line is not the one the workflow writes")
    if match["identifier"]:
        return f"{REBUILD_COMMAND}  # build {match['identifier']} again, keeping the build folder"
    return REBUILD_COMMAND


def _claude(text: str | None) -> str | None:
    if text is None:
        return None
    known = next((line for line in ("claude", *CLAUDE_LINES) if line == text), None)
    if known is None:
        raise UntrustedConnection("its claude line is not one the workflow writes")
    return known


def parse_connection(data: object, tmate_hosts: tuple[str, ...] = ()) -> Connection:
    """Check and read the decoded JSON of a connection file. The commands of an open
    session are rebuilt from their checked parts (see the module's docstring); those of a
    refused or failed one are not read."""
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
    timeout = data.get("timeout_minutes")
    if isinstance(timeout, bool) or not isinstance(timeout, int) or not 1 <= timeout <= 60:
        raise ConnectionFileError("timeout_minutes must be a whole number from 1 to 60")
    actor = _text(data, "actor") or ""
    if actor and not _LOGIN.fullmatch(actor):
        raise UntrustedConnection("its actor is not a GitHub login")
    is_open = status == "open"
    ssh = _text(data, "ssh") if is_open else None
    if is_open and ssh is None:
        raise ConnectionFileError("the SSH command is missing")
    return Connection(
        status=status,
        stage=stage,
        message=_text(data, "message") or "",
        actor=actor,
        ssh=ssh_command(ssh, tmate_hosts) if ssh is not None else None,
        opened_at=_time(data.get("opened_at"), "opened_at"),
        expires_at=_time(data.get("expires_at"), "expires_at"),
        timeout_minutes=timeout,
        continue_command=_continue(_text(data, "continue_command"), _text(data, "continue_file"))
        if is_open
        else None,
        docker_exec=_docker_exec(_text(data, "docker_exec")) if is_open else None,
        claude=_claude(_text(data, "claude")) if is_open else None,
        rebuild=_rebuild(_text(data, "rebuild")) if is_open else None,
    )


def parse_connection_zip(blob: bytes, tmate_hosts: tuple[str, ...] = ()) -> Connection:
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
    return parse_connection(data, tmate_hosts)
