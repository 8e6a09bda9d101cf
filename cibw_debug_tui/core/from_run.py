"""From a failed CI run to the debug session that reproduces it.

A maintainer starts from a red cibuildwheel job in their own CI, not from a blank form. From
that job this works out what to dispatch: the runner (the job's labels; a retired runner is
mapped to its replacement, with a note), the identifier cibuildwheel was building when the job
failed (the last `Building <identifier> wheel` line of its log that did not finish), hence the
CPython and the arch, and why it failed (the explainer on the same log).

Everything here comes from GitHub and from a log someone else's build wrote: identifiers and
labels are only used once they match cibuildwheel's and the matrix's own names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from cibw_debug_tui.core import explain, matrix
from cibw_debug_tui.core.config import ConfigError, validate_repo
from cibw_debug_tui.core.files import safe_file_name, whole_number
from cibw_debug_tui.core.github import GitHub, GitHubError
from cibw_debug_tui.core.models import CiJob, CiRun, read_ci_jobs, read_ci_runs, read_file_text
from cibw_debug_tui.core.safe_text import one_line
from cibw_debug_tui.core.workflow_contract import WORKFLOW_PATH

# cibuildwheel's line as a build starts: "Building cp312-manylinux_x86_64 wheel" (and as it
# ends: "✓ cp312-manylinux_x86_64 finished in 2 minutes"). pip's "Building wheel for x" is not it.
_IDENT = r"(cp3[0-9]{1,2}t?-[a-z0-9_]{3,40})"
_BUILDING = re.compile(rf"(?:^|\s)Building {_IDENT} wheel\s*$")
_FINISHED = re.compile(rf"(?:^|\s){_IDENT} finished in\b")
_PLATFORMS = {tag: (os, arch) for (os, arch), tag in matrix.PLATFORM_TAGS.items()} | {
    f"musllinux_{arch}": ("linux", arch) for arch in matrix.ARCHES["linux"]
}
_RUN_PATH = re.compile(
    r"/(?P<repo>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)/actions/runs/(?P<run>[0-9]{1,20})"
    r"(?:/job/(?P<job>[0-9]{1,20}))?(?:/attempts/[0-9]+)?/?"
)
MAX_RUNS_LISTED = 30
MAX_WORKFLOW_BYTES = 256 * 1024
_SHA = re.compile(r"[0-9a-f]{40}")
_WORKFLOW_FILE = re.compile(r"\.github/workflows/[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}\.ya?ml")


class FromRunError(ValueError):
    """The run or job given cannot be used: the message says why, in words."""


@dataclass(frozen=True)
class RunRef:
    repo: str | None  # from a URL; None for a bare id (the --repo one then)
    run_id: int
    job_id: int | None = None


def parse_run(text: str) -> RunRef:
    """A run given as its id or its web URL (`.../OWNER/NAME/actions/runs/ID[/job/JOB]`)."""
    text = text.strip()
    if text.isdigit() and len(text) <= 20:
        return RunRef(None, int(text))
    try:
        path = urlsplit(text).path
    except ValueError:
        path = ""
    match = _RUN_PATH.fullmatch(path) if path else None
    if not match:
        raise FromRunError(
            f'"{one_line(text)[:80]}" is not a run: give its number or its URL, '
            "e.g. https://github.com/OWNER/NAME/actions/runs/123456"
        )
    try:
        repo = validate_repo(match["repo"])
    except ConfigError as error:
        raise FromRunError(str(error)) from None
    job = int(match["job"]) if match["job"] else None
    return RunRef(repo, int(match["run"]), job)


@dataclass(frozen=True)
class Identifier:
    """What cibuildwheel was building: its identifier, read as CPython tag, OS and arch."""

    text: str
    python: str
    os: str
    arch: str

    @property
    def musllinux(self) -> bool:
        return "-musllinux_" in self.text


def read_identifier(text: str) -> Identifier | None:
    """An identifier cibuildwheel builds, or None when the text is not one."""
    python, _, platform = text.partition("-")
    where = _PLATFORMS.get(platform)
    if where is None or not re.fullmatch(r"cp3[0-9]{1,2}t?", python):
        return None
    return Identifier(text, python, *where)


def failing_identifier(lines: Iterable[bytes | str]) -> tuple[Identifier | None, list[str]]:
    """The identifier whose build had started and not finished when the log ends (the one
    that failed), and those that finished before it."""
    started: list[str] = []
    finished: list[str] = []
    for raw in lines:
        if isinstance(raw, bytes) and b"Building " not in raw and b" finished in" not in raw:
            continue  # most lines: not worth cleaning
        text = explain.clean_line(raw)
        if not text:
            continue
        if match := _BUILDING.search(text):
            started.append(match[1])
        elif match := _FINISHED.search(text):
            finished.append(match[1])
    unfinished = [ident for ident in started if ident not in finished]
    found = read_identifier(unfinished[-1]) if unfinished else None
    return found, finished


def runner_for(labels: list[str]) -> tuple[str | None, str]:
    """The runner label to dispatch on, from a job's labels, and a note when it is not the
    job's own (retired) or there is none (a self-hosted or unknown runner)."""
    for label in labels:
        if label in matrix.RUNNERS_BY_LABEL:
            return label, ""
        if label in matrix.RETIRED:
            date, replacement = matrix.RETIRED[label]
            return replacement, f"{label} was retired on {date}; {replacement} replaces it"
    shown = ", ".join(one_line(label)[:40] for label in labels[:5]) or "none"
    return None, f"the job ran on a runner this tool cannot dispatch to (labels: {shown})"


