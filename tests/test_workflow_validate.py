"""The workflow's first step: it must give the matrix's answer for every combination."""

import json
import subprocess
import sys

import pytest
from workflow_harness import run_validate

from cibw_debug_tui.core import matrix

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


def matrix_json() -> list[dict]:
    """What `cibw-debug-tui matrix --json` prints, from the real command."""
    out = subprocess.run(
        [sys.executable, "-m", "cibw_debug_tui", "matrix", "--json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out)


def test_validation_step_agrees_with_matrix_json_for_every_combination(tmp_path):
    cases = [(c["runner"], c["python"], c["arch"], c) for c in matrix_json()]
    cases += [(r, p, a, matrix.check(r, p, a).to_json()) for r, p, a in EXTRA_CASES]
    assert len(cases) > 600
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
    ],
)
def test_bad_inputs_fail_fast_with_one_clear_line(tmp_path, inputs, words):
    result = run_validate(tmp_path, **inputs)
    assert result.returncode == 1
    assert words in result.error_line
    assert result.outputs == {}


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
