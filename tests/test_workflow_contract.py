"""One source of truth: the workflow agrees with cibw_debug_tui.core.workflow_contract on every
name the client and the simulator rely on, its validate step runs current copies of the core
modules, and the simulator publishes what the workflow publishes."""

import copy
import io
import itertools
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from workflow_harness import GHES_WORKFLOW, ROOT, WORKFLOW, load_workflow

from cibw_debug_tui import bundled
from cibw_debug_tui.core import matrix
from cibw_debug_tui.core import workflow_contract as contract
from cibw_debug_tui.simulator import published
from cibw_debug_tui.simulator.runs import Clock, Run, check_inputs

sys.path.insert(0, str(ROOT / "scripts"))
import generate_workflow

ATTEMPT = "${{ github.run_attempt }}"
IDENTIFIER = "${{ needs.validate.outputs.identifier }}"


def contract_violations(workflow: dict, variant: str = contract.GITHUB_COM) -> list[str]:
    """Every way the parsed workflow (of `variant`) departs from the contract, in words."""
    found = []

    def expect(what: str, got: object, want: object) -> None:
        if got != want:
            found.append(f"{what}: the workflow has {got!r}, the contract {want!r}")

    titles = {
        contract.GITHUB_COM: contract.WORKFLOW_TITLE,
        contract.GHES: contract.GHES_WORKFLOW_TITLE,
    }
    expect("workflow name", workflow["name"], titles[variant])
    inputs = workflow["on"]["workflow_dispatch"]["inputs"]
    expect("input names", list(inputs), list(contract.INPUT_DEFAULTS))
    if len(inputs) > 10:
        found.append(f"{len(inputs)} inputs: GitHub Enterprise Server accepts 10")
    for name, spec in inputs.items():
        expect(
            f"default of {name}", str(spec.get("default", "")), contract.INPUT_DEFAULTS.get(name)
        )
        options = contract.INPUT_OPTIONS.get(name)
        expect(f"type of {name}", spec["type"], "choice" if options else "string")
        expect(f"options of {name}", tuple(spec.get("options", ())) or None, options)
    if "[${{ inputs.session-id }}]" not in workflow["run-name"]:
        found.append("the run-name does not carry [session-id]")

    validate = workflow["jobs"]["validate"]
    expect("validate job name", validate["name"], contract.VALIDATE_JOB)
    checks = {s["name"]: s for s in validate["steps"]}
    check = checks.get(contract.CHECK_STEP, {})
    expect("check step id", check.get("id"), "check")
    expect(
        "check step env",
        check.get("env"),
        {var: f"${{{{ inputs.{name} }}}}" for name, var in contract.CHECK_STEP_ENV.items()},
    )
    if contract.SESSION_ID_STEP not in checks:
        found.append(f"no step {contract.SESSION_ID_STEP!r} in the validate job")

    steps = {s["name"]: s for s in workflow["jobs"]["debug"]["steps"]}
    builds = [name for name in steps if name.startswith(contract.BUILD_STEP_PREFIX)]
    expect("build steps", builds, [f"{contract.BUILD_STEP_PREFIX}{IDENTIFIER} with cibuildwheel"])
    fixed = (contract.HELPER_STEP, contract.BUILDLOG_STEP, contract.LOGS_STEP)
    for name in (*fixed, contract.WHEELS_STEP, contract.REPORT_STEP):
        if name not in steps:
            found.append(f"no step {name!r} in the debug job")
    for stage in contract.STAGES:
        named = (contract.open_step, contract.publish_step, contract.claude_step)
        for name in [f(stage) for f in named] + [contract.session_step(stage)]:
            if name not in steps:
                found.append(f"no step {name!r} in the debug job")
        opener = steps.get(contract.open_step(stage), {})
        if not opener.get("run", "").endswith(f'ssh-session.sh" open {stage}'):
            found.append(f"{contract.open_step(stage)!r} does not open the {stage} session")
        publisher = steps.get(contract.publish_step(stage), {})
        if variant == contract.GHES:  # a check run (tests/test_workflow_ssh.py runs it)
            expect(f"{stage} publish env", publisher.get("env"),
                   {"GH_TOKEN": "${{ github.token }}", "STAGE": stage})  # fmt: skip
            if "/check-runs" not in publisher.get("run", ""):
                found.append(f"{contract.publish_step(stage)!r} makes no check run")
            continue
        publish = publisher.get("with", {})
        expect(f"{stage} artifact", publish.get("name"), contract.ssh_artifact(stage, ATTEMPT))
        expect(
            f"{stage} connection file",
            Path(publish.get("path", "")).name,
            contract.connection_file(stage),
        )
    uploads = {
        contract.BUILDLOG_STEP: contract.buildlog_artifact(ATTEMPT),
        contract.LOGS_STEP: contract.logs_artifact(IDENTIFIER, ATTEMPT),
        contract.WHEELS_STEP: contract.wheels_artifact(IDENTIFIER, ATTEMPT),
    }
    for name, artifact in uploads.items():
        expect(f"artifact of {name!r}", steps.get(name, {}).get("with", {}).get("name"), artifact)
    prepare = steps.get("Prepare the build settings and the environment report", {})
    pins = [w for w in prepare.get("run", "").split() if w.startswith("cibuildwheel==")]
    expect("cibuildwheel version", pins, [f"cibuildwheel=={contract.CIBUILDWHEEL_VERSION}"])
    helper = steps.get(contract.HELPER_STEP, {}).get("run", "")
    for word in (f'"format": {contract.CONNECTION_FORMAT},', f'"$bin/{contract.REBUILD_COMMAND}"'):
        if word not in helper:
            found.append(f"the helper does not write {word}")
    statuses = {
        line.split()[1]
        for line in helper.splitlines()
        for call in ("give_up ", "write_connection ")
        if line.strip().startswith(call) and not line.strip().startswith(call + '"$1"')
    }
    if not statuses <= set(contract.CONNECTION_STATUSES):
        found.append(f"connection statuses {sorted(statuses)} beyond the contract's")
    return found


