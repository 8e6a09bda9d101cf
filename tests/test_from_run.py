"""From the failed CI run to the debug session (issue 19, part 1): the simulator's seeded run,
the core that reads it, and `dispatch --from-run` as a user runs it."""

import asyncio
import json
from pathlib import Path

import httpx
import pytest
from test_commands import run, served  # noqa: F401  (the fixture, used by name)

from cibw_debug_tui.core import from_run
from cibw_debug_tui.core.config import Token
from cibw_debug_tui.core.from_run import FromRunError, failing_identifier, parse_run, runner_for
from cibw_debug_tui.core.github import GitHub
from cibw_debug_tui.simulator import SCENARIOS
from cibw_debug_tui.simulator.runs import commit_of
from cibw_debug_tui.simulator.server import Simulator

DATA = Path(__file__).parent / "data"
HEADERS = {"Authorization": "Bearer ghp_fromrun"}
INDEX = {e["file"]: e for e in json.loads((DATA / "build-logs" / "index.json").read_text())}
CATEGORY = {1: "compile", 3: "auditwheel", 4: "delocate", 7: "config"}


def failed_runs(url: str, repo: str) -> list[dict]:
    answer = httpx.get(f"{url}/repos/{repo}/actions/runs", params={"status": "failure"},
                       headers=HEADERS)  # fmt: skip
    answer.raise_for_status()
    return answer.json()["workflow_runs"]


# -- reading a run's reference and a log -----------------------------------------------------


def test_a_run_is_its_number_or_its_web_url():
    assert parse_run("123") == from_run.RunRef(None, 123)
    url = "https://github.com/pypa/wheel/actions/runs/42/job/7"
    assert parse_run(url) == from_run.RunRef("pypa/wheel", 42, 7)
    assert parse_run("https://ghes.example/o/r/actions/runs/9/attempts/2").run_id == 9
    for bad in ("", "abc", "https://github.com/o/r/pull/3", "https://x/\x1b[31m/actions/runs/1",
                "https://github.com/../x/actions/runs/1", "1" * 30):  # fmt: skip
        with pytest.raises(FromRunError) as error:
            parse_run(bad)
        assert "\x1b" not in str(error.value)


def test_the_failing_identifier_is_the_last_one_started_and_not_finished():
    log = [
        "2026-11-29T10:00:00.0000000Z Building cp310-manylinux_x86_64 wheel",
        "2026-11-29T10:00:01.0000000Z ✓ cp310-manylinux_x86_64 finished in 2 minutes",
        "2026-11-29T10:00:02.0000000Z \x1b[1mBuilding cp311-manylinux_x86_64 wheel\x1b[0m",
        "  Building wheel for pkg (pyproject.toml) ... error",  # pip's words are not cibuildwheel's
        "error: command 'gcc' failed",
    ]
    found, finished = failing_identifier(log)
    assert found is not None and (found.text, found.python, found.arch) == (
        "cp311-manylinux_x86_64", "cp311", "x86_64")  # fmt: skip
    assert finished == ["cp310-manylinux_x86_64"]
    assert failing_identifier(log[:2])[0] is None  # everything built: the failure came after
    assert failing_identifier(["Building cp312-evil_platform wheel"])[0] is None


def test_the_corpus_log_that_names_its_identifier_reads_as_cpython_and_arch():
    with open(DATA / "build-logs" / "18-builddep-distutils-msvc9compiler.log", "rb") as log:
        found, _ = failing_identifier(log)
    assert found is not None and (found.python, found.os, found.arch) == (
        "cp39",
        "windows",
        "AMD64",
    )


def test_a_retired_runner_is_replaced_with_a_note_and_an_unknown_one_refused():
    assert runner_for(["ubuntu-24.04-arm"]) == ("ubuntu-24.04-arm", "")
    runner, note = runner_for(["macos-13"])
    assert runner == "macos-15-intel" and "retired on 2025-12-04" in note
    runner, note = runner_for(["self-hosted", "gpu\x1b[2J"])
    assert runner is None and "self-hosted" in note and "\x1b" not in note


# -- the simulator's seeded run ----------------------------------------------------------------


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_repository_and_scenario_has_a_failed_build_wheels_run(scenario):
    with Simulator(scenario=scenario) as sim:
        for repo in ("octo/pkg", "someone/else"):
            runs = failed_runs(sim.base_url, repo)
            wheels = [r for r in runs if r["name"] == "Build wheels"]
            assert len(wheels) == 1 and wheels[0]["status"] == "completed"
            assert all(r["conclusion"] == "failure" for r in runs)
            jobs = httpx.get(f"{sim.base_url}/repos/{repo}/actions/runs/{wheels[0]['id']}/jobs",
                             headers=HEADERS).json()["jobs"]  # fmt: skip
            runners = {label for job in jobs for label in job["labels"]}
            assert len(runners) >= 3 and "macos-13" in runners
            assert {j["conclusion"] for j in jobs} == {"success", "failure"}


