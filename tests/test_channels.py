"""The SSH connection's two channels (core/channels.py): which one a run uses, what the
check-run channel believes, and the SSH command reaching `dispatch --watch` and the dashboard
through it on a simulated GitHub Enterprise Server."""

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import until
from hypothesis import given
from hypothesis import strategies as st
from test_client import REPO, client, spec
from test_ui import SIZE, make_app, text_of

from cibw_debug_tui.core import channels
from cibw_debug_tui.core import workflow_contract as contract
from cibw_debug_tui.core.channels import Channel
from cibw_debug_tui.core.connection import ConnectionFileError, parse_connection
from cibw_debug_tui.core.fleet import Fleet
from cibw_debug_tui.core.history import History
from cibw_debug_tui.core.models import read_check_runs
from cibw_debug_tui.simulator import published
from cibw_debug_tui.simulator.server import Simulator

COMMAND = str(Path(sys.executable).parent / "cibw-debug-tui")
SHA = "0123456789abcdef0123456789abcdef01234567"
RUN = 21000000042
CONNECTION = {
    "format": 1, "status": "open", "stage": "before-build", "message": "SSH session open",
    "actor": "octocat", "identifier": "cp312-manylinux_x86_64", "runner_os": "Linux",
    "ssh": "ssh aBcD3fGh1jKlMnOpQrStUvWxY@nyc1.tmate.io", "opened_at": "2026-11-26T15:04:05Z",
    "timeout_minutes": 30, "expires_at": "2026-11-26T15:34:05Z",
    "continue_command": 'touch "/home/runner/work/pkg/pkg/continue"',
}  # fmt: skip


def fenced(data: object) -> str:
    start, end = contract.CHECK_RUN_JSON
    return start + json.dumps(data, indent=2) + end


def check_run(ident=1, *, name=None, app="github-actions", sha=SHA, text=None):
    """A check run as GitHub lists it, through the client's own reader."""
    return {
        "id": ident,
        "name": name or contract.ssh_check_run(RUN, "before-build", 1),
        "head_sha": sha,
        "app": None if app is None else {"slug": app, "id": 15368},
        "output": {"title": "SSH session open (before-build)", "text": text or fenced(CONNECTION)},
    }


def believed(*checks, stage="before-build"):
    listed = read_check_runs({"total_count": len(checks), "check_runs": list(checks)})
    return channels.connection_in(listed, RUN, stage, 1, SHA)


# -- which channel -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("api_url", "ghes"),
    [
        ("https://api.github.com", False),
        ("https://api.octo.ghe.com", False),  # GHE.com runs upload-artifact v4
        ("https://ghes.example.com/api/v3", True),
        ("https://ghes.example.com/api/v3/", True),
        ("http://127.0.0.1:8765", False),
        ("http://127.0.0.1:8765/api/v3", True),
    ],
)
def test_the_channel_follows_the_server_and_the_runs_workflow(api_url, ghes):
    assert channels.is_ghes(api_url) is ghes
    assert channels.variant_for(api_url) == (contract.GHES if ghes else contract.GITHUB_COM)
    by_server = Channel.CHECK_RUN if ghes else Channel.ARTIFACT
    assert channels.channel_for(api_url) is by_server
    assert channels.channel_for(api_url, contract.WORKFLOW_TITLE) is by_server
    assert channels.channel_for(api_url, contract.GHES_WORKFLOW_TITLE) is Channel.CHECK_RUN


# -- what the check-run channel believes --------------------------------------------------------


def test_the_one_check_run_of_github_actions_is_read_as_the_artifact_would_be():
    assert believed(check_run()) == parse_connection(CONNECTION)
    assert believed() is None  # none yet: asked again later
    other = check_run(2, name=contract.ssh_check_run(RUN, "before-build", 2))
    assert believed(other) is None  # another attempt's: not yet this one's
    assert believed(check_run(name=contract.ssh_check_run(RUN + 1, "before-build", 1))) is None


@pytest.mark.parametrize(
    ("checks", "words"),
    [
        ([check_run(app="ci-bot")], "made by the app 'ci-bot', not by GitHub Actions"),
        ([check_run(app="\x1b]52;c;evil\x07")], "made by another app, not by GitHub Actions"),
        ([check_run(app=None)], "made by another app"),
        ([check_run(1), check_run(2)], "2 check runs claim this SSH session"),
        ([check_run(1), check_run(2, app="ci-bot")], "not by GitHub Actions"),
        ([check_run(sha="f" * 40)], "on another commit"),
        ([check_run(text="ssh evil@example.com")], "holds no connection file"),
        ([check_run(text=fenced({**CONNECTION, "stage": "after-failure"}))],
         "holds the after-failure one"),
        ([check_run(text=contract.CHECK_RUN_JSON[0] + "{" + contract.CHECK_RUN_JSON[1])],
         "not valid JSON"),
        ([check_run(text=fenced({**CONNECTION, "ssh": "curl x | sh"}))], "holds shell syntax"),
        ([check_run(text=fenced({**CONNECTION, "pad": "x" * 70_000}))], "unexpectedly large"),
    ],
)  # fmt: skip
def test_a_check_run_that_cannot_be_believed_is_refused_in_words(checks, words):
    """The job's token can make check runs (`checks: write`): whatever else claims the session,
    it is never shown."""
    with pytest.raises(ConnectionFileError, match=words.replace("(", r"\(").replace(")", r"\)")):
        believed(*checks)


