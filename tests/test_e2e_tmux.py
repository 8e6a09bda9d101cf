"""End to end: the installed `cibw-debug-tui` in a real terminal (tmux), against
`cibw-debug-tui simulate-github` on a loopback port: dispatch with ctrl+s, wait for the SSH
command on screen, copy it with c (OSC 52, which tmux keeps in its paste buffer)."""

import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

COMMAND = str(Path(sys.executable).parent / "cibw-debug-tui")
SSH = re.compile(r"ssh \w+@\w+\.tmate\.io")


def tmux(*args: str, check: bool = True) -> str:
    proc = subprocess.run(["tmux", *args], capture_output=True, text=True, check=False)
    if check and proc.returncode != 0:
        raise AssertionError(f"tmux {' '.join(args)}: {proc.stderr}")
    return proc.stdout


def wait_for_screen(session: str, pattern: str, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while True:
        screen = tmux("capture-pane", "-p", "-t", session)
        if re.search(pattern, screen):
            return screen
        if time.monotonic() > deadline:
            size = tmux("display", "-p", "-t", session, "#{window_width}x#{window_height}")
            raise AssertionError(f"{pattern!r} never appeared in {size}; the screen was:\n{screen}")
        time.sleep(0.2)


@pytest.fixture
def simulator(tmp_path):
    proc = subprocess.Popen(
        [COMMAND, "simulate-github", "--port", "0", "--speed", "100", "--scenario",
         "build-failure"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    url = re.search(r"at (http://127\.0\.0\.1:\d+)", proc.stdout.readline()).group(1)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def test_dispatch_wait_for_ssh_and_copy_it(simulator, tmp_path):
    if not shutil.which("tmux"):
        pytest.fail("this test needs tmux (apt-get install tmux)")
    session = f"cibw-e2e-{uuid.uuid4().hex[:8]}"
    env = (
        f"HOME={tmp_path} GH_TOKEN=ghp_e2e TERM=xterm-256color "
        f"CIBW_DEBUG_TUI_CONFIG={tmp_path}/config.yaml "
        f"CIBW_DEBUG_TUI_HISTORY={tmp_path}/history.yaml"
    )
    # COLUMNS/LINES, if the tmux server inherited them, would pin the app to their size.
    command = (
        f"env -u COLUMNS -u LINES {env} {COMMAND} --api-url {simulator} --repo octo/pkg "
        "--python cp313"
    )
    tmux("new-session", "-d", "-x", "160", "-y", "48", "-s", session, command)
    try:
        tmux("set-option", "-t", session, "set-clipboard", "on")
        form = wait_for_screen(session, r"cp313-manylinux_x86_64")  # --python, and the identifier
        assert "New debug session" in form
        tmux("send-keys", "-t", session, "C-s")
        screen = wait_for_screen(session, SSH.pattern)
        shown = SSH.search(screen).group(0)
        assert "press c to copy" in screen
        tmux("send-keys", "-t", session, "c")
        wait_for_screen(session, r"SSH command copied")
        assert tmux("show-buffer").strip() == shown
        tmux("send-keys", "-t", session, "q")
        deadline = time.monotonic() + 10
        while tmux("has-session", "-t", session, check=False) and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        tmux("kill-session", "-t", session, check=False)
    history = (tmp_path / "history.yaml").read_text()
    assert "cp313" in history and "ghp_e2e" not in history
