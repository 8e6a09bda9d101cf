"""The main build's files read through the contents API of the simulator (the real client over
loopback), and from a local checkout: what is read, what is left out and why, what it costs."""

import asyncio
import base64
import json

import pytest

from cibw_debug_tui.core.config import Token
from cibw_debug_tui.core.github import GitHub, GitHubError
from cibw_debug_tui.core.main_build import local_build_files, read_build_files
from cibw_debug_tui.core.matrix import check
from cibw_debug_tui.simulator.ci import TESTS_PATH, WHEELS_PATH

TOKEN = Token("ghp_test0000000000000000000000000000000", "test")
REPO = "octo/pkg"
LINUX = check("ubuntu-latest", "cp312", "x86_64")
WHEELS = """
on: push
jobs:
  wheels:
    runs-on: ubuntu-latest
    steps:
      - uses: pypa/cibuildwheel@v4.2.0
        with:
          package-dir: python
        env:
          CIBW_TEST_COMMAND: pytest {package}/tests
"""


def read(sim, repo=REPO, ref="main", combo=LINUX, **kwargs):
    async def go():
        async with GitHub(sim.api_url, TOKEN, backoff=0.01, max_backoff=0.02, **kwargs) as gh:
            files = await read_build_files(gh, repo, ref)
            return files, await files.settings(combo), gh

    return asyncio.run(go())


def test_the_simulated_wheel_workflow_gives_its_settings_and_the_debug_workflow_is_left_out(sim):
    files, settings, _ = read(sim)
    # the CI's two workflows, not cibuildwheel-debug.yml, which it holds too
    assert sorted(files.workflows) == [TESTS_PATH, WHEELS_PATH]
    assert settings.chosen.job == "build_wheels"
    assert settings.values["CIBW_BEFORE_ALL_LINUX"] == "yum install -y libffi-devel"
    assert [a.name for a in settings.attention] == ["CIBW_ENVIRONMENT"]
    assert {o.name for o in settings.pyproject} >= {"before-all", "environment"}
    assert settings.problems == ()


def test_reading_again_is_conditional_and_costs_no_rate_limit(sim):
    async def go():
        async with GitHub(sim.api_url, TOKEN) as gh:
            first = await read_build_files(gh, REPO, "main")
            await first.settings(LINUX)
            counted = gh.counted
            again = await read_build_files(gh, REPO, "main")
            await again.settings(LINUX)
            return first, again, counted, gh

    first, again, counted, gh = asyncio.run(go())
    assert again.workflows == first.workflows
    assert counted == 4  # the folder, the two workflows, pyproject.toml
    assert gh.counted == counted and gh.requests == 2 * counted  # four 304s


def test_a_repository_without_workflows_has_no_main_build_and_that_is_said(sim):
    sim.repo_files["octo/bare"] = {"pyproject.toml": "[project]\nname = 'bare'\n"}
    files, settings, _ = read(sim, repo="octo/bare")
    assert files.workflows == {}
    assert settings.values == {}
    assert any("has no .github/workflows folder" in p for p in settings.problems)
    assert any("no workflow runs cibuildwheel" in p for p in settings.problems)


def test_a_commit_ref_works_and_a_missing_ref_has_no_workflows(sim):
    files, _, _ = read(sim, ref="a" * 40)
    assert sorted(files.workflows) == [TESTS_PATH, WHEELS_PATH]
    files, _, _ = read(sim, ref="no-such-branch")
    assert files.workflows == {} and "no-such-branch" in files.problems[0]


def test_the_pyproject_of_the_package_folder_the_main_build_builds_is_read(sim):
    sim.repo_files["octo/sub"] = {
        ".github/workflows/wheels.yml": WHEELS,
        "pyproject.toml": '[tool.cibuildwheel]\ntest-command = "wrong one"\n',
        "python/pyproject.toml": '[tool.cibuildwheel]\nbefore-build = "make"\n',
    }
    _, settings, _ = read(sim, repo="octo/sub")
    assert settings.package_dir == "python"
    assert [(o.name, o.value) for o in settings.pyproject] == [("before-build", "make")]


def test_hostile_files_are_left_out_in_words_and_never_fetched_when_too_large(sim):
    sim.repo_files["octo/evil"] = {
        ".github/workflows/huge.yml": "#" * 1_100_000,
        ".github/workflows/latin1.yml": b"name: caf\xe9\n",
        ".github/workflows/evil\x1b]0;owned\x07.yml": "on: push\n",
        ".github/workflows/notes.txt": "not a workflow",
        ".github/workflows/wheels.yml": WHEELS,
    }
    files, settings, _ = read(sim, repo="octo/evil")
    assert list(files.workflows) == [".github/workflows/wheels.yml"]
    problems = "\n".join(files.problems)
    assert "huge.yml: over 1,000 KB" in problems
    assert "latin1.yml is not UTF-8 text" in problems
    assert "not a workflow file" in problems and "\x1b" not in problems
    assert not any("huge" in path for path in sim.stats()["by_path"])
    assert settings.values == {"CIBW_TEST_COMMAND": "pytest {package}/tests"}


def test_an_answer_that_is_not_base64_is_a_problem_and_is_not_asked_again(sim):
    body = json.dumps({"type": "file", "path": WHEELS_PATH, "sha": "0" * 40, "size": 10,
                       "encoding": "base64", "content": "%%% not base64 %%%"})  # fmt: skip
    sim.inject("malformed", path="workflows/wheels.yml", body=body, count=5)
    files, _, _ = read(sim)
    assert list(files.workflows) == [TESTS_PATH]
    assert f"left out {WHEELS_PATH} came as content that is not base64" in files.problems
    assert sim.stats()["by_path"][f"/repos/{REPO}/contents/{WHEELS_PATH}"] == 1