@dataclass
class FromRun:
    """What a failed job says to dispatch, or why it cannot be dispatched (`problem`)."""

    repo: str
    run_id: int
    job: CiJob
    failed_jobs: list[CiJob]
    runner: str | None
    identifier: Identifier | None
    combination: matrix.Combination | None
    explanation: explain.Explanation
    log: Path
    head_sha: str = ""  # the run's commit, checked: its workflow file is read there
    workflow: str = ""  # the run's workflow file, checked: .github/workflows/NAME.yml
    notes: list[str] = field(default_factory=list)
    problem: str = ""

    @property
    def ready(self) -> bool:
        return self.combination is not None and self.combination.valid

    def to_json(self) -> dict[str, object]:
        return {
            "repo": self.repo,
            "run_id": self.run_id,
            "job_id": self.job["id"],
            "job_name": one_line(self.job["name"]),
            "labels": [one_line(label) for label in self.job["labels"]],
            "head_sha": self.head_sha,
            "workflow": self.workflow,
            "built_identifier": self.identifier.text if self.identifier else None,
            "notes": self.notes,
            "problem": self.problem or None,
            "explanation": self.explanation.to_json(),
            "log": str(self.log),
        }


def choose_job(jobs: list[CiJob], wanted: str | int | None) -> CiJob:
    """The job asked for (by id or name), else the first failed one."""
    failed = [j for j in jobs if j["conclusion"] == "failure"]
    if wanted is not None:
        text = str(wanted)
        for job in jobs:
            if (text.isdigit() and job["id"] == int(text)) or job["name"] == text:
                return job
        names = ", ".join(f'"{one_line(j["name"])}" ({j["id"]})' for j in failed[:8]) or "none"
        raise FromRunError(f'the run has no job "{one_line(text)[:80]}"; failed jobs: {names}')
    if not failed:
        raise FromRunError("the run has no failed job to start from")
    return failed[0]


def resolve(log: BinaryIO) -> tuple[Identifier | None, explain.Explanation]:
    """The failing identifier and the explanation, from one job's log (read twice)."""
    found, _ = failing_identifier(log)
    log.seek(0)
    return found, explain.explain_stream(log)


def run_source(data: object) -> tuple[str, str]:
    """The commit and workflow file of `GET /repos/{repo}/actions/runs/{id}`, checked: the
    main build's settings are read from them, so a sha that is not 40 hex digits or a path
    outside `.github/workflows/` is refused in words."""
    run = data if isinstance(data, dict) else {}
    sha, path = run.get("head_sha"), run.get("path")
    if not isinstance(sha, str) or not _SHA.fullmatch(sha):
        raise FromRunError(f"the run's commit ({one_line(str(sha))[:60]!r}) is not a commit sha")
    if not isinstance(path, str) or not _WORKFLOW_FILE.fullmatch(path):
        raise FromRunError(
            f"the run's workflow file ({one_line(str(path))[:100]!r}) is not a file of "
            ".github/workflows/"
        )
    return sha, path


