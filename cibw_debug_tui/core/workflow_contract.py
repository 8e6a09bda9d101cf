"""What the bundled debug workflow and its clients agree on, in one place.

The workflow (workflow/cibuildwheel-debug.yml) is one file people copy, so it cannot import
anything: tests/test_workflow_contract.py holds it to the names below, and the client and the
simulator import them. Its validate step runs this very module (scripts/generate_workflow.py
copies it and matrix.py into the step), so a dispatch's inputs are checked there exactly as here.
Standard library only: the validate step has nothing else.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import sys
from collections.abc import Mapping
from dataclasses import dataclass

from cibw_debug_tui.core import matrix

WORKFLOW_FILE = "cibuildwheel-debug.yml"
WORKFLOW_PATH = f".github/workflows/{WORKFLOW_FILE}"  # where it lives in a repository
WORKFLOW_TITLE = "Debug cibuildwheel with SSH"  # its `name:`, as GitHub shows it
CIBUILDWHEEL_VERSION = "4.2.0"

# -- dispatch inputs (GitHub Enterprise Server accepts at most 10) ---------------------------

STAGES = ("before-build", "after-failure")  # when an SSH session opens
BEFORE_BUILD, AFTER_FAILURE = STAGES
ALWAYS, DISABLED = "always", "disabled"  # the other debug modes: both sessions, or none
DEBUG_MODES: dict[str, tuple[str, ...]] = {  # debug-mode -> the SSH sessions it opens
    BEFORE_BUILD: (BEFORE_BUILD,),
    AFTER_FAILURE: (AFTER_FAILURE,),
    ALWAYS: STAGES,
    DISABLED: (),
}
DEFAULT_DEBUG_MODE = AFTER_FAILURE
PYTHON_OPTIONS = tuple(p.tag for p in matrix.PYTHONS)

# input -> default, in the workflow's order
INPUT_DEFAULTS = {
    "runner": "ubuntu-latest",
    "python": "cp312",
    "arch": "x86_64",
    "debug-mode": DEFAULT_DEBUG_MODE,
    "session-timeout": "30",
    "package-dir": ".",
    "cibw-settings": "",
    "session-id": "",
}
INPUT_OPTIONS = {"python": PYTHON_OPTIONS, "debug-mode": tuple(DEBUG_MODES)}
# input -> the environment variable the validate step reads it from
CHECK_STEP_ENV = {
    "runner": "RUNNER_LABEL",
    "python": "PYTHON_TAG",
    "arch": "ARCH",
    "debug-mode": "DEBUG_MODE",
    "session-timeout": "SESSION_TIMEOUT",
    "package-dir": "PACKAGE_DIR",
    "cibw-settings": "EXTRA_SETTINGS",
    "session-id": "SESSION_ID",
}
SESSION_ID = re.compile(r"[A-Za-z0-9._-]{0,64}")

# -- jobs, steps and what they publish -------------------------------------------------------

VALIDATE_JOB = "Check the combination"
CHECK_STEP = "Check runner, Python and arch"
SESSION_ID_STEP = "Refuse a second run for this session"
BUILD_STEP_PREFIX = "Build "
BUILDLOG_STEP = "Publish the build log"
LOGS_STEP = "Upload logs"
WHEELS_STEP = "Upload wheels"
REPORT_STEP = "Report the build result"
HELPER_STEP = "Write the SSH session helper"
STAGE_WORDS = {BEFORE_BUILD: "before the build", AFTER_FAILURE: "after the failure"}
OPEN_PREFIX = "Open the SSH session"
PUBLISH_PREFIX = "Publish the SSH connection"
SESSION_STEP_PREFIX = "SSH session ("


def open_step(stage: str) -> str:
    return f"{OPEN_PREFIX} ({STAGE_WORDS[stage]})"


def publish_step(stage: str) -> str:
    return f"{PUBLISH_PREFIX} ({STAGE_WORDS[stage]})"


def claude_step(stage: str) -> str:
    return f"Install Claude Code ({STAGE_WORDS[stage]})"


def session_step(stage: str) -> str:
    return f"{SESSION_STEP_PREFIX}{STAGE_WORDS[stage]})"


def step_stage(step_name: str) -> str | None:
    """The SSH stage a step belongs to, by the "(before the build)" its name ends with."""
    return next((s for s, words in STAGE_WORDS.items() if step_name.endswith(f"({words})")), None)


# Steps after which an SSH connection file is about to appear.
SSH_SETUP_PREFIXES = (HELPER_STEP, OPEN_PREFIX, PUBLISH_PREFIX, BUILDLOG_STEP)
# Steps that create artifacts.
UPLOAD_PREFIXES = (PUBLISH_PREFIX, BUILDLOG_STEP, LOGS_STEP, WHEELS_STEP)

SSH_ARTIFACT_PREFIX = "cibw-debug-ssh-"
BUILDLOG_ARTIFACT_PREFIX = "cibw-debug-buildlog-"
LOGS_ARTIFACT_PREFIX = "cibw-debug-logs-"
WHEELS_ARTIFACT_PREFIX = "cibw-debug-wheels-"
BUILD_LOG_FILE = "build.log"  # in the build log and logs artifacts
REBUILD_COMMAND = "cibw-rebuild"  # in the SSH session: build the identifier again
CONNECTION_FORMAT = 1
CONNECTION_STATUSES = ("open", "refused", "failed")


def ssh_artifact(stage: str, attempt: int | str) -> str:
    return f"{SSH_ARTIFACT_PREFIX}{stage}-attempt-{attempt}"


def buildlog_artifact(attempt: int | str) -> str:
    return f"{BUILDLOG_ARTIFACT_PREFIX}attempt-{attempt}"


def logs_artifact(identifier: str, attempt: int | str) -> str:
    return f"{LOGS_ARTIFACT_PREFIX}{identifier}-attempt-{attempt}"


def wheels_artifact(identifier: str, attempt: int | str) -> str:
    return f"{WHEELS_ARTIFACT_PREFIX}{identifier}-attempt-{attempt}"


def connection_file(stage: str) -> str:
    return f"connection-{stage}.json"


# -- the GitHub Enterprise Server variant ----------------------------------------------------
# GHES refuses upload-artifact v4+ and lists v3's artifacts only once a run has completed, so
# its variant (written by scripts/generate_workflow.py from the workflow) publishes each
# connection file in a check run on the run's commit instead, which a client reads at once.

GITHUB_COM, GHES = "github.com", "ghes"  # the variants, by the server each is for
GHES_WORKFLOW_FILE = "cibuildwheel-debug-ghes.yml"  # as bundled; installed as WORKFLOW_FILE
GHES_WORKFLOW_TITLE = f"{WORKFLOW_TITLE} (GHES)"
SSH_CHECK_RUN_PREFIX = "cibw-debug-ssh "
CHECK_RUN_JSON = ("```json\n", "\n```")  # around the connection file in the output's text


def ssh_check_run(run_id: int | str, stage: str, attempt: int | str) -> str:
    """The check run the GHES variant publishes the `stage` connection of a run attempt in."""
    return f"{SSH_CHECK_RUN_PREFIX}{run_id} {stage} attempt {attempt}"


# -- checking a dispatch, as the validate step does ------------------------------------------

# Settings the workflow sets itself (to build one identifier, verbosely); a platform's own
# variant (CIBW_ARCHS_LINUX...) would override them just as well.
PROTECTED_SETTINGS = frozenset(
    {"CIBW_BUILD", "CIBW_SKIP", "CIBW_PLATFORM", "CIBW_OUTPUT_DIR"}
    | {"CIBW_DEBUG_TRACEBACK", "CIBW_DEBUG_KEEP_CONTAINER"}
    | {
        name + suffix
        for name in ("CIBW_ARCHS", "CIBW_BUILD_VERBOSITY")
        for suffix in ("", "_LINUX", "_MACOS", "_WINDOWS", "_IOS", "_ANDROID", "_PYODIDE")
    }
)


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


class InputError(ValueError):
    """An input the workflow refuses; the message says why in one line."""


@dataclass(frozen=True)
class Dispatch:
    """A dispatch's inputs, checked: what the debug job is told to do."""

    combination: matrix.Combination
    stages: tuple[str, ...]
    session_timeout: int
    package_dir: str
    settings: dict[str, str]  # the matrix's, then the person's extra ones


