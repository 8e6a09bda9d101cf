"""`dispatch --python cp39-cp314 [--arch x86_64,i686]`: many combinations at once, one session
each, through one fleet (one request budget for all of them), told as one group.

CPythons are given as a list (`cp39,cp312`) or a range in the matrix's order (`cp39-cp314`),
arches as a list. Combinations the runner cannot build are said and left out; more than
batch.MAX_SESSIONS is refused. With --watch each session's status changes and SSH commands are
told with its identifier, and the group's tally at the end (exit 0 only if every build passed).
"""

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
from cibw_debug_tui.core import batch, config, matrix
from cibw_debug_tui.core.events import FleetEvent, SshConnectionRead, StatusChanged, WatchEnded
from cibw_debug_tui.core.fleet import Fleet
from cibw_debug_tui.core.github import GitHub, GitHubError
from cibw_debug_tui.core.history import History
from cibw_debug_tui.core.safe_text import one_line
from cibw_debug_tui.core.session import DebugMode, Session, SessionSpec

TAGS = [p.tag for p in matrix.PYTHONS]


def is_many(args: argparse.Namespace) -> bool:
    """Whether --python or --arch names more than one."""
    return any("," in (value or "") for value in (args.python, args.arch)) or "-" in (
        args.python or ""
    )


def pythons_of(text: str) -> list[str]:
    """`cp39,cp312` or `cp39-cp314` (both ends included, in the matrix's order)."""
    found: list[str] = []
    for part in (p.strip() for p in text.split(",")):
        first, dash, last = part.partition("-")
        if not dash:
            found.append(part)
        elif first in TAGS and last in TAGS and TAGS.index(first) <= TAGS.index(last):
            found += TAGS[TAGS.index(first) : TAGS.index(last) + 1]
        else:
            raise CommandError(f'"{part}" is not a range of CPython tags, e.g. cp39-cp314')
    return [p for p in found if p]


class GroupPrinter:
    """Each session's news with its identifier, as words or JSON lines."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self.sessions: dict[str, Session] = {}

    def emit(self, event: str, words: str, **data: Any) -> None:
        if self.as_json:
            safe = {k: one_line(v) if isinstance(v, str) else v for k, v in data.items()}
            print(json.dumps({"event": event, "time": time.time(), **safe}), flush=True)
        else:
            print(f"[{datetime.now():%H:%M:%S}] {one_line(words)}", flush=True)

    def __call__(self, event: FleetEvent) -> None:
        session = self.sessions.get(getattr(event, "session_id", ""))
        if session is None:
            return
        name = session.identifier
        match event:
            case StatusChanged() if session.status == "completed":
                conclusion = one_line(session.conclusion)
                self.emit("status", f"{name}: completed: {conclusion}", identifier=name,
                          status="completed", conclusion=session.conclusion)  # fmt: skip
            case SshConnectionRead(connection=conn) if conn.is_open and conn.ssh:
                self.emit("ssh", f"{name}: SSH session open ({conn.stage}): {conn.ssh}",
                          identifier=name, stage=conn.stage, ssh=conn.ssh)  # fmt: skip
            case WatchEnded(error=error) if error:
                self.emit("stopped", f"{name}: {error}", identifier=name, message=error)


async def _dispatch(args: argparse.Namespace, planned: batch.Batch, api_url: str,
                    token: config.Token, tmate_hosts: tuple[str, ...]) -> int:  # fmt: skip
    printer = GroupPrinter(args.json)
    log_dir = Path(args.log_dir).expanduser() if args.log_dir else config.log_dir()
    async with GitHub(api_url, token) as github:
        fleet = Fleet(github, History(persist=False), log_dir=log_dir.absolute(),
                      on_event=printer, tmate_hosts=tmate_hosts)  # fmt: skip
        sessions = []
        try:
            for combo in planned.combinations:
                spec = SessionSpec(repo=args.repo, runner=combo.runner, python=combo.python,
                                   arch=combo.arch, debug_mode=DebugMode(args.debug_mode),
                                   ref=args.ref, session_timeout=args.session_timeout,
                                   package_dir=args.package_dir or ".",
                                   cibw_settings=args.cibw_settings or "")  # fmt: skip
                session = fleet.add(spec)
                try:
                    await fleet.dispatch(session, follow=args.watch)
                except GitHubError as error:
                    printer.emit("not-dispatched", f"{session.identifier}: {error}",
                                 identifier=session.identifier, message=str(error))  # fmt: skip
                    continue
                printer.sessions[session.id] = session
                sessions.append(session)
                printer.emit("dispatched", f"dispatched {session.identifier} on {spec.runner}"
                             f" ({spec.debug_mode}): {one_line(session.html_url)}",
                             group=planned.name, run_id=session.run_id, url=session.html_url,
                             runner=spec.runner, python=spec.python, arch=spec.arch,
                             identifier=session.identifier,
                             debug_mode=str(spec.debug_mode))  # fmt: skip
            if args.watch:
                await asyncio.gather(*(fleet.wait(s) for s in sessions))
        finally:
            await fleet.aclose()
    tally = batch.tally(
        [s.conclusion if args.watch else None for s in sessions]
        + ["not dispatched"] * (len(planned.combinations) - len(sessions))
    )
    printer.emit("group", f"{planned.name}, {tally}", name=planned.name, tally=tally,
                 sessions=[{"identifier": s.identifier, "run_id": s.run_id,
                            "conclusion": s.conclusion} for s in sessions])  # fmt: skip
    if len(sessions) < len(planned.combinations):
        return 1
    return 0 if not args.watch or all(s.conclusion == "success" for s in sessions) else 1


def run(args: argparse.Namespace, api_url: str, token: config.Token,
        tmate_hosts: tuple[str, ...]) -> int:  # fmt: skip
    planned = batch.plan(args.runner, pythons_of(args.python), args.arch.split(","))
    if planned.problem:
        raise CommandError(planned.problem)
    for refused in planned.refused:
        print(f"left out: {refused.python} {refused.arch}: {refused.reason}", file=sys.stderr)
    return asyncio.run(_dispatch(args, planned, api_url, token, tmate_hosts))
