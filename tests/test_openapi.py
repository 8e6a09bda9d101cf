"""The simulator's payloads, checked against GitHub's official OpenAPI description."""

import copy

import httpx
import pytest
from helpers import wait_for
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from cibw_debug_tui.simulator.server import Simulator

ROOT = "urn:github-openapi"
HEADERS = {"Authorization": "Bearer ghp_test", "Accept": "application/vnd.github+json"}


def nullable_to_json_schema(node):
    """OpenAPI 3.0's `nullable: true` as JSON Schema: null becomes an allowed value."""
    if isinstance(node, list):
        return [nullable_to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: nullable_to_json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False):
        if "type" in node and "$ref" not in node:
            node["type"] = [node["type"], "null"]
            if "enum" in node:
                node["enum"] = [*node["enum"], None]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


@pytest.fixture(scope="module")
def registry(github_openapi):
    doc = nullable_to_json_schema(copy.deepcopy(github_openapi))
    return doc, Registry().with_resource(ROOT, Resource.from_contents(doc, DRAFT7))


def validate(registry, path: str, method: str, status: int, body) -> None:
    doc, reg = registry
    response = doc["paths"][path][method]["responses"][str(status)]
    pointer = "/".join(
        part.replace("~", "~0").replace("/", "~1")
        for part in ["paths", path, method, "responses", str(status), "content",
                     "application/json", "schema"]
    )  # fmt: skip
    assert "application/json" in response["content"]
    validator = Draft7Validator({"$ref": f"{ROOT}#/{pointer}"}, registry=reg)
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message[:200]}" for e in errors[:5]]


@pytest.mark.parametrize("scenario", ["success", "build-failure"])
def test_payloads_match_githubs_description(registry, scenario):
    inputs = {"runner": "ubuntu-latest", "python": "cp312", "arch": "aarch64",
              "debug-mode": "always", "session-id": "oa1"}  # fmt: skip
    with (
        Simulator(speed=300, scenario=scenario) as sim,
        httpx.Client(base_url=sim.api_url, headers=HEADERS) as http,
    ):
        repo = "/repos/{owner}/{repo}"
        checks = [
            ("/user", "/user"),
            ("/users/octocat/keys", "/users/{username}/keys"),
            ("/repos/octo/pkg", repo),
            ("/repos/octo/pkg/actions/workflows/cibuildwheel-debug.yml",
             repo + "/actions/workflows/{workflow_id}"),
            ("/rate_limit", "/rate_limit"),
        ]  # fmt: skip
        for url, template in checks:
            response = http.get(url)
            assert response.status_code == 200, url
            validate(registry, template, "get", 200, response.json())

        dispatch = http.post(
            "/repos/octo/pkg/actions/workflows/cibuildwheel-debug.yml/dispatches",
            json={"ref": "main", "inputs": inputs, "return_run_details": True},
        )
        assert dispatch.status_code == 200
        template = repo + "/actions/workflows/{workflow_id}/dispatches"
        validate(registry, template, "post", 200, dispatch.json())
        run_id = dispatch.json()["workflow_run_id"]
        run_url = f"/repos/octo/pkg/actions/runs/{run_id}"

        def check_all():
            validate(
                registry, repo + "/actions/runs/{run_id}", "get", 200, http.get(run_url).json()
            )
            jobs = http.get(run_url + "/jobs").json()
            validate(registry, repo + "/actions/runs/{run_id}/jobs", "get", 200, jobs)
            artifacts = http.get(run_url + "/artifacts").json()
            validate(registry, repo + "/actions/runs/{run_id}/artifacts", "get", 200, artifacts)
            runs = http.get(
                "/repos/octo/pkg/actions/workflows/cibuildwheel-debug.yml/runs",
                params={"event": "workflow_dispatch"},
            ).json()
            validate(registry, repo + "/actions/workflows/{workflow_id}/runs", "get", 200, runs)
            return jobs, artifacts

        check_all()  # queued
        wait_for(lambda: sim.runs[run_id].session_open(sim.clock.now()))
        jobs, artifacts = check_all()  # in progress, with a session open
        assert any(j["status"] == "in_progress" for j in jobs["jobs"])
        assert artifacts["total_count"] >= 1
        sim.continue_session(run_id)
        wait_for(lambda: http.get(run_url).json()["status"] == "completed", 60)
        if scenario == "build-failure":
            sim.continue_session(run_id)
        jobs, artifacts = check_all()  # completed
        assert all(j["status"] == "completed" for j in jobs["jobs"])


def test_the_check_catches_a_payload_that_strays(registry):
    with Simulator(speed=1) as sim, httpx.Client(base_url=sim.api_url, headers=HEADERS) as http:
        body = http.get("/repos/octo/pkg/actions/workflows/cibuildwheel-debug.yml").json()
    template = "/repos/{owner}/{repo}/actions/workflows/{workflow_id}"
    validate(registry, template, "get", 200, body)
    for broken in ({**body, "state": "sleeping"}, {k: v for k, v in body.items() if k != "path"}):
        with pytest.raises(AssertionError):
            validate(registry, template, "get", 200, broken)


