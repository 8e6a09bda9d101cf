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
