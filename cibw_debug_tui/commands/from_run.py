"""`dispatch --from-run RUN [--job JOB]`: what the failed CI job says to dispatch
(core/from_run.py), said before the dispatch in words, or in the first JSON event (`dispatched`,
or `not-dispatched` with the reason)."""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path

from cibw_debug_tui.commands import CommandError
from cibw_debug_tui.core import config
from cibw_debug_tui.core.from_run import FromRun, FromRunError, from_run, parse_run
from cibw_debug_tui.core.github import GitHub, GitHubError
from cibw_debug_tui.core.safe_text import one_line, terminal_safe


class NotDispatchable(Exception):
    """The job was read and explained, but there is nothing to dispatch: exit 1, said."""


def repo_and_run(args: argparse.Namespace) -> tuple[str | None, int, str | None]:
    """The repository (from the run's URL, else --repo), the run's number and the job."""
    try:
        ref = parse_run(args.from_run)
    except FromRunError as error:
        raise CommandError(str(error)) from None
    if ref.repo and args.repo and ref.repo != args.repo:
        raise CommandError(f"the run's URL names {ref.repo}, not --repo {args.repo}")
    job = args.job if args.job else (str(ref.job_id) if ref.job_id else None)
    return ref.repo or args.repo, ref.run_id, job


def resolve(args: argparse.Namespace, api_url: str, token: config.Token) -> FromRun:
    """Read the run and its failed job; set args' runner, python and arch from them."""
    log_dir = Path(args.log_dir).expanduser() if args.log_dir else config.log_dir()

    async def read() -> FromRun:
        async with GitHub(api_url, token) as github:
            return await from_run(github, args.repo, args.run_id, args.job, log_dir.absolute())

    try:
        found = asyncio.run(read())
    except FromRunError as error:
        raise CommandError(str(error)) from None
    except GitHubError as error:
        raise NotDispatchable(f"could not read run {args.run_id}: {error}") from None
    if not args.json:
        print(terminal_safe(summary(found), multiline=True), flush=True)
    if not found.ready or found.combination is None:
        if args.json:
            event = {"event": "not-dispatched", "time": time.time(), **found.to_json()}
            print(json.dumps(event), flush=True)
        raise NotDispatchable(found.problem)
    combo = found.combination
    args.runner, args.python, args.arch = combo.runner, combo.python, combo.arch
    return found


def summary(found: FromRun) -> str:
    """The failed job, what it was building and why it failed, in words."""
    job = found.job
    lines = [f'run {found.run_id}, job "{one_line(job["name"])}" ({job["id"]})']
    if found.identifier:
        lines.append(f"  it was building {found.identifier.text} when it failed")
    result = found.explanation
    if result.found:
        lines.append(f"  failure ({result.category}):")
        lines += [f"    line {c.line}: {one_line(c.text)}" for c in result.cause[:3]]
        lines.append(f"  hint: {one_line(result.hint)}")
    else:
        lines.append("  no known failure pattern in its log")
    lines += [f"  note: {one_line(note)}" for note in found.notes]
    lines.append(f"  its log: {found.log}")
    return "\n".join(lines)
