"""The simulator's check runs: a run's jobs as check runs on its commit, and check runs that a
job's token makes, updates and a client reads back with conditional requests."""

import hashlib

import httpx
import pytest
from helpers import wait_for

from cibw_debug_tui.simulator.server import Simulator

JOB_TOKEN = {"Authorization": "Bearer ghs_jobtoken"}  # an installation token, as GITHUB_TOKEN
PERSON = {"Authorization": "Bearer ghp_person"}
SHA = hashlib.sha1(b"octo/pkg@main").hexdigest()  # main's commit in the simulated repository
INPUTS = {"runner": "ubuntu-latest", "python": "cp312", "arch": "x86_64",
          "debug-mode": "disabled", "session-timeout": "30"}  # fmt: skip
CONNECTION = {"title": "SSH session open", "summary": "ssh abc@nyc1.tmate.io",
              "text": '{"status": "open"}'}  # fmt: skip


@pytest.fixture
def sim():
    with Simulator(speed=300) as simulator:
        yield simulator


@pytest.fixture
def http(sim):
    with httpx.Client(base_url=sim.api_url) as client:
        yield client


def create(http, **body):
    body = {"name": "cibw-debug-ssh", "head_sha": SHA, **body}
    return http.post("/repos/octo/pkg/check-runs", json=body, headers=JOB_TOKEN)


def test_a_job_token_creates_a_check_run_that_a_person_reads_back(http):
    made = create(http, status="in_progress", output=CONNECTION, external_id="21-1")
    assert made.status_code == 201, made.text
    check = made.json()
    assert (check["status"], check["conclusion"], check["external_id"]) == (
        "in_progress", None, "21-1")  # fmt: skip
    assert check["output"]["summary"] == CONNECTION["summary"]
    read = http.get(f"/repos/octo/pkg/check-runs/{check['id']}", headers=PERSON).json()
    assert read == check
    listed = http.get(f"/repos/octo/pkg/commits/{SHA}/check-runs",
                      params={"check_name": "cibw-debug-ssh"}, headers=PERSON).json()  # fmt: skip
    assert listed == {"total_count": 1, "check_runs": [check]}


@pytest.mark.parametrize("token", ["ghp_classic", "github_pat_fine", "gho_oauth"])
def test_only_an_apps_token_may_write_check_runs(http, token):
    answer = http.post("/repos/octo/pkg/check-runs", json={"name": "x", "head_sha": SHA},
                       headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert answer.status_code == 403
    assert "GitHub App" in answer.json()["message"]


BASE = {"name": "cibw-debug-ssh", "head_sha": SHA}
NOTE = {"path": "a", "message": "m", "annotation_level": "failure", "start_line": 1,
        "end_line": 1}  # fmt: skip


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"head_sha": SHA}, '"name" wasn\'t supplied'),
        ({"name": "x"}, '"head_sha" wasn\'t supplied'),
        ({"name": "x", "head_sha": "main"}, "No commit found for SHA: main"),
        (BASE | {"status": "done"}, "status must be one of"),
        (BASE | {"status": "completed"}, '"conclusion" wasn\'t supplied'),
        (BASE | {"conclusion": "great"}, "conclusion must be one of"),
        (BASE | {"started_at": "yesterday"}, "not an ISO 8601"),
        (BASE | {"output": {"title": "t"}}, "summary"),
        (BASE | {"output": {"summary": "s"}}, "title"),
        (BASE | {"output": {"title": "t", "summary": "x" * 65536}}, "longer than 65535"),
        (BASE | {"output": {"title": "t", "summary": "s", "annotations": [NOTE] * 51}},
         "At most 50"),
        (BASE | {"output": {"title": "t", "summary": "s",
                            "annotations": [NOTE | {"start_line": 0}]}}, "start_line"),
        (BASE | {"output": {"title": "t", "summary": "s",
                            "annotations": [NOTE | {"annotation_level": "error"}]}},
         "annotation_level"),
    ],
)  # fmt: skip
def test_a_bad_check_run_is_refused_with_words(sim, http, body, words):
    answer = http.post("/repos/octo/pkg/check-runs", json=body, headers=JOB_TOKEN)
    assert answer.status_code == 422
    assert words in answer.json()["message"]
    assert not sim.check_runs


def test_an_update_completes_the_check_run_and_adds_annotations(http):
    check = create(http, output=CONNECTION).json()
    assert check["status"] == "queued"
    url = f"/repos/octo/pkg/check-runs/{check['id']}"
    note = {"path": "setup.py", "start_line": 3, "end_line": 3, "annotation_level": "warning",
            "message": "deprecated"}  # fmt: skip
    output = {"summary": "closed", "annotations": [note]}
    updated = http.patch(url, json={"conclusion": "success", "output": output},
                         headers=JOB_TOKEN)  # fmt: skip
    assert updated.status_code == 200, updated.text
    body = updated.json()
    assert (body["status"], body["conclusion"]) == ("completed", "success")
    assert body["completed_at"] is not None
    assert body["output"]["title"] == CONNECTION["title"]  # kept
    assert (body["output"]["summary"], body["output"]["annotations_count"]) == ("closed", 1)
    notes = http.get(url + "/annotations", headers=PERSON).json()
    assert [(n["path"], n["message"], n["start_column"]) for n in notes] == [
        ("setup.py", "deprecated", None)]  # fmt: skip
    assert notes[0]["blob_href"].endswith(f"/octo/pkg/blob/{SHA}/setup.py")