async def from_run(
    github: GitHub, repo: str, run_id: int, job: str | int | None, log_dir: Path
) -> FromRun:
    """Read the run (its commit and workflow file), its jobs and the failed job's log, and
    say what to dispatch."""
    (sha, workflow), _ = await github.get_json(
        f"/repos/{repo}/actions/runs/{whole_number(run_id)}", run_source
    )
    jobs, _ = await github.get_json(
        f"/repos/{repo}/actions/runs/{whole_number(run_id)}/jobs", read_ci_jobs, {"per_page": 100}
    )
    chosen = choose_job(jobs, job)
    if chosen["status"] != "completed":
        raise FromRunError(f'the job "{one_line(chosen["name"])}" has not finished yet')
    name = f"{repo}-{whole_number(run_id)}-{whole_number(chosen['id'])}"
    dest = log_dir / (safe_file_name(name) + ".log")
    await github.job_log(repo, chosen["id"], dest)
    with open(dest, "rb") as stream:
        ident, explanation = resolve(stream)
    runner, runner_note = runner_for(chosen["labels"])
    failed = [j for j in jobs if j["conclusion"] == "failure"]
    result = FromRun(repo, run_id, chosen, failed, runner, ident, None, explanation, dest,
                     sha, workflow)  # fmt: skip
    if runner_note:
        result.notes.append(runner_note)
    if runner is None:
        result.problem = runner_note
    elif ident is None:
        result.problem = (
            "the job failed before cibuildwheel started building any wheel: there is no "
            "identifier to rebuild (see the explanation)"
        )
    else:
        combo = matrix.check(runner, ident.python, ident.arch)
        result.combination = combo
        if not combo.valid:
            result.problem = f"{ident.text} cannot be rebuilt: {combo.reason}"
        elif ident.musllinux:
            result.notes.append(
                f"the job built {ident.text}; the debug workflow builds {combo.identifier} "
                "(add CIBW_BUILD to the extra settings for the musllinux one)"
            )
    others = [j for j in failed if j["id"] != chosen["id"]]
    if others and job is None:
        result.notes.append(
            f"{len(others)} other job(s) failed too; choose one with --job: "
            + ", ".join(f'"{one_line(j["name"])}"' for j in others[:5])
        )
    return result


async def failed_runs(github: GitHub, repo: str, known: dict[str, bool]) -> list[CiRun]:
    """The repository's recent failed runs of workflows that use cibuildwheel (not this tool's
    own debug workflow), newest first. `known` remembers which workflow files use it."""
    runs, _ = await github.get_json(
        f"/repos/{repo}/actions/runs", read_ci_runs,
        {"status": "failure", "per_page": MAX_RUNS_LISTED},
    )  # fmt: skip
    found = []
    for run in runs:
        path = run["path"]
        if not path or path == WORKFLOW_PATH or run["conclusion"] != "failure":
            continue
        if path not in known:
            known[path] = await _uses_cibuildwheel(github, repo, path, run["name"])
        if known[path]:
            found.append(run)
    return found


async def _uses_cibuildwheel(github: GitHub, repo: str, path: str, name: str) -> bool:
    """Whether the workflow file names cibuildwheel; when it cannot be read (a token without
    "Contents: read", a file deleted since), whether its name or file speaks of wheels."""
    if not re.fullmatch(r"\.github/workflows/[A-Za-z0-9_.-]{1,100}\.ya?ml", path):
        return False
    try:
        text, _ = await github.get_json(
            f"/repos/{repo}/contents/{path}", read_file_text, limit=MAX_WORKFLOW_BYTES * 2
        )
    except GitHubError:
        return "wheel" in f"{name} {path}".lower()
    return "cibuildwheel" in text


async def failed_jobs(github: GitHub, repo: str, run_id: int) -> list[CiJob]:
    jobs, _ = await github.get_json(
        f"/repos/{repo}/actions/runs/{whole_number(run_id)}/jobs", read_ci_jobs, {"per_page": 100}
    )
    return [j for j in jobs if j["conclusion"] == "failure"]
