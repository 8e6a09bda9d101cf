"""Every URL in the simulator's answers is on the host the client asked, as GitHub's are: a
client behind a proxy or a host name follows them to the same place, with its token."""

import io
import json
import re
import zipfile

import httpx
import pytest
from helpers import wait_for

from cibw_debug_tui.simulator.server import Simulator

TOKEN = {"Authorization": "Bearer ghp_test"}
INPUTS = {"runner": "ubuntu-latest", "python": "cp312", "arch": "x86_64",
          "debug-mode": "disabled"}  # fmt: skip
URL = re.compile(r"https?://[^\s\"'<>]+")


def urls_in(body) -> set[str]:
    return set(URL.findall(json.dumps(body)))


def completed_run(sim: Simulator, scenario: str = "success") -> int:
    sim.scenario = scenario
    run = sim.new_run("octo/pkg", "main", {**INPUTS, "session-timeout": "30"})
    wait_for(lambda: sim.runs[run.id].status(sim.clock.now())[0] == "completed", 30)
    return run.id


def answers(http: httpx.Client, run_id: int) -> list[httpx.Response]:
    run = f"/repos/octo/pkg/actions/runs/{run_id}"
    paths = ["/user", "/repos/octo/pkg", "/repos/octo/pkg/actions/workflows", run,
             run + "/jobs", run + "/artifacts", "/repos/octo/pkg/actions/artifacts"]  # fmt: skip
    return [http.get(path) for path in paths]


@pytest.mark.parametrize(
    ("host", "api", "web"),
    [
        ("api.github.localhost", "http://api.github.localhost", "http://github.localhost"),
        ("api.github.localhost:8080", "http://api.github.localhost:8080",
         "http://github.localhost:8080"),
        ("GHE.example.COM", "http://ghe.example.com", "http://ghe.example.com"),
        ("[::1]:9", "http://[::1]:9", "http://[::1]:9"),
    ],
)  # fmt: skip
def test_every_url_is_on_the_host_asked(host, api, web):
    with Simulator(speed=300) as sim:
        run_id = completed_run(sim)
        headers = {**TOKEN, "Host": host}
        with httpx.Client(base_url=sim.base_url, headers=headers) as http:
            found = set()
            for response in answers(http, run_id):
                assert response.status_code == 200, response.url
                found |= urls_in(response.json())
            links = http.get(f"/repos/octo/pkg/actions/runs/{run_id}/jobs?per_page=1")
            found |= set(URL.findall(links.headers["Link"]))
            for path in (f"/repos/octo/pkg/actions/runs/{run_id}/logs",
                         "/repos/octo/pkg/actions/artifacts/"
                         f"{sim.runs[run_id].artifact_id['logs']}/zip"):  # fmt: skip
                moved = http.get(path)
                assert moved.status_code == 302
                found.add(moved.headers["Location"])
    ours = {u for u in found if not u.startswith(("https://docs.github.com/",
                                                  "https://help.github.com/"))}  # fmt: skip
    assert ours, "no URLs found"
    stray = {u for u in ours if not u.startswith((api + "/", web + "/"))}
    assert not stray, sorted(stray)[:5]
    assert any(u.startswith(f"{web}/octo/pkg/actions/runs/{run_id}") for u in ours)
    assert f"{api}/repos/octo/pkg/actions/runs/{run_id}/jobs" in ours


def test_the_plain_simulator_keeps_its_address_for_web_pages():
    """What the dashboard opens (core/config.py's web_url: the API's own host)."""
    with Simulator(speed=300) as sim, httpx.Client(headers=TOKEN) as http:
        run_id = completed_run(sim)
        body = http.get(f"{sim.api_url}/repos/octo/pkg/actions/runs/{run_id}").json()
        assert body["html_url"] == f"{sim.base_url}/octo/pkg/actions/runs/{run_id}"
        assert body["jobs_url"] == f"{sim.base_url}/repos/octo/pkg/actions/runs/{run_id}/jobs"