def test_the_workflow_keeps_the_contract():
    assert contract_violations(load_workflow()) == []


def test_the_ghes_variant_keeps_the_contract_with_the_same_steps():
    ghes = load_workflow(GHES_WORKFLOW)
    assert contract_violations(ghes, contract.GHES) == []
    workflow = load_workflow()
    for job in ("validate", "debug"):
        names = [s["name"] for s in workflow["jobs"][job]["steps"]]
        assert [s["name"] for s in ghes["jobs"][job]["steps"]] == names
    assert contract_violations(workflow, contract.GHES) != []  # it does tell them apart


def without_cp315t(workflow):
    options = workflow["on"]["workflow_dispatch"]["inputs"]["python"]["options"]
    options.remove("cp315t")


def renamed_publish_step(workflow):
    step = next(s for s in workflow["jobs"]["debug"]["steps"] if s.get("id") == "ssh-after")
    step["name"] = "Open SSH (after failure)"


def renamed_artifact(workflow):
    step = next(
        s for s in workflow["jobs"]["debug"]["steps"] if s["name"] == contract.BUILDLOG_STEP
    )
    step["with"]["name"] = "build-log"


def eleventh_input(workflow):
    inputs = workflow["on"]["workflow_dispatch"]["inputs"]
    for i in range(3):
        inputs[f"extra-{i}"] = {"type": "string", "default": ""}


def new_status(workflow):
    helper = next(s for s in workflow["jobs"]["debug"]["steps"] if s.get("id") == "helper")
    helper["run"] += '\ngive_up broken "reason"\n'


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (without_cp315t, "options of python"),
        (renamed_publish_step, "no step 'Open the SSH session (after the failure)'"),
        (renamed_artifact, "artifact of 'Publish the build log'"),
        (eleventh_input, "GitHub Enterprise Server accepts 10"),
        (new_status, "beyond the contract's"),
    ],
)
def test_a_workflow_that_drifts_from_the_contract_is_caught(change, words):
    workflow = copy.deepcopy(load_workflow())
    change(workflow)
    assert any(words in v for v in contract_violations(workflow)), contract_violations(workflow)


# -- the validate step is generated from the core modules ----------------------------------