def extra_settings(text: str) -> dict[str, str]:
    """The `cibw-settings` input: a JSON object of one-line CIBW_* values."""
    if not text.strip():
        return {}
    try:
        settings = json.loads(text)
    except ValueError as error:
        raise InputError(f"cibw-settings is not valid JSON ({error})") from None
    if not isinstance(settings, dict):
        raise InputError('cibw-settings must be a JSON object such as {"CIBW_TEST_SKIP": "*"}')
    checked = {}
    for key, value in settings.items():
        if not re.fullmatch(r"CIBW_[A-Z0-9_]+", key):
            raise InputError(f"cibw-settings may only set CIBW_* variables, not {key!r}")
        if key in PROTECTED_SETTINGS:
            raise InputError(
                f"cibw-settings cannot change {key}: this workflow builds exactly one identifier"
            )
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise InputError(f"cibw-settings value of {key} must be a string")
        if any(c in str(value) for c in "\r\n\0"):
            raise InputError(f"cibw-settings value of {key} must be on one line")
        checked[key] = str(value)
    return checked


def check_dispatch(inputs: Mapping[str, str]) -> Dispatch:
    """Check a dispatch's inputs as the validate step does; InputError says what is wrong."""
    combo = matrix.check(inputs.get("runner", ""), inputs.get("python", ""), inputs.get("arch", ""))
    if not combo.valid:
        raise InputError(combo.reason)
    mode = inputs.get("debug-mode", "")
    if mode not in DEBUG_MODES:
        modes = list(DEBUG_MODES)
        raise InputError(
            f"debug-mode must be {', '.join(modes[:-1])} or {modes[-1]}, not {_quoted(mode)}"
        )
    timeout = inputs.get("session-timeout") or "30"
    if not re.fullmatch(r"[0-9]+", timeout) or not 1 <= int(timeout) <= 60:
        raise InputError(
            f"session-timeout must be a whole number of minutes from 1 to 60, not "
            f"{_quoted(timeout)}"
        )
    package_dir = inputs.get("package-dir") or "."
    if not re.fullmatch(r"[A-Za-z0-9._][A-Za-z0-9._/-]*", package_dir) or ".." in (
        package_dir.split("/")
    ):
        raise InputError(
            f"package-dir must be a relative path inside the repository, not {_quoted(package_dir)}"
        )
    if not SESSION_ID.fullmatch(inputs.get("session-id", "")):
        raise InputError("session-id must be up to 64 letters, digits, dots, dashes, underscores")
    return Dispatch(
        combo,
        DEBUG_MODES[mode],
        int(timeout),
        package_dir,
        {**combo.settings, **extra_settings(inputs.get("cibw-settings", ""))},
    )


