"""`dispatch --settings-from auto|PATH|none`: the settings the debug build is sent, worked out
before the dispatch and said first (in words, or as `dispatch --json`'s first event): the main
build's (read through the API on the ref, or with --from-run from the failed run's own workflow
file at the run's commit, or from a local workflow file), less `--without`,
with `--cibw-settings` over them; what the debug workflow overrides, what needs attention.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cibw_debug_tui.commands import CommandError
from cibw_debug_tui.core import matrix
from cibw_debug_tui.core.build_settings import BuildSettings, SettingsError, settings_input
from cibw_debug_tui.core.build_settings.effective import (
    Effective,
    effective,
    parse_own,
    report,
    values,
)
from cibw_debug_tui.core.build_settings.options import SETTING_NAME
from cibw_debug_tui.core.github import GitHub, GitHubError
from cibw_debug_tui.core.main_build import (
    BuildFiles,
    local_build_files,
    read_build_files,
    read_run_build_files,
)
from cibw_debug_tui.core.safe_text import one_line

OWN = "--cibw-settings"
SHOWN = 200  # characters of a value in the summary; --json has all of it


def _short(text: str) -> str:
    text = one_line(text)
    return text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"


@dataclass
class Plan:
    """What the command line asked for, checked before any request."""

    source: str  # "auto", "none", or the local path
    own: dict[str, str]
    off: tuple[str, ...]
    local: BuildFiles | None = None
    build: BuildSettings | None = None
    settings: list[Effective] = field(default_factory=list)
    where: str = ""  # where the main build was read, in words
    run: tuple[str, str] | None = None  # a failed run's (commit, workflow file) it was read at


def plan(args: argparse.Namespace, inputs: Mapping[str, str]) -> Plan:
    """Check the flags (exit 2 with the reason): the person's own settings must be JSON the
    debug workflow accepts and fit in the dispatch's inputs; a local file must be readable."""
    try:
        own = parse_own(args.cibw_settings or "", OWN)
        settings_input(own, inputs)
    except SettingsError as error:
        raise CommandError(f"{OWN}: {error}") from None
    off = tuple(args.without or ())
    for name in off:
        if not SETTING_NAME.fullmatch(name):
            raise CommandError(f"--without {name}: not a CIBW_* name (capitals, digits and _)")
    found = Plan(args.settings_from, own, off)
    if args.settings_from not in ("auto", "none"):
        try:
            found.local = local_build_files(Path(args.settings_from).expanduser())
        except ValueError as error:
            raise CommandError(f"--settings-from: {error}") from None
    return found


async def resolve(
    found: Plan,
    github: GitHub,
    repo: str,
    ref: str,
    combo: matrix.Combination,
    run: tuple[int, str, str] | None = None,
) -> None:
    """Read the main build (the API, or the local file) and work out what is sent. With a
    failed `run` (its id, commit and workflow file, checked), that run's workflow file at its
    commit is the main build."""
    files = found.local
    found.where = found.source if files else f"{repo} at {ref}"
    if found.source == "auto":
        try:
            if run is not None:
                run_id, sha, path = run
                files = await read_run_build_files(github, repo, sha, path)
                found.where, found.run = f"{files.where}, run {run_id}'s commit", (sha, path)
            else:
                files = await read_build_files(github, repo, ref)
        except GitHubError as error:
            if error.status != 403:
                raise
            raise GitHubError(f"{error}: give it that, or use --settings-from PATH (a local "
                              "workflow file) or none", 403) from None  # fmt: skip
    found.build = await files.settings(combo) if files else None
    found.settings = effective(found.build, found.own, found.off, OWN)


def checked_input(found: Plan, inputs: Mapping[str, str]) -> str:
    """The `cibw-settings` input, or CommandError with why the workflow or GitHub would refuse
    it (too large: the largest settings named)."""
    try:
        return settings_input(values(found.settings), inputs)
    except SettingsError as error:
        raise CommandError(f"the settings cannot be sent: {error}") from None


def event(found: Plan) -> dict[str, Any]:
    run = {"run_commit": found.run[0], "run_workflow": found.run[1]} if found.run else {}
    return {"settings_from": found.source, "read_from": found.where, **run,
            **report(found.build, found.settings, found.off)}  # fmt: skip


def describe(found: Plan) -> str:
    """The settings for people: each with where it comes from, then what is not sent."""
    build, where = found.build, found.where
    lines = []
    if found.source == "none":
        lines.append("settings: only those of --cibw-settings (--settings-from none)")
    elif build is not None and build.chosen is not None:
        c = build.chosen
        lines.append(f"settings of the main build ({one_line(where)}): {one_line(c.file)} job "
                     f"{one_line(c.job)}, because {one_line(c.why)}")  # fmt: skip
    else:
        lines.append(f"settings: no main build found in {one_line(where)}")
    for s in found.settings:
        came = f"{OWN}, instead of {s.replaces!r}" if s.replaces is not None else s.source
        note = f"; {one_line(s.note)}" if s.note else ""
        lines.append(f"  {s.name} = {_short(s.value)}   ({_short(came)}{note})")
    if not found.settings:
        lines.append("  (none sent: cibuildwheel's defaults and pyproject.toml apply)")
    if found.off:
        lines.append(f"  turned off: {', '.join(found.off)}")
    if build is None:
        return "\n".join(lines)
    if build.overridden:
        names = ", ".join(one_line(o.name) for o in build.overridden)
        lines.append(f"  set by the debug workflow instead: {names}")
    if build.attention:
        lines.append("  needs your attention (not sent):")
        lines += [f"    {one_line(a.name)}: {one_line(a.reason)}" for a in build.attention]
    if build.pyproject:
        lines.append(f"  {build.pyproject_path} [tool.cibuildwheel], read by cibuildwheel on "
                     "the runner:")  # fmt: skip
        for o in build.pyproject:
            wins = f"; {one_line(o.superseded_by)} wins" if o.superseded_by else ""
            lines.append(f"    {one_line(o.name)} = {_short(o.value)}   "
                         f"({one_line(o.table)}{wins})")  # fmt: skip
    lines += [f"  note: {one_line(p)}" for p in build.problems]
    return "\n".join(lines)