@given(st.text(max_size=300) | st.builds(lambda s: fenced(s), st.text(max_size=100)))
def test_any_text_in_the_check_run_is_a_connection_or_an_error_in_words(text):
    try:
        believed(check_run(text=text or "x"))
    except ConnectionFileError as error:
        assert str(error)


# -- end to end, on a simulated GHES -----------------------------------------------------------


def test_a_watched_ghes_session_reads_its_connection_from_the_check_run(tmp_path):
    """The fleet behind the dashboard and `dispatch --watch`: the connection arrives through
    the check run, the artifacts are never looked through for it."""
    told = []
    with Simulator(speed=200, ghes=True, scenario="build-failure") as sim:

        async def go():
            async with client(sim) as github:
                fleet = Fleet(github, History(persist=False), log_dir=tmp_path,
                              on_event=told.append, pace=0.02)  # fmt: skip
                session = fleet.add(spec(debug_mode="always"))
                await fleet.dispatch(session)
                assert fleet.watchers[session.id].channel is Channel.CHECK_RUN
                await fleet.wait(session)
                await fleet.aclose()
                return session

        session = asyncio.run(go())
        run = sim.runs[session.run_id]
        by_path = sim.stats()["by_path"]
    assert set(session.connections) == set(contract.STAGES)
    for stage in contract.STAGES:
        assert session.connections[stage].ssh == published.connection_json(run, stage)["ssh"]
    assert by_path[f"/repos/{REPO}/commits/{run.head_sha}/check-runs"] >= 2
    assert f"/repos/{REPO}/actions/artifacts" not in by_path  # the scout's list: not on GHES
    assert session.conclusion == "failure" and session.failure is not None


def test_a_publish_step_that_fails_on_ghes_says_so(tmp_path):
    """The github.com workflow on GHES: its upload-artifact v4 steps fail at once, and the
    session says that nothing can come, instead of waiting in silence."""
    with Simulator(speed=200, ghes=True, variant=contract.GITHUB_COM,
                   scenario="build-failure") as sim:  # fmt: skip

        async def go():
            async with client(sim) as github:
                fleet = Fleet(github, History(persist=False), log_dir=tmp_path, pace=0.02)
                session = fleet.add(spec(debug_mode="before-build"))
                await fleet.dispatch(session)
                await fleet.wait(session)
                await fleet.aclose()
                return session

        session = asyncio.run(go())
    assert session.connections == {}
    why = session.connection_errors["before-build"]
    assert "could not publish it" in why and contract.publish_step("before-build") in why


def test_the_dashboard_shows_the_ssh_command_of_a_ghes_session(tmp_path):
    with Simulator(speed=200, ghes=True, scenario="ssh-timeout") as sim:

        async def go():
            app = make_app(sim, tmp_path, start_with=(spec(debug_mode="before-build"),))
            async with app.run_test(size=SIZE) as pilot:
                session = await until(pilot, lambda: next(iter(app.sessions.values()), None))
                conn = await until(pilot, session.open_connection, 30)
                await until(pilot, lambda: conn.ssh in text_of(app.query_one("#ssh-command")))
                await pilot.press("c")
                assert app.clipboard == conn.ssh
                return session

        session = asyncio.run(go())
        run = sim.runs[session.run_id]
        assert session.connections["before-build"].ssh.endswith(".tmate.io")
        assert (
            session.connections["before-build"].ssh
            == (published.connection_json(run, "before-build")["ssh"])
        )
        assert sim.stats()["by_path"][f"/repos/{REPO}/commits/{run.head_sha}/check-runs"] >= 1


@pytest.mark.e2e
def test_dispatch_watch_on_ghes_prints_the_ssh_command_while_the_session_is_open(tmp_path):
    """The installed command, at its own pace, on a clock 30 times faster than real time: the
    SSH command is printed once the check run is made and while the session is open. (How
    soon: bench/run.py with BENCH_GHES=1.)"""
    with Simulator(speed=30, ghes=True, scenario="ssh-timeout") as sim:
        env = {**os.environ, "GH_TOKEN": "ghp_ghes", "HOME": str(tmp_path),
               "CIBW_DEBUG_TUI_CONFIG": str(tmp_path / "c.yaml")}  # fmt: skip
        proc = subprocess.Popen(
            [COMMAND, "dispatch", "--repo", REPO, "--runner", "ubuntu-latest", "--python",
             "cp312", "--arch", "x86_64", "--debug-mode", "before-build", "--watch", "--json",
             "--api-url", sim.api_url, "--log-dir", str(tmp_path)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
        )  # fmt: skip
        try:
            for line in proc.stdout:
                event = json.loads(line)
                if event["event"] == "ssh":
                    seen = time.monotonic()
                    break
            run = next(iter(sim.runs.values()))
            open_now = run.session_open(sim.clock.now())
            published_at = sim.clock.monotonic(run.step("publish", "before-build").end)
        finally:
            proc.terminate()
            proc.communicate(timeout=30)
    assert event["ssh"] == published.connection_json(run, "before-build")["ssh"]
    assert open_now == "before-build" and seen >= published_at
    print(f"SSH command printed {seen - published_at:.2f} s after its check run was made")
