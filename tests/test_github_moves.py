"""A repository renamed or transferred on GitHub (issue 22, item 1): its old name answers 301
(GET) or 307 (other methods) to `/repositories/<id>/...`. The client follows those on the
API's host with the token, method and body; learns the new name once, says it, and uses it,
history included. A redirect to another host is never followed with the token."""

import asyncio
import json

from helpers import until
from hostile_github import Answer, HostileGitHub
from test_client import REPO, TOKEN, client, spec

from cibw_debug_tui.core import events
from cibw_debug_tui.core.fleet import Fleet
from cibw_debug_tui.core.github import GitHub, GitHubError
from cibw_debug_tui.core.history import History
from cibw_debug_tui.simulator.server import Simulator

NEW = "octo-org/pkg-renamed"


def test_the_old_name_is_followed_once_then_the_new_one_is_used(sim, tmp_path):
    async def go():
        async with client(sim) as github:
            moved = []
            github.moved.on_moved = lambda old, new: moved.append((old, new))
            found = await github.dispatch(REPO, "main", spec().inputs(), "mv1")
            sim.rename(REPO, NEW)
            run, _ = await github.run(REPO, found.run_id)
            again, _ = await github.run(REPO, found.run_id)
            jobs, _ = await github.jobs(REPO, found.run_id)
            return found, run, again, jobs, moved

    found, run, again, jobs, moved = asyncio.run(go())
    assert run["id"] == again["id"] == found.run_id and jobs
    assert moved == [(REPO, NEW)]  # told once
    by_path = sim.stats()["by_path"]
    # One request for the old name; from then on, the new name.
    assert by_path[f"/repos/{REPO}/actions/runs/{found.run_id}"] == 1
    assert f"/repos/{REPO}/actions/runs/{found.run_id}/jobs" not in by_path
    assert by_path[f"/repos/{NEW}/actions/runs/{found.run_id}/jobs"] == 1


def test_a_dispatch_to_the_old_name_keeps_its_method_and_body():
    """307 for a POST: sent again as a POST with its inputs, not turned into a GET."""
    with Simulator(speed=200) as sim:
        sim.rename(REPO, NEW)

        async def go():
            async with client(sim) as github:
                return await github.dispatch(REPO, "main", spec(python="cp311").inputs(), "mv2")

        found = asyncio.run(go())
        assert found.found_by == "run details"
        run = sim.runs[found.run_id]
        assert run.repo == NEW and run.inputs["python"] == "cp311"
        assert run.inputs["session-id"] == "mv2"


def test_downloads_of_a_moved_repository_come_through(sim, tmp_path):
    """301 to /repositories/<id>/.../zip, then GitHub's 302 to the signed URL."""

    async def go():
        async with client(sim) as github:
            found = await github.dispatch(REPO, "main", spec().inputs(), "mv3")
            await until(None, lambda: sim.runs[found.run_id].status(sim.clock.now())[0]
                        == "completed", timeout=30)  # fmt: skip
            sim.rename(REPO, NEW)
            artifacts, _ = await github.artifacts(REPO, found.run_id)
            wheels = next(a for a in artifacts if a["name"].startswith("cibw-debug-wheels-"))
            return await github.download_artifact(REPO, wheels, tmp_path)

    path = asyncio.run(go())
    assert path.read_bytes()[:2] == b"PK"


def test_a_watched_session_takes_the_new_name_and_keeps_it_in_the_history(sim, tmp_path):
    told = []

    async def go():
        async with client(sim) as github:
            fleet = Fleet(github, History(tmp_path / "h.json"), log_dir=tmp_path,
                          on_event=told.append, pace=0.02)  # fmt: skip
            session = fleet.add(spec(debug_mode="disabled"))
            await fleet.dispatch(session)
            sim.rename(REPO, NEW)
            await fleet.wait(session)
            await fleet.aclose()
            return session

    session = asyncio.run(go())
    assert session.spec.repo == NEW and session.conclusion == "success"
    moves = [e for e in told if isinstance(e, events.RepositoryMoved)]
    assert moves == [events.RepositoryMoved(REPO, NEW)]
    assert NEW in moves[0].text
    kept = History(tmp_path / "h.json").load().sessions
    assert [s.spec.repo for s in kept] == [NEW]


def test_a_redirect_to_another_host_is_not_followed_with_the_token():
    with HostileGitHub() as gh, HostileGitHub() as elsewhere:
        elsewhere.on("GET", r".*", {"total_count": 0, "jobs": []})
        away = {"Location": f"{elsewhere.api_url}/repos/o/p/actions/runs/7/jobs"}
        gh.on("GET", r"/repos/o/p/actions/runs/7/jobs", Answer(301, {"message": "Moved"}, away))

        async def go():
            async with GitHub(gh.api_url, TOKEN, backoff=0.01, retries=1) as github:
                try:
                    await github.jobs("o/p", 7)
                except GitHubError as error:
                    return str(error)
            return "no error"

        said = asyncio.run(go())
        assert "not followed" in said and "301" in said, said
        assert elsewhere.requests() == []


def test_a_307_on_the_api_host_keeps_the_token_method_and_body():
    with HostileGitHub() as gh:
        base = "/repos/o/p/actions/workflows/cibuildwheel-debug.yml/dispatches"
        moved = "/repositories/42/actions/workflows/cibuildwheel-debug.yml/dispatches"
        gh.on("POST", base, Answer(307, headers={"Location": moved}))
        gh.on("GET", r"/repositories/42", {"full_name": "o/q", "default_branch": "main"})
        gh.on("POST", r"/repositories/42/actions/workflows/cibuildwheel-debug.yml/dispatches",
              Answer(200, {"workflow_run_id": 9, "html_url": None}))  # fmt: skip

        async def go():
            async with GitHub(gh.api_url, TOKEN, backoff=0.01) as github:
                found = await github.dispatch("o/p", "main", {"python": "cp312"}, "s")
                return found, dict(github.moved.names)

        found, names = asyncio.run(go())
        assert found.run_id == 9 and names == {"o/p": "o/q"}
        sent = gh.requests(r"/repositories/42/actions")[0]
        assert sent.method == "POST" and json.loads(sent.body)["inputs"]["session-id"] == "s"
        assert sent.headers["authorization"] == f"Bearer {TOKEN.value}"