def test_a_folder_answer_of_the_wrong_shape_is_an_error_in_words(sim):
    sim.inject("malformed", path="contents/.github/workflows$", body='{"type": "file"}', count=9)
    wanted = r"could not read the workflows of octo/pkg at main.*not a folder"
    with pytest.raises(GitHubError, match=wanted):
        read(sim, retries=1)


def test_a_token_without_contents_permission_is_told_what_to_do(sim):
    sim.inject("status", path="/contents/", status=403)
    with pytest.raises(GitHubError, match=r"cannot read the files of octo/pkg \(a fine-grained "
                       r"token needs Contents: read\)$"):  # fmt: skip
        read(sim)


def test_a_local_checkout_gives_its_workflow_and_its_package_pyproject(tmp_path):
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "wheels.yml").write_text(WHEELS)
    (workflows / "cibuildwheel-debug.yml").write_text("name: Debug cibuildwheel with SSH\n")
    (tmp_path / "python").mkdir()
    (tmp_path / "python" / "pyproject.toml").write_text('[tool.cibuildwheel]\nbuild = "cp3*"\n')
    for path in (workflows, workflows / "wheels.yml"):
        files = local_build_files(path)
        assert list(files.workflows) == [".github/workflows/wheels.yml"]
        settings = asyncio.run(files.settings(LINUX))
        assert settings.values == {"CIBW_TEST_COMMAND": "pytest {package}/tests"}
        assert [(o.name, o.value) for o in settings.pyproject] == [("build", "cp3*")]


@pytest.mark.parametrize("content", [None, b"\xff\xfe bad", b"x" * 1_000_001])
def test_a_local_file_that_cannot_be_read_is_an_error_in_words(tmp_path, content):
    path = tmp_path / "wheels.yml"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ValueError, match=str(path)):
        local_build_files(path)


def test_the_simulator_serves_a_folder_listing_and_files_as_github_does(sim):
    import httpx

    headers = {"Authorization": f"Bearer {TOKEN.value}"}
    url = f"{sim.api_url}/repos/{REPO}/contents/.github/workflows"
    listing = httpx.get(url, headers=headers, params={"ref": "main"}).json()
    assert [e["name"] for e in listing] == ["cibuildwheel-debug.yml", "tests.yml", "wheels.yml"]
    assert {e["type"] for e in listing} == {"file"}
    root = httpx.get(f"{sim.api_url}/repos/{REPO}/contents", headers=headers).json()
    assert [(e["name"], e["type"]) for e in root] == [(".github", "dir"), ("pyproject.toml",
                                                                            "file")]  # fmt: skip
    one = httpx.get(f"{sim.api_url}/repos/{REPO}/contents/pyproject.toml", headers=headers)
    assert b"[tool.cibuildwheel]" in base64.b64decode(one.json()["content"])
    again = httpx.get(one.url, headers={**headers, "If-None-Match": one.headers["etag"]})
    assert again.status_code == 304
    assert httpx.get(f"{url}/nope.yml", headers=headers).status_code == 404


def test_a_folder_answer_over_its_limit_is_refused_while_it_arrives(sim):
    entry = {"type": "file", "name": "a.yml", "path": "a", "sha": "0", "size": 1}
    sim.inject("malformed", path="contents/.github/workflows$", count=9,
               body=json.dumps([entry] * 20_000))  # fmt: skip
    with pytest.raises(GitHubError, match="over 1024 KB"):
        read(sim, retries=0)


def test_at_most_forty_workflow_files_are_read_and_the_rest_is_said(sim):
    many = {f".github/workflows/w{n:02}.yml": "on: push\n" for n in range(45)}
    sim.repo_files["octo/many"] = {**many, ".github/workflows/w00.yml": WHEELS}
    files, settings, _ = read(sim, repo="octo/many")
    assert len(files.workflows) == 40
    assert "octo/many at main has 45 workflow files; read the first 40" in files.problems
    assert settings.values == {"CIBW_TEST_COMMAND": "pytest {package}/tests"}


def test_the_simulator_refuses_dispatch_inputs_over_githubs_limit(sim):
    import httpx

    url = f"{sim.api_url}/repos/{REPO}/actions/workflows/cibuildwheel-debug.yml/dispatches"
    headers = {"Authorization": f"Bearer {TOKEN.value}"}
    inputs = {"runner": "ubuntu-latest", "python": "cp312", "arch": "x86_64"}
    big = {**inputs, "cibw-settings": json.dumps({"CIBW_ENVIRONMENT": "x" * 65_500})}
    refused = httpx.post(url, headers=headers, json={"ref": "main", "inputs": big})
    assert refused.status_code == 422 and "65535" in refused.json()["message"]
    assert httpx.post(url, headers=headers, json={"ref": "main", "inputs": inputs}).is_success


def test_on_ghes_the_files_are_read_under_api_v3_and_a_renamed_debug_workflow_is_left_out():
    from cibw_debug_tui import bundled
    from cibw_debug_tui.simulator.server import Simulator

    with Simulator(ghes=True) as ghes:
        ghes.repo_files[REPO] = {
            ".github/workflows/debug.yml": bundled.workflow_text("ghes"),  # renamed copy
            ".github/workflows/wheels.yml": WHEELS,
        }
        files, settings, _ = read(ghes)
    assert list(files.workflows) == [".github/workflows/wheels.yml"]
    assert settings.values == {"CIBW_TEST_COMMAND": "pytest {package}/tests"}