def test_the_generated_validate_step_and_ghes_variant_are_current():
    text = WORKFLOW.read_text(encoding="utf-8")
    assert generate_workflow.regenerate(text, generate_workflow.read_sources()) == text
    assert generate_workflow.ghes_variant(text) == GHES_WORKFLOW.read_text(encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, ROOT / "scripts" / "generate_workflow.py", "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout


def test_the_validate_step_carries_the_modules_verbatim():
    steps = load_workflow()["jobs"]["validate"]["steps"]
    run = next(s for s in steps if s.get("id") == "check")["run"]
    for path, source in generate_workflow.read_sources().items():
        assert f"cat >\"$root/{path}\" <<'CIBW_DEBUG_SOURCE'\n{source}CIBW_DEBUG_SOURCE\n" in run


def test_a_changed_matrix_makes_the_step_out_of_date():
    text = WORKFLOW.read_text(encoding="utf-8")
    sources = generate_workflow.read_sources()
    path = "cibw_debug_tui/core/matrix.py"
    sources[path] = sources[path].replace('Python("cp315t", ', 'Python("cp316t", ')
    fresh = generate_workflow.regenerate(text, sources)
    assert fresh != text and 'Python("cp316t", ' in fresh
    # ...and regenerating is idempotent.
    assert generate_workflow.regenerate(fresh, sources) == fresh


def test_the_generator_refuses_what_yaml_or_the_heredoc_would_break():
    text = WORKFLOW.read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="heredoc"):
        generate_workflow.regenerate(text, {"a.py": "x = 1\nCIBW_DEBUG_SOURCE\n"})
    with pytest.raises(ValueError, match="trailing"):
        generate_workflow.regenerate(text, {"a.py": "x = 1  \n"})
    with pytest.raises(ValueError, match="BEGIN"):
        generate_workflow.regenerate("jobs: {}\n", generate_workflow.read_sources())


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("name: Debug cibuildwheel with SSH\n", "name: Debug\n", "name: Debug cibuildwheel"),
        ("      contents: read\n", "      contents: write\n", "contents: read"),
        ("      - name: Publish the SSH connection (before the build)\n",
         "      - name: Publish it\n", "Publish the SSH connection (before the build)"),
        ("/connection-after-failure.json", "/other.json", "must upload the connection file"),
        ("        if-no-files-found: ignore\n", "        if-no-files-found: ignore\n"
         "      - uses: actions/upload-artifact@" + "0" * 40 + " # v7.0.0\n", "not 3"),
    ],
)  # fmt: skip
def test_the_ghes_variant_is_never_derived_from_a_workflow_it_does_not_expect(old, new, words):
    text = WORKFLOW.read_text(encoding="utf-8")
    assert text.count(old) == 1
    with pytest.raises(ValueError, match=re.escape(words)):
        generate_workflow.ghes_variant(text.replace(old, new))


# -- the contract's own check, for every combination ----------------------------------------


def test_check_dispatch_gives_the_matrix_answer_for_every_combination():
    for combo in matrix.all_combinations():
        inputs = {
            **contract.INPUT_DEFAULTS,
            "runner": combo.runner,
            "python": combo.python,
            "arch": combo.arch,
        }
        if combo.valid:
            checked = contract.check_dispatch(inputs)
            assert checked.combination == combo and checked.settings == combo.settings
        else:
            with pytest.raises(contract.InputError) as error:
                contract.check_dispatch(inputs)
            assert str(error.value) == combo.reason


@pytest.mark.parametrize(("mode", "stages"), list(contract.DEBUG_MODES.items()))
def test_every_debug_mode_is_accepted_with_its_sessions(mode, stages):
    checked = contract.check_dispatch({**contract.INPUT_DEFAULTS, "debug-mode": mode})
    assert checked.stages == stages


# -- the client and the simulator take their names from it ---------------------------------


