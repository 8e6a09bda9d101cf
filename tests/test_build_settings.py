"""The rules that turn a repository's wheel workflow into the debug build's settings, one by one,
and the refusals: what cannot be known before the main build runs is never copied."""

import json
import re

import pytest
import yaml

from cibw_debug_tui.core import workflow_contract as contract
from cibw_debug_tui.core.build_settings import (
    FIXED,
    MAX_INPUTS_CHARS,
    PROTECTED,
    SettingsError,
    extract,
    one_line,
    settings_input,
)
from cibw_debug_tui.core.build_settings.choice import selects
from cibw_debug_tui.core.build_settings.doubts import older_than_4
from cibw_debug_tui.core.build_settings.run_scripts import find_invocation
from cibw_debug_tui.core.build_settings.strategy import expand_matrix
from cibw_debug_tui.core.matrix import all_combinations, check

LINUX = check("ubuntu-latest", "cp312", "x86_64")
ARM_LINUX = check("ubuntu-24.04-arm", "cp313", "aarch64")
MAC = check("macos-15", "cp312", "arm64")
WINDOWS = check("windows-latest", "cp311", "AMD64")


def workflow(text: str) -> dict[str, str]:
    return {".github/workflows/wheels.yml": text}


BASIC = """
name: Build wheels
on: [push]
env:
  CIBW_TEST_COMMAND: pytest {project}/tests
jobs:
  build_wheels:
    runs-on: ${{ matrix.os }}
    strategy:
      matrix:
        os: [ubuntu-latest, ubuntu-24.04-arm, windows-latest, macos-15]
    env:
      CIBW_TEST_REQUIRES: pytest
      CIBW_TEST_COMMAND: pytest {project}/tests -x
    steps:
      - uses: actions/checkout@v5
      - name: Build wheels
        uses: pypa/cibuildwheel@v4.2.0
        env:
          CIBW_BEFORE_ALL_LINUX: yum install -y libffi-devel
          CIBW_ENVIRONMENT_MACOS: MACOSX_DEPLOYMENT_TARGET=11.0
          CIBW_BUILD_VERBOSITY: 1
          CIBW_SKIP: "*-musllinux_*"
        with:
          package-dir: src/pkg
          output-dir: dist
"""


def by_name(items):
    return {item.name: item for item in items}


def test_settings_come_from_workflow_job_and_step_env_with_their_source():
    result = extract(workflow(BASIC), LINUX)
    assert result.values == {
        "CIBW_TEST_COMMAND": "pytest {project}/tests -x",
        "CIBW_TEST_REQUIRES": "pytest",
        "CIBW_BEFORE_ALL_LINUX": "yum install -y libffi-devel",
    }
    settings = by_name(result.settings)
    assert settings["CIBW_TEST_COMMAND"].source.level == "job"  # the job's env wins
    assert settings["CIBW_BEFORE_ALL_LINUX"].source.level == "step"
    assert settings["CIBW_BEFORE_ALL_LINUX"].source.step == '"Build wheels"'
    assert str(settings["CIBW_TEST_REQUIRES"].source) == (
        ".github/workflows/wheels.yml, job build_wheels, job env"
    )
    assert result.chosen.job == "build_wheels" and result.chosen.runner == "ubuntu-latest"
    assert result.package_dir == "src/pkg"
    assert result.pyproject_path == "src/pkg/pyproject.toml"
    assert [s.name for s in result.other_platforms] == ["CIBW_ENVIRONMENT_MACOS"]
    assert result.problems == ()


def test_what_the_debug_workflow_fixes_is_shown_as_overridden_not_sent():
    result = extract(workflow(BASIC), LINUX)
    overridden = by_name(result.overridden)
    assert set(overridden) == {"CIBW_BUILD_VERBOSITY", "CIBW_SKIP", "output-dir"}
    assert overridden["CIBW_SKIP"].reason == "the debug build builds exactly cp312-manylinux_x86_64"
    assert overridden["output-dir"].value == "dist"
    assert not set(result.values) & set(FIXED)


def test_the_fixed_names_cover_what_the_workflow_refuses_and_sets():
    """The workflow's validate step runs the contract module (a test in test_workflow_contract.py
    holds the step to it): what it refuses and what it sets for every combination is fixed."""
    assert PROTECTED == contract.PROTECTED_SETTINGS
    set_by_workflow = {name for combo in all_combinations() for name in combo.settings}
    assert set_by_workflow <= set(FIXED)
    assert set(FIXED) == PROTECTED