def test_the_runs_readers_and_the_check_runs_match_githubs_description(registry):
    """What `gh` and octokit read besides the tool's own requests, and the check runs a job
    writes and a client reads (a run's jobs among them, with their annotations)."""
    inputs = {"runner": "ubuntu-latest", "python": "cp312", "arch": "x86_64",
              "debug-mode": "disabled", "session-timeout": "30"}  # fmt: skip
    repo = "/repos/{owner}/{repo}"
    job_token = {"Authorization": "Bearer ghs_job"}
    with (
        Simulator(speed=300, scenario="build-failure") as sim,
        httpx.Client(base_url=sim.api_url, headers=HEADERS) as http,
    ):
        run = sim.new_run("octo/pkg", "main", inputs)
        wait_for(lambda: run.status(sim.clock.now())[0] == "completed", 30)
        sha = run.head_sha
        workflows = http.get("/repos/octo/pkg/actions/workflows").json()
        assert workflows["total_count"] == 3  # the debug workflow, and the repository's CI
        validate(registry, repo + "/actions/workflows", "get", 200, workflows)
        job = http.get(f"/repos/octo/pkg/actions/jobs/{run.debug.id}").json()
        validate(registry, repo + "/actions/jobs/{job_id}", "get", 200, job)
        artifact_id = run.artifact_id["logs"]
        artifact = http.get(f"/repos/octo/pkg/actions/artifacts/{artifact_id}").json()
        validate(registry, repo + "/actions/artifacts/{artifact_id}", "get", 200, artifact)
        for path, template in [
            (f"/repos/octo/pkg/actions/runs/{run.id}/logs", "/actions/runs/{run_id}/logs"),
            (f"/repos/octo/pkg/actions/jobs/{run.debug.id}/logs", "/actions/jobs/{job_id}/logs"),
        ]:
            moved = http.get(path)
            assert moved.status_code == 302 and moved.headers["Location"]
            assert "302" in registry[0]["paths"][repo + template]["get"]["responses"]

        made = http.post(
            "/repos/octo/pkg/check-runs",
            headers=job_token,
            json={"name": "cibw-debug-ssh", "head_sha": sha, "status": "in_progress",
                  "output": {"title": "SSH", "summary": "ssh x@nyc1.tmate.io"}},
        )  # fmt: skip
        assert made.status_code == 201
        validate(registry, repo + "/check-runs", "post", 201, made.json())
        check = f"/repos/octo/pkg/check-runs/{made.json()['id']}"
        note = {"path": ".github", "start_line": 1, "end_line": 1,
                "annotation_level": "notice", "message": "session open"}  # fmt: skip
        patched = http.patch(
            check,
            headers=job_token,
            json={"conclusion": "neutral", "output": {"summary": "closed", "annotations": [note]}},
        )
        assert patched.status_code == 200
        validate(registry, repo + "/check-runs/{check_run_id}", "patch", 200, patched.json())
        template = repo + "/check-runs/{check_run_id}"
        for ident in (made.json()["id"], run.validate.id, run.debug.id):
            validate(registry, template, "get", 200,
                     http.get(f"/repos/octo/pkg/check-runs/{ident}").json())  # fmt: skip
            notes = http.get(f"/repos/octo/pkg/check-runs/{ident}/annotations").json()
            validate(registry, template + "/annotations", "get", 200, notes)
        listed = http.get(f"/repos/octo/pkg/commits/{sha}/check-runs").json()
        assert listed["total_count"] == 3
        validate(registry, repo + "/commits/{ref}/check-runs", "get", 200, listed)


def test_the_contents_api_matches_githubs_description(registry):
    """A folder and a file of the main build, as the client reads them (core/main_build.py)."""
    template = "/repos/{owner}/{repo}/contents/{path}"
    with Simulator(speed=1) as sim, httpx.Client(base_url=sim.api_url, headers=HEADERS) as http:
        for path in (".github/workflows", ".github/workflows/wheels.yml", "pyproject.toml"):
            response = http.get(f"/repos/octo/pkg/contents/{path}", params={"ref": "main"})
            assert response.status_code == 200, path
            validate(registry, template, "get", 200, response.json())
        body = http.get("/repos/octo/pkg/contents/pyproject.toml").json()
    with pytest.raises(AssertionError):
        validate(registry, template, "get", 200, {**body, "size": "large"})


def test_the_repositorys_own_ci_matches_githubs_description(registry):
    """The seeded CI (simulator/ci.py): its failed runs, their jobs, a workflow file."""
    repo = "/repos/{owner}/{repo}"
    with Simulator() as sim, httpx.Client(base_url=sim.api_url, headers=HEADERS) as http:
        runs = http.get("/repos/octo/pkg/actions/runs", params={"status": "failure"}).json()
        validate(registry, repo + "/actions/runs", "get", 200, runs)
        assert {r["conclusion"] for r in runs["workflow_runs"]} == {"failure"}
        run_id = runs["workflow_runs"][0]["id"]
        jobs = http.get(f"/repos/octo/pkg/actions/runs/{run_id}/jobs").json()
        validate(registry, repo + "/actions/runs/{run_id}/jobs", "get", 200, jobs)
        wheels = http.get("/repos/octo/pkg/contents/.github/workflows/wheels.yml").json()
        validate(registry, repo + "/contents/{path}", "get", 200, wheels)
