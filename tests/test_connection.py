"""The SSH connection file: what the workflow writes is what the client reads; junk is refused
with a sentence."""

import io
import json
import zipfile

import pytest
from workflow_harness import run_script, step

from cibw_debug_tui.core.connection import (
    ConnectionFileError,
    parse_connection,
    parse_connection_zip,
    stage_of_artifact,
)

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTestsOnly octocat@laptop"


def zipped(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


def test_reads_what_the_workflow_writes(tmp_path):
    helper_step = step("debug", "helper")["run"]
    assert run_script(helper_step, {}, tmp_path).returncode == 0
    helper = tmp_path / "runner-temp" / "cibw-debug" / "ssh-session.sh"
    env = {"ACTOR": "octocat", "IDENTIFIER": "cp312-manylinux_x86_64", "SESSION_TIMEOUT": "20",
           "FAKE_KEYS": KEY, "FAKE_CONTAINER": "cibuildwheel-abc"}  # fmt: skip
    result = run_script(f'exec bash "{helper}" open after-failure', env, tmp_path)
    assert result.returncode == 0, result.stderr
    written = tmp_path / "runner-temp" / "cibw-debug" / "connection-after-failure.json"
    conn = parse_connection_zip(zipped("connection-after-failure.json", written.read_bytes()))
    assert conn.is_open and conn.stage == "after-failure"
    assert conn.ssh == "ssh FAKEtmateTOKEN123@nyc1.tmate.io"
    assert conn.timeout_minutes == 20
    assert (conn.expires_at - conn.opened_at).total_seconds() == 20 * 60
    assert conn.docker_exec.endswith("docker exec -it cibuildwheel-abc bash")
    assert conn.continue_command.startswith("touch ")


def test_refused_session_is_read_with_its_reason():
    message = "No public SSH keys on @x's GitHub profile"
    data = {"format": 1, "status": "refused", "stage": "before-build", "ssh": None,
            "message": message, "timeout_minutes": 30}  # fmt: skip
    conn = parse_connection(data)
    assert not conn.is_open and "No public SSH keys" in conn.message


GOOD = {
    "format": 1,
    "status": "open",
    "stage": "before-build",
    "ssh": "ssh abc@nyc1.tmate.io",
    "opened_at": "2026-11-26T15:00:00Z",
    "expires_at": "2026-11-26T15:30:00Z",
    "timeout_minutes": 30,
}


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"format": 2}, "unknown connection file format"),
        ({"status": "maybe"}, "unknown session status"),
        ({"stage": "during"}, "unknown session stage"),
        ({"ssh": "rm -rf /"}, "not an ssh command"),
        ({"ssh": "ssh a@b\nrm -rf /"}, "not one line"),
        ({"timeout_minutes": 600}, "from 1 to 60"),
        ({"timeout_minutes": True}, "from 1 to 60"),
        ({"expires_at": "tomorrow"}, "not a UTC time"),
    ],
)
def test_bad_fields_are_refused_with_words(change, words):
    with pytest.raises(ConnectionFileError, match=words):
        parse_connection({**GOOD, **change})


@pytest.mark.parametrize(
    ("blob", "words"),
    [
        (b"not a zip", "not a readable zip"),
        (zipped("readme.txt", b"hi"), "holds no JSON"),
        (zipped("c.json", b"{nope"), "not valid JSON"),
        (zipped("c.json", b"\xff\xfe"), "not valid JSON"),
        (zipped("c.json", b"[]"), "not a JSON object"),
        (zipped("c.json", b" " * 100_000), "unexpectedly large"),
    ],
    # Named, not shown: a zip holds the time it was made, and test workers (pytest-xdist) must
    # collect the same test names.
    ids=["not-a-zip", "no-json", "broken-json", "not-utf8", "not-an-object", "too-large"],
)
def test_bad_archives_are_refused_with_words(blob, words):
    with pytest.raises(ConnectionFileError, match=words):
        parse_connection_zip(blob)


def test_seconds_left():
    conn = parse_connection(GOOD)
    from datetime import datetime, timezone

    assert conn.seconds_left(datetime(2026, 11, 26, 15, 20, tzinfo=timezone.utc)) == 600
    assert conn.seconds_left(datetime(2026, 11, 26, 16, 0, tzinfo=timezone.utc)) == 0


@pytest.mark.parametrize(
    ("name", "stage"),
    [
        ("cibw-debug-ssh-before-build-attempt-1", "before-build"),
        ("cibw-debug-ssh-after-failure-attempt-3", "after-failure"),
        ("cibw-debug-logs-cp312-manylinux_x86_64-attempt-1", None),
        ("cibw-debug-ssh-elsewhere", None),
    ],
)
def test_stage_of_artifact(name, stage):
    assert stage_of_artifact(name) == stage


def test_json_round_trip_of_the_documented_example():
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "workflow" / "README.md").read_text()
    example = readme.split("```json\n", 1)[1].split("```", 1)[0]
    conn = parse_connection(json.loads(example))
    assert conn.is_open and conn.stage == "after-failure"
