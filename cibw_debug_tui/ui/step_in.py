"""`s`: step into the runner's SSH session now, instead of copying the command and pasting it.

Inside tmux the session opens in a new tmux window named after the build, and the dashboard
goes on watching in its own. Outside, the dashboard suspends itself (Textual's `App.suspend`),
runs `ssh` in the terminal, and comes back when it ends. The command run is the connection
file's, checked again and split into its known parts (core/ssh_launch.py), never a shell's.
"""

from __future__ import annotations

import os
import subprocess
from typing import TYPE_CHECKING

from textual.app import SuspendNotSupported

from cibw_debug_tui.core.ssh_launch import CannotConnect, launch, ssh_argv

if TYPE_CHECKING:
    from textual.app import App

    from cibw_debug_tui.core.session import Session


def step_in(app: App[None], session: Session | None, tmate_hosts: tuple[str, ...]) -> str:
    """Connect to the session's open SSH session; what happened, in words. CannotConnect
    says why nothing was run."""
    if session is None:
        raise CannotConnect("no session is selected")
    argv = ssh_argv(session.open_connection(), tmate_hosts)
    command, windowed = launch(argv, session.identifier, os.environ)
    if windowed:
        opened = subprocess.run(command, capture_output=True, text=True, timeout=10,
                                check=False)  # fmt: skip
        if opened.returncode != 0:
            raise CannotConnect(f"tmux could not open a window (exit {opened.returncode})")
        return f"SSH session of {session.identifier} opened in a new tmux window"
    try:
        with app.suspend():
            print(f"cibw-debug-tui: connecting to the runner of {session.identifier}; "
                  "the dashboard comes back when the session ends.", flush=True)  # fmt: skip
            ended = subprocess.run(argv, check=False)
    except SuspendNotSupported:
        raise CannotConnect(
            "this terminal cannot hand itself over to ssh: press c to copy the command"
        ) from None
    return f"Back from the SSH session of {session.identifier} (ssh exit {ended.returncode})"
