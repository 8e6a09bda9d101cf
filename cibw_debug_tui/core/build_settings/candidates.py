"""The steps of a repository's workflows that run cibuildwheel, one Candidate for each (job,
matrix entry, step) that could build on the combination's OS.

A step is read once per job (its settings as written); each matrix entry then gives the context
its `${{ }}` expressions are evaluated in, its runner and its conditions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from cibw_debug_tui.core.actions_expr import Unresolved
from cibw_debug_tui.core.build_settings.documents import WorkflowError, load_yaml
from cibw_debug_tui.core.build_settings.run_scripts import Invocation, find_invocation
from cibw_debug_tui.core.build_settings.runners import RunsOn, runner_context, runs_on
from cibw_debug_tui.core.build_settings.strategy import expand_matrix
from cibw_debug_tui.core.build_settings.values import Source, Value, condition
from cibw_debug_tui.core.matrix import Combination

_ACTION = re.compile(r"(?:pypa|joerick)/cibuildwheel@(\S+)", re.IGNORECASE)
# cibuildwheel==2.22.0, cibuildwheel>=3.2.0,<4, cibuildwheel~=3.1 (in pip, pipx, uvx lines)
_PINNED = re.compile(r"cibuildwheel\s*((?:[=<>~!]=?\s*[0-9][0-9A-Za-z.*+-]*\s*,?\s*)+)")
_NOT_YET = RunsOn(0, "")  # a step read before any matrix entry


@dataclass
class Candidate:
    """One cibuildwheel step, for one matrix entry: a build the debug build may copy."""

    file: str
    job: str
    step: str  # as a person finds it in the file: its name in quotes, or its number
    values: dict[str, Value]  # the environment (env: blocks, the run: line), the winner of each
    inputs: dict[str, Value]  # with: and command-line options ("package-dir", "--platform")
    flags: list[str]  # command-line flags (--prerelease-pythons)
    pinned: str  # the cibuildwheel version the job runs, when it says
    earlier: list[tuple[str, dict[str, Any]]]  # the job's steps before it, with their labels
    run_before: list[str]  # commands before cibuildwheel in its own run: script
    entry: dict[str, Any] = field(default_factory=dict)  # the matrix entry
    context: dict[str, Any] = field(default_factory=dict)  # what its expressions read
    runs_on: RunsOn = _NOT_YET  # the job's runner, for the entry
    condition: bool | None = True  # the step's if:, None when decided while the build runs
    matrix_note: str = ""  # why the matrix could not be expanded
    selected: bool | None = None  # whether it builds the identifier (set by choose)
    selected_note: str = ""  # why not
    closeness: int = 0  # how much of the identifier its selector names, when it builds others

    def label(self) -> str:
        entry = ", ".join(f"{k}={json.dumps(v, default=str)}" for k, v in self.entry.items())
        where = f"{self.file} job {self.job}"
        return f"{where} ({entry})" if entry else where

    def rank(self) -> tuple[int, int, int, int, bool]:
        """Better candidates rank higher; among equals, the first in the files wins."""
        chosen = {True: 2, None: 1, False: 0}
        wheelish = "wheel" in f"{self.file} {self.job}".lower()
        return (
            chosen[self.selected],
            self.closeness,
            self.runs_on.score or 0,
            chosen[self.condition],
            wheelish,
        )


def runs_cibuildwheel(step: dict[str, Any]) -> bool:
    """Whether a step uses the cibuildwheel action or runs cibuildwheel in its script."""
    run = step.get("run")
    return bool(_action_ref(step)) or (
        isinstance(run, str) and "cibuildwheel" in run and find_invocation(run) is not None
    )


def scan(
    workflows: Mapping[str, str], combo: Combination, problems: list[str]
) -> tuple[list[Candidate], list[tuple[str, str, str]]]:
    """Every cibuildwheel step of every job and matrix entry that could build on the
    combination's OS, in the files' order, and the jobs left out: (file, job, why not)."""
    candidates: list[Candidate] = []
    left_out: list[tuple[str, str, str]] = []
    for file, text in workflows.items():
        try:
            doc = load_yaml(text, file)
        except WorkflowError as error:
            problems.append(str(error))
            continue
        if not isinstance(doc, dict):
            if doc is not None:
                problems.append(f"{file} is not a workflow (its top level is not a mapping)")
            continue
        jobs = doc.get("jobs")
        for job_id, job in jobs.items() if isinstance(jobs, dict) else []:
            if not isinstance(job, dict) or not isinstance(job.get("steps"), list):
                continue
            steps = _read_steps(file, text, str(job_id), job, _env_of(doc.get("env")))
            if steps:
                found, skipped = _for_entries((file, str(job_id)), job, steps, combo, problems)
                candidates += found
                left_out += skipped
    return candidates, left_out


def _for_entries(
    where: tuple[str, str],
    job: dict[str, Any],
    steps: list[tuple[dict[str, Any], Candidate]],
    combo: Combination,
    problems: list[str],
) -> tuple[list[Candidate], list[tuple[str, str, str]]]:
    """The job's cibuildwheel steps, as read, for each entry of its matrix; or why not."""
    candidates: list[Candidate] = []
    left_out: list[tuple[str, str, str]] = []
    named = f"{where[0]} job {where[1]}"
    strategy = job.get("strategy")
    dynamic: Unresolved | None = None
    try:
        entries = expand_matrix(strategy.get("matrix") if isinstance(strategy, dict) else None)
    except Unresolved as why:
        entries, dynamic = [{}], why
    except WorkflowError as error:
        problems.append(f"{named}: {error}")
        entries, dynamic = [{}], Unresolved(str(error))
    runner_facts = runner_context(combo)
    note = str(dynamic) if dynamic else ""
    for entry in entries:
        context = {"matrix": dynamic or entry, "runner": runner_facts}
        if condition(job.get("if"), context) is False:
            left_out.append((*where, f"{named}: its if: is false here"))
            continue
        runner = runs_on(job, context, combo)
        if runner.score is None:
            left_out.append((*where, f"{named}: runs on {runner.text or 'another OS'}"))
            continue
        for step, read in steps:
            when = condition(step.get("if"), context)
            if when is not False:
                found = replace(
                    read,
                    entry=entry,
                    context=context,
                    runs_on=runner,
                    condition=when,
                    matrix_note=note,
                )
                candidates.append(found)
    return candidates, left_out


