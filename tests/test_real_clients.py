"""Real GitHub clients that we did not write, driven against the simulator: the GitHub CLI
(Debian's `gh`) and octokit.js (`@octokit/rest` from npm). What they accept is what a GitHub
look-alike must serve; each test has its own simulator on its own port.

`gh` reaches the simulator as it would a GitHub host: `GH_HOST=github.localhost` makes it talk
plain HTTP to `api.github.localhost`, and `HTTP_PROXY` sends those requests (absolute-form) to
the simulator's port, so no root, no /etc/hosts and no port 80 are needed."""

import hashlib
import io
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from helpers import wait_for

from cibw_debug_tui.core import workflow_contract as contract
from cibw_debug_tui.simulator import ci, published
from cibw_debug_tui.simulator.server import Simulator

pytestmark = pytest.mark.e2e

REPO = "octo/pkg"
INPUTS = {"runner": "ubuntu-latest", "python": "cp312", "arch": "x86_64",
          "debug-mode": "disabled"}  # fmt: skip
TOKEN = "ghp_realclient"
OCTOKIT = Path(__file__).with_name("octokit_client.mjs")


def gh(gh_cli: str, sim: Simulator, home: Path, *args: str, timeout: float = 60):
    """`gh ARGS -R octo/pkg` against `sim`, with nothing of this machine's gh set-up."""
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "GH_CONFIG_DIR": str(home / "gh"),
        "GH_HOST": "github.localhost",
        "GH_TOKEN": TOKEN,
        "HTTP_PROXY": sim.base_url,
        "GH_NO_UPDATE_NOTIFIER": "1",
        "GH_PROMPT_DISABLED": "1",
        "NO_COLOR": "1",
    }
    return subprocess.run(
        [gh_cli, *args, "-R", REPO], env=env, cwd=home, capture_output=True, text=True,
        timeout=timeout, check=False,
    )  # fmt: skip


