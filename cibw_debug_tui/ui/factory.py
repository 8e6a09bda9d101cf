"""Builds the dashboard for the CLI, `--demo` and the tests, from flags and the config file."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from cibw_debug_tui.core import config
from cibw_debug_tui.core.github import GitHub
from cibw_debug_tui.core.history import History
from cibw_debug_tui.core.session import SessionSpec

DEMO_SPEED = 10.0
DEMO_REPO = "demo/pkg"
DEMO_SESSIONS = (
    SessionSpec(DEMO_REPO, "ubuntu-latest", "cp312", "aarch64", "after-failure"),
    SessionSpec(DEMO_REPO, "macos-latest", "cp313", "universal2", "before-build"),
    SessionSpec(DEMO_REPO, "windows-latest", "cp311", "AMD64", "disabled"),
)


def _dirs(cfg: dict) -> tuple[Path, Path]:
    from platformdirs import user_cache_dir, user_downloads_dir

    configured = cfg.get("download_dir")
    downloads = (
        Path(os.path.expanduser(configured))
        if configured
        else Path(user_downloads_dir()) / "cibw-debug-tui"
    )
    return downloads, Path(user_cache_dir("cibw-debug-tui")) / "logs"


def make_app(
    *,
    repo: str | None = None,
    api_url: str | None = None,
    prefill: dict | None = None,
    demo: bool = False,
    history: History | None = None,
    watch: bool = True,
    seed_demo: bool = True,
    pace: float = 1.0,
) -> tuple[object, Callable[[], None]]:
    """(app, cleanup). Problems (no token, a bad config file) are shown in the app, not raised."""
    from cibw_debug_tui.ui.app import DebugApp

    problem = ""
    try:
        cfg = config.load_config()
    except config.ConfigError as error:
        cfg, problem = {}, str(error)
    downloads, logs = _dirs(cfg)
    cleanup: Callable[[], None] = lambda: None  # noqa: E731
    if demo:
        from cibw_debug_tui.simulator.server import Simulator

        sim = Simulator(speed=DEMO_SPEED, scenario="demo").start()
        github = GitHub(sim.api_url, config.Token("demo", "demo"))
        app = DebugApp(
            github=github,
            history=history or History(persist=False),
            repo=DEMO_REPO,
            prefill=prefill,
            where="demo: a simulated GitHub, 10x faster",
            download_dir=downloads,
            log_dir=logs,
            pace=pace,
            now=sim.clock.now,
            watch=watch,
            start_with=DEMO_SESSIONS if seed_demo else (),
        )
        return app, sim.stop
    github = None
    try:
        url = config.api_url_from(api_url, cfg)
        token = config.resolve_token(url, cfg)
        github = GitHub(url, token)
        where = url
    except config.ConfigError as error:
        problem = problem or str(error)
        where = ""
    try:
        repo = config.repo_from(repo, cfg) if (repo or cfg.get("repo")) else config.repo_from_git()
    except config.ConfigError as error:
        problem = problem or str(error)
        repo = None
    app = DebugApp(
        github=github,
        history=history or History().load(),
        repo=repo,
        prefill=prefill,
        problem=problem,
        where=where,
        download_dir=downloads,
        log_dir=logs,
        pace=pace,
        watch=watch,
    )
    return app, cleanup
