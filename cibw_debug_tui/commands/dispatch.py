"""`cibw-debug-tui dispatch`: dispatch the debug workflow, and with --watch follow its run
through the same fleet as the dashboard (budget, SSH scout), printing what happens."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from cibw_debug_tui.commands import CommandError
from cibw_debug_tui.commands.watch_output import WatchPrinter
from cibw_debug_tui.core import config, matrix
from cibw_debug_tui.core.fleet import Fleet
from cibw_debug_tui.core.github import GitHub, GitHubError
from cibw_debug_tui.core.history import History
from cibw_debug_tui.core.safe_text import one_line
from cibw_debug_tui.core.session import DebugMode, SessionSpec

TICK = 1.0  # seconds between looks at how long the run has waited for a runner


def _client_settings(args: argparse.Namespace) -> tuple[str, config.Token, tuple[str, ...]]:
    """The API URL, its token, and the self-hosted tmate servers the config file trusts."""
    try:
        cfg = config.load_config()
        api_url = config.api_url_from(args.api_url, cfg)
        return api_url, config.resolve_token(api_url, cfg), config.tmate_hosts(cfg)
    except config.ConfigError as error:
        raise CommandError(str(error)) from None


async def _dispatch(
    args: argparse.Namespace, api_url: str, token: config.Token, tmate_hosts: tuple[str, ...]
) -> int:
    spec = SessionSpec(
        repo=args.repo,
        runner=args.runner,
        python=args.python,
        arch=args.arch,
        debug_mode=DebugMode(args.debug_mode),
        ref=args.ref,
        session_timeout=args.session_timeout,
        package_dir=args.package_dir,
        cibw_settings=args.cibw_settings or "",
    )
    log_dir = Path(args.log_dir).expanduser() if args.log_dir else config.log_dir()
    async with GitHub(api_url, token) as github:
        printer = WatchPrinter(args.json, now=github.server_now)
        fleet = Fleet(github, History(persist=False), log_dir=log_dir.absolute(),
                      on_event=printer, tmate_hosts=tmate_hosts)  # fmt: skip
        session = printer.session = fleet.add(spec)
        try:
            await fleet.dispatch(session, follow=args.watch)
            printer.announce(session)
            if not args.watch:
                if not args.json:
                    print(one_line(session.html_url))
                return 0
            ticks = asyncio.create_task(_tick(printer))
            try:
                await fleet.wait(session)
            finally:
                ticks.cancel()
            printer.summary(session, api_url)
        finally:
            await fleet.aclose()
    if session.status == "gone" or printer.stopped:
        return 1
    return 0 if session.conclusion == "success" else 1


async def _tick(printer: WatchPrinter) -> None:
    """How long the run waits for a runner is said without any event: look every second."""
    while True:
        await asyncio.sleep(TICK)
        printer.tick()


def run(args: argparse.Namespace) -> int:
    combo = matrix.check(args.runner, args.python, args.arch)
    if not combo.valid:
        raise CommandError(combo.reason or "not a valid combination")
    if not 1 <= args.session_timeout <= 60:
        raise CommandError("--session-timeout must be from 1 to 60 minutes")
    try:
        args.repo = config.repo_from(args.repo, config.load_config())
    except config.ConfigError as error:
        raise CommandError(str(error)) from None
    args.arch = combo.arch
    api_url, token, tmate_hosts = _client_settings(args)
    try:
        return asyncio.run(_dispatch(args, api_url, token, tmate_hosts))
    except GitHubError as error:
        print(f"error: {one_line(str(error))}", file=sys.stderr)
        return 1