def test_the_runner_picks_the_matrix_entry():
    mac = extract(workflow(BASIC), MAC)
    assert mac.chosen.runner == "macos-15"
    assert "CIBW_ENVIRONMENT_MACOS" in mac.values
    assert "CIBW_BEFORE_ALL_LINUX" not in mac.values
    assert by_name(mac.other_platforms)["CIBW_BEFORE_ALL_LINUX"].value.startswith("yum")
    arm = extract(workflow(BASIC), ARM_LINUX)
    assert arm.chosen.matrix == (("os", '"ubuntu-24.04-arm"'),)


MATRIX = """
jobs:
  wheels:
    runs-on: ${{ matrix.buildplat[0] }}
    strategy:
      matrix:
        buildplat:
          - [ubuntu-22.04, manylinux_x86_64, ""]
          - [ubuntu-22.04, musllinux_x86_64, ""]
          - [macos-14, macosx_arm64, accelerate]
          - [windows-2022, win_amd64, ""]
        python: [cp311, cp312]
        exclude:
          - buildplat: [windows-2022, win_amd64, ""]
            python: cp311
        include:
          - buildplat: [macos-14, macosx_arm64, accelerate]
            deployment: "14.0"
    steps:
      - uses: pypa/cibuildwheel@v4.2.0
        env:
          CIBW_BUILD: ${{ matrix.python }}-${{ matrix.buildplat[1] }}
          CIBW_ENVIRONMENT_MACOS: MACOSX_DEPLOYMENT_TARGET=${{ matrix.deployment || '11.0' }}
          CIBW_CONFIG_SETTINGS: setup-args=-Dblas=${{ matrix.buildplat[2] || 'openblas' }}
"""


def test_matrix_values_are_resolved_for_the_entry_that_builds_the_identifier():
    linux = extract(workflow(MATRIX), LINUX)
    assert linux.chosen.matrix == (
        ("buildplat", '["ubuntu-22.04", "manylinux_x86_64", ""]'),
        ("python", '"cp312"'),
    )
    assert "it builds cp312-manylinux_x86_64" in linux.chosen.why
    assert "runs on ubuntu-22.04, not ubuntu-latest" in linux.chosen.why
    assert linux.values == {"CIBW_CONFIG_SETTINGS": "setup-args=-Dblas=openblas"}
    setting = by_name(linux.settings)["CIBW_CONFIG_SETTINGS"]
    assert setting.written == "setup-args=-Dblas=${{ matrix.buildplat[2] || 'openblas' }}"
    mac = extract(workflow(MATRIX), MAC)
    assert mac.values["CIBW_ENVIRONMENT_MACOS"] == "MACOSX_DEPLOYMENT_TARGET=14.0"
    assert mac.values["CIBW_CONFIG_SETTINGS"] == "setup-args=-Dblas=accelerate"
    assert "macos-14 was retired; macos-15 replaces it" in mac.chosen.why


def test_no_entry_building_the_identifier_is_said_and_the_closest_is_used():
    result = extract(workflow(MATRIX), check("ubuntu-latest", "cp313", "x86_64"))
    assert result.chosen.matrix[0] == ("buildplat", '["ubuntu-22.04", "manylinux_x86_64", ""]')
    assert any(
        p.startswith("no cibuildwheel job builds cp313-manylinux_x86_64") for p in result.problems
    )
    excluded = extract(workflow(MATRIX), check("windows-latest", "cp311", "AMD64"))
    assert "does not select cp311-win_amd64" in excluded.chosen.why  # the exclude held


def test_entries_that_fit_equally_but_differ_are_named():
    text = """
jobs:
  w:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        include:
          - {image: manylinux_2_28}
          - {image: manylinux2014}
    steps:
      - uses: pypa/cibuildwheel@v4
        env:
          CIBW_MANYLINUX_X86_64_IMAGE: ${{ matrix.image }}
"""
    result = extract(workflow(text), LINUX)
    assert result.values == {"CIBW_MANYLINUX_X86_64_IMAGE": "manylinux_2_28"}
    assert any("2 jobs or matrix entries fit equally well" in p for p in result.problems)
    assert any('image="manylinux2014"' in p for p in result.problems)


