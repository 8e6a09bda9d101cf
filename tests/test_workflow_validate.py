"""The workflow's first step: it must give the matrix's answer for every combination."""

import json
import subprocess
import sys

import pytest
from workflow_harness import load_workflow, run_script, run_validate, step

from cibw_debug_tui.core import matrix
from cibw_debug_tui.core import workflow_contract as contract

# Beyond the grid: retired and unknown labels, other platforms' arch names, odd cases.
EXTRA_CASES = [
    *((label, "cp312", "x86_64") for label in matrix.RETIRED),
    ("ubuntu-latest-16-cores", "cp312", "x86_64"),
    ("self-hosted", "cp312", "x86_64"),
    ("ubuntu-latest", "cp312", "arm64"),
    ("ubuntu-latest", "cp312", "AMD64"),
    ("ubuntu-latest", "cp312", "x86"),
    ("ubuntu-latest", "cp312", "X86_64"),
    ("ubuntu-24.04-arm", "cp312", "ARM64"),
    ("macos-latest", "cp312", "aarch64"),
    ("macos-latest", "cp312", "ARM64"),
    ("macos-15-intel", "cp312", "x64"),
    ("windows-latest", "cp312", "x86_64"),
    ("windows-latest", "cp312", "amd64"),
    ("windows-latest", "cp312", "i686"),
    ("windows-11-arm", "cp312", "arm64"),
    ("windows-11-arm", "cp312", "aarch64"),
    ("windows-latest", "cp312", "sparc"),
    ("ubuntu-latest", "cp38", "x86_64"),
    ("ubuntu-latest", "cp36", "x86_64"),
    ("ubuntu-latest", "cp313t", "x86_64"),
    ("ubuntu-latest", "pp310", "x86_64"),
    ("ubuntu-latest", "3.12", "x86_64"),
    ("ubuntu-latest", "", "x86_64"),
    ("", "cp312", "x86_64"),
    ("ubuntu-latest", "cp312", ""),
]


