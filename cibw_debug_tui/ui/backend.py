"""What the dashboard works with: its GitHub client (or why there is none), its history, its
folders. The factory (factory.py) builds one for the CLI and the demo; tests build their own."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the first frame needs none of the core
    from cibw_debug_tui.core.github import GitHub
    from cibw_debug_tui.core.history import History
    from cibw_debug_tui.core.session import SessionSpec


@dataclass
class Backend:
    github: GitHub | None  # None: `problem` says why (no token, a bad config file...)
    history: History | None  # None only while the app starts
    download_dir: Path
    log_dir: Path
    repo: str | None = None
    problem: str = ""
    where: str = ""  # the API URL, or what stands in for it, for the status line
    now: Callable[[], float] = time.time
    start_with: tuple[SessionSpec, ...] = ()  # dispatched on start (the demo's sessions)
    tmate_hosts: tuple[str, ...] = ()  # self-hosted tmate servers (`tmate_hosts:` in the config)