def test_github_include_and_exclude_rules():
    matrix = {
        "fruit": ["apple", "pear"],
        "animal": ["cat", "dog"],
        "include": [
            {"color": "green"},
            {"color": "pink", "animal": "cat"},
            {"fruit": "apple", "shape": "circle"},
            {"fruit": "banana"},
            {"fruit": "banana", "animal": "cat"},
        ],
    }
    assert expand_matrix(matrix) == [  # the example of GitHub's documentation
        {"fruit": "apple", "animal": "cat", "color": "pink", "shape": "circle"},
        {"fruit": "apple", "animal": "dog", "color": "green", "shape": "circle"},
        {"fruit": "pear", "animal": "cat", "color": "pink"},
        {"fruit": "pear", "animal": "dog", "color": "green"},
        {"fruit": "banana"},
        {"fruit": "banana", "animal": "cat"},
    ]
    assert expand_matrix({"os": ["a", "b"], "exclude": [{"os": "a"}]}) == [{"os": "b"}]
    assert expand_matrix(None) == [{}]


SECRETS = """
env:
  CIBW_ENVIRONMENT: TOKEN=${{ secrets.PRIVATE_INDEX_TOKEN }}
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - id: v
        run: echo "v=1" >> "$GITHUB_OUTPUT"
      - uses: pypa/cibuildwheel@v4.2.0
        env:
          CIBW_BEFORE_BUILD: pip install -r ${{ vars.REQUIREMENTS }}
          CIBW_TEST_COMMAND: pytest --version=${{ steps.v.outputs.v }}
          CIBW_TEST_SKIP: ${{ github.event_name == 'pull_request' && '*' || '' }}
          CIBW_REPAIR_WHEEL_COMMAND: ${{ needs.setup.outputs.repair }}
          CIBW_DEPENDENCY_VERSIONS: ${{ env.PINS }}
          CIBW_TEST_REQUIRES: pytest
"""


def test_run_time_values_are_never_copied_and_say_why():
    result = extract(workflow(SECRETS), LINUX)
    assert result.values == {"CIBW_TEST_REQUIRES": "pytest"}
    reasons = {a.name: a.reason for a in result.attention}
    assert reasons["CIBW_ENVIRONMENT"] == (
        "its value reads the secret secrets.PRIVATE_INDEX_TOKEN, which is never copied"
    )
    assert "configuration variable vars.REQUIREMENTS" in reasons["CIBW_BEFORE_BUILD"]
    assert "earlier step (steps.v)" in reasons["CIBW_TEST_COMMAND"]
    assert "event that started the main build (github.event_name)" in reasons["CIBW_TEST_SKIP"]
    assert "another job (needs.setup)" in reasons["CIBW_REPAIR_WHEEL_COMMAND"]
    assert "reads env.PINS" in reasons["CIBW_DEPENDENCY_VERSIONS"]
    written = {a.name: a.written for a in result.attention}
    assert written["CIBW_ENVIRONMENT"] == "TOKEN=${{ secrets.PRIVATE_INDEX_TOKEN }}"


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("pipx run cibuildwheel==2.16.2 --platform linux", {"--platform": "linux"}),
        ("python -m cibuildwheel --output-dir wheelhouse sub/dir", {"--output-dir": "wheelhouse"}),
        ("uvx --from 'cibuildwheel==4.1.1' cibuildwheel --archs=aarch64", {"--archs": "aarch64"}),
        (
            "set -e\nCIBW_BUILD='cp3*' cibuildwheel --only cp312-win32 2>&1 | tee log",
            {"--only": "cp312-win32"},
        ),
        ('cmd //c "env.cmd && python.exe -m cibuildwheel . --output-dir w"', {"--output-dir": "w"}),
        ("cibuildwheel \\\n  --platform macos", {"--platform": "macos"}),
    ],
)
def test_cibuildwheel_is_found_in_run_scripts(script, expected):
    found = find_invocation(script)
    assert found is not None and found.options == expected


@pytest.mark.parametrize(
    "script",
    [
        "pip install cibuildwheel==2.22.0",
        "python -m pip install -U cibuildwheel",
        "pipx install cibuildwheel",
        "cibuildwheel --print-build-identifiers --platform linux | jq -R .",
        "echo cibuildwheel is great",
    ],
)
def test_installing_or_listing_is_not_building(script):
    assert find_invocation(script) is None