def test_the_client_uses_the_contracts_names():
    from cibw_debug_tui import cli
    from cibw_debug_tui.core import connection, github, session
    from cibw_debug_tui.simulator import payloads
    from cibw_debug_tui.ui.screens import dispatch
    from cibw_debug_tui.ui.widgets import ssh

    assert github.WORKFLOW_FILE == bundled.WORKFLOW_NAME == contract.WORKFLOW_FILE
    assert contract.WORKFLOW_PATH.endswith("/" + contract.WORKFLOW_FILE)
    assert payloads.workflow("a", "w", "o/r", contract.WORKFLOW_PATH)["name"] == (
        contract.WORKFLOW_TITLE
    )
    assert connection.STAGES == contract.STAGES
    assert {m.value for m in session.DebugMode} == set(contract.DEBUG_MODES)
    assert session.SessionSpec("o/r", "r", "p", "a").debug_mode == contract.DEFAULT_DEBUG_MODE
    assert set(ssh.EXPECTATIONS) == set(session.DebugMode)
    assert set(dispatch.MODES) == set(contract.DEBUG_MODES)
    assert dispatch.MODES[0] == contract.DEFAULT_DEBUG_MODE
    for stage in contract.STAGES:
        name = contract.ssh_artifact(stage, 3)
        assert connection.stage_of_artifact(name) == stage
        assert contract.step_stage(contract.session_step(stage)) == stage
        assert contract.step_stage(contract.publish_step(stage)) == stage
        spec = session.SessionSpec("o/r", "r", "p", "a", session.DebugMode(stage))
        assert (spec.ssh_before, spec.ssh_after) == (
            stage == contract.BEFORE_BUILD,
            stage == contract.AFTER_FAILURE,
        )
    assert contract.step_stage(contract.BUILDLOG_STEP) is None
    assert connection.stage_of_artifact(contract.buildlog_artifact(1)) is None
    args = cli.build_parser().parse_args(["dispatch", "--runner", "r", "--python", "p",
                                          "--arch", "a"])  # fmt: skip
    assert args.debug_mode == contract.DEFAULT_DEBUG_MODE


def simulated_run(scenario: str, mode: str = "after-failure") -> Run:
    inputs, error = check_inputs(
        {"runner": "ubuntu-latest", "python": "cp312", "arch": "x86_64", "debug-mode": mode}
    )
    assert error is None
    clock = Clock()
    return Run(1, 1, "octo/pkg", "main", inputs, "octocat", scenario, clock.now(), clock,
               itertools.count(1))  # fmt: skip


def test_the_simulator_runs_the_workflows_steps():
    run = simulated_run("build-failure")
    run.plan()
    workflow = bundled.workflow()["jobs"]
    ident = run.combo.identifier
    want = [s["name"].replace(IDENTIFIER, ident) for s in workflow["debug"]["steps"]]
    assert [s.name for s in run.debug.steps][1:-3] == want
    assert [s.name for s in run.validate.steps][1:-1] == [
        s["name"] for s in workflow["validate"]["steps"]
    ]


def test_the_simulator_publishes_the_build_log_before_the_session_opens():
    run = simulated_run("build-failure")
    artifacts = {a.name: a for a in published.artifacts(run, run.clock.now() + 24 * 3600)}
    buildlog = artifacts[contract.buildlog_artifact(1)]
    session = artifacts[contract.ssh_artifact(contract.AFTER_FAILURE, 1)]
    assert buildlog.created < session.created
    with zipfile.ZipFile(io.BytesIO(buildlog.content)) as archive:
        assert archive.namelist() == [contract.BUILD_LOG_FILE]
        log = archive.read(contract.BUILD_LOG_FILE).decode()
    assert log == published.build_log(run) and "fatal error" in log
    assert f"cibuildwheel version {contract.CIBUILDWHEEL_VERSION}" in log


def test_a_simulated_build_that_succeeds_publishes_no_build_log():
    run = simulated_run("success", mode="always")
    names = {a.name for a in published.artifacts(run, run.clock.now() + 24 * 3600)}
    assert contract.buildlog_artifact(1) not in names
    assert contract.ssh_artifact(contract.BEFORE_BUILD, 1) in names


def test_the_simulator_plays_the_ghes_variant_and_publishes_what_it_publishes():
    inputs, _ = check_inputs({"runner": "ubuntu-latest", "python": "cp312", "arch": "x86_64",
                              "debug-mode": "always"})  # fmt: skip
    clock = Clock()
    run = Run(7, 1, "octo/pkg", "main", inputs, "octocat", "build-failure", clock.now(), clock,
              itertools.count(1), variant=contract.GHES, on_ghes=True)  # fmt: skip
    run.plan()
    ident = run.combo.identifier
    steps = bundled.workflow(contract.GHES)["jobs"]["debug"]["steps"]
    assert [s.name for s in run.debug.steps][1:-3] == [
        s["name"].replace(IDENTIFIER, ident) for s in steps
    ]
    later = clock.now() + 24 * 3600
    checks = published.connection_checks(run, later)
    assert [c.name for c in checks] == [contract.ssh_check_run(7, s, 1) for s in contract.STAGES]
    names = {a.name for a in published.artifacts(run, later)}
    assert not any(name.startswith(contract.SSH_ARTIFACT_PREFIX) for name in names)
    assert contract.buildlog_artifact(1) in names
