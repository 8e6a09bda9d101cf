"""`cibw-debug-tui dispatch`: dispatch the debug workflow, and with --watch follow its run
through the same fleet as the dashboard (budget, SSH scout), printing what happens."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from cibw_debug_tui.commands import CommandError
from cibw_debug_tui.core import config, matrix
from cibw_debug_tui.core.events import (
    ArtifactsChanged,
    ClientSaid,
    FailureExplained,
    FleetEvent,
    JobsChanged,
    NoteChanged,
    SshConnectionRead,
    SshUnreadable,
    StatusChanged,
    WatchEnded,
    assert_never,
)
from cibw_debug_tui.core.fleet import Fleet
from cibw_debug_tui.core.github import GitHub, GitHubError
from cibw_debug_tui.core.history import History
from cibw_debug_tui.core.session import DebugMode, Session, SessionSpec


def _client_settings(args: argparse.Namespace) -> tuple[str, config.Token]:
    try:
        cfg = config.load_config()
        api_url = config.api_url_from(args.api_url, cfg)
        return api_url, config.resolve_token(api_url, cfg)
    except config.ConfigError as error:
        raise CommandError(str(error)) from None


def _stamp() -> str:
    return datetime.now().strftime("%H:%M:%S")


class _Printer:
    """What the fleet tells, as lines for people or as JSON objects for scripts."""

    def __init__(self, as_json: bool):
        self.as_json = as_json
        self.session: Session | None = None
        self.last_step: str | None = None
        self.stopped = ""  # why the watch stopped before the run's end, if it did
        self.dispatched = False

    def emit(self, event: str, words: str, **data: Any) -> None:
        """One event: `words` for people, `data` (with the event's name) for --json."""
        if self.as_json:
            print(json.dumps({"event": event, "time": time.time(), **data}), flush=True)
        else:
            print(f"[{_stamp()}] {words}", flush=True)

    def __call__(self, event: FleetEvent) -> None:
        if isinstance(event, ClientSaid | NoteChanged):
            if event.text:
                self.emit("note", event.text, text=event.text)
            return
        s = self.session
        if s is None or s.run_id is None or not self.dispatched:
            return  # the dispatch's own outcome is said by "dispatched", or as an error
        match event:
            case StatusChanged():
                text = s.status if s.status != "completed" else f"completed: {s.conclusion}"
                if s.status == "gone":
                    text = "the run was deleted on GitHub"
                self.emit("status", str(text), status=s.status, conclusion=s.conclusion)
            case JobsChanged():
                step = s.current_step()
                if step and step != self.last_step:
                    self.last_step = step
                    self.emit("step", f"step: {step}", step=step)
            case SshConnectionRead(connection=conn) if conn.is_open:
                closes = conn.expires_at.strftime("%H:%M UTC") if conn.expires_at else "?"
                self.emit(
                    "ssh",
                    f"SSH session open ({conn.stage}), closes {closes}:\n{conn.ssh}\n"
                    f"  let the build go on: {conn.continue_command}"
                    + (
                        f"\n  enter the build container: {conn.docker_exec}"
                        if conn.docker_exec
                        else ""
                    ),
                    stage=conn.stage,
                    ssh=conn.ssh,
                    expires_at=conn.expires_at.isoformat() if conn.expires_at else None,
                    continue_command=conn.continue_command,
                    docker_exec=conn.docker_exec,
                )
            case SshConnectionRead(connection=conn):
                self.emit("ssh-refused", f"SSH session refused: {conn.message}", stage=conn.stage,
                          message=conn.message)  # fmt: skip
            case SshUnreadable(stage=stage, message=message):
                self.emit("ssh-error", f"could not read the SSH connection: {message}",
                          stage=stage, message=message)  # fmt: skip
            case FailureExplained(explanation=result, log=log):
                if result.found:
                    lines = "\n".join(f"  line {c.line}: {c.text}" for c in result.cause)
                    self.emit(
                        "failure",
                        f"failure ({result.category}):\n{lines}\n  hint: {result.hint}\n"
                        f"  full log: {log}",
                        **result.to_json(),
                        log=str(log),
                    )
                else:
                    self.emit("failure", f"no known failure pattern; full log: {log}",
                              **result.to_json(), log=str(log))  # fmt: skip
            case WatchEnded(error=error):
                if error:  # not the run's end: the watcher failed
                    self.stopped = error
                    self.emit("stopped", error, message=error)
            case ArtifactsChanged():
                pass
            case _:
                assert_never(event)


async def _dispatch(args: argparse.Namespace, api_url: str, token: config.Token) -> int:
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
    printer = _Printer(args.json)
    log_dir = Path(args.log_dir).expanduser() if args.log_dir else config.log_dir()
    async with GitHub(api_url, token) as github:
        fleet = Fleet(github, History(persist=False), log_dir=log_dir.absolute(),
                      on_event=printer)  # fmt: skip
        session = printer.session = fleet.add(spec)
        try:
            await fleet.dispatch(session, follow=args.watch)
            printer.emit(
                "dispatched",
                f"dispatched {session.identifier} on {spec.runner} ({spec.debug_mode}): "
                f"{session.html_url}",
                run_id=session.run_id,
                url=session.html_url,
                session_id=session.id,
                identifier=session.identifier,
            )
            printer.dispatched = True
            if not args.watch:
                if not args.json:
                    print(session.html_url)
                return 0
            await fleet.wait(session)
        finally:
            await fleet.aclose()
    if session.status == "gone" or printer.stopped:
        return 1
    return 0 if session.conclusion == "success" else 1


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
    api_url, token = _client_settings(args)
    try:
        return asyncio.run(_dispatch(args, api_url, token))
    except GitHubError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