RUN = """
jobs:
  linux:
    runs-on: ubuntu-24.04
    steps:
      - name: Install cibuildwheel
        run: python -m pip install cibuildwheel==2.22.0
      - name: Prepare libraries
        run: ./ci/build-deps.sh
      - name: Build
        run: |
          export CIBW_ENVIRONMENT="CFLAGS=-O2"
          CIBW_BEFORE_BUILD="ls {project}" python -m cibuildwheel --platform linux \\
            --output-dir dist --config-file ci/cibw.toml pkg/
"""


def test_the_command_line_gives_settings_a_package_dir_and_overrides():
    result = extract(workflow(RUN), LINUX)
    assert result.values == {"CIBW_ENVIRONMENT": "CFLAGS=-O2", "CIBW_BEFORE_BUILD": "ls {project}"}
    assert by_name(result.settings)["CIBW_BEFORE_BUILD"].source.level == "run"
    assert {o.name for o in result.overridden} == {"--platform", "--output-dir"}
    assert by_name(result.attention)["--config-file"].reason.startswith(
        "the main build reads its configuration from ci/cibw.toml"
    )
    assert result.package_dir == "pkg"
    assert result.chosen.cibuildwheel == "2.22.0"
    assert any("runs cibuildwheel 2.22.0; the debug build runs 4.2.0" in p for p in result.problems)
    assert any('does not: "Prepare libraries"' in p for p in result.problems)


def test_an_unclosed_expression_in_a_run_script_is_never_copied_as_text():
    text = """
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: CIBW_BEFORE_BUILD="make ${{ matrix.target" CIBW_TEST_COMMAND=pytest cibuildwheel
"""
    result = extract(workflow(text), LINUX)
    assert result.values == {"CIBW_TEST_COMMAND": "pytest"}
    attention = by_name(result.attention)["CIBW_BEFORE_BUILD"]
    assert attention.reason == "its value has a ${{ without its closing }}"
    assert attention.written == "make ${{ matrix.target"


def test_several_jobs_the_one_for_the_os_is_chosen_and_the_others_listed():
    text = """
jobs:
  linux:
    runs-on: ubuntu-latest
    steps:
      - uses: pypa/cibuildwheel@v4.2.0
        env: {CIBW_BEFORE_ALL: yum install -y zlib-devel}
  mac:
    runs-on: macos-latest
    steps:
      - uses: pypa/cibuildwheel@v4.2.0
        env: {CIBW_BEFORE_ALL: brew install zlib}
  pyodide:
    runs-on: ubuntu-latest
    steps:
      - uses: pypa/cibuildwheel@v4.2.0
        env: {CIBW_PLATFORM: pyodide}
  sdist:
    runs-on: ubuntu-latest
    steps:
      - run: pipx run build --sdist
"""
    linux = extract(workflow(text), LINUX)
    assert linux.chosen.job == "linux"
    assert linux.values == {"CIBW_BEFORE_ALL": "yum install -y zlib-devel"}
    assert sorted(linux.others) == [
        ".github/workflows/wheels.yml job mac: runs on macos-latest",
        ".github/workflows/wheels.yml job pyodide: builds for pyodide",
    ]
    mac = extract(workflow(text), MAC)
    assert mac.chosen.job == "mac" and mac.values == {"CIBW_BEFORE_ALL": "brew install zlib"}
    assert "macos-latest is the same image as" not in mac.chosen.why  # macos-latest = macos-26
    windows = extract(workflow(text), WINDOWS)
    assert windows.chosen is None
    assert windows.problems == ("no cibuildwheel job can build on windows-latest",)


def test_conditions_known_before_the_run_are_applied():
    text = """
jobs:
  disabled:
    if: false
    runs-on: ubuntu-latest
    steps:
      - uses: pypa/cibuildwheel@v4.2.0
        env: {CIBW_BEFORE_ALL: disabled}
  build:
    runs-on: ${{ matrix.os }}
    strategy:
      matrix:
        os: [ubuntu-latest, windows-latest]
    steps:
      - uses: pypa/cibuildwheel@v4.2.0
        if: runner.os == 'Windows'
        env: {CIBW_BEFORE_ALL: windows}
      - uses: pypa/cibuildwheel@v4.2.0
        if: matrix.os == 'ubuntu-latest'
        env: {CIBW_BEFORE_ALL: linux}
"""
    assert extract(workflow(text), LINUX).values == {"CIBW_BEFORE_ALL": "linux"}
    assert extract(workflow(text), WINDOWS).values == {"CIBW_BEFORE_ALL": "windows"}
    assert any("job disabled: its if: is false" in o for o in extract(workflow(text), LINUX).others)


