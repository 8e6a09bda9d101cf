"""Builds the dashboard for the CLI, `--demo` and the screenshots, from flags and the config.

What the first frame shows is read here, before the app runs: the config file, the history, the
repository of the checkout. What reaching GitHub takes (the HTTP client, the token, which may
run `gh auth token`; the demo's simulator) is the backend's `connect`, run by the app in a
thread after its first frame: nothing on the way to the form or the sessions waits for it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from cibw_debug_tui.ui.app import DebugApp
from cibw_debug_tui.ui.backend import Backend, Client

DEMO_SPEED = 10.0
DEMO_REPO = "demo/pkg"
# The demo's sessions time out after 3 simulated minutes, as the pane's countdown says (the
# simulated person lets any longer session go on after 3 minutes).
DEMO_SESSION_MINUTES = 3


def _config() -> tuple[dict, str]:
    """The config file, or {} and what is wrong with it."""
    from cibw_debug_tui.core import config

    try:
        return config.load_config(), ""
    except config.ConfigError as error:
        return {}, str(error)


def _folders(cfg: dict) -> tuple[Path, Path]:
    from cibw_debug_tui.core import config

    return config.download_dir(cfg), config.log_dir()


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
        from cibw_debug_tui.core.history import History
        from cibw_debug_tui.core.session import DebugMode, SessionSpec

        minutes = DEMO_SESSION_MINUTES
        demo_sessions = (  # three platforms, three debug modes
            SessionSpec(DEMO_REPO, "ubuntu-latest", "cp312", "aarch64", DebugMode.AFTER_FAILURE,
                        session_timeout=minutes),
            SessionSpec(DEMO_REPO, "macos-latest", "cp313", "universal2", DebugMode.BEFORE_BUILD,
                        session_timeout=minutes),
            SessionSpec(DEMO_REPO, "windows-latest", "cp311", "AMD64", DebugMode.DISABLED),
        )  # fmt: skip
        cfg, _ = _config()
        downloads, logs = _folders(cfg)
        return Backend(
            history=History(persist=False),
            repo=DEMO_REPO,
            where="demo: a simulated GitHub, 10x faster",
            download_dir=downloads,
            log_dir=logs,
            start_with=demo_sessions if seed_demo else (),
            connect=demo_client,
        )

    def demo_client() -> Client:
        from cibw_debug_tui.core.config import Token
        from cibw_debug_tui.core.github import GitHub
        from cibw_debug_tui.simulator.server import Simulator

        sim = Simulator(speed=DEMO_SPEED, scenario="demo").start()
        with lock:
            started.append(sim)
            if closed.is_set():  # the app was closed while this was starting
                sim.close()
        return Client(GitHub(sim.api_url, Token("demo", "demo")), now=sim.clock.now)

    def backend() -> Backend:
        from cibw_debug_tui.core import config
        from cibw_debug_tui.core.history import History

        cfg, problem = _config()
        downloads, logs = _folders(cfg)
        chosen = None
        try:
            has_repo = repo or cfg.get("repo")
            chosen = config.repo_from(repo, cfg) if has_repo else config.repo_from_git()
        except config.ConfigError as error:
            problem = problem or str(error)

        def client() -> Client:
            from cibw_debug_tui.core.github import GitHub

            try:
                url = config.api_url_from(api_url, cfg)
                return Client(GitHub(url, config.resolve_token(url, cfg)), where=url)
            except config.ConfigError as error:
                return Client(None, problem=str(error))

        return Backend(
            history=History().load(),
            repo=chosen,
            problem=problem,
            download_dir=downloads,
            log_dir=logs,
            connect=client,
            tmate_hosts=config.tmate_hosts(cfg),
            desktop_notifications=cfg.get("notifications") is not False,
        )

    def cleanup() -> None:
        with lock:
            closed.set()
            for sim in started:
                sim.close()

    app = DebugApp(demo_backend() if demo else backend(), prefill=prefill)
    return app, cleanup
