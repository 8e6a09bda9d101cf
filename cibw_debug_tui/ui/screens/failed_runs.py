"""`f`: start from a failed CI run. The repository's recent failed runs of workflows that use
cibuildwheel, then the chosen run's failed jobs; choosing a job reads its log and answers what
to dispatch (core/from_run.py), which the app puts in the form.

Names of runs and jobs come from GitHub: they are shown as plain text on one line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from cibw_debug_tui.core import from_run
from cibw_debug_tui.core.github import GitHubError
from cibw_debug_tui.core.safe_text import one_line

if TYPE_CHECKING:
    from pathlib import Path

    from cibw_debug_tui.core.github import GitHub
    from cibw_debug_tui.core.models import CiJob, CiRun

KEYS = "enter choose    esc back"


def _when(created_at: str) -> str:
    return created_at.replace("T", " ")[:16] if created_at else ""


class FailedRunsScreen(ModalScreen["from_run.FromRun | None"]):
    """Failed runs, then a run's failed jobs; dismissed with what the chosen job says."""

    BINDINGS = [Binding("escape", "back", "Back", id="back-from-runs")]

    def __init__(self, github: GitHub, repo: str, log_dir: Path) -> None:
        super().__init__()
        self.github = github
        self.repo = repo
        self.log_dir = log_dir
        self.runs: list[CiRun] = []
        self.jobs: list[CiJob] = []
        self.run_id: int | None = None  # the run whose jobs are listed
        self.known: dict[str, bool] = {}  # workflow file -> uses cibuildwheel

    def compose(self) -> ComposeResult:
        with Vertical(id="failed-runs"):
            yield Static(Text(f"Failed CI runs of {self.repo}", style="bold"), id="runs-title")
            yield Static("Looking for failed runs of workflows that use cibuildwheel…",
                         id="runs-said", classes="explain")  # fmt: skip
            yield OptionList(id="runs-list")
            yield Static(KEYS, id="runs-keys", classes="explain")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self._load_runs()

    def _say(self, words: str | Text) -> None:
        self.query_one("#runs-said", Static).update(words)

    @work(group="failed-runs", exclusive=True, exit_on_error=False)
    async def _load_runs(self) -> None:
        try:
            self.runs = await from_run.failed_runs(self.github, self.repo, self.known)
        except GitHubError as error:
            self._say(Text(f"✗ Could not list the runs: {one_line(str(error))}", style="red"))
            return
        self._show_runs()

    def _show_runs(self) -> None:
        self.run_id = None
        self.query_one("#runs-title", Static).update(
            Text(f"Failed CI runs of {self.repo}", style="bold")
        )
        listed = self.query_one(OptionList)
        listed.clear_options()
        if not self.runs:
            self._say("No recent failed run of a workflow that uses cibuildwheel.")
            return
        self._say("Choose the run whose failure you want to debug.")
        for run in self.runs:
            words = Text.assemble(
                ("✗ ", "red"), (one_line(run["name"]), "bold"),
                f"  {one_line(run['display_title'])}  ·  {one_line(run['head_branch'])}  ·  "
                f"{_when(run['created_at'])}  ·  run {run['id']}",
            )  # fmt: skip
            listed.add_option(Option(words, id=f"run-{run['id']}"))
        listed.highlighted = 0

    @work(group="failed-runs", exclusive=True, exit_on_error=False)
    async def _load_jobs(self, run_id: int) -> None:
        self._say("Reading the run's jobs…")
        try:
            self.jobs = await from_run.failed_jobs(self.github, self.repo, run_id)
        except GitHubError as error:
            self._say(Text(f"✗ Could not read its jobs: {one_line(str(error))}", style="red"))
            return
        self.run_id = run_id
        self.query_one("#runs-title", Static).update(
            Text(f"Failed jobs of run {run_id}", style="bold")
        )
        listed = self.query_one(OptionList)
        listed.clear_options()
        self._say("Choose the job: its runner, CPython and arch go into the form.")
        for job in self.jobs:
            labels = ", ".join(one_line(label) for label in job["labels"][:3])
            words = Text.assemble(("✗ ", "red"), one_line(job["name"]), (f"  ({labels})", "dim"))
            listed.add_option(Option(words, id=f"job-{job['id']}"))
        listed.highlighted = 0

    @work(group="failed-runs", exclusive=True, exit_on_error=False)
    async def _resolve(self, job_id: int) -> None:
        assert self.run_id is not None
        self._say("Reading the job's log…")
        try:
            found = await from_run.from_run(
                self.github, self.repo, self.run_id, job_id, self.log_dir
            )
        except (GitHubError, from_run.FromRunError) as error:
            self._say(Text(f"✗ {one_line(str(error))}", style="red"))
            return
        self.dismiss(found)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        kind, _, number = (event.option.id or "").partition("-")
        if kind == "run":
            self._load_jobs(int(number))
        elif kind == "job":
            self._resolve(int(number))

    def action_back(self) -> None:
        if self.run_id is not None:
            self._show_runs()
        else:
            self.dismiss(None)
