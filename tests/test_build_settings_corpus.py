"""Real wheel workflows and [tool.cibuildwheel] tables from public projects (see
tests/data/SOURCES.md): for each, the settings a maintainer expects for a combination.

`expected.yaml` in each project's folder lists the cases. Projects marked `held_out` had their
expectations written from the files alone, before the module ever ran on them."""

import json
from pathlib import Path

import pytest
import yaml

from cibw_debug_tui.core.build_settings import extract
from cibw_debug_tui.core.matrix import check

CORPUS = Path(__file__).parent / "data" / "wheel-workflows"
PROJECTS = sorted(p.parent.name for p in CORPUS.glob("*/expected.yaml"))


def load(project: str) -> dict:
    return yaml.safe_load((CORPUS / project / "expected.yaml").read_text())


def workflows(project: str, only: list[str] | None) -> dict[str, str]:
    folder = CORPUS / project
    names = only or sorted(
        p.name for p in folder.iterdir() if p.suffix in (".yml", ".yaml") and p.stem != "expected"
    )
    return {f".github/workflows/{name}": (folder / name).read_text() for name in names}


CASES = [
    pytest.param(project, case, id=f"{project}: {case['combination']}")
    for project in PROJECTS
    for case in load(project)["cases"]
]


@pytest.mark.parametrize(("project", "case"), CASES)
def test_the_settings_a_maintainer_expects(project, case):
    pyproject = CORPUS / project / "pyproject.toml"
    result = extract(
        workflows(project, case.get("workflows")),
        check(*case["combination"].split()),
        pyproject.read_text() if pyproject.exists() else None,
    )
    expected_job = case["chosen"]
    assert result.chosen is not None, result.problems
    assert result.chosen.file.rsplit("/", 1)[1] == expected_job["file"]
    assert result.chosen.job == expected_job["job"]
    assert {k: json.loads(v) for k, v in result.chosen.matrix} == expected_job.get("matrix", {})
    assert result.values == case["settings"]
    assert sorted({o.name for o in result.overridden}) == case["overridden"]
    assert sorted({a.name for a in result.attention}) == case["attention"]
    assert result.package_dir == case["package_dir"]
    assert len(result.problems) == len(case["problems"]), result.problems
    for wanted in case["problems"]:
        assert any(wanted in problem for problem in result.problems), (wanted, result.problems)
    shown = {o.name: o.value for o in result.pyproject}
    for name, value in case.get("pyproject", {}).items():
        assert shown.get(name) == value, name


def test_the_corpus_is_large_and_varied():
    assert len(PROJECTS) >= 15
    assert len(CASES) >= 30
    held_out = [p for p in PROJECTS if load(p).get("held_out")]
    assert len(held_out) >= 4
    with_pyproject = [p for p in PROJECTS if (CORPUS / p / "pyproject.toml").exists()]
    assert len(with_pyproject) >= 10
    combinations = {case["combination"].split()[0] for p in PROJECTS for case in load(p)["cases"]}
    assert {"ubuntu-latest", "ubuntu-24.04-arm", "macos-15", "windows-latest"} <= combinations


def test_every_project_names_its_source_and_commit():
    sources = (CORPUS.parent / "SOURCES.md").read_text()
    for project in PROJECTS:
        meta = load(project)
        assert meta["source"].startswith("https://github.com/")
        assert meta["commit"] in sources, project
        assert f"wheel-workflows/{project}/" in sources, project