@pytest.fixture
def sim():
    with Simulator() as server:
        yield server


def resolve(sim, job=None, tmp_path=None):
    async def go():
        async with GitHub(sim.api_url, Token("ghp_fromrun", "test")) as github:
            runs = await from_run.failed_runs(github, "octo/pkg", {})
            return runs, await from_run.from_run(github, "octo/pkg", runs[0]["id"], job, tmp_path)

    return asyncio.run(go())


def test_the_seeded_run_yields_runner_identifier_and_the_explanation(sim, tmp_path):
    runs, found = resolve(sim, tmp_path=tmp_path)
    assert [r["name"] for r in runs] == ["Build wheels"]  # "Tests" does not use cibuildwheel
    assert found.ready and found.runner == "ubuntu-24.04-arm"
    assert found.combination.identifier == "cp310-manylinux_aarch64"
    expected = INDEX["07-auditwheel-too-recent-symbols-aarch64.log"]
    assert found.explanation.category == CATEGORY[expected["category"]]
    assert any(expected["cause"][0] in c.text for c in found.explanation.cause)
    assert "2 other job(s) failed" in found.notes[0]
    assert found.log.read_text().count("Building cp310-manylinux_aarch64 wheel") == 1


def test_a_retired_runner_in_the_old_run_is_mapped_to_its_replacement(sim, tmp_path):
    _, found = resolve(sim, "Build wheels on macos-13", tmp_path)
    assert found.ready and found.runner == "macos-15-intel"
    assert found.combination.identifier == "cp311-macosx_x86_64"
    assert found.notes == ["macos-13 was retired on 2025-12-04; macos-15-intel replaces it"]
    assert (
        found.explanation.category
        == CATEGORY[INDEX["09-delocate-libdb2-not-found.log"]["category"]]
    )


def test_a_job_that_failed_before_any_identifier_says_so(sim, tmp_path):
    _, found = resolve(sim, "Build wheels on windows-latest", tmp_path)
    assert not found.ready and found.identifier is None
    assert "before cibuildwheel started building any wheel" in found.problem
    assert found.explanation.category == "config"


def test_a_job_it_does_not_have_is_named_with_the_failed_ones(sim, tmp_path):
    with pytest.raises(FromRunError, match=r"failed jobs: .*macos-13"):
        resolve(sim, "no such job", tmp_path)


# -- the command ---------------------------------------------------------------------------------


def test_dispatch_from_run_json_first_event_is_what_it_dispatched(served, tmp_path):  # noqa: F811
    url = failed_runs(served, "octo/pkg")[0]["html_url"]
    proc = run(tmp_path, "dispatch", "--from-run", url, "--json", "--api-url", served,
               "--log-dir", str(tmp_path / "logs"))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    settings, first = events[:2]  # the settings it sends (issue 21), then what it dispatched
    assert settings["event"] == "settings" and settings["cibw_settings"]
    assert first["event"] == "dispatched"
    # No --watch: it ends once dispatched (having said the run's status then, if it knew it).
    assert all(e["event"] == "status" and e["status"] == "queued" for e in events[2:])
    assert {k: first[k] for k in ("runner", "python", "arch", "identifier", "debug_mode")} == {
        "runner": "ubuntu-24.04-arm", "python": "cp310", "arch": "aarch64",
        "identifier": "cp310-manylinux_aarch64", "debug_mode": "after-failure"}  # fmt: skip
    assert first["from_run"]["explanation"]["category"] == "auditwheel"
    dispatched = httpx.get(f"{served}/repos/octo/pkg/actions/runs/{first['run_id']}",
                           headers=HEADERS).json()  # fmt: skip
    assert "cp310 aarch64 on ubuntu-24.04-arm (after-failure)" in dispatched["display_title"]


def test_dispatch_from_run_by_number_and_job_in_words(served, tmp_path):  # noqa: F811
    run_id = failed_runs(served, "octo/pkg")[0]["id"]
    proc = run(tmp_path, "dispatch", "--repo", "octo/pkg", "--from-run", str(run_id), "--job",
               "Build wheels on macos-13", "--debug-mode", "before-build", "--api-url", served,
               "--log-dir", str(tmp_path / "logs"))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "it was building cp311-macosx_x86_64 when it failed" in proc.stdout
    assert "macos-13 was retired on 2025-12-04; macos-15-intel replaces it" in proc.stdout
    assert "no job builds" not in proc.stdout  # the run's workflow has the job that failed
    assert "dispatched cp311-macosx_x86_64 on macos-15-intel (before-build)" in proc.stdout