def test_a_matrix_computed_at_run_time_leaves_its_values_to_the_person():
    text = """
jobs:
  build:
    runs-on: ${{ matrix.os }}
    strategy:
      matrix: ${{ fromJSON(needs.plan.outputs.matrix) }}
    steps:
      - uses: pypa/cibuildwheel@v4.2.0
        with: {only: "${{ matrix.only }}"}
        env:
          CIBW_BEFORE_BUILD: ${{ matrix.before }}
          CIBW_TEST_COMMAND: pytest
"""
    result = extract(workflow(text), LINUX)
    assert result.values == {"CIBW_TEST_COMMAND": "pytest"}
    assert (
        "computed while the main build runs"
        in by_name(result.attention)["CIBW_BEFORE_BUILD"].reason
    )
    assert by_name(result.overridden)["only"].value == "${{ matrix.only }}"
    assert "it may build cp312-manylinux_x86_64" in result.chosen.why
    assert any("uses a matrix computed while the main build runs" in p for p in result.problems)


def test_settings_written_to_github_env_at_run_time_need_attention():
    text = """
jobs:
  build:
    runs-on: ${{ matrix.os }}
    strategy:
      matrix:
        os: [ubuntu-latest, macos-15]
    steps:
      - name: Setup macOS
        if: runner.os == 'macOS'
        run: echo "CIBW_ENVIRONMENT_MACOS=TARGET=$(sw_vers -productVersion)" >> "$GITHUB_ENV"
      - name: Setup Linux
        if: runner.os == 'Linux'
        run: |
          CIBW_ENV="CIBW_BEFORE_ALL_LINUX=yum install -y $(cat deps.txt)"
          echo "$CIBW_ENV" >> $GITHUB_ENV
      - uses: pypa/cibuildwheel@v4.2.0
"""
    linux = by_name(extract(workflow(text), LINUX).attention)
    assert set(linux) == {"CIBW_BEFORE_ALL_LINUX"}  # CIBW_ENV is no cibuildwheel option
    assert linux["CIBW_BEFORE_ALL_LINUX"].reason == (
        'is written to $GITHUB_ENV by step "Setup Linux" while the main build runs'
    )
    assert set(by_name(extract(workflow(text), MAC).attention)) == {"CIBW_ENVIRONMENT_MACOS"}


def test_options_cibuildwheel_4_refuses_are_not_sent():
    text = """
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: pypa/cibuildwheel@v2.23.3
        env:
          CIBW_FREE_THREADED_SUPPORT: 1
          CIBW_PRERELEASE_PYTHONS: true
          CIBW_ENABLE: cpython-freethreading pypy
          CIBW_TEST_COMMAND: "{python} -m pytest"
          CIBW_MANYLINUX_X86_64_IMAGE: manylinux2010
          CIBW_MANYLINUX_i686_IMAGE: manylinux2014
          CIBW_FUTURE_OPTION: "1"
"""
    result = extract(workflow(text), LINUX)
    reasons = {a.name: a.reason for a in result.attention}
    assert "removed in cibuildwheel 3" in reasons["CIBW_FREE_THREADED_SUPPORT"]
    assert "CIBW_ENABLE=cpython-prerelease" in reasons["CIBW_PRERELEASE_PYTHONS"]
    assert "{python} or {pip}" in reasons["CIBW_TEST_COMMAND"]
    assert "manylinux2010" in reasons["CIBW_MANYLINUX_X86_64_IMAGE"]
    assert "cibuildwheel reads CIBW_MANYLINUX_I686_IMAGE" in reasons["CIBW_MANYLINUX_i686_IMAGE"]
    enable = by_name(result.settings)["CIBW_ENABLE"]
    assert enable.value == "pypy" and "left out cpython-freethreading" in enable.note
    assert "has no such option" in by_name(result.settings)["CIBW_FUTURE_OPTION"].note
    assert set(result.values) == {"CIBW_ENABLE", "CIBW_FUTURE_OPTION"}


