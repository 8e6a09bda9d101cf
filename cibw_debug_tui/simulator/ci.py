"""The repository's own CI, already run: where a maintainer starts debugging from.

Every simulated repository holds, in every scenario, the history a maintainer with a red CI has:
a completed, failed "Build wheels" run (a matrix of cibuildwheel jobs on several runners), an
earlier green one, and a failed "Tests" run that does not use cibuildwheel. The failed jobs'
logs are GitHub's (a timestamp on every line, a group per step) with cibuildwheel's output and a
real failure after its `Building <identifier> wheel` line; their fragments are from the public
threads named beside each (the same as tests/data/build-logs).

The runs are made on first sight of a repository, from its name: the same ids every time.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources

from cibw_debug_tui.core.workflow_contract import CIBUILDWHEEL_VERSION
from cibw_debug_tui.simulator import buildlogs
from cibw_debug_tui.simulator.runs import Clock
from cibw_debug_tui.simulator.steps import Job, Step

WHEELS_PATH = ".github/workflows/wheels.yml"
TESTS_PATH = ".github/workflows/tests.yml"

# The "Build wheels" workflow whose settings the debug build takes (contents.py serves it): a
# typical cibuildwheel build, with settings at every level.
WHEELS_WORKFLOW = (resources.files("cibw_debug_tui.simulator") / "data" / "build-wheels.yml"
                   ).read_text("utf-8")  # fmt: skip

TESTS_WORKFLOW = """\
name: Tests
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v5
      - run: pip install -e . && pytest
"""

WORKFLOW_TEXTS = {WHEELS_PATH: WHEELS_WORKFLOW, TESTS_PATH: TESTS_WORKFLOW}
TITLES = {WHEELS_PATH: "Build wheels", TESTS_PATH: "Tests"}

# pypa/cibuildwheel#1982 (tests/data/build-logs/07-auditwheel-too-recent-symbols-aarch64.log)
AUDITWHEEL_AARCH64 = """\
    + sh -c 'auditwheel repair -w /tmp/cibuildwheel/repaired_wheel /tmp/cibuildwheel/built_wheel/blosc2-3.0.0b2.dev0-cp310-cp310-linux_aarch64.whl'
  INFO:auditwheel.main_repair:Repairing blosc2-3.0.0b2.dev0-cp310-cp310-linux_aarch64.whl
  usage: auditwheel [-h] [-V] [-v] command ...
  auditwheel: error: cannot repair "/tmp/cibuildwheel/built_wheel/blosc2-3.0.0b2.dev0-cp310-cp310-linux_aarch64.whl" to "manylinux2014_aarch64" ABI because of the presence of too-recent versioned symbols. You'll need to compile the wheel on an older toolchain.
Error: Command ['sh', '-c', 'auditwheel repair -w /tmp/cibuildwheel/repaired_wheel /tmp/cibuildwheel/built_wheel/blosc2-3.0.0b2.dev0-cp310-cp310-linux_aarch64.whl'] failed with code 2."""

# pypa/cibuildwheel#1406 (tests/data/build-logs/09-delocate-libdb2-not-found.log)
DELOCATE_X86_64 = """\
+ delocate-wheel --require-archs x86_64 -w /private/var/folders/6_/T/cibw-run-m7rce1nf/cp311-macosx_x86_64/repaired_wheel -v /private/var/folders/6_/T/cibw-run-m7rce1nf/cp311-macosx_x86_64/built_wheel/ibm_db-3.1.4-cp311-cp311-macosx_10_17_x86_64.whl
Fixing: /private/var/folders/6_/T/cibw-run-m7rce1nf/cp311-macosx_x86_64/built_wheel/ibm_db-3.1.4-cp311-cp311-macosx_10_17_x86_64.whl
ERROR:delocate.libsana:
../lib/libdb2.dylib not found:
  Needed by: /private/var/folders/6_/T/tmphvcnw45x/wheel/clidriver/bin/db2drdat
ERROR:delocate.libsana:../lib/libdb2.dylib not found, requested by /private/var/folders/6_/T/tmphvcnw45x/wheel/clidriver/bin/db2drdat"""

# QuakeMigrate/QuakeMigrate#170 (tests/data/build-logs/16-config-invalid-only-selector.log):
# the job fails before cibuildwheel starts any build.
INVALID_ONLY = """\
creating virtual environment...
installing cibuildwheel from spec 'D:\\\\a\\\\_actions\\\\pypa\\\\cibuildwheel\\\\v4.2.0'...
Invalid --only='""', must be a build selector with a known platform"""


@dataclass
class CiJob:
    """A matrix job: its runner, the identifiers cibuildwheel built, and how it ended."""

    runner: str
    built: tuple[str, ...] = ()  # identifiers that finished before the failing one
    failing: str | None = None  # the identifier being built when it failed
    failure: str | None = None  # the failure's own lines (None: the job succeeded)


@dataclass
class CiRun:
    """A completed run of the repository's own CI, shaped as payloads.py reads a Run."""

    id: int
    number: int
    repo: str
    title: str
    path: str
    created: float
    clock: Clock
    conclusion_: str
    jobs_: list[Job] = field(default_factory=list)
    logs: dict[int, str] = field(default_factory=dict)
    event: str = "push"
    ref: str = "main"
    attempt: int = 1
    actor: str = "octocat"
    visible_at: float = 0.0  # known to the API at once (quirks.run_lag is for dispatches)
    commit: str = ""  # tests set a malformed one

    @property
    def head_sha(self) -> str:
        """A commit of its own, not main's of today: the settings a failed run had are read
        at it (its workflow file then)."""
        return self.commit or hashlib.sha1(f"{self.repo}@ci-run-{self.id}".encode()).hexdigest()

    @property
    def display_title(self) -> str:
        return "Build the extension" if self.path == WHEELS_PATH else "Fix the tests"

    @property
    def inputs(self) -> dict[str, str]:
        return {"runner": "ubuntu-latest"}  # payloads' fallback; every job names its labels

    def status(self, now: float) -> tuple[str, str | None]:
        return "completed", self.conclusion_

    def conclusion(self) -> str:
        return self.conclusion_

    def last_change(self, now: float) -> float:
        return max(job.end or self.created for job in self.jobs_)

    def jobs(self, now: float) -> list[Job]:
        return self.jobs_


