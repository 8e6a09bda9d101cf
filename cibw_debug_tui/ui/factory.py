"""Builds the dashboard for the CLI, `--demo` and the screenshots, from flags and the config.

The app gets a function that builds its backend, run after the first frame is painted: the
HTTP client, the YAML files, `gh auth token` and the demo's simulator all take time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from cibw_debug_tui.ui.app import DebugApp
from cibw_debug_tui.ui.backend import Backend

DEMO_SPEED = 10.0
DEMO_REPO = "demo/pkg"


def _dirs(cfg: dict) -> tuple[Path, Path]:
    from cibw_debug_tui.core import config

    return config.download_dir(cfg), config.log_dir()


def _config() -> tuple[dict, str]:
    """The config file, or {} and what is wrong with it."""
    from cibw_debug_tui.core import config

    try:
        return config.load_config(), ""
    except config.ConfigError as error:
        return {}, str(error)


def make_app(
    *,
    repo: str | None = None,
    api_url: str | None = None,
    prefill: dict | None = None,
    demo: bool = False,
    seed_demo: bool = True,
) -> tuple[DebugApp, Callable[[], None]]:
    """(app, cleanup). Problems (no token, a bad config file) are shown in the app, not raised."""
    started: list = []  # the demo's simulator, once it runs
    closed = threading.Event()
    lock = threading.Lock()

    def demo_backend() -> Backend:
        from cibw_debug_tui.core.config import Token
        from cibw_debug_tui.core.github import GitHub
        from cibw_debug_tui.core.history import History
        from cibw_debug_tui.core.session import DebugMode, SessionSpec
        from cibw_debug_tui.simulator.server import Simulator

        demo_sessions = (  # three platforms, three debug modes
            SessionSpec(DEMO_REPO, "ubuntu-latest", "cp312", "aarch64", DebugMode.AFTER_FAILURE),
            SessionSpec(DEMO_REPO, "macos-latest", "cp313", "universal2", DebugMode.BEFORE_BUILD),
            SessionSpec(DEMO_REPO, "windows-latest", "cp311", "AMD64", DebugMode.DISABLED),
        )
        cfg, _ = _config()
        downloads, logs = _dirs(cfg)
        sim = Simulator(speed=DEMO_SPEED, scenario="demo").start()
        with lock:
            started.append(sim)
            if closed.is_set():  # the app was closed while this was starting
                sim.close()
        return Backend(
            github=GitHub(sim.api_url, Token("demo", "demo")),
            history=History(persist=False),
            repo=DEMO_REPO,
            where="demo: a simulated GitHub, 10x faster",
            download_dir=downloads,
            log_dir=logs,
            now=sim.clock.now,
            start_with=demo_sessions if seed_demo else (),
        )

    def backend() -> Backend:
        from cibw_debug_tui.core import config
        from cibw_debug_tui.core.github import GitHub
        from cibw_debug_tui.core.history import History

        cfg, problem = _config()
        downloads, logs = _dirs(cfg)
        github, where = None, ""
        try:
            url = config.api_url_from(api_url, cfg)
            github, where = GitHub(url, config.resolve_token(url, cfg)), url
        except config.ConfigError as error:
            problem = problem or str(error)
        chosen = None
        try:
            has_repo = repo or cfg.get("repo")
            chosen = config.repo_from(repo, cfg) if has_repo else config.repo_from_git()
        except config.ConfigError as error:
            problem = problem or str(error)
        return Backend(
            github=github,
            history=History().load(),
            repo=chosen,
            problem=problem,
            where=where,
            download_dir=downloads,
            log_dir=logs,
            tmate_hosts=config.tmate_hosts(cfg),
        )

    def cleanup() -> None:
        with lock:
            closed.set()
            for sim in started:
                sim.close()

    app = DebugApp(demo_backend if demo else backend, prefill=prefill)
    return app, cleanup