def test_a_prerelease_build_sends_the_main_builds_groups_only():
    """cibuildwheel 4.2 builds the 3.15 release candidates by default: nothing is added."""
    text = """
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: pypa/cibuildwheel@v4.2.0
        env: {CIBW_ENABLE: pypy}
"""
    prerelease = extract(workflow(text), check("ubuntu-latest", "cp315", "x86_64"))
    assert prerelease.values == {"CIBW_ENABLE": "pypy"}
    assert extract(workflow(text), LINUX).values == {"CIBW_ENABLE": "pypy"}


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("CIBW_TEST_COMMAND", "pytest {project}\n", ("pytest {project}", "")),
        ("CIBW_TEST_REQUIRES", "pytest\nnumpy\n", ("pytest numpy", "2 lines joined with spaces")),
        (
            "CIBW_BEFORE_ALL_LINUX",
            "# deps\nyum install -y zlib-devel\nyum install -y libffi-devel\n",
            ("yum install -y zlib-devel && yum install -y libffi-devel", "2 commands joined"),
        ),
        (
            "CIBW_BEFORE_BUILD",
            "set -eux && \\\ncurl -LO https://x/y.tgz &&\n  tar xf y.tgz\n",
            ("set -eux && curl -LO https://x/y.tgz && tar xf y.tgz", "its continued lines"),
        ),
    ],
)
def test_multi_line_values_are_joined_when_that_keeps_their_meaning(name, value, expected):
    text, note = one_line(name, value)
    assert text == expected[0] and note.startswith(expected[1])


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CIBW_BEFORE_ALL", "if [ -f x ]; then\n  make\nfi\n"),
        ("CIBW_BEFORE_ALL", "cat > f <<EOF\nhello\nEOF\n"),
        ("CIBW_BEFORE_ALL", "make # build it\nmake install\n"),
        ("CIBW_BEFORE_ALL", "python -c 'import x\nprint(x)'\n"),
        ("CIBW_CONTAINER_ENGINE", "docker\npodman\n"),
    ],
)
def test_multi_line_values_that_cannot_be_joined_safely_are_refused(name, value):
    from cibw_debug_tui.core.actions_expr import Unresolved

    with pytest.raises(Unresolved, match="lines"):
        one_line(name, value)


PYPROJECT = """
[project]
name = "demo"

[tool.cibuildwheel]
test-command = "pytest {project}/tests"
test-requires = ["pytest", "hypothesis"]
build-verbosity = 1
skip = ["pp*", "*-musllinux_i686"]

[tool.cibuildwheel.linux]
before-all = ["yum install -y zlib-devel", "yum install -y libffi-devel"]
environment = { CFLAGS = "-O2", LDFLAGS = "-s" }

[tool.cibuildwheel.macos]
before-all = "brew install zlib"

[[tool.cibuildwheel.overrides]]
select = "*-musllinux*"
before-all = "apk add zlib-dev"

[[tool.cibuildwheel.overrides]]
select = ["cp312-*", "cp313-*"]
inherit.test-requires = "append"
test-requires = ["numpy"]
"""


def test_pyproject_options_for_the_identifier_with_their_table():
    result = extract(workflow(BASIC), LINUX, PYPROJECT)
    options = by_name(result.pyproject)
    assert options["before-all"].value == (
        "yum install -y zlib-devel && yum install -y libffi-devel"
    )
    assert options["before-all"].table == "[tool.cibuildwheel.linux]"
    assert options["before-all"].superseded_by == (
        "CIBW_BEFORE_ALL_LINUX from .github/workflows/wheels.yml, job build_wheels, "
        'env of step "Build wheels"'
    )
    assert options["environment"].value == 'CFLAGS="-O2" LDFLAGS="-s"'
    assert options["test-requires"].value == "pytest hypothesis numpy"
    assert options["test-requires"].table.startswith("[[tool.cibuildwheel.overrides]] #2")
    assert options["build-verbosity"].superseded_by == "the debug workflow"
    assert options["test-command"].superseded_by.startswith("CIBW_TEST_COMMAND from")
    musl = extract(workflow(BASIC), check("ubuntu-latest", "cp311", "x86_64"), PYPROJECT)
    assert by_name(musl.pyproject)["test-requires"].value == "pytest hypothesis"
    mac = by_name(extract(workflow(BASIC), MAC, PYPROJECT).pyproject)
    assert mac["before-all"].value == "brew install zlib" and "environment" not in mac


