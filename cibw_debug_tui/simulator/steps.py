"""The debug workflow's jobs and steps as the simulator plays them: read from the bundled
workflow (github.com's or GHES's variant) by the contract's names, each with how long it takes,
when it runs, and what happens when it fails."""

from __future__ import annotations

from dataclasses import dataclass, field

from cibw_debug_tui import bundled
from cibw_debug_tui.core import workflow_contract as contract


@dataclass
class Step:
    name: str
    duration: float | None  # None: an SSH session, until continue, quit or timeout
    # "always", "ssh", "ssh-before", "ssh-after", "emulated", "failure", "session-id"
    when: str = "always"
    stage: str | None = None
    # "step", "open", "publish", "wait", "build", "publish-buildlog", "upload-logs", "upload-wheels"
    kind: str = "step"
    uploads: bool = False  # with actions/upload-artifact (which a server may refuse)
    continue_on_error: bool = False  # its failure does not fail the job
    always: bool = False  # it runs after a failure of the job too (`if: always()`)
    # Filled in by the plan:
    start: float | None = None
    end: float | None = None
    conclusion: str | None = None


@dataclass
class Job:
    id: int
    name: str
    steps: list[Step]
    start: float | None = None
    end: float | None = None
    conclusion: str | None = None
    runner_name: str | None = None
    labels: list[str] = field(default_factory=list)
    attempt: int = 1  # the run attempt it ran in (a job that succeeded keeps its own)


def debug_steps(variant: str = contract.GITHUB_COM) -> list[Step]:
    """The debug job's steps, named as in the bundled workflow (with expressions filled later)."""
    durations = {
        "Check out the repository": 2,
        "Set up Python for cibuildwheel": 6,
        "Set up QEMU for the emulated architecture": 9,
        "Prepare the build settings and the environment report": 20,
        contract.HELPER_STEP: 1,
        contract.BUILDLOG_STEP: 2,
        contract.LOGS_STEP: 3,
        contract.WHEELS_STEP: 3,
        contract.REPORT_STEP: 1,
    }
    kinds = {
        contract.BUILDLOG_STEP: "publish-buildlog",
        contract.LOGS_STEP: "upload-logs",
        contract.WHEELS_STEP: "upload-wheels",
    }
    when_stage = {contract.BEFORE_BUILD: "ssh-before", contract.AFTER_FAILURE: "ssh-after"}
    steps = [Step("Set up job", 3)]
    for raw in bundled.workflow(variant)["jobs"]["debug"]["steps"]:
        name = raw["name"]
        stage = contract.step_stage(name)
        if name.startswith(contract.BUILD_STEP_PREFIX):
            steps.append(Step(name, 90, kind="build"))
        elif stage is not None:
            # Opening installs tmate (after the build, after a failure) and reaches tmate.io.
            staged: dict[str, tuple[str, float | None]] = {
                contract.open_step(stage): ("open", 15),
                contract.publish_step(stage): ("publish", 2),
                contract.claude_step(stage): ("step", 15),
                contract.session_step(stage): ("wait", None),
            }
            kind, duration = staged[name]
            steps.append(Step(name, duration, kind=kind, when=when_stage[stage], stage=stage))
        else:
            when = {contract.HELPER_STEP: "ssh", contract.BUILDLOG_STEP: "failure"}.get(name)
            when = when or ("emulated" if "QEMU" in name else "always")
            steps.append(
                Step(name, durations.get(name, 2), when=when, kind=kinds.get(name, "step"))
            )
        added = steps[-1]
        added.uploads = raw.get("uses", "").startswith("actions/upload-artifact@")
        added.continue_on_error = raw.get("continue-on-error", False) is True
        added.always = "always()" in raw.get("if", "")
    steps += [
        Step("Post Set up Python for cibuildwheel", 1, always=True),
        Step("Post Check out the repository", 1, always=True),
        Step("Complete job", 1, always=True),
    ]
    return steps


def validate_steps(variant: str = contract.GITHUB_COM) -> list[Step]:
    """The validate job's steps, as in the bundled workflow."""
    when = {contract.SESSION_ID_STEP: "session-id"}
    named = bundled.workflow(variant)["jobs"]["validate"]["steps"]
    middle = [Step(s["name"], 2, when=when.get(s["name"], "always")) for s in named]
    return [Step("Set up job", 2), *middle, Step("Complete job", 1)]