def test_a_refused_update_changes_nothing(http):
    check = create(http, output=CONNECTION).json()
    url = f"/repos/octo/pkg/check-runs/{check['id']}"
    bad = http.patch(url, json={"name": "renamed", "conclusion": "great"}, headers=JOB_TOKEN)
    assert bad.status_code == 422
    assert http.get(url, headers=PERSON).json() == check
    assert http.patch(url, json={"name": "renamed"}, headers=PERSON).status_code == 403


def test_reading_a_commits_check_runs_is_conditional_and_counted(http):
    """As the rest of the API: a 304 for an unchanged answer is free, a change shows."""
    check = create(http, status="in_progress", output=CONNECTION).json()
    url = f"/repos/octo/pkg/commits/{SHA}/check-runs"
    params = {"check_name": "cibw-debug-ssh"}
    first = http.get(url, params=params, headers=PERSON)
    etag, left = first.headers["ETag"], int(first.headers["x-ratelimit-remaining"])
    again = http.get(url, params=params, headers=PERSON | {"If-None-Match": etag})
    assert again.status_code == 304
    assert int(again.headers["x-ratelimit-remaining"]) == left
    summary = {"title": "SSH session closed", "summary": "gone"}
    http.patch(f"/repos/octo/pkg/check-runs/{check['id']}", json={"output": summary},
               headers=JOB_TOKEN)  # fmt: skip
    changed = http.get(url, params=params, headers=PERSON | {"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.json()["check_runs"][0]["output"]["summary"] == "gone"
    assert int(changed.headers["x-ratelimit-remaining"]) == left - 1


def test_latest_keeps_the_newest_of_each_name_and_all_keeps_every_one(http):
    older, newer = create(http).json(), create(http).json()
    create(http, name="other")
    url = f"/repos/octo/pkg/commits/{SHA}/check-runs"
    latest = http.get(url, params={"check_name": "cibw-debug-ssh"}, headers=PERSON).json()
    assert [c["id"] for c in latest["check_runs"]] == [newer["id"]]
    every = http.get(url, params={"check_name": "cibw-debug-ssh", "filter": "all"},
                     headers=PERSON).json()  # fmt: skip
    assert [c["id"] for c in every["check_runs"]] == [newer["id"], older["id"]]
    assert http.get(url, params={"status": "completed"}, headers=PERSON).json()[
        "total_count"] == 0  # fmt: skip
    assert http.get(url, params={"app_id": 1}, headers=PERSON).json()["total_count"] == 0
    paged = http.get(url, params={"filter": "all", "per_page": 1}, headers=PERSON)
    assert paged.json()["total_count"] == 3
    assert 'rel="next"' in paged.headers["Link"]


def test_a_runs_jobs_are_check_runs_on_its_commit(sim, http):
    sim.scenario = "build-failure"
    run = sim.new_run("octo/pkg", "main", INPUTS)
    wait_for(lambda: run.status(sim.clock.now())[0] == "completed", 30)
    listed = http.get("/repos/octo/pkg/commits/main/check-runs", headers=PERSON).json()
    by_id = {c["id"]: c for c in listed["check_runs"]}
    assert set(by_id) == {run.validate.id, run.debug.id}
    debug = by_id[run.debug.id]
    assert (debug["name"], debug["conclusion"], debug["head_sha"]) == (
        run.debug.name, "failure", SHA)  # fmt: skip
    assert debug["html_url"].endswith(f"/octo/pkg/actions/runs/{run.id}/job/{run.debug.id}")
    notes = http.get(debug["output"]["annotations_url"], headers=PERSON).json()
    assert notes and all(n["message"] == "Process completed with exit code 1." for n in notes)
    assert by_id[run.validate.id]["output"]["annotations_count"] == 0
    job = f"/repos/octo/pkg/check-runs/{run.debug.id}"
    assert http.patch(job, json={"name": "x"}, headers=JOB_TOKEN).status_code == 403
    assert http.get(job + "/annotations", headers={"Authorization": "Bearer github_pat_x"}
                    ).status_code == 403  # fmt: skip


def test_an_invalid_combinations_annotation_says_why(sim, http):
    run = sim.new_run("octo/pkg", "main", INPUTS | {"runner": "windows-11-arm"})
    wait_for(lambda: run.status(sim.clock.now())[0] == "completed", 30)
    notes = http.get(f"/repos/octo/pkg/check-runs/{run.validate.id}/annotations",
                     headers=PERSON).json()  # fmt: skip
    assert notes[0]["message"] == run.combo.reason


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/repos/octo/pkg/commits/nobranch/check-runs", 422),
        ("/repos/octo/pkg/commits/heads/develop/check-runs", 200),
        ("/repos/octo/pkg/commits/tags/v1.0/check-runs", 200),
        (f"/repos/octo/pkg/commits/{SHA}/check-runs?filter=some", 422),
        ("/repos/octo/pkg/check-runs/31000000999", 404),
        ("/repos/octo/pkg/check-runs/31000000999/annotations", 404),
    ],
)
def test_unknown_refs_and_check_runs(http, path, status):
    assert http.get(path, headers=PERSON).status_code == status


def test_a_check_run_belongs_to_its_repository(http):
    check = create(http).json()
    assert http.get(f"/repos/octo/other/check-runs/{check['id']}",
                    headers=PERSON).status_code == 404  # fmt: skip


def test_a_missing_repository_has_no_check_runs():
    with Simulator(missing_repos=("octo/gone",)) as sim, httpx.Client(base_url=sim.api_url) as http:
        made = http.post("/repos/octo/gone/check-runs", json=BASE, headers=JOB_TOKEN)
        listed = http.get(f"/repos/octo/gone/commits/{SHA}/check-runs", headers=PERSON)
        assert (made.status_code, listed.status_code) == (404, 404)
        assert not sim.check_runs