def _read_steps(
    file: str, text: str, job_id: str, job: dict[str, Any], workflow_env: dict[str, Any]
) -> list[tuple[dict[str, Any], Candidate]]:
    """The job's cibuildwheel steps with their settings as written, before any entry."""
    steps = [s if isinstance(s, dict) else {} for s in job["steps"]]
    labelled = [(_step_label(s, i), s) for i, s in enumerate(steps)]
    job_env = _env_of(job.get("env"))
    read = []
    for index, (label, step) in enumerate(labelled):
        if not runs_cibuildwheel(step):
            continue
        values: dict[str, Value] = {}
        for level, env in (
            ("workflow", workflow_env),
            ("job", job_env),
            ("step", _env_of(step.get("env"))),
        ):
            source = Source(file, level, "" if level == "workflow" else job_id, label)
            values |= {key: Value(key, raw, source) for key, raw in env.items()}
        ref = _action_ref(step)
        if ref:
            call, given = Invocation(), _env_of(step.get("with"))
            source = Source(file, "with", job_id, label)
        else:
            call = find_invocation(str(step.get("run"))) or Invocation()
            given = dict(call.options)
            if call.package_dir is not None:
                given["package-dir"] = call.package_dir
            source = Source(file, "run", job_id, label)
            assigned = {**call.exports, **call.assignments}
            values |= {key: Value(key, raw, source) for key, raw in assigned.items()}
        inputs = {key: Value(key, raw, source) for key, raw in given.items()}
        pinned = _pinned_version(text, ref, steps[: index + 1])
        found = Candidate(
            file, job_id, label, values, inputs, call.flags, pinned, labelled[:index], call.before
        )
        read.append((step, found))
    return read


def _action_ref(step: dict[str, Any]) -> str | None:
    uses = step.get("uses")
    m = _ACTION.fullmatch(uses.strip()) if isinstance(uses, str) else None
    return m.group(1) if m else None


def _step_label(step: dict[str, Any], index: int) -> str:
    """A step as a person finds it in the file: its name, else its number and what it does."""
    name = step.get("name")
    if isinstance(name, str) and name.strip():
        return f'"{name.strip()}"'
    what = step.get("uses") or step.get("run")
    first = what.strip().splitlines()[0] if isinstance(what, str) and what.strip() else ""
    return f"#{index + 1} ({first[:40]})" if first else f"#{index + 1}"


def _env_of(block: Any) -> dict[str, Any]:
    return {str(k): v for k, v in block.items()} if isinstance(block, dict) else {}


def _pinned_version(text: str, ref: str | None, steps: list[dict[str, Any]]) -> str:
    """The version the step's action names, or the last install of cibuildwheel before it."""
    if ref:
        if re.fullmatch(r"[0-9a-f]{40}", ref):
            m = re.search(re.escape(ref) + r"\s*#\s*(v?[0-9][^\s]*)", text)
            return m.group(1) if m else ref[:12]
        return ref
    for step in reversed(steps):
        run = step.get("run")
        m = _PINNED.search(run) if isinstance(run, str) else None
        if m:
            spec = re.sub(r"\s+", "", m.group(1)).rstrip(",")
            return spec[2:] if spec.startswith("==") else spec
    return ""
