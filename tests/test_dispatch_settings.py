"""`dispatch --settings-from`: the installed command against the simulator, which serves the
"Build wheels" workflow in every repository; what it says and what the run is sent."""

import json

import pytest
from test_commands import TOKEN, run

from cibw_debug_tui.simulator.server import Simulator

pytestmark = pytest.mark.e2e

LINUX = ["dispatch", "--repo", "octo/pkg", "--runner", "ubuntu-latest", "--python", "cp312",
         "--arch", "x86_64", "--debug-mode", "disabled"]  # fmt: skip
INHERITED = {
    "CIBW_TEST_REQUIRES": "pytest",
    "CIBW_TEST_COMMAND": "pytest {project}/tests -x",
    "CIBW_BUILD_FRONTEND": "build",
    "CIBW_BEFORE_ALL_LINUX": "yum install -y libffi-devel",
}


@pytest.fixture
def sim():
    with Simulator(speed=300) as simulator:
        yield simulator


def sent(sim) -> dict:
    [dispatched] = sim.runs.values()
    text = dispatched.inputs["cibw-settings"]
    return json.loads(text) if text else {}


def contents_requests(sim) -> int:
    return sum(n for path, n in sim.stats()["by_path"].items() if "/contents" in path)


def test_auto_sends_the_main_builds_settings_and_says_where_each_comes_from(sim, tmp_path):
    proc = run(tmp_path, *LINUX, "--api-url", sim.api_url)
    assert proc.returncode == 0, proc.stderr
    assert sent(sim) == INHERITED
    out = proc.stdout
    assert (
        "settings of the main build (octo/pkg at main): .github/workflows/wheels.yml"
        " job build_wheels, because it builds cp312-manylinux_x86_64" in out
    )
    assert "CIBW_TEST_REQUIRES = pytest   (.github/workflows/wheels.yml, workflow env)" in out
    assert (
        "CIBW_BEFORE_ALL_LINUX = yum install -y libffi-devel   (.github/workflows/"
        'wheels.yml, job build_wheels, env of step "Build wheels")' in out
    )
    assert "set by the debug workflow instead: CIBW_SKIP, CIBW_BUILD_VERBOSITY, output-dir" in out
    assert "needs your attention (not sent):\n" in out
    assert "CIBW_ENVIRONMENT: its value" in out and "secrets.PRIVATE_INDEX_URL" in out
    assert "pyproject.toml [tool.cibuildwheel], read by cibuildwheel on the runner:" in out
    assert out.index("settings of the main build") < out.index("dispatched ")


def test_json_first_event_lists_what_is_sent_with_the_persons_own_over_it(sim, tmp_path):
    own = {"CIBW_TEST_COMMAND": "pytest -k one", "CIBW_TEST_SKIP": "*"}
    proc = run(tmp_path, *LINUX, "--api-url", sim.api_url, "--json", "--cibw-settings",
               json.dumps(own), "--without", "CIBW_BUILD_FRONTEND")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    first = json.loads(proc.stdout.splitlines()[0])
    expected = {**INHERITED, **own}
    del expected["CIBW_BUILD_FRONTEND"]
    assert first["event"] == "settings" and first["cibw_settings"] == expected == sent(sim)
    shown = {s["name"]: s for s in first["settings"]}
    assert shown["CIBW_TEST_COMMAND"] == {**shown["CIBW_TEST_COMMAND"], "inherited": False,
        "source": "--cibw-settings", "replaces": "pytest {project}/tests -x"}  # fmt: skip
    assert shown["CIBW_TEST_REQUIRES"]["inherited"] is True
    assert first["turned_off"] == ["CIBW_BUILD_FRONTEND"]
    assert first["main_build"]["job"] == "build_wheels"
    assert [a["name"] for a in first["attention"]] == ["CIBW_ENVIRONMENT"]
    assert first["package_dir"] == "." and first["problems"] == []


def test_none_sends_only_the_persons_own_and_reads_no_file(sim, tmp_path):
    proc = run(tmp_path, *LINUX, "--api-url", sim.api_url, "--settings-from", "none",
               "--cibw-settings", '{"CIBW_TEST_SKIP": "*"}')  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert sent(sim) == {"CIBW_TEST_SKIP": "*"} and contents_requests(sim) == 0
    assert "only those of --cibw-settings" in proc.stdout


