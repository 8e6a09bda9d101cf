"""The fleet (core/fleet.py): the one orchestrator behind the dashboard and `dispatch --watch`."""

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import notifications, until
from test_client import REPO, client, spec
from test_ui import SIZE, make_app, text_of

from cibw_debug_tui.core import events
from cibw_debug_tui.core.fleet import Fleet
from cibw_debug_tui.core.history import History
from cibw_debug_tui.core.watcher import Watcher
from cibw_debug_tui.simulator.server import Simulator

COMMAND = str(Path(sys.executable).parent / "cibw-debug-tui")
BOOM = "stopped following the run: unexpected RuntimeError: boom"


@pytest.fixture
def broken_watchers(monkeypatch):
    """Watchers whose second look fails as a bug of ours would."""
    polls = {}
    poll_once = Watcher.poll_once

    async def fails_the_second_time(self):
        polls[self] = polls.get(self, 0) + 1
        if polls[self] == 2:
            raise RuntimeError("boom")
        return await poll_once(self)

    monkeypatch.setattr(Watcher, "poll_once", fails_the_second_time)


def test_a_failing_watcher_is_said_on_its_session_and_the_others_go_on(
    sim, tmp_path, broken_watchers
):
    told = []

    async def go():
        async with client(sim) as github:
            fleet = Fleet(github, History(tmp_path / "h.yaml"), log_dir=tmp_path,
                          on_event=told.append, pace=0.02)  # fmt: skip
            first = fleet.add(spec(debug_mode="disabled"))
            await fleet.dispatch(first)
            await fleet.wait(first)
            second = fleet.add(spec(python="cp313", debug_mode="disabled"))
            await fleet.dispatch(second, follow=False)
            await fleet.aclose()
            return fleet, first, second

    fleet, first, second = asyncio.run(go())
    assert first.note == BOOM and fleet.watchers == {}
    assert events.WatchEnded(first.id, BOOM) in told
    assert events.NoteChanged(first.id, BOOM) in told
    assert list(fleet.sessions) == [first.id, second.id]  # nothing lost, and it dispatches on
    assert {s.id for s in History(tmp_path / "h.yaml").load().sessions} == {first.id, second.id}


def test_the_dashboard_says_when_a_watcher_fails(sim, tmp_path, broken_watchers):
    async def go():
        app = make_app(sim, tmp_path, start_with=(spec(debug_mode="disabled"),))
        async with app.run_test(size=SIZE) as pilot:
            session = next(iter(app.sessions.values()))
            await until(pilot, lambda: session.note == BOOM and not app.watchers)
            toast = await until(pilot, lambda: [n for n in notifications(app) if BOOM in n.message])
            assert toast[0].severity == "error"
            await until(pilot, lambda: BOOM in text_of(app.query_one("#session-header")))
            assert app.is_running and list(app.sessions) == [session.id]

    asyncio.run(go())


def test_a_finished_session_is_read_once_when_looked_at_after_a_restart(sim, tmp_path):
    """The history keeps a session's status, not its jobs, artifacts or failure: the first
    look after a restart reads them (one round of requests), later looks read nothing."""
    sim.scenario = "build-failure"
    path = tmp_path / "h.yaml"

    async def first():
        async with client(sim) as github:
            fleet = Fleet(github, History(path), log_dir=tmp_path / "logs", pace=0.02)
            session = fleet.add(spec(debug_mode="disabled"))
            await fleet.dispatch(session)
            await fleet.wait(session)
            await fleet.aclose()
            return session

    before = asyncio.run(first())
    assert before.conclusion == "failure" and before.failure is not None

    async def after_restart():
        async with client(sim) as github:
            fleet = Fleet(github, History(path).load(), log_dir=tmp_path / "logs", pace=0.02)
            session = fleet.sessions[before.id]
            assert not session.jobs and not session.artifacts and session.failure is None
            fleet.select(session.id)
            fleet.look()
            await fleet.wait(session)
            read = github.requests
            fleet.look()
            await fleet.wait(session)
            await fleet.aclose()
            return session, read, github.requests

    session, read, later = asyncio.run(after_restart())
    assert [j["name"] for j in session.jobs] == [j["name"] for j in before.jobs]
    assert {a["name"] for a in session.artifacts} == {a["name"] for a in before.artifacts}
    assert session.failure.category == before.failure.category
    assert session.failure_log == before.failure_log  # the log saved before is read again
    assert read > 0 and later == read


def test_a_session_of_a_fleet_without_a_client_says_why_at_once(tmp_path):
    fleet = Fleet(None, History(persist=False), log_dir=tmp_path, problem="no GitHub token")
    session = fleet.add(spec())
    assert (session.status, session.note) == ("error", "no GitHub token") and session.done


@pytest.mark.e2e
def test_dispatch_watch_finds_the_ssh_session_through_the_scout_as_the_dashboard_does(tmp_path):
    """`dispatch --watch` follows its run through the same fleet as the dashboard: the
    repository's artifact list, which only the SSH scout reads, is read."""
    with Simulator(speed=100, scenario="ssh-timeout") as sim:
        env = {**os.environ, "GH_TOKEN": "ghp_scout", "HOME": str(tmp_path),
               "CIBW_DEBUG_TUI_CONFIG": str(tmp_path / "c.yaml")}  # fmt: skip
        proc = subprocess.Popen(
            [COMMAND, "dispatch", "--repo", REPO, "--runner", "ubuntu-latest", "--python",
             "cp312", "--arch", "x86_64", "--debug-mode", "before-build", "--watch", "--json",
             "--api-url", sim.api_url],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
        )  # fmt: skip
        try:
            for line in proc.stdout:
                if json.loads(line)["event"] == "ssh":
                    break
            assert sim.stats()["by_path"].get(f"/repos/{REPO}/actions/artifacts", 0) >= 1
        finally:
            proc.terminate()
            proc.communicate(timeout=30)


def test_dispatch_watch_says_when_its_watcher_fails(sim, tmp_path, monkeypatch, capsys,
                                                     broken_watchers):  # fmt: skip
    """In-process, so that the watcher can be broken: one line in words, exit 1."""
    from cibw_debug_tui.cli import main

    monkeypatch.setenv("GH_TOKEN", "ghp_broken")
    monkeypatch.setenv("CIBW_DEBUG_TUI_CONFIG", str(tmp_path / "c.yaml"))
    code = main(["dispatch", "--repo", REPO, "--runner", "ubuntu-latest", "--python", "cp312",
                 "--arch", "x86_64", "--debug-mode", "disabled", "--watch", "--json",
                 "--api-url", sim.api_url, "--log-dir", str(tmp_path)])  # fmt: skip
    out, err = capsys.readouterr()
    printed = [json.loads(line) for line in out.splitlines()]
    assert code == 1 and err == ""
    assert printed[-1] == {**printed[-1], "event": "stopped", "message": BOOM}
