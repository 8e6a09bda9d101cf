"""What the dashboard works with: its history, its folders, and its GitHub client (or why there
is none). The factory (factory.py) builds one for the CLI and the demo; tests build their own.

The client may come later (`connect`): building it imports the HTTP client and may run
`gh auth token`, and the demo's simulator takes a moment to start. The form and the sessions
are shown before; nothing on the way to them waits for the network.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the first frame needs none of the core
    from cibw_debug_tui.core.github import GitHub
    from cibw_debug_tui.core.history import History
    from cibw_debug_tui.core.main_build import BuildFiles
    from cibw_debug_tui.core.session import SessionSpec


@dataclass
class Client:
    """What reaching GitHub brings, built in a thread after the first frame."""

    github: GitHub | None
    where: str = ""  # the API URL, or what stands in for it, for the status line
    problem: str = ""  # why there is no client (no token, a bad API URL...)
    now: Callable[[], float] | None = None  # a clock to time sessions by (the demo's)


@dataclass
class Backend:
    history: History
    download_dir: Path
    log_dir: Path
    repo: str | None = None
    problem: str = ""  # what is wrong before any client (a bad config file)
    github: GitHub | None = None  # None: `connect` brings it, or `problem` says why not
    where: str = ""
    connect: Callable[[], Client] | None = None  # run in a thread after the first frame
    now: Callable[[], float] | None = None  # None: the server's clock (ServerClock)
    start_with: tuple[SessionSpec, ...] = ()  # dispatched on start (the demo's sessions)
    tmate_hosts: tuple[str, ...] = ()  # self-hosted tmate servers (`tmate_hosts:` in the config)
    desktop_notifications: bool = True  # `notifications: off` in the config turns them off
    # How the form reads the main build's files (default: the contents API, main_build.py).
    read_main_build: Callable[[GitHub, str, str], Awaitable[BuildFiles]] | None = None