def test_pyproject_skipping_the_identifier_is_a_problem():
    pyproject = '[tool.cibuildwheel]\nskip = "cp312-*"\n'
    result = extract(workflow(BASIC), LINUX, pyproject)
    assert any(
        "skips cp312-manylinux_x86_64: the debug build would build nothing" in p
        for p in result.problems
    )


def test_bad_pyproject_is_a_problem_in_words():
    result = extract(workflow(BASIC), LINUX, "[tool.cibuildwheel\nx = 1")
    assert result.chosen is not None
    assert result.problems[0].startswith("pyproject.toml is not valid TOML")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("jobs: [unclosed", "is not valid YAML at line 1"),
        ("- just\n- a list\n", "is not a workflow"),
        ("a: &a [*a]\n", "alias that refers to itself"),
        ("a: 1\n---\nb: 2\n", "is not valid YAML"),
        ("x: " + "[" * 5000 + "]" * 5000, "nested too deeply"),
        ("a: 2026-13-45\n", "value YAML cannot build"),
        ("x" * 1_000_001, "more than 1,000,000"),
    ],
)
def test_unreadable_workflows_are_problems_in_words(text, problem):
    result = extract({"bad.yml": text, **workflow(BASIC)}, LINUX)
    assert any(problem in p for p in result.problems), result.problems
    assert result.chosen.job == "build_wheels"  # the good file still counts


def test_a_yaml_bomb_is_refused():
    bomb = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    bomb += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    result = extract({"bomb.yml": "\n".join(bomb)}, LINUX)
    assert any("through its aliases (a YAML bomb?)" in p for p in result.problems)


def test_yaml_anchors_of_a_real_size_are_fine():
    text = """
x-env: &common
  CIBW_TEST_REQUIRES: pytest
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: pypa/cibuildwheel@v4.2.0
        env: *common
"""
    assert extract(workflow(text), LINUX).values == {"CIBW_TEST_REQUIRES": "pytest"}


def test_no_workflow_with_cibuildwheel():
    result = extract(workflow("jobs:\n  test:\n    runs-on: ubuntu-latest\n    steps: []\n"), LINUX)
    assert result.chosen is None and result.problems == ("no workflow runs cibuildwheel",)


def test_an_invalid_combination_is_a_problem_not_a_crash():
    result = extract(workflow(BASIC), check("macos-13", "cp312", "x86_64"))
    assert result.chosen is None and "retired" in result.problems[0]


def test_a_package_dir_that_is_an_sdist_needs_attention():
    text = """
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: pypa/cibuildwheel@v4.2.0
        with:
          package-dir: dist/pkg-1.0.tar.gz
          extras: uv
"""
    result = extract(workflow(text), LINUX)
    reasons = {a.name: a.reason for a in result.attention}
    assert "not a directory of the repository" in reasons["package-dir"]
    assert "cibuildwheel[uv]" in reasons["extras"]
    assert result.package_dir == "."


def test_other_environment_needs_attention_but_cosmetic_variables_do_not():
    text = """
env:
  FORCE_COLOR: 1
jobs:
  build:
    runs-on: macos-15
    steps:
      - uses: pypa/cibuildwheel@v4.2.0
        env:
          MACOSX_DEPLOYMENT_TARGET: "10.15"
"""
    result = extract(workflow(text), MAC)
    assert [a.name for a in result.attention] == ["MACOSX_DEPLOYMENT_TARGET"]
    assert "CIBW_* settings only" in result.attention[0].reason


@pytest.mark.parametrize(
    ("patterns", "identifier", "expected"),
    [
        ("cp3{12,13}*", "cp313-macosx_x86_64", True),
        ("{cp314,cp315,pp3}*", "cp312-macosx_x86_64", False),
        ("cp314{,t}-manylinux*", "cp314t-manylinux_x86_64", True),
        ("*-musllinux_* pp*", "cp312-manylinux_x86_64", False),
        ("cp31?-*", "cp310-win32", True),
    ],
)
def test_selectors_expand_braces_like_cibuildwheel(patterns, identifier, expected):
    assert selects(patterns, identifier) is expected


