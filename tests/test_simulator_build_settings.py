"""The wheel workflow and pyproject.toml the simulator serves give the settings a maintainer
expects, for a Linux and a macOS combination; both ship with the package."""

from importlib.resources import files

from cibw_debug_tui.core.build_settings import extract
from cibw_debug_tui.core.matrix import check

DATA = files("cibw_debug_tui.simulator") / "data"
WORKFLOWS = {".github/workflows/build-wheels.yml": (DATA / "build-wheels.yml").read_text()}
PYPROJECT = (DATA / "pyproject.toml").read_text()


def test_linux_gets_workflow_job_step_and_matrix_settings_and_not_the_secret():
    result = extract(WORKFLOWS, check("ubuntu-latest", "cp312", "x86_64"), PYPROJECT)
    assert result.chosen.job == "build_wheels" and result.chosen.runner == "ubuntu-latest"
    assert result.values == {
        "CIBW_TEST_REQUIRES": "pytest",
        "CIBW_TEST_COMMAND": "pytest {project}/tests -x",
        "CIBW_BUILD_FRONTEND": "build",
        "CIBW_BEFORE_ALL_LINUX": "yum install -y libffi-devel",
    }
    levels = {s.name: s.source.level for s in result.settings}
    assert levels == {
        "CIBW_TEST_REQUIRES": "workflow",
        "CIBW_TEST_COMMAND": "workflow",
        "CIBW_BUILD_FRONTEND": "job",
        "CIBW_BEFORE_ALL_LINUX": "step",
    }
    assert {o.name for o in result.overridden} == {
        "CIBW_SKIP",
        "CIBW_BUILD_VERBOSITY",
        "output-dir",
    }
    [secret] = result.attention
    assert secret.name == "CIBW_ENVIRONMENT"
    assert "secrets.PRIVATE_INDEX_URL" in secret.reason
    assert [s.name for s in result.other_platforms] == ["CIBW_ENVIRONMENT_MACOS"]
    assert result.package_dir == "." and result.problems == ()
    shown = {o.name: (o.value, o.table, o.superseded_by) for o in result.pyproject}
    assert shown["before-all"][:2] == ("yum install -y zlib-devel", "[tool.cibuildwheel.linux]")
    assert shown["before-all"][2].startswith("CIBW_BEFORE_ALL_LINUX from")
    assert shown["environment"] == ('CFLAGS="-O2 -g0"', "[tool.cibuildwheel.linux]", "")
    assert shown["build-verbosity"][2] == "the debug workflow"


def test_macos_gets_its_matrix_value_and_the_override_for_free_threading():
    result = extract(WORKFLOWS, check("macos-15", "cp314t", "arm64"), PYPROJECT)
    assert result.chosen.matrix == (("os", '"macos-15"'), ("deployment-target", '"11.0"'))
    assert result.values["CIBW_ENVIRONMENT_MACOS"] == "MACOSX_DEPLOYMENT_TARGET=11.0"
    assert "CIBW_BEFORE_ALL_LINUX" in {s.name for s in result.other_platforms}
    shown = {o.name: o for o in result.pyproject}
    assert shown["test-command"].value == (
        "pytest {project}/tests && python -c 'import sys; assert not sys._is_gil_enabled()'"
    )
    assert shown["test-command"].table.startswith("[[tool.cibuildwheel.overrides]] #2")
    assert "before-all" not in shown  # the Linux table does not apply
    windows = extract(WORKFLOWS, check("windows-latest", "cp313", "AMD64"), PYPROJECT)
    assert "MACOSX" not in str(windows.values)
    assert windows.chosen.runner == "windows-latest"
