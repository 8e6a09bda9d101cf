"""Nothing from outside reaches the terminal as a control: the same hostile strings go through
every command that prints (`explain-log`, `dispatch --watch`, `doctor`, errors), and the bytes
written are searched for ESC, C1 controls and BEL. The dashboard's panes get the same in
tests/test_hostile_app.py."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_github import REPO, Answer, HostileGitHub, World
from hypothesis import given, settings
from hypothesis import strategies as st

from cibw_debug_tui.core.explain import clean_line
from cibw_debug_tui.core.safe_text import one_line, terminal_safe

COMMAND = str(Path(sys.executable).parent / "cibw-debug-tui")
TOKEN = "ghp_HOSTILEtext000000000000000000000000"

# What a build script, a step name or an error message can hold, each between two markers
# that must meet again once it is dropped: ⟦ and ⟧.
SEQUENCES = {
    "osc52-clipboard": "\x1b]52;c;Y3VybCBldmlsfHNo\x07",
    "osc0-title": "\x1b]0;PWNED\x1b\\",
    "osc8-link": "\x1b]8;;https://evil.example\x07",
    "reset": "\x1bc",
    "fill-with-e": "\x1b#8",
    "csi-colour": "\x1b[31;1m",
    "erase-line": "\x1b[2K",
    "paste-end": "\x1b[201~",
    "dcs": "\x1bPq#0;2;0;0;0\x1b\\",
    "c1-csi": "\x9b31m",
    "c1-osc": "\x9d0;PWNED\x9c",
    "bel": "\x07",
    "backspace": "\b\b\b",
    "cr": "\r",
    "del": "\x7f",
    "rtl-override": "\u202e",
}
HOSTILE = "".join(f"⟦{name}{text}⟧" for name, text in SEQUENCES.items())
MARKUP = "[link=https://evil.example]x[/link][@click=app.quit]y[/]"


def controls(text: str) -> list[str]:
    """Every character a terminal would act on (tab and newline aside)."""
    return [c for c in text if (ord(c) < 32 and c not in "\t\n") or 0x7F <= ord(c) <= 0x9F]


def command(tmp_path: Path, *args: str, **variables: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HOME": str(tmp_path), "GH_TOKEN": TOKEN,
           "CIBW_DEBUG_TUI_CONFIG": str(tmp_path / "c.yaml"), **variables}  # fmt: skip
    return subprocess.run([COMMAND, *args], capture_output=True, env=env, cwd=tmp_path,
                          timeout=120, check=False)  # fmt: skip


def assert_clean(written: bytes) -> str:
    """The bytes a command wrote, decoded, with no ESC, C1 or other control in them."""
    text = written.decode("utf-8")
    assert controls(text) == [], (controls(text), text[:2000])
    assert "\u202e" not in text
    return text


# -- the boundary --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SEQUENCES)
def test_each_sequence_is_dropped_whole(name):
    assert terminal_safe(f"a{SEQUENCES[name]}b") == "ab"


def test_printable_unicode_tabs_and_asked_for_newlines_are_kept():
    text = "Café 👩‍💻 ✓ 日本語\tx"
    assert terminal_safe(text) == text
    assert terminal_safe("a\r\nb\nc") == "a b c"
    assert terminal_safe("a\r\nb\nc", multiline=True) == "a\nb\nc"
    assert one_line("a\tb\nc") == "a b c"
    assert terminal_safe("lone \ud800 surrogate") == "lone \ufffd surrogate"
    assert terminal_safe("\x1b]0;never terminated") == ""


@settings(max_examples=500, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from([*SEQUENCES.values(), "a", "é", "\n", "\t", "\x1b", "["]))
       .map("".join) | st.text())  # fmt: skip
def test_nothing_a_terminal_acts_on_survives(text):
    for multiline in (False, True):
        safe = terminal_safe(text, multiline=multiline)
        assert controls(safe) == [] and "\u202e" not in safe
        assert terminal_safe(safe, multiline=multiline) == safe  # once is enough
    assert "\n" not in terminal_safe(text) and "\t" not in one_line(text)


def test_log_lines_are_cleaned_as_they_are_read():
    line = f"2026-01-01T00:00:00.0000000Z error: {HOSTILE}\r\n".encode()
    assert controls(clean_line(line)) == []
    assert "⟦reset⟧" in clean_line(line) and "⟦bel⟧" in clean_line(line)


# -- every command that prints --------------------------------------------------------------------


def hostile_log(tmp_path: Path) -> Path:
    log = tmp_path / "build.log"
    log.write_bytes(
        b"Building cp312-manylinux_x86_64 wheel\n"
        + f"  src/ext.c:3:10: fatal error: Python.h: No such file {HOSTILE}\n".encode()
        + f"  {HOSTILE}\n".encode() * 3
        + b"error: command '/usr/bin/gcc' failed with exit code 1\n"
    )
    return log


@pytest.mark.e2e
@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_explain_log_prints_no_control_from_the_log(tmp_path, as_json):
    proc = command(tmp_path, "explain-log", str(hostile_log(tmp_path)), *(["--json"] * as_json))
    assert proc.returncode == 0, proc.stderr
    out = assert_clean(proc.stdout)
    shown = json.dumps(json.loads(out), ensure_ascii=False) if as_json else out
    assert "Python.h" in shown and "⟦osc52-clipboard⟧" in shown and "⟦c1-osc⟧" in shown


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_dispatch_watch_prints_no_control_from_github(tmp_path, as_json):
    with HostileGitHub() as gh:
        world = World(gh, job_name=f"job {HOSTILE} {MARKUP}", step_names=(f"Build {HOSTILE}",),
                      polls=2, html_url=f"https://x/{HOSTILE}",
                      log=hostile_log(tmp_path).read_bytes()).install()  # fmt: skip
        refused = []  # the run is refused once with hostile words: the note says them

        def run(seen):
            if not refused:
                refused.append(seen)
                return Answer(400, {"message": f"Bad {HOSTILE} {MARKUP}"})
            return Answer(body=world.run())

        gh.on("GET", rf"/repos/{REPO}/actions/runs/7", run)
        proc = command(tmp_path, "dispatch", "--repo", REPO, "--runner", "ubuntu-latest",
                       "--python", "cp312", "--arch", "x86_64", "--debug-mode", "disabled",
                       "--watch", "--api-url", gh.api_url, "--log-dir", str(tmp_path / "logs"),
                       *(["--json"] * as_json))  # fmt: skip
    out = assert_clean(proc.stdout)
    assert_clean(proc.stderr)
    assert proc.returncode == 1 and proc.stderr == b""
    if as_json:
        events = [json.loads(line) for line in out.splitlines()]
        out = json.dumps(events, ensure_ascii=False)
    for seen in ("Bad ⟦osc52-clipboard⟧", "Build ⟦osc52", "⟦fill-with-e⟧", "Python.h",
                 "https://x/⟦osc52"):  # fmt: skip
        assert seen in out, (seen, out)


@pytest.mark.e2e
def test_doctor_prints_no_control_from_github(tmp_path):
    with HostileGitHub() as gh:
        scopes = {"X-OAuth-Scopes": "repo, a\x9b31mb\x9d0;PWNED\x9cc"}
        gh.on("GET", "/user", Answer(body={"login": "octocat"}, headers=scopes))
        gh.on("GET", rf"/repos/{REPO}", Answer(403, {"message": f"No {HOSTILE} {MARKUP}"}))
        gh.on("GET", r"/users/octocat/keys", [{"id": 1, "key": f"ssh-ed25519 {HOSTILE}"}])
        proc = command(tmp_path, "doctor", "--repo", REPO, "--api-url", gh.api_url)
        out = assert_clean(proc.stdout)
        assert_clean(proc.stderr)
        assert "No ⟦osc52-clipboard⟧⟦osc0-title⟧" in out and MARKUP in out, out
        assert "scopes: repo, abc" in out  # C1 controls in a header (latin-1 passes HTTP)
        # A login goes into a URL (its SSH keys): one that is not a login is said, not used.
        gh.on("GET", "/user", {"login": f"octo{HOSTILE}"})
        proc = command(tmp_path, "doctor", "--repo", REPO, "--api-url", gh.api_url)
    assert proc.returncode == 1, proc.stderr
    assert "not a GitHub login" in assert_clean(proc.stdout)
