"""The installed `cibw-debug-tui` command, run as a user runs it."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cibw_debug_tui import __version__

COMMAND = Path(sys.executable).parent / "cibw-debug-tui"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([COMMAND, *args], capture_output=True, text=True, check=False)


def test_version_and_help():
    assert run("--version").stdout.strip() == f"cibw-debug-tui {__version__}"
    help_text = run("--help").stdout
    assert "matrix" in help_text


def test_module_entry_point_matches_the_command():
    proc = subprocess.run(
        [sys.executable, "-m", "cibw_debug_tui", "--version"], capture_output=True, text=True
    )
    assert proc.stdout.strip() == f"cibw-debug-tui {__version__}"


def test_matrix_json_has_one_object_per_combination_with_the_promised_fields():
    proc = run("matrix", "--json")
    assert proc.returncode == 0
    rows = json.loads(proc.stdout)
    keys = {(r["runner"], r["python"], r["arch"]) for r in rows}
    assert len(keys) == len(rows) > 600
    for row in rows:
        assert isinstance(row["valid"], bool)
        if row["valid"]:
            assert row["identifier"].startswith(row["python"] + "-")
            assert row["build"] in {"native", "emulated", "cross-compiled"}
            assert row["reason"] is None
        else:
            assert row["identifier"] is None and row["build"] is None
            assert isinstance(row["reason"], str)
    by_key = {(r["runner"], r["python"], r["arch"]): r for r in rows}
    assert by_key["ubuntu-latest", "cp312", "x86_64"]["identifier"] == "cp312-manylinux_x86_64"
    assert by_key["windows-2025", "cp39", "x86"]["identifier"] == "cp39-win32"
    assert by_key["macos-latest", "cp313", "universal2"]["build"] == "native"


def test_matrix_table_is_readable():
    out = run("matrix").stdout
    assert out.splitlines()[0].split()[:5] == ["RUNNER", "CPU", "ARCH", "BUILD", "TESTS"]
    assert "cp39-manylinux_x86_64 .. cp315t" in out
    assert "macos-13: retired 2025-12-04, use macos-15-intel" in out


def test_matrix_filters():
    rows = json.loads(run("matrix", "--json", "--runner", "windows-11-arm").stdout)
    assert {r["runner"] for r in rows} == {"windows-11-arm"}
    assert {r["arch"] for r in rows if r["valid"]} == {"ARM64"}


def test_checking_one_valid_combination_prints_its_settings():
    proc = run("matrix", "--runner", "ubuntu-24.04-arm", "--python", "cp313", "--arch", "aarch64")
    assert proc.returncode == 0
    assert proc.stdout.startswith("cp313-manylinux_aarch64: native build on ubuntu-24.04-arm")
    assert "CIBW_BUILD_VERBOSITY=3" in proc.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--runner", "ubuntu-latest", "--python", "cp312", "--arch", "arm64"), "aarch64"),
        (("--runner", "macos-13", "--python", "cp312", "--arch", "x86_64"), "retired"),
        (("--runner", "macos-14"), "retired on 2026-11-02; use macos-15"),
        (("--runner", "no-such-runner"), "not a GitHub-hosted runner label"),
        (("--python", "cp27"), "nothing in the matrix matches"),
    ],
)
def test_refusals_are_one_line_with_exit_2_and_no_traceback(args, message):
    proc = run("matrix", *args)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unknown_command_is_a_usage_error():
    proc = run("frobnicate")
    assert proc.returncode == 2 and "invalid choice" in proc.stderr
