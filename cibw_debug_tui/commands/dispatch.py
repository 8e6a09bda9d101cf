"""`cibw-debug-tui dispatch`: dispatch the debug workflow, and with --watch follow its run
through the same fleet as the dashboard (budget, SSH scout), printing what happens."""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from cibw_debug_tui.commands import CommandError, dispatch_many, dispatch_settings, from_run
from cibw_debug_tui.commands.watch_output import WatchPrinter
from cibw_debug_tui.core import config, matrix, ssh_launch
from cibw_debug_tui.core.events import FleetEvent, SshConnectionRead
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


def _spec(args: argparse.Namespace, package_dir: str, cibw_settings: str = "") -> SessionSpec:
    return SessionSpec(
        repo=args.repo,
        runner=args.runner,
        python=args.python,
        arch=args.arch,
        debug_mode=DebugMode(args.debug_mode),
        ref=args.ref,
        session_timeout=args.session_timeout,
        package_dir=package_dir,
        cibw_settings=cibw_settings,
    )


def _inputs(spec: SessionSpec) -> dict[str, str]:
    """The dispatch's inputs as sent (the session id is 12 characters)."""
    return {**spec.inputs(), "session-id": "0" * 12}


async def _dispatch(
    args: argparse.Namespace,
    api_url: str,
    token: config.Token,
    tmate_hosts: tuple[str, ...],
    plan: dispatch_settings.Plan,
) -> int:
    log_dir = Path(args.log_dir).expanduser() if args.log_dir else config.log_dir()
    async with GitHub(api_url, token) as github:
        printer = WatchPrinter(args.json, now=github.server_now)
        combo = matrix.check(args.runner, args.python, args.arch)
        failed = args.from_run_found
        run = (failed.run_id, failed.head_sha, failed.workflow) if failed else None
        await dispatch_settings.resolve(plan, github, args.repo, args.ref, combo, run)
        inherited = plan.build.package_dir if plan.build else "."
        spec = _spec(args, args.package_dir or inherited)
        spec = replace(spec, cibw_settings=dispatch_settings.checked_input(plan, _inputs(spec)))
        printer.emit("settings", dispatch_settings.describe(plan),
                     **dispatch_settings.event(plan))  # fmt: skip
        on_event = _stepping_in(printer, tmate_hosts) if args.ssh else printer
        fleet = Fleet(github, History(persist=False), log_dir=log_dir.absolute(),
                      on_event=on_event, tmate_hosts=tmate_hosts)  # fmt: skip
        session = printer.session = fleet.add(spec)
        try:
            await fleet.dispatch(session, follow=args.watch)
            found = args.from_run_found
            printer.announce(session, **({"from_run": found.to_json()} if found else {}))
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


def _stepping_in(
    printer: WatchPrinter, tmate_hosts: tuple[str, ...]
) -> Callable[[FleetEvent], None]:
    """The printer, and `ssh` run once per SSH session as it opens (--ssh): in a new tmux
    window inside tmux, else here, the watch paused until it ends."""
    stepped: set[str] = set()

    def on_event(event: FleetEvent) -> None:
        printer(event)
        session = printer.session
        if not isinstance(event, SshConnectionRead) or session is None:
            return
        conn = event.connection
        if not conn.is_open or conn.stage in stepped:
            return
        stepped.add(conn.stage)
        try:
            argv = ssh_launch.ssh_argv(conn, tmate_hosts)
            command, windowed = ssh_launch.launch(argv, session.identifier, os.environ)
        except ssh_launch.CannotConnect as error:
            printer.emit("ssh-not-run", f"not connecting: {error}", message=str(error))
            return
        printer.emit("ssh-run", f"connecting: {' '.join(argv[1:])}", argv=argv[1:])
        ran = subprocess.run(command, check=False)
        if not windowed:
            printer.emit("ssh-run-ended", f"back from the SSH session (ssh exit {ran.returncode})",
                         returncode=ran.returncode)  # fmt: skip

    return on_event


async def _tick(printer: WatchPrinter) -> None:
    """How long the run waits for a runner is said without any event: look every second."""
    while True:
        await asyncio.sleep(TICK)
        printer.tick()


def run(args: argparse.Namespace) -> int:
    args.from_run_found = None
    if args.from_run:
        if args.runner or args.python or args.arch:
            raise CommandError("--from-run takes the runner, python and arch from the failed "
                               "job; leave out --runner, --python and --arch")  # fmt: skip
        args.repo, args.run_id, args.job = from_run.repo_and_run(args)
    elif not (args.runner and args.python and args.arch):
        raise CommandError("give --runner, --python and --arch, or --from-run RUN")
    elif args.job:
        raise CommandError("--job goes with --from-run")
    if args.ssh and not args.watch:
        raise CommandError("--ssh goes with --watch: it connects when the session opens")
    if not 1 <= args.session_timeout <= 60:
        raise CommandError("--session-timeout must be from 1 to 60 minutes")
    try:
        args.repo = config.repo_from(args.repo, config.load_config())
    except config.ConfigError as error:
        raise CommandError(str(error)) from None
    api_url, token, tmate_hosts = _client_settings(args)
    if args.from_run:
        try:
            args.from_run_found = from_run.resolve(args, api_url, token)
        except from_run.NotDispatchable as error:
            print(f"error: {one_line(str(error))}", file=sys.stderr)
            return 1
    if dispatch_many.is_many(args):
        if args.from_run:
            raise CommandError("--from-run dispatches the one combination the job built")
        return dispatch_many.run(args, api_url, token, tmate_hosts)
    combo = matrix.check(args.runner, args.python, args.arch)
    if not combo.valid:
        raise CommandError(combo.reason or "not a valid combination")
    args.arch = combo.arch
    plan = dispatch_settings.plan(args, _inputs(_spec(args, args.package_dir or ".")))
    try:
        return asyncio.run(_dispatch(args, api_url, token, tmate_hosts, plan))
    except GitHubError as error:
        print(f"error: {one_line(str(error))}", file=sys.stderr)
        return 1
