"""Step into the runner: the argument lists that run the SSH command of an open session.

Only a command that passed the connection file's grammar (connection.py) is ever run, checked
again here, split into its known parts and run as an argument list, never through a shell:
`ssh [-p PORT] TOKEN@HOST`. Inside tmux it opens in a new tmux window named after the build
(the dashboard keeps watching); outside, the caller suspends itself and runs it in the terminal.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Mapping

from cibw_debug_tui.core.connection import Connection, ConnectionFileError, ssh_command


class CannotConnect(Exception):
    """Why the SSH session cannot be stepped into, in words."""


def ssh_argv(connection: Connection | None, tmate_hosts: tuple[str, ...] = ()) -> list[str]:
    """`[ssh, (-p, PORT,) TOKEN@HOST]` for an open session whose command is trusted."""
    if connection is None or not connection.is_open or not connection.ssh:
        raise CannotConnect("no SSH session is open for this session")
    try:
        command = ssh_command(connection.ssh, tmate_hosts)
    except ConnectionFileError as error:
        raise CannotConnect(str(error)) from None
    ssh = shutil.which("ssh")
    if ssh is None:
        raise CannotConnect("no ssh program on PATH; install OpenSSH's client")
    return [ssh, *command.split(" ")[1:]]


def window_name(identifier: str) -> str:
    """A tmux window's name for the build: `cibw cp312-manylinux_x86_64`."""
    return "cibw " + re.sub(r"[^A-Za-z0-9_.-]", "", identifier)[:60]


def inside_tmux(env: Mapping[str, str]) -> bool:
    return bool(env.get("TMUX"))


def tmux_argv(argv: list[str], identifier: str) -> list[str]:
    """Open `argv` in a new tmux window of the current session, executed without a shell (tmux
    runs a command of several arguments directly)."""
    tmux = shutil.which("tmux")
    if tmux is None:
        raise CannotConnect("$TMUX is set but there is no tmux program on PATH")
    return [tmux, "new-window", "-n", window_name(identifier), "--", *argv]


def launch(argv: list[str], identifier: str, env: Mapping[str, str]) -> tuple[list[str], bool]:
    """What to run for `argv`: a new tmux window inside tmux (True: it returns at once), else
    `argv` itself, in this terminal."""
    if inside_tmux(env):
        return tmux_argv(argv, identifier), True
    return argv, False
