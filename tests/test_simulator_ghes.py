"""The simulator as GitHub Enterprise Server (`--ghes`): upload-artifact v4 refused, v3's
artifacts listed only once the run has completed, and the GHES variant of the workflow
publishing each SSH connection in a check run that a client reads at once, with ETags."""

import json

import httpx
from helpers import wait_for

from cibw_debug_tui.core import workflow_contract as contract
from cibw_debug_tui.core.connection import parse_connection
from cibw_debug_tui.simulator import published
from cibw_debug_tui.simulator.server import Simulator

REPO = "octo/pkg"
PERSON = {"Authorization": "Bearer ghp_person"}
INPUTS = {"runner": "ubuntu-latest", "python": "cp312", "arch": "x86_64",
          "debug-mode": "before-build", "session-timeout": "30"}  # fmt: skip


def done(sim, run):
    return lambda: run.status(sim.clock.now())[0] == "completed"


def connection_checks(http, run, stage, **headers):
    url = f"/repos/{REPO}/commits/{run.head_sha}/check-runs"
    params = {"check_name": contract.ssh_check_run(run.id, stage, run.attempt), "filter": "all"}
    return http.get(url, params=params, headers=PERSON | headers)


def listed_artifacts(http, run):
    runs = http.get(f"/repos/{REPO}/actions/runs/{run.id}/artifacts", headers=PERSON).json()
    everyone = http.get(f"/repos/{REPO}/actions/artifacts", headers=PERSON).json()
    assert runs["total_count"] == everyone["total_count"]
    return sorted(a["name"] for a in runs["artifacts"])


def test_a_ghes_run_publishes_its_connection_in_a_check_run_at_once():
    with (Simulator(speed=100, ghes=True, scenario="ssh-timeout") as sim,
          httpx.Client(base_url=sim.api_url) as http):  # fmt: skip
        run = sim.new_run(REPO, "main", INPUTS | {"debug-mode": "always"})
        before = connection_checks(http, run, contract.BEFORE_BUILD)
        assert before.json() == {"total_count": 0, "check_runs": []}
        assert "x-ratelimit-remaining" not in before.headers  # GHES: rate limits off
        etag = before.headers["ETag"]
        assert connection_checks(http, run, "before-build", **{"If-None-Match": etag}
                                 ).status_code == 304  # fmt: skip
        wait_for(lambda: run.session_open(sim.clock.now()) == contract.BEFORE_BUILD)
        found = connection_checks(http, run, "before-build", **{"If-None-Match": etag})
        assert found.status_code == 200
        (check,) = found.json()["check_runs"]
        assert (check["head_sha"], check["status"], check["conclusion"]) == (
            run.head_sha, "completed", "neutral")  # fmt: skip
        assert check["app"]["slug"] == "github-actions"
        assert check["output"]["title"] == "SSH session open (before-build)"
        start, end = contract.CHECK_RUN_JSON
        text = check["output"]["text"]
        assert text.startswith(start) and text.endswith(end)
        data = json.loads(text[len(start) : -len(end)])
        assert data == published.connection_json(run, contract.BEFORE_BUILD)
        assert parse_connection(data).is_open
        by_id = http.get(f"/repos/{REPO}/check-runs/{check['id']}", headers=PERSON).json()
        assert by_id == check
        # No artifact while the run goes on, the build log's neither (uploaded with v3)...
        assert sim.continue_session(run.id)
        wait_for(lambda: run.session_open(sim.clock.now()) == contract.AFTER_FAILURE)
        assert run.step("publish-buildlog").end <= sim.clock.now()
        assert listed_artifacts(http, run) == []
        assert connection_checks(http, run, "after-failure").json()["total_count"] == 1
        assert sim.continue_session(run.id)
        # ...and the logs once it has completed; the connection was never an artifact.
        wait_for(done(sim, run))
        assert listed_artifacts(http, run) == [
            contract.buildlog_artifact(1),
            contract.logs_artifact(run.combo.identifier, 1),
        ]
        shown = http.get(f"/repos/{REPO}/actions/runs/{run.id}", headers=PERSON).json()
        assert shown["name"] == contract.GHES_WORKFLOW_TITLE


def test_the_github_com_variant_on_ghes_uploads_nothing_and_fails():
    """upload-artifact v4 fails at once on GHES (GHESNotSupportedError): no connection, and the
    failed build-log upload fails the job, so the after-failure session never opens."""
    with (Simulator(speed=300, ghes=True, variant=contract.GITHUB_COM,
                    scenario="build-failure") as sim,
          httpx.Client(base_url=sim.api_url) as http):  # fmt: skip
        run = sim.new_run(REPO, "main", INPUTS | {"debug-mode": "always"})
        wait_for(done(sim, run), 30)
        steps = {s.name: s for s in run.debug.steps}
        assert steps[contract.publish_step(contract.BEFORE_BUILD)].conclusion == "failure"
        assert steps[contract.BUILDLOG_STEP].conclusion == "failure"
        assert steps[contract.open_step(contract.AFTER_FAILURE)].conclusion == "skipped"
        assert steps[contract.publish_step(contract.AFTER_FAILURE)].conclusion == "skipped"
        assert steps[contract.LOGS_STEP].conclusion == "failure"  # always() runs, and fails
        assert run.conclusion() == "failure"
        assert listed_artifacts(http, run) == []
        assert connection_checks(http, run, "before-build").json()["total_count"] == 0
        jobs = http.get(f"/repos/{REPO}/actions/runs/{run.id}/jobs", headers=PERSON).json()
        assert {j["workflow_name"] for j in jobs["jobs"]} == {contract.WORKFLOW_TITLE}


def test_the_ghes_variant_on_github_com_publishes_its_connection_with_rate_accounting():
    """Forced onto github.com, the GHES variant's check runs still work (its v3 uploads do
    not: github.com refuses v3), and reading them costs what the rest of the API costs."""
    with (Simulator(speed=300, variant=contract.GHES, scenario="success") as sim,
          httpx.Client(base_url=sim.api_url) as http):  # fmt: skip
        run = sim.new_run(REPO, "main", INPUTS)
        first = connection_checks(http, run, "before-build")
        left = int(first.headers["x-ratelimit-remaining"])
        again = connection_checks(
            http, run, "before-build", **{"If-None-Match": first.headers["ETag"]}
        )
        assert again.status_code == 304 and int(again.headers["x-ratelimit-remaining"]) == left
        wait_for(done(sim, run), 30)
        assert connection_checks(http, run, "before-build").json()["total_count"] == 1
        assert listed_artifacts(http, run) == []
        assert run.step("upload-logs").conclusion == "failure" and run.conclusion() == "failure"


def test_a_rerun_keeps_the_first_attempts_check_run_beside_the_new_one():
    with (Simulator(speed=300, ghes=True, scenario="build-failure") as sim,
          httpx.Client(base_url=sim.api_url) as http):  # fmt: skip
        run = sim.new_run(REPO, "main", INPUTS | {"debug-mode": "after-failure"})
        wait_for(done(sim, run), 30)
        rerun = http.post(f"/repos/{REPO}/actions/runs/{run.id}/rerun", headers=PERSON)
        assert rerun.status_code == 201
        wait_for(done(sim, run), 30)
        url = f"/repos/{REPO}/commits/{run.head_sha}/check-runs"
        listed = http.get(url, params={"filter": "all"}, headers=PERSON).json()["check_runs"]
        names = sorted(c["name"] for c in listed if c["name"].startswith("cibw-debug-ssh"))
        assert names == [contract.ssh_check_run(run.id, "after-failure", n) for n in (1, 2)]
