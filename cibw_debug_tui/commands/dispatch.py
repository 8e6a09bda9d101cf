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
from cibw_debug_tui.core.connection import UNTRUSTED
from cibw_debug_tui.core.events import (
    ArtifactsChanged,
    ClientSaid,
    FailureExplained,
    FleetEvent,
    JobsChanged,
    NoteChanged,
    RepositoryMoved,
    SshConnectionRead,
    SshUnreadable,
    StatusChanged,
    WatchEnded,
    assert_never,
)
from cibw_debug_tui.core.fleet import Fleet
from cibw_debug_tui.core.github import GitHub, GitHubError
from cibw_debug_tui.core.history import History
from cibw_debug_tui.core.safe_text import one_line, terminal_safe
from cibw_debug_tui.core.session import DebugMode, Session, SessionSpec


def _client_settings(args: argparse.Namespace) -> tuple[str, config.Token, tuple[str, ...]]:
    """The API URL, its token, and the self-hosted tmate servers the config file trusts."""
    try:
        cfg = config.load_config()
        api_url = config.api_url_from(args.api_url, cfg)
        return api_url, config.resolve_token(api_url, cfg), config.tmate_hosts(cfg)
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
        """One event: `words` for people, `data` (with the event's name) for --json. What
        came from outside is made safe for a terminal here (core/safe_text.py): each value
        on one line (in `words`, the callers' own line breaks alone remain), no escape
        sequence, no control character."""
        if self.as_json:
            safe = {key: one_line(v) if isinstance(v, str) else v for key, v in data.items()}
            print(json.dumps({"event": event, "time": time.time(), **safe}), flush=True)
        else:
            print(f"[{_stamp()}] {terminal_safe(words, multiline=True)}", flush=True)

    def __call__(self, event: FleetEvent) -> None:
        if isinstance(event, ClientSaid | NoteChanged | RepositoryMoved):
            if event.text:
                self.emit("note", one_line(event.text), text=event.text)
            return
        s = self.session
        if s is None or s.run_id is None or not self.dispatched:
            return  # the dispatch's own outcome is said by "dispatched", or as an error
        match event:
            case StatusChanged():
                done = f"completed: {one_line(s.conclusion)}"
                text = s.status if s.status != "completed" else done
                if s.status == "gone":
                    text = "the run was deleted on GitHub"
                self.emit("status", str(text), status=s.status, conclusion=s.conclusion)
            case JobsChanged():
                step = s.current_step()
                if step and step != self.last_step:
                    self.last_step = step
                    self.emit("step", f"step: {one_line(step)}", step=step)
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
                self.emit("ssh-refused", f"SSH session refused: {one_line(conn.message)}",
                          stage=conn.stage, message=conn.message)  # fmt: skip
            case SshUnreadable(stage=stage, message=message):
                words = one_line(message)  # "the runner sent an SSH connection this tool..."
                if not message.startswith(UNTRUSTED):
                    words = f"could not read the SSH connection: {words}"
                self.emit("ssh-error", words, stage=stage, message=message)
            case FailureExplained(explanation=result, log=log):
                if result.found:
                    lines = "\n".join(f"  line {c.line}: {one_line(c.text)}" for c in result.cause)
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
                    self.emit("stopped", one_line(error), message=error)
            case ArtifactsChanged():
                pass
            case _:
                assert_never(event)


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
    printer = _Printer(args.json)
    log_dir = Path(args.log_dir).expanduser() if args.log_dir else config.log_dir()
    async with GitHub(api_url, token) as github:
        fleet = Fleet(github, History(persist=False), log_dir=log_dir.absolute(),
                      on_event=printer, tmate_hosts=tmate_hosts)  # fmt: skip
        session = printer.session = fleet.add(spec)
        try:
            await fleet.dispatch(session, follow=args.watch)
            printer.emit(
                "dispatched",
                f"dispatched {session.identifier} on {spec.runner} ({spec.debug_mode}): "
                f"{one_line(session.html_url)}",
                run_id=session.run_id,
                url=session.html_url,
                session_id=session.id,
                identifier=session.identifier,
            )
            printer.dispatched = True
            if not args.watch:
                if not args.json:
                    print(one_line(session.html_url))
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
    api_url, token, tmate_hosts = _client_settings(args)
    try:
        return asyncio.run(_dispatch(args, api_url, token, tmate_hosts))
    except GitHubError as error:
        print(f"error: {one_line(str(error))}", file=sys.stderr)
        return 1