def _escape(text: str) -> str:
    """Workflow-command escaping: user text cannot start a command of its own."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def main(environ: Mapping[str, str] = os.environ) -> int:
    """The validate step: check the inputs from the environment, write the step's outputs."""
    try:
        checked = check_dispatch(
            {name: environ.get(var, "") for name, var in CHECK_STEP_ENV.items()}
        )
    except InputError as error:
        print(f"::error title=Invalid inputs::{_escape(str(error))}")
        print(f"error: {error}", file=sys.stderr)
        return 1
    combo = checked.combination
    settings = "\n".join(f"{key}={value}" for key, value in checked.settings.items())
    delimiter = f"EOF_{secrets.token_hex(16)}"
    outputs = {
        "runner": combo.runner,
        "os": combo.os,
        "identifier": combo.identifier,
        "build": combo.build,
        "ssh-before": str(BEFORE_BUILD in checked.stages).lower(),
        "ssh-after": str(AFTER_FAILURE in checked.stages).lower(),
        "session-timeout": str(checked.session_timeout),
        "package-dir": checked.package_dir,
    }
    with open(environ["GITHUB_OUTPUT"], "a", encoding="utf-8") as out:
        out.writelines(f"{key}={value}\n" for key, value in outputs.items())
        out.write(f"settings<<{delimiter}\n{settings}\n{delimiter}\n")
    print(f"{combo.identifier}: {combo.build} build on {combo.runner}, tests {combo.tests}")
    print(settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
