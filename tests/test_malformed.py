"""Answers GitHub should never send, sent anyway by the simulator's "malformed" and "status"
faults: each becomes the client's own error in words and is asked again like a 502; neither
the dashboard nor `dispatch --watch` crashes, loses its session or stops watching."""

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import until
from test_client import REPO, client, spec
from test_ui import SIZE, make_app

from cibw_debug_tui.core.github import GitHubError
from cibw_debug_tui.simulator.server import Simulator

COMMAND = str(Path(sys.executable).parent / "cibw-debug-tui")
RUN = r"/actions/runs/\d+$"
JOBS = r"/actions/runs/\d+/jobs$"
HTML = {"Content-Type": "text/html; charset=utf-8"}
RATE_RESET_SOON = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "soon"}

# (what the fault does, where, the words said about it)
READS = [
    ({"kind": "malformed", "body": '{"total_count": 0, "jobs": null}'}, JOBS, "jobs is null"),
    ({"kind": "malformed", "body": '{"id": 1, "conclusion": null, "html_url": "x"}'}, RUN,
     "status is missing"),
    ({"kind": "malformed", "body": "[" * 100_000 + "]" * 100_000}, JOBS, "nested too deeply"),
    ({"kind": "malformed", "body": "<html>Unicorn!</html>", "headers": HTML}, RUN,
     "not JSON (text/html)"),
    ({"kind": "malformed", "body": ""}, JOBS, "the answer is empty"),
    ({"kind": "status", "status": 403, "headers": RATE_RESET_SOON}, JOBS,
     "rate limited by GitHub (no readable reset time)"),
]  # fmt: skip
DISPATCH_ANSWERS = [
    {"kind": "malformed", "body": "<html>Unicorn!</html>", "headers": HTML},
    {"kind": "malformed", "body": ""},
    {"kind": "malformed", "body": '{"workflow_run_id": "abc"}'},
]


@pytest.mark.parametrize("fault", DISPATCH_ANSWERS, ids=["html", "empty", "run-id-abc"])
def test_a_dispatch_answered_with_nonsense_finds_its_run_and_sends_nothing_twice(sim, fault):
    sim.inject(**fault, path="/dispatches")
    notes = []

    async def go():
        async with client(sim, on_status=notes.append) as github:
            return await github.dispatch(REPO, "main", spec().inputs(), "bad-answer")

    found = asyncio.run(go())
    assert len(sim.runs) == 1 and found.run_id in sim.runs
    assert found.found_by == "session id"
    assert any("GitHub sent an answer this tool cannot read" in note for note in notes), notes


@pytest.mark.parametrize(("fault", "path", "words"), READS, ids=[w for *_, w in READS])
def test_a_bad_answer_is_asked_again_and_said_in_words(sim, fault, path, words):
    notes = []

    async def go():
        async with client(sim, on_status=notes.append) as github:
            found = await github.dispatch(REPO, "main", spec().inputs(), "again")
            sim.inject(**fault, path=path, count=2)
            run, _ = await github.run(REPO, found.run_id)
            jobs, _ = await github.jobs(REPO, found.run_id)
            return run, jobs

    run, jobs = asyncio.run(go())
    assert run["status"] in ("queued", "in_progress", "completed") and isinstance(jobs, list)
    assert any(words in note and "retrying" in note for note in notes), notes


@pytest.mark.parametrize(("fault", "path", "words"), READS, ids=[w for *_, w in READS])
def test_a_bad_answer_every_time_is_the_clients_error_in_words(sim, fault, path, words):
    async def go():
        async with client(sim, retries=2) as github:
            found = await github.dispatch(REPO, "main", spec().inputs(), "always")
            sim.inject(**fault, path=path, count=3)
            if path == RUN:
                await github.run(REPO, found.run_id)
            else:
                await github.jobs(REPO, found.run_id)

    with pytest.raises(GitHubError) as error:
        asyncio.run(go())
    assert words in str(error.value)


def test_the_dashboard_says_each_bad_answer_and_watches_on(tmp_path):
    async def go():
        with Simulator(speed=60) as sim:
            for fault, path, _ in READS:  # each one more often than the client asks again
                sim.inject(**fault, path=path, count=7)
            app = make_app(sim, tmp_path, start_with=(spec(debug_mode="disabled"),))
            async with app.run_test(size=SIZE) as pilot:
                session = next(iter(app.sessions.values()))
                await until(pilot, lambda: session.conclusion == "success", timeout=120)
                assert app.is_running and list(app.sessions) == [session.id]
                assert session.id in app.history.path.read_text()
                return " | ".join(app.said)

    said = asyncio.run(go())
    for _, _, words in READS:
        assert words in said, said


@pytest.mark.slow
@pytest.mark.e2e
def test_dispatch_watch_says_each_bad_answer_and_watches_on(tmp_path):
    with Simulator(speed=20) as sim:
        sim.inject(**DISPATCH_ANSWERS[0], path="/dispatches")
        for fault, path, _ in READS:
            sim.inject(**fault, path=path, count=1)
        env = {**os.environ, "GH_TOKEN": "ghp_bad", "HOME": str(tmp_path),
               "CIBW_DEBUG_TUI_CONFIG": str(tmp_path / "c.yaml")}  # fmt: skip
        proc = subprocess.run(
            [COMMAND, "dispatch", "--repo", REPO, "--runner", "ubuntu-latest", "--python",
             "cp312", "--arch", "x86_64", "--debug-mode", "disabled", "--watch", "--json",
             "--api-url", sim.api_url],
            capture_output=True, text=True, env=env, cwd=tmp_path, timeout=180, check=False,
        )  # fmt: skip
        assert len(sim.runs) == 1
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and proc.stderr == ""
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    notes = " | ".join(e["text"] for e in events if e["event"] == "note")
    assert events[0]["event"] == "settings" and events[0]["cibw_settings"]
    assert events[1]["event"] == "note" and "cannot read" in events[1]["text"]
    assert any(e["event"] == "dispatched" for e in events)
    for _, _, words in READS:
        assert words in notes, notes
    statuses = [e for e in events if e["event"] == "status"]
    assert statuses[-1]["conclusion"] == "success" and events[-1]["event"] == "summary"