def test_a_local_workflow_file_gives_the_settings_and_the_package_dir(sim, tmp_path):
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "wheels.yml").write_text(
        "on: push\njobs:\n  w:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: pipx run cibuildwheel src/pkg\n        env:\n"
        "          CIBW_BEFORE_BUILD: make clean\n"
    )
    proc = run(tmp_path, *LINUX, "--api-url", sim.api_url,
               "--settings-from", ".github/workflows/wheels.yml")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert sent(sim) == {"CIBW_BEFORE_BUILD": "make clean"} and contents_requests(sim) == 0
    [dispatched] = sim.runs.values()
    assert dispatched.inputs["package-dir"] == "src/pkg"


def test_too_large_own_settings_are_refused_before_any_request(sim, tmp_path):
    huge = json.dumps({"CIBW_ENVIRONMENT": "X=" + "y" * 70_000})
    proc = run(tmp_path, *LINUX, "--api-url", sim.api_url, "--cibw-settings", huge)
    assert proc.returncode == 2
    assert (
        "GitHub accepts at most 65,535" in proc.stderr and "CIBW_ENVIRONMENT (70,002" in proc.stderr
    )
    assert sim.stats()["requests"] == 0


def test_too_large_inherited_settings_are_refused_before_the_dispatch(sim, tmp_path):
    sim.repo_files["octo/big"] = {".github/workflows/w.yml": (
        "on: push\njobs:\n  w:\n    runs-on: ubuntu-latest\n    env:\n"
        f"      CIBW_BEFORE_ALL: echo {'z' * 66_000}\n"
        "    steps:\n      - uses: pypa/cibuildwheel@v4.2.0\n")}  # fmt: skip
    args = [a if a != "octo/pkg" else "octo/big" for a in LINUX]
    proc = run(tmp_path, *args, "--api-url", sim.api_url)
    assert proc.returncode == 2, proc.stderr
    assert "the settings cannot be sent" in proc.stderr and "CIBW_BEFORE_ALL (66,005" in proc.stderr
    assert not sim.runs and not any("dispatches" in p for p in sim.stats()["by_path"])


def test_a_repository_without_workflows_is_dispatched_with_a_note(sim, tmp_path):
    sim.repo_files["octo/bare"] = {"pyproject.toml": "[project]\nname = 'bare'\n"}
    args = [a if a != "octo/pkg" else "octo/bare" for a in LINUX]
    proc = run(tmp_path, *args, "--api-url", sim.api_url)
    assert proc.returncode == 0, proc.stderr
    assert "no main build found in octo/bare at main" in proc.stdout
    assert "note: octo/bare at main has no .github/workflows folder" in proc.stdout
    assert sent(sim) == {}


@pytest.mark.parametrize(
    ("flags", "said"),
    [
        (["--without", "cibw_x"], "--without cibw_x: not a CIBW_* name"),
        (["--cibw-settings", "[1]"], "--cibw-settings: --cibw-settings must be a JSON object"),
        (["--cibw-settings", '{"CIBW_BUILD": "cp3*"}'], "the debug workflow sets CIBW_BUILD"),
        (["--settings-from", "missing.yml"], "--settings-from: missing.yml is not a file"),
    ],
)
def test_bad_flags_are_one_line_before_any_request(sim, tmp_path, flags, said):
    proc = run(tmp_path, *LINUX, "--api-url", sim.api_url, *flags)
    assert proc.returncode == 2 and said in proc.stderr and proc.stderr.count("\n") == 1
    assert sim.stats()["requests"] == 0


def test_a_token_that_cannot_read_files_is_told_the_way_out(sim, tmp_path):
    sim.inject("status", path="/contents/", status=403)
    proc = run(tmp_path, *LINUX, "--api-url", sim.api_url)
    assert proc.returncode == 1
    assert "Contents: read" in proc.stderr and "--settings-from PATH" in proc.stderr
    assert not sim.runs and TOKEN not in proc.stderr