def one_per_host_and_arch() -> list[dict]:
    """From `cibw-debug-tui matrix --json` (the real command), one combination for each (OS,
    host CPU, arch), with the CPython rotating: every kind of answer, valid or not. The step
    runs copies of the matrix's own code (test_workflow_contract checks they are current), so
    this checks the step's wiring, not the rules again."""
    out = subprocess.run(
        [sys.executable, "-m", "cibw_debug_tui", "matrix", "--json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    picked: dict[tuple, dict] = {}
    for combo in json.loads(out):
        host = matrix.RUNNERS_BY_LABEL[combo["runner"]]
        key = (host.os, host.cpu, combo["arch"])
        if key not in picked and combo["python"] == matrix.PYTHONS[len(picked) % 9].tag:
            picked[key] = combo
    return list(picked.values())


def test_validation_step_gives_the_matrix_answer(tmp_path):
    cases = [(c["runner"], c["python"], c["arch"], c) for c in one_per_host_and_arch()]
    cases += [(r, p, a, matrix.check(r, p, a).to_json()) for r, p, a in EXTRA_CASES]
    assert len(cases) >= 50
    assert {c[3]["build"] for c in cases} == {"native", "emulated", "cross-compiled", None}
    disagreements = []
    for i, (runner, python, arch, expected) in enumerate(cases):
        result = run_validate(tmp_path / str(i), RUNNER_LABEL=runner, PYTHON_TAG=python, ARCH=arch)
        if expected["valid"]:
            got = (result.returncode, result.outputs.get("identifier"), result.outputs.get("build"))
            want = (0, expected["identifier"], expected["build"])
            settings = dict(line.split("=", 1) for line in result.outputs["settings"].splitlines())
            if got != want or settings != expected["settings"]:
                disagreements.append((runner, python, arch, got, want, settings))
        elif result.returncode != 1 or result.error_line != expected["reason"]:
            disagreements.append((runner, python, arch, result.error_line, expected["reason"]))
    assert disagreements == []


@pytest.mark.parametrize(
    ("mode", "before", "after"),
    [
        ("before-build", "true", "false"),
        ("after-failure", "false", "true"),
        ("always", "true", "true"),
        ("disabled", "false", "false"),
    ],
)
def test_debug_modes_choose_the_sessions(tmp_path, mode, before, after):
    result = run_validate(tmp_path, DEBUG_MODE=mode)
    assert result.returncode == 0, result.stderr
    assert (result.outputs["ssh-before"], result.outputs["ssh-after"]) == (before, after)


@pytest.mark.parametrize(
    ("inputs", "words"),
    [
        ({"DEBUG_MODE": "sometimes"}, "debug-mode must be"),
        ({"SESSION_TIMEOUT": "61"}, "from 1 to 60"),
        ({"SESSION_TIMEOUT": "0"}, "from 1 to 60"),
        ({"SESSION_TIMEOUT": "30m"}, "from 1 to 60"),
        ({"SESSION_TIMEOUT": "$(id)"}, "from 1 to 60"),
        ({"PACKAGE_DIR": "../other"}, "relative path inside the repository"),
        ({"PACKAGE_DIR": "/etc"}, "relative path inside the repository"),
        ({"PACKAGE_DIR": "src/../../x"}, "relative path inside the repository"),
        ({"PACKAGE_DIR": "-rf"}, "relative path inside the repository"),
        ({"EXTRA_SETTINGS": "CIBW_SKIP=*"}, "not valid JSON"),
        ({"EXTRA_SETTINGS": '["CIBW_SKIP"]'}, "must be a JSON object"),
        ({"EXTRA_SETTINGS": '{"PATH": "/tmp"}'}, "only set CIBW_* variables"),
        ({"EXTRA_SETTINGS": '{"CIBW_ARCHS": "all"}'}, "cannot change CIBW_ARCHS"),
        ({"EXTRA_SETTINGS": '{"CIBW_BUILD": "*"}'}, "cannot change CIBW_BUILD"),
        ({"EXTRA_SETTINGS": '{"CIBW_TEST_SKIP": "a\\nPATH=/evil"}'}, "must be on one line"),
        ({"EXTRA_SETTINGS": '{"CIBW_TEST_SKIP": ["x"]}'}, "must be a string"),
        ({"EXTRA_SETTINGS": '{"CIBW_BUILD_VERBOSITY_LINUX": "0"}'}, "cannot change"),
        ({"EXTRA_SETTINGS": '{"CIBW_BUILD_VERBOSITY_MACOS": "0"}'}, "cannot change"),
        ({"EXTRA_SETTINGS": '{"CIBW_BUILD_VERBOSITY_WINDOWS": "0"}'}, "cannot change"),
        ({"EXTRA_SETTINGS": '{"CIBW_ARCHS_LINUX": "all"}'}, "cannot change"),
        ({"EXTRA_SETTINGS": '{"CIBW_DEBUG_KEEP_CONTAINER": "0"}'}, "cannot change"),
        ({"SESSION_ID": "abc]def"}, "session-id must be"),
        ({"SESSION_ID": "a" * 65}, "session-id must be"),
    ],
)
def test_bad_inputs_fail_fast_with_one_clear_line(tmp_path, inputs, words):
    result = run_validate(tmp_path, **inputs)
    assert result.returncode == 1
    assert words in result.error_line
    assert result.outputs == {}


def test_prerelease_pythons_need_no_enable_and_a_persons_enable_is_kept(tmp_path):
    # cibuildwheel 4.2.0 builds cp315 by default; CIBW_ENABLE is the person's to set.
    result = run_validate(tmp_path, PYTHON_TAG="cp315t", EXTRA_SETTINGS='{"CIBW_ENABLE": "pypy"}')
    assert result.returncode == 0, result.stderr
    lines = result.outputs["settings"].splitlines()
    assert lines[0] == "CIBW_BUILD=cp315t-manylinux_x86_64"
    assert [line for line in lines if line.startswith("CIBW_ENABLE")] == ["CIBW_ENABLE=pypy"]


def test_session_timeout_is_normalised(tmp_path):
    result = run_validate(tmp_path, SESSION_TIMEOUT="08")
    assert result.returncode == 0 and result.outputs["session-timeout"] == "8"


def test_extra_settings_are_appended_after_the_fixed_ones(tmp_path):
    extra = {"CIBW_BEFORE_ALL_LINUX": "yum install -y libffi-devel", "CIBW_TEST_SKIP": "*"}
    result = run_validate(tmp_path, EXTRA_SETTINGS=json.dumps(extra))
    assert result.returncode == 0, result.stderr
    lines = result.outputs["settings"].splitlines()
    assert lines[0] == "CIBW_BUILD=cp312-manylinux_x86_64"
    assert lines[-2:] == [
        "CIBW_BEFORE_ALL_LINUX=yum install -y libffi-devel",
        "CIBW_TEST_SKIP=*",
    ]


@pytest.mark.parametrize(
    "hostile",
    ['"; curl x | sh; "', "$(id)", "`id`", "x\n::set-output name=os::pwned", "a'b\"c"],
)
def test_hostile_inputs_are_data_not_code(tmp_path, hostile):
    canary = tmp_path / "canary"
    payload = hostile.replace("curl x | sh", f"touch {canary}").replace("id", f"touch {canary}")
    for field in ("RUNNER_LABEL", "PYTHON_TAG", "ARCH", "DEBUG_MODE", "PACKAGE_DIR"):
        result = run_validate(tmp_path / field, **{field: payload})
        assert result.returncode == 1
        assert not canary.exists()
        # A workflow command can only start at the start of a line: none may be smuggled in.
        commands = [line for line in result.stdout.splitlines() if line.startswith("::")]
        assert len(commands) == 1 and commands[0].startswith("::error title=Invalid inputs::")
    value = json.dumps({"CIBW_TEST_SKIP": payload.replace("\n", " ")})
    result = run_validate(tmp_path / "extra", EXTRA_SETTINGS=value)
    assert result.returncode == 0 and not canary.exists()


# -- one debug run per session id ----------------------------------------------------------


def runs(*runs: tuple[int, str]) -> str:
    """A page of GET .../workflows/{file}/runs, as (id, display_title) pairs."""
    items = [
        {"id": i, "display_title": t, "html_url": f"https://github.com/o/r/actions/runs/{i}"}
        for i, t in runs
    ]
    return json.dumps({"total_count": len(items), "workflow_runs": items})


def run_session_check(tmp_path, **env: str):
    base = {
        "SESSION_ID": "5b7c2e1a9d3f",
        "GH_TOKEN": "ghs_fake",
        "GITHUB_RUN_ID": "500",
        "GITHUB_REPOSITORY": "octo/pkg",
        "GITHUB_WORKFLOW_REF": "octo/pkg/.github/workflows/cibuildwheel-debug.yml@refs/heads/main",
    }
    script = step("validate", contract.SESSION_ID_STEP)["run"]
    return run_script(script, {**base, **env}, tmp_path)


TITLE = "cibuildwheel debug cp312 x86_64 on ubuntu-latest (after-failure) [5b7c2e1a9d3f]"


def test_the_first_run_of_a_session_goes_on(tmp_path):
    listed = runs((500, TITLE), (501, TITLE), (450, TITLE.replace("5b7c", "0000")), (400, "x"))
    result = run_session_check(tmp_path, FAKE_RUNS=listed)
    assert result.returncode == 0, result.stdout + result.stderr
    call = (tmp_path / "state" / "gh.log").read_text()
    assert call.startswith(
        "api --paginate repos/octo/pkg/actions/workflows/cibuildwheel-debug.yml/"
    )
    assert "event=workflow_dispatch" in call and "created=%3E%3D" in call


def test_a_second_run_of_the_same_session_is_refused(tmp_path):
    listed = runs((501, TITLE), (500, TITLE), (480, TITLE))
    result = run_session_check(tmp_path, FAKE_RUNS=listed)
    assert result.returncode == 1
    assert "::error title=Session already used::Session 5b7c2e1a9d3f belongs to" in result.stdout
    assert "actions/runs/480" in result.stdout


def test_when_runs_cannot_be_listed_the_run_is_refused(tmp_path):
    result = run_session_check(tmp_path, FAKE_GH_FAIL="1")
    assert result.returncode == 1
    assert "::error title=Session check failed::" in result.stdout and "HTTP 502" in result.stdout


def test_session_check_runs_only_with_a_session_id_and_never_side_by_side():
    workflow = load_workflow()
    check = step("validate", contract.SESSION_ID_STEP)
    assert check["if"] == "inputs.session-id != ''"
    names = [s["name"] for s in workflow["jobs"]["validate"]["steps"]]
    assert names.index(contract.CHECK_STEP) < names.index(contract.SESSION_ID_STEP)
    assert workflow["concurrency"]["cancel-in-progress"] is False
    assert "inputs.session-id" in workflow["concurrency"]["group"]
    assert workflow["jobs"]["validate"]["permissions"] == {"actions": "read"}


def test_on_ghes_the_session_check_asks_that_server(tmp_path):
    listed = runs((500, TITLE))
    result = run_session_check(tmp_path, FAKE_RUNS=listed, GITHUB_SERVER_URL="https://ghes.example")
    assert result.returncode == 0, result.stdout + result.stderr
    env = (tmp_path / "state" / "gh-env").read_text().splitlines()
    assert "GH_HOST=ghes.example" in env and "GH_ENTERPRISE_TOKEN=ghs_fake" in env