def test_dispatch_from_run_refuses_what_it_cannot_rebuild_with_the_reason(served, tmp_path):  # noqa: F811
    url = failed_runs(served, "octo/pkg")[0]["html_url"]
    proc = run(tmp_path, "dispatch", "--from-run", url, "--job", "Build wheels on windows-latest",
               "--json", "--api-url", served, "--log-dir", str(tmp_path / "logs"))  # fmt: skip
    assert proc.returncode == 1
    event = json.loads(proc.stdout.splitlines()[0])
    assert event["event"] == "not-dispatched" and event["explanation"]["category"] == "config"
    assert "before cibuildwheel started building any wheel" in proc.stderr
    before = httpx.get(f"{served}/_sim/stats").json()["runs"]
    assert before == 0  # nothing was dispatched
    mixed = run(tmp_path, "dispatch", "--from-run", url, "--runner", "ubuntu-latest",
                "--api-url", served)  # fmt: skip
    assert mixed.returncode == 2 and "leave out --runner" in mixed.stderr


def test_dispatch_from_run_watch_follows_the_run_to_its_end(served, tmp_path):  # noqa: F811
    url = failed_runs(served, "octo/pkg")[0]["html_url"]
    proc = run(tmp_path, "dispatch", "--from-run", url, "--debug-mode", "disabled", "--watch",
               "--json", "--api-url", served, "--log-dir", str(tmp_path / "logs"))  # fmt: skip
    events = [json.loads(line) for line in proc.stdout.splitlines()][1:]  # after the settings
    assert events[0]["event"] == "dispatched" and events[0]["runner"] == "ubuntu-24.04-arm"
    assert events[0]["debug_mode"] == "disabled"
    assert events[-1]["event"] == "summary"
    assert any(e["event"] == "status" and e.get("conclusion") == "success" for e in events)
    assert proc.returncode == 0, proc.stderr


def test_without_the_workflow_files_the_runs_are_told_apart_by_their_names(sim, tmp_path):
    """A token that cannot read contents (403): "Build wheels" is still offered, "Tests" not."""
    sim.inject("status", count=10, status=403, path=r"/contents/",
               body='{"message": "Resource not accessible by personal access token"}')  # fmt: skip

    async def go():
        async with GitHub(sim.api_url, Token("ghp_fromrun", "test"), retries=0) as github:
            return await from_run.failed_runs(github, "octo/pkg", {})

    assert [r["name"] for r in asyncio.run(go())] == ["Build wheels"]
    assert sim.faults[0].count == 8  # both workflow files were asked for, and refused


# -- the main build's settings come from the failed run's own workflow file at its commit -------


def test_from_run_reads_the_settings_at_the_run_commit_from_its_workflow_file(served, tmp_path):  # noqa: F811
    failed = failed_runs(served, "octo/pkg")[0]
    sha, path = failed["head_sha"], failed["path"]
    assert sha != commit_of("octo/pkg", "main")  # an older commit than the branch's of today
    proc = run(tmp_path, "dispatch", "--from-run", failed["html_url"], "--json", "--api-url",
               served, "--log-dir", str(tmp_path / "logs"))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    settings = json.loads(proc.stdout.splitlines()[0])
    assert settings["event"] == "settings"
    assert (settings["run_commit"], settings["run_workflow"]) == (sha, path)
    assert settings["read_from"].startswith(f"wheels.yml at {sha[:7]}")
    assert f"run {failed['id']}" in settings["read_from"]
    assert settings["cibw_settings"]["CIBW_BEFORE_ALL_LINUX"] == "yum install -y libffi-devel"
    stats = httpx.get(f"{served}/_sim/stats").json()
    assert set(stats["contents_refs"]) == {sha}  # every file read at the run's commit
    assert f"/repos/octo/pkg/contents/{path}" in stats["by_path"]
    assert "/repos/octo/pkg/contents/.github/workflows" not in stats["by_path"]  # that file only


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [("commit", "abc123; rm -rf /", "is not a commit sha"),
     ("commit", "A" * 40, "is not a commit sha"),
     ("path", "../../secrets.yml", "is not a file of .github/workflows/"),
     ("path", ".github/workflows/../x.yml", "is not a file of .github/workflows/")],
)  # fmt: skip
def test_a_run_with_a_malformed_commit_or_path_is_refused_in_words(
    sim, tmp_path, field, value, words
):
    run_ = sim.ci_runs("octo/pkg")[0]
    setattr(run_, field, value)

    async def go():
        async with GitHub(sim.api_url, Token("ghp_fromrun", "test")) as github:
            return await from_run.from_run(github, "octo/pkg", run_.id, None, tmp_path)

    with pytest.raises(FromRunError, match=words):
        asyncio.run(go())


def test_the_seeded_runs_jobs_come_from_the_served_workflows_matrix():
    import yaml

    from cibw_debug_tui.simulator import ci

    matrix = yaml.safe_load(ci.WHEELS_WORKFLOW)["jobs"]["build_wheels"]["strategy"]["matrix"]
    for jobs in (ci.WHEELS_FAILED, ci.WHEELS_GREEN):
        assert {job.runner for job in jobs} <= set(matrix["os"])
