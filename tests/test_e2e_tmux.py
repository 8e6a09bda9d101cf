"""End to end: the `cibw-debug-tui` installed from the wheel in a fresh venv (the `installed`
fixture), in a real terminal (tmux), against
`cibw-debug-tui simulate-github` on a loopback port: dispatch with ctrl+s, wait for the SSH
command on screen, copy it with c (OSC 52, which tmux keeps in its paste buffer)."""

import re
import shutil
import subprocess
import uuid

import pytest
from helpers import wait_for

pytestmark = pytest.mark.e2e

SSH = re.compile(r"ssh \w+@\w+\.tmate\.io")


def tmux(*args: str, check: bool = True) -> str:
    proc = subprocess.run(["tmux", *args], capture_output=True, text=True, check=False)
    if check and proc.returncode != 0:
        raise AssertionError(f"tmux {' '.join(args)}: {proc.stderr}")
    return proc.stdout


def wait_for_screen(session: str, pattern: str, timeout: float = 30.0) -> str:
    def screen() -> str:
        return tmux("capture-pane", "-p", "-t", session)

    def why() -> str:
        size = tmux("display", "-p", "-t", session, "#{window_width}x#{window_height}")
        return f"{pattern!r} never appeared in {size}; the screen was:\n{screen()}"

    return wait_for(lambda: re.search(pattern, text := screen()) and text, timeout, 0.2, why)


def wait_until_gone(session: str, timeout: float = 10.0) -> None:
    """The app quit, so tmux closed its session."""
    wait_for(
        lambda: subprocess.run(["tmux", "has-session", "-t", session],
                               capture_output=True).returncode != 0,
        timeout, 0.2, lambda: f"the app did not quit:\n{tmux('capture-pane', '-p', '-t', session)}",
    )  # fmt: skip


@pytest.fixture
def simulator(installed, tmp_path):
    proc = subprocess.Popen(
        [installed.command, "simulate-github", "--port", "0", "--speed", "100", "--scenario",
         "build-failure"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
    )  # fmt: skip
    url = re.search(r"at (http://127\.0\.0\.1:\d+)", proc.stdout.readline()).group(1)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.mark.slow
def test_dispatch_wait_for_ssh_and_copy_it(installed, simulator, tmp_path):
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
        f"cd {tmp_path} && env -u COLUMNS -u LINES {env} {installed.command} "
        f"--api-url {simulator} --repo octo/pkg "
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
        wait_until_gone(session)
    finally:
        tmux("kill-session", "-t", session, check=False)
    history = (tmp_path / "history.yaml").read_text()
    assert "cp313" in history and "ghp_e2e" not in history


def test_the_readme_first_command_shows_the_demo(installed, tmp_path):
    """`pip install . && cibw-debug-tui --demo`: the dashboard, its demo sessions, no traceback."""
    if not shutil.which("tmux"):
        pytest.fail("this test needs tmux (apt-get install tmux)")
    session = f"cibw-demo-{uuid.uuid4().hex[:8]}"
    env = f"HOME={tmp_path} TERM=xterm-256color CIBW_DEBUG_TUI_CONFIG={tmp_path}/config.yaml"
    command = f"cd {tmp_path} && env -u COLUMNS -u LINES {env} {installed.command} --demo"
    tmux("new-session", "-d", "-x", "120", "-y", "36", "-s", session, command)
    try:
        screen = wait_for_screen(session, r"cp312-manylinux_aarch64")
        assert "Traceback" not in screen
        assert "demo" in screen
        tmux("send-keys", "-t", session, "q")
        wait_until_gone(session)
    finally:
        tmux("kill-session", "-t", session, check=False)


@pytest.mark.slow
@pytest.mark.parametrize("in_tmux", [False, True])
def test_s_steps_into_the_runner_in_a_real_terminal(installed, tmp_path, in_tmux):
    """`s`: outside tmux the dashboard hands the terminal to `ssh` and comes back when it ends;
    inside, `ssh` opens in a new tmux window named after the build. A fake `ssh` on PATH shows
    its arguments and waits for enter."""
    if not shutil.which("tmux"):
        pytest.fail("this test needs tmux (apt-get install tmux)")
    proc = subprocess.Popen(
        [installed.command, "simulate-github", "--port", "0", "--speed", "20", "--scenario",
         "build-failure"],  # an SSH session of 9 s: time to press s
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
    )  # fmt: skip
    url = re.search(r"at (http://127\.0\.0\.1:\d+)", proc.stdout.readline()).group(1)
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "ssh").write_text('#!/bin/sh\necho "FAKE SSH $@"\nread answer\nexit 3\n')
    (fake / "ssh").chmod(0o755)
    session = f"cibw-s-{uuid.uuid4().hex[:8]}"
    env = (
        f"HOME={tmp_path} GH_TOKEN=ghp_e2e TERM=xterm-256color PATH={fake}:$PATH "
        f"CIBW_DEBUG_TUI_CONFIG={tmp_path}/config.yaml "
        f"CIBW_DEBUG_TUI_HISTORY={tmp_path}/history.yaml"
    )
    unset = "-u COLUMNS -u LINES" + ("" if in_tmux else " -u TMUX")
    command = (f"cd {tmp_path} && env {unset} {env} {installed.command} --api-url {url} "
               "--repo octo/pkg --python cp313")  # fmt: skip
    tmux("new-session", "-d", "-x", "160", "-y", "48", "-s", session, command)
    try:
        wait_for_screen(session, r"cp313-manylinux_x86_64")
        tmux("send-keys", "-t", session, "C-s")
        token_at_host = SSH.search(wait_for_screen(session, SSH.pattern)).group(0).split()[-1]
        tmux("send-keys", "-t", session, "s")
        if in_tmux:
            wait_for_screen(f"{session}:0", r"opened in a new")  # still watching (a toast)
            name = "cibw cp313-manylinux_x86_64"
            wait_for(lambda: name in tmux("list-windows", "-t", session, "-F", "#{window_name}"),
                     10, 0.2, lambda: tmux("list-windows", "-t", session))  # fmt: skip
            wait_for_screen(f"{session}:{name}", rf"FAKE SSH {token_at_host}")
            assert "Sessions" in tmux("capture-pane", "-p", "-t", f"{session}:0")
        else:
            screen = wait_for_screen(session, rf"FAKE SSH {token_at_host}")
            assert "Sessions" not in screen  # the dashboard handed the terminal over
            tmux("send-keys", "-t", session, "Enter")
            back = wait_for_screen(session, r"Back from the SSH session")
            assert "exit 3)" in back  # ssh's own exit status, said
        if not in_tmux:
            tmux("send-keys", "-t", session, "q")
            wait_until_gone(session)
    finally:
        tmux("kill-session", "-t", session, check=False)
        proc.terminate()
        proc.wait(timeout=10)