WHEELS_FAILED = (
    CiJob("ubuntu-latest", built=("cp310-manylinux_x86_64", "cp311-manylinux_x86_64")),
    CiJob("ubuntu-24.04-arm", failing="cp310-manylinux_aarch64", failure=AUDITWHEEL_AARCH64),
    CiJob("macos-13", failing="cp311-macosx_x86_64", failure=DELOCATE_X86_64),
    CiJob("macos-15", built=("cp310-macosx_arm64", "cp311-macosx_arm64")),
    CiJob("windows-latest", failure=INVALID_ONLY),
)
WHEELS_GREEN = (
    CiJob("ubuntu-latest", built=("cp310-manylinux_x86_64",)),
    CiJob("ubuntu-24.04-arm", built=("cp310-manylinux_aarch64",)),
)


def _seed(repo: str) -> int:
    return int(hashlib.sha1(f"ci:{repo}".encode()).hexdigest()[:6], 16)


def ci_runs(repo: str, clock: Clock) -> list[CiRun]:
    """The repository's CI history, newest first: ids from 20,000,000,000 up (the debug
    workflow's runs start at 21,000,000,001), made the same for the same name."""
    base = 20_000_000_000 + _seed(repo) * 10
    now = clock.now()
    plans = [
        (base + 3, 41, "Build wheels", WHEELS_PATH, now - 2 * 3600, WHEELS_FAILED),
        (base + 2, 40, "Tests", TESTS_PATH, now - 3 * 3600, None),
        (base + 1, 39, "Build wheels", WHEELS_PATH, now - 26 * 3600, WHEELS_GREEN),
    ]
    runs = []
    for run_id, number, title, path, created, jobs in plans:
        run = CiRun(run_id, number, repo, title, path, created, clock, "failure")
        if jobs is None:
            steps = [Step("Set up job", 2), Step("Run pytest", 40), Step("Complete job", 1)]
            job = Job(run_id * 100 + 1, "test", steps, labels=["ubuntu-latest"])
            run.jobs_.append(job)
            _play(run, job, [("Run pip install -e . && pytest", ["1 failed, 212 passed"])],
                  failed=True)  # fmt: skip
        else:
            for index, planned in enumerate(jobs, 1):
                _add_wheel_job(run, run_id * 100 + index, planned)
            if all(job.conclusion == "success" for job in run.jobs_):
                run.conclusion_ = "success"
        runs.append(run)
    return runs


def _add_wheel_job(run: CiRun, job_id: int, planned: CiJob) -> None:
    steps = [Step("Set up job", 3), Step("Run actions/checkout@v5", 2),
             Step("Run pypa/cibuildwheel@v4.2.0", 240), Step("Complete job", 1)]  # fmt: skip
    job = Job(job_id, f"Build wheels on {planned.runner}", steps, labels=[planned.runner])
    body: list[str] = [f"cibuildwheel version {CIBUILDWHEEL_VERSION}", ""]
    for ident in planned.built:
        body += [f"Building {ident} wheel", f"✓ {ident} finished in 2 minutes", ""]
    if planned.failing:
        body += [f"Building {planned.failing} wheel", "Setting up build environment...",
                 "Building wheel...", "Repairing wheel..."]  # fmt: skip
    if planned.failure:
        body += planned.failure.splitlines()
    run.jobs_.append(job)
    _play(run, job, [("actions/checkout@v5", ["Syncing repository"]),
                     ("pypa/cibuildwheel@v4.2.0", body)],
          failed=planned.failure is not None)  # fmt: skip


def _play(run: CiRun, job: Job, logged: list[tuple[str, list[str]]], failed: bool) -> None:
    """Time the job's steps from its run's start, and write its log."""
    t = run.created + 5
    job.start, job.runner_name = t, f"GitHub Actions {job.id % 1000}"
    for step in job.steps:
        step.start, step.end, step.conclusion = t, t + (step.duration or 1), "success"
        t = step.end
    job.end = t
    job.conclusion = "failure" if failed else "success"
    if failed:
        job.steps[-2].conclusion = "failure"
        logged[-1][1].append("##[error]Process completed with exit code 1.")
    moment: datetime = run.clock.moment(job.start)
    run.logs[job.id] = buildlogs.job_log(moment, logged)