def test_a_proxy_request_is_answered_on_the_host_it_names():
    """An absolute-form request (what a client sends to an HTTP proxy) is routed like any
    other, and its answer's URLs, followed through the same proxy, lead to the same data."""
    with Simulator(speed=300) as sim:
        run_id = completed_run(sim)
        with httpx.Client(proxy=sim.base_url, headers=TOKEN) as http:
            run = http.get(f"http://api.github.localhost/repos/octo/pkg/actions/runs/{run_id}")
            assert run.status_code == 200
            jobs = http.get(run.json()["jobs_url"]).json()["jobs"]
            assert [j["id"] for j in jobs] == [sim.runs[run_id].validate.id,
                                               sim.runs[run_id].debug.id]  # fmt: skip
            logs = http.get(run.json()["logs_url"], follow_redirects=True)
            assert logs.status_code == 200
            names = zipfile.ZipFile(io.BytesIO(logs.content)).namelist()
            assert f"0_{jobs[0]['name']}.txt" in names
        assert sim.stats()["by_path"][f"/repos/octo/pkg/actions/runs/{run_id}/jobs"] == 1


def test_the_scheme_follows_x_forwarded_proto():
    with Simulator(speed=300) as sim:
        headers = {**TOKEN, "Host": "api.github.localhost", "X-Forwarded-Proto": "https"}
        body = httpx.get(f"{sim.base_url}/repos/octo/pkg", headers=headers).json()
    assert body["url"] == "https://api.github.localhost/repos/octo/pkg"
    assert body["html_url"] == "https://github.localhost/octo/pkg"


@pytest.mark.parametrize("host", ["evil.example/<script>", "a b", "", "x@y", "-bad.example"])
def test_a_host_header_that_is_no_host_falls_back_to_the_servers_address(host):
    with Simulator() as sim:
        body = httpx.get(f"{sim.base_url}/repos/octo/pkg", headers={**TOKEN, "Host": host})
        assert body.json()["url"] == f"{sim.base_url}/repos/octo/pkg"


def test_ghes_urls_are_under_api_v3_of_the_host_asked():
    with Simulator(speed=300, ghes=True) as sim:
        run_id = completed_run(sim)
        headers = {**TOKEN, "Host": "ghe.example.com"}
        with httpx.Client(base_url=sim.api_url, headers=headers) as http:
            run = http.get(f"/repos/octo/pkg/actions/runs/{run_id}").json()
            moved = http.get(f"/repos/octo/pkg/actions/runs/{run_id}/logs")
    assert (
        run["jobs_url"]
        == f"http://ghe.example.com/api/v3/repos/octo/pkg/actions/runs/{run_id}/jobs"
    )
    assert run["html_url"] == f"http://ghe.example.com/octo/pkg/actions/runs/{run_id}"
    assert moved.headers["Location"].startswith("http://ghe.example.com/_sim/blob/runlog/")


def test_the_api_urls_an_answer_names_lead_somewhere():
    """Followed as a client would (the token sent, redirects followed), each URL a run, its
    jobs, their check runs and its artifacts name for reading answers 200."""
    followed = ("url", "jobs_url", "logs_url", "artifacts_url", "workflow_url", "run_url",
                "check_run_url", "archive_download_url", "annotations_url")  # fmt: skip
    with Simulator(speed=300) as sim, httpx.Client(headers=TOKEN) as http:
        run_id = completed_run(sim, "build-failure")
        base = f"{sim.api_url}/repos/octo/pkg/actions/runs/{run_id}"
        run = http.get(base).json()
        jobs = http.get(run["jobs_url"]).json()["jobs"]
        artifacts = http.get(run["artifacts_url"]).json()["artifacts"]
        checks = [http.get(job["check_run_url"]).json() for job in jobs]
        outputs = [check["output"] for check in checks]
        seen = set()
        for body in (run, *jobs, *artifacts, *checks, *outputs):
            for key in followed:
                if key in body and body[key] not in seen:
                    seen.add(body[key])
                    response = http.get(body[key], follow_redirects=True)
                    assert response.status_code == 200, (key, body[key], response.text[:200])
    assert len(seen) >= 15