def ok(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 0, f"{proc.args}: {proc.returncode}\n{proc.stderr[-2000:]}"
    return proc.stdout


def finished(sim: Simulator, scenario: str, **inputs: str):
    """A run of `scenario`, played to its end."""
    sim.scenario = scenario
    run = sim.new_run(REPO, "main", {**INPUTS, "session-timeout": "30", **inputs})
    wait_for(lambda: run.status(sim.clock.now())[0] == "completed", 60)
    return run


# -- the GitHub CLI ------------------------------------------------------------------------------


def test_gh_lists_the_workflow_dispatches_it_and_lists_the_run(gh_cli, tmp_path):
    with Simulator(speed=300) as sim:
        listed = ok(gh(gh_cli, sim, tmp_path, "workflow", "list"))
        assert contract.WORKFLOW_TITLE in listed and "active" in listed
        fields = [f"{k}={v}" for k, v in {**INPUTS, "session-id": "gh1"}.items()]
        ok(gh(gh_cli, sim, tmp_path, "workflow", "run", contract.WORKFLOW_FILE, "--ref", "main",
              *(arg for field in fields for arg in ("-f", field))))  # fmt: skip
        (run,) = sim.runs.values()
        assert run.inputs["session-id"] == "gh1" and run.inputs["runner"] == "ubuntu-latest"
        table = ok(gh(gh_cli, sim, tmp_path, "run", "list"))
        assert str(run.id) in table
        shown = json.loads(ok(gh(gh_cli, sim, tmp_path, "run", "list", "--json",
                                 "databaseId,displayTitle,workflowName,headBranch")))  # fmt: skip
    assert shown[0] == {"databaseId": run.id, "displayTitle": run.display_title,
                        "workflowName": contract.WORKFLOW_TITLE, "headBranch": "main"}  # fmt: skip
    # then the repository's own CI, older (simulator/ci.py), as `gh run list` shows any run
    assert [r["workflowName"] for r in shown[1:]] == ["Build wheels", "Tests", "Build wheels"]


@pytest.mark.slow
@pytest.mark.parametrize(("scenario", "succeeds"), [("success", True), ("build-failure", False)])
def test_gh_run_watch_exit_status_follows_the_conclusion(gh_cli, tmp_path, scenario, succeeds):
    with Simulator(speed=20, scenario=scenario) as sim:  # runs of five to eight seconds
        run = sim.new_run(REPO, "main", {**INPUTS, "session-timeout": "30"})
        watched = gh(gh_cli, sim, tmp_path, "run", "watch", str(run.id), "--exit-status",
                     "-i", "1", timeout=120)  # fmt: skip
        assert run.status(sim.clock.now()) == ("completed", scenario.replace("build-", ""))
    assert (watched.returncode == 0) is succeeds, watched.stderr[-2000:]
    assert "Refreshing run status" in watched.stdout  # it watched, not found it done
    assert run.debug.name in watched.stdout
    if not succeeds:
        assert "Process completed with exit code 1." in watched.stdout  # the annotations


def test_gh_run_view_shows_the_runs_state_jobs_and_logs(gh_cli, tmp_path):
    with Simulator(speed=300) as sim:
        run = finished(sim, "build-failure")
        viewed = json.loads(ok(gh(gh_cli, sim, tmp_path, "run", "view", str(run.id),
                                  "--json", "status,conclusion,jobs")))  # fmt: skip
        log = ok(gh(gh_cli, sim, tmp_path, "run", "view", str(run.id), "--log"))
    assert (viewed["status"], viewed["conclusion"]) == ("completed", "failure")
    jobs = viewed["jobs"]
    assert [(j["databaseId"], j["name"], j["conclusion"]) for j in jobs] == [
        (run.validate.id, run.validate.name, "success"),
        (run.debug.id, run.debug.name, "failure"),
    ]
    assert [s["name"] for s in jobs[1]["steps"]] == [s.name for s in run.debug.steps]
    assert all(j["url"].startswith(f"http://github.localhost/{REPO}/actions/runs/") for j in jobs)
    build = next(s for s in run.debug.steps if s.kind == "build")
    failure = published.build_log(run).splitlines()[-1]
    assert any(line.startswith(f"{run.debug.name}\t{build.name}\t") and line.endswith(failure)
               for line in log.splitlines())  # fmt: skip


def test_gh_run_download_fetches_every_artifact(gh_cli, tmp_path):
    with Simulator(speed=300) as sim:
        run = finished(sim, "success", **{"debug-mode": "before-build"})
        ok(gh(gh_cli, sim, tmp_path, "run", "download", str(run.id), "-D", "out"))
        artifacts = published.artifacts(run, sim.clock.now())
    assert {a.name for a in artifacts} == {p.name for p in (tmp_path / "out").iterdir()}
    assert len(artifacts) == 3  # the SSH connection, the logs, the wheel
    for artifact in artifacts:
        with zipfile.ZipFile(io.BytesIO(artifact.content)) as archive:
            for name in archive.namelist():
                landed = tmp_path / "out" / artifact.name / name
                assert landed.read_bytes() == archive.read(name), landed


# -- octokit.js ----------------------------------------------------------------------------------


def octokit(entry: Path, **cfg) -> dict:
    node = shutil.which("node")
    if node is None:
        pytest.fail("octokit.js needs Node.js on PATH (apt-get install nodejs)")
    proc = subprocess.run([node, str(OCTOKIT), str(entry), json.dumps(cfg)], capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


@pytest.mark.parametrize("ghes", [False, True], ids=["github.com", "ghes"])
def test_octokit_dispatches_follows_and_downloads(octokit_rest, tmp_path, ghes):
    with Simulator(speed=300, ghes=ghes) as sim:
        seen = octokit(octokit_rest, mode="actions", baseUrl=sim.api_url, token=TOKEN,
                       owner="octo", repo="pkg", out=str(tmp_path),
                       inputs={**INPUTS, "debug-mode": "before-build"})  # fmt: skip
        (run,) = sim.runs.values()
        artifacts = published.artifacts(run, sim.clock.now())
        by_path = sim.stats()["by_path"]
    assert seen["dispatch_status"] == 204
    title = contract.GHES_WORKFLOW_TITLE if ghes else contract.WORKFLOW_TITLE  # its variant
    assert [w[1:] for w in seen["workflows"]] == [  # the debug workflow, and the repo's CI
        [title, contract.WORKFLOW_PATH, "active"],
        *([ci.TITLES[path], path, "active"] for path in ci.WORKFLOW_TEXTS)]  # fmt: skip
    assert seen["run"] == [run.id, "completed", "success", run.display_title,
                           f"{sim.base_url}/{REPO}/actions/runs/{run.id}"]  # fmt: skip
    assert seen["jobs"] == [[run.validate.id, run.validate.name, "success"],
                            [run.debug.id, run.debug.name, "success"]]  # fmt: skip
    assert by_path[f"/repos/{REPO}/actions/runs/{run.id}/jobs"] == 2  # a page each, by Link
    assert seen["artifacts"] == [[a.id, a.name, len(a.content)] for a in artifacts]
    for artifact in artifacts:
        assert (tmp_path / f"{artifact.name}.zip").read_bytes() == artifact.content


def test_octokit_reads_a_check_run_a_job_writes_conditionally(octokit_rest):
    sha = hashlib.sha1(f"{REPO}@main".encode()).hexdigest()
    with Simulator() as sim:
        seen = octokit(octokit_rest, mode="checks", baseUrl=sim.api_url, token=TOKEN,
                       jobToken="ghs_jobtoken", owner="octo", repo="pkg", sha=sha,
                       name="cibw-debug-ssh", summary="ssh abc@nyc1.tmate.io")  # fmt: skip
        (check,) = sim.check_runs.values()
    assert seen["created"] == [201, check.id]
    assert seen["first"] == [[check.id, "in_progress", "ssh abc@nyc1.tmate.io"]]
    assert seen["unchanged"] == 304
    assert seen["after"] == [200, [[check.id, "success", "closed"]]]