def test_settings_input_is_the_json_the_workflow_reads():
    text = settings_input({"CIBW_TEST_SKIP": "*", "CIBW_ENVIRONMENT": 'A="b c"'})
    assert json.loads(text) == {"CIBW_TEST_SKIP": "*", "CIBW_ENVIRONMENT": 'A="b c"'}
    assert settings_input({}) == ""


@pytest.mark.parametrize(
    ("settings", "reason"),
    [
        ({"CIBW_BUILD": "cp312-*"}, "the debug workflow sets CIBW_BUILD itself"),
        ({"PATH": "/x"}, "'PATH' is not a CIBW_* name"),
        ({"CIBW_BEFORE_ALL": "a\nb"}, "must be on one line"),
        ({"CIBW_ALLOW_EMPTY": 1}, "must be text"),
    ],
)
def test_settings_input_refuses_what_the_workflow_would(settings, reason):
    with pytest.raises(SettingsError, match=re.escape(reason)):
        settings_input(settings)


def test_settings_input_refuses_a_payload_over_githubs_limit_before_any_request():
    inputs = {"runner": "ubuntu-latest", "python": "cp312", "arch": "x86_64"}
    fits = {"CIBW_ENVIRONMENT": "x" * (MAX_INPUTS_CHARS - 200)}
    assert settings_input(fits, inputs)
    huge = {"CIBW_ENVIRONMENT": "x" * MAX_INPUTS_CHARS, "CIBW_TEST_SKIP": "*"}
    with pytest.raises(SettingsError) as refused:
        settings_input(huge, inputs)
    assert "GitHub accepts at most 65,535" in str(refused.value)
    assert "CIBW_ENVIRONMENT (65,535 characters)" in str(refused.value)
    quoted = {"CIBW_ENVIRONMENT": '"' * (MAX_INPUTS_CHARS // 3)}  # escaped twice: counted so
    with pytest.raises(SettingsError):
        settings_input(quoted, inputs)


def test_the_result_is_frozen():
    result = extract(workflow(BASIC), LINUX)
    with pytest.raises(AttributeError):
        result.package_dir = "elsewhere"
    assert yaml.safe_dump(result.values)  # plain strings, ready to serialise


@pytest.mark.parametrize(
    ("version", "older"),
    [
        ("v2.23.3", True),
        ("3.4.1", True),
        ("v4.2.0", False),
        (">=3.2.0,<4", True),
        (">=3.2,<4.1", False),
        ("~=3.1", True),
        (">=2", False),
    ],
)
def test_pinned_versions_and_ranges_older_than_4(version, older):
    assert older_than_4(version) is older


def test_preparation_is_what_the_debug_build_cannot_repeat():
    text = """
jobs:
  build:
    runs-on: macos-15
    strategy:
      matrix:
        arch: [x86_64, universal2]
    steps:
      - uses: actions/checkout@v5
      - uses: docker/setup-qemu-action@v3
      - name: Install
        run: |
          python -m pip install -U pip
          python -m pip install "cibuildwheel>=3.2.0,<4"
      - name: Target
        run: echo "MACOSX_DEPLOYMENT_TARGET=11.0" >> "$GITHUB_ENV"
      - run: git fetch --unshallow
      - name: Build
        run: |
          set -eux
          echo building
          cd python && python -m cibuildwheel --output-dir w
        env:
          CIBW_ARCHS: ${{ matrix.arch }}
          CIBW_MANYLINUX_X86_64_IMAGE: ""
"""
    result = extract(workflow(text), MAC)
    assert result.problems == (
        "no cibuildwheel job builds cp312-macosx_arm64: CIBW_ARCHS = 'universal2' does not "
        "build arm64",
        'the main build runs steps before cibuildwheel that the debug build does not: "Target", '
        "#5 (git fetch --unshallow)",
        'step "Build" runs commands before cibuildwheel that the debug build does not: cd python',
        "the main build runs cibuildwheel >=3.2.0,<4; the debug build runs 4.2.0, whose "
        "defaults and options differ",
    )
    assert result.chosen.matrix == (("arch", '"universal2"'),)  # it holds the arm64 slice
    assert result.values == {}  # an empty image setting changes nothing in cibuildwheel
