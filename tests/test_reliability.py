"""Faults, restarts and two instances: the tool keeps going, says what is happening, recovers,
and never loses a session."""

import asyncio
import json
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
import yaml
from helpers import until, wait_for
from test_ui import REPO, SIZE, make_app, spec

from cibw_debug_tui.core.history import History
from cibw_debug_tui.core.session import Session, SessionSpec
from cibw_debug_tui.simulator.server import Simulator

COMMAND = str(Path(sys.executable).parent / "cibw-debug-tui")
RUNS = "/actions/runs/"
FAULTS = [
    {"kind": "status", "status": 502, "count": 2, "path": RUNS},
    {"kind": "drop", "count": 1, "path": RUNS},
    {"kind": "malformed", "count": 2, "path": RUNS},
    {"kind": "unauthorized", "count": 2, "path": RUNS},
    {"kind": "status", "status": 503, "count": 1, "path": RUNS},
    {"kind": "drop-after", "count": 1, "path": RUNS},
    {"kind": "slow", "seconds": 2.0, "count": 1, "path": RUNS},
]


def inject_all(sim: Simulator) -> None:
    for fault in FAULTS:
        sim.inject(**{k: v for k, v in fault.items()})
    sim.rate_limit_for(3, "primary")  # faults come first; the limit outlasts them


@pytest.mark.slow
@pytest.mark.e2e
def test_dispatch_watch_rides_out_every_fault(tmp_path):
    with Simulator(speed=60) as sim:
        env = {**os.environ, "GH_TOKEN": "ghp_faults", "HOME": str(tmp_path),
               "CIBW_DEBUG_TUI_CONFIG": str(tmp_path / "c.yaml")}  # fmt: skip
        proc = subprocess.Popen(
            [COMMAND, "dispatch", "--repo", REPO, "--runner", "ubuntu-latest", "--python",
             "cp312", "--arch", "x86_64", "--debug-mode", "disabled", "--watch", "--json",
             "--api-url", sim.api_url],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
        )  # fmt: skip
        first, second = (json.loads(proc.stdout.readline()) for _ in range(2))
        assert (first["event"], second["event"]) == ("settings", "dispatched")
        inject_all(sim)
        out, err = proc.communicate(timeout=180)
    events = [json.loads(line) for line in out.splitlines()]
    notes = " ".join(e["text"] for e in events if e["event"] == "note")
    assert proc.returncode == 0, err
    assert any(e.get("conclusion") == "success" for e in events if e["event"] == "status")
    assert "retrying" in notes or "rate limited" in notes, notes
    assert "Traceback" not in err


@pytest.mark.e2e
def test_dispatch_watch_of_a_deleted_run_exits_1_in_words(tmp_path):
    with Simulator(speed=1, scenario="never-picked-up") as sim:
        env = {**os.environ, "GH_TOKEN": "ghp_del", "CIBW_DEBUG_TUI_CONFIG": str(tmp_path / "c")}
        proc = subprocess.Popen(
            [COMMAND, "dispatch", "--repo", REPO, "--runner", "ubuntu-latest", "--python",
             "cp312", "--arch", "x86_64", "--watch", "--api-url", sim.api_url],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
        )  # fmt: skip
        line = ""
        while "/runs/" not in line:  # after the settings it sends
            line = proc.stdout.readline()
            assert line, "the dispatch printed no run"
        run_id = int(re.search(r"/runs/(\d+)", line).group(1))
        sim.delete_run(run_id)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert "the run was deleted on GitHub" in out


@pytest.mark.slow
def test_dashboard_rides_out_every_fault_and_says_so(tmp_path):
    async def go():
        with Simulator(speed=60) as sim:
            app = make_app(sim, tmp_path, start_with=(spec(debug_mode="disabled"),))
            async with app.run_test(size=SIZE) as pilot:
                session = next(iter(app.sessions.values()))
                await until(pilot, lambda: session.run_id is not None)
                inject_all(sim)
                await until(pilot, lambda: session.conclusion == "success", timeout=120)
                assert session.id in app.history.path.read_text()
                return " | ".join(app.said)

    said = asyncio.run(go())
    for words in ("retrying", "rate limited by GitHub", "refused the token"):
        assert words in said, said


@pytest.mark.e2e
def test_a_killed_dashboard_comes_back_with_its_sessions(tmp_path):
    """SIGKILL mid-watch, then start again: the session is listed and watched again."""
    with Simulator(speed=2, scenario="ssh-timeout") as sim:
        session = f"kill-{uuid.uuid4().hex[:6]}"
        history = tmp_path / "history.yaml"
        env = (
            f"env -u COLUMNS -u LINES HOME={tmp_path} GH_TOKEN=ghp_kill "
            f"CIBW_DEBUG_TUI_CONFIG={tmp_path}/c.yaml CIBW_DEBUG_TUI_HISTORY={history}"
        )
        command = f"{env} {COMMAND} --api-url {sim.api_url} --repo {REPO}"
        subprocess.run(["tmux", "new-session", "-d", "-x", "160", "-y", "48", "-s", session,
                        command], check=True)  # fmt: skip
        try:
            wait_for(
                lambda: (
                    "New debug session"
                    in subprocess.run(
                        ["tmux", "capture-pane", "-p", "-t", session],
                        capture_output=True,
                        text=True,
                    ).stdout
                ),
                30,
                every=0.2,
            )
            subprocess.run(["tmux", "send-keys", "-t", session, "C-s"], check=True)
            wait_for(lambda: history.exists() and '"run_id": 2' in history.read_text(), 30,
                     every=0.2, why=lambda: "the dispatch never reached the history")  # fmt: skip
            pid = int(subprocess.run(["tmux", "display", "-p", "-t", session, "#{pane_pid}"],
                                     capture_output=True, text=True).stdout)  # fmt: skip
            os.kill(pid, signal.SIGKILL)
        finally:
            subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
        saved = yaml.safe_load(history.read_text())
        assert len(saved["sessions"]) == 1 and saved["sessions"][0]["status"] in (
            "queued",
            "in_progress",
        )

        async def again():
            app = make_app(sim, tmp_path, history=History(history).load())
            async with app.run_test(size=SIZE) as pilot:
                (restored,) = app.sessions.values()
                # Watched again: the jobs and the run's state come back from GitHub.
                await until(pilot, lambda: restored.jobs and restored.status != "queued")

        asyncio.run(again())


def _add_sessions(path: str, prefix: str, count: int) -> None:
    history = History(Path(path)).load()
    for i in range(count):
        spec = SessionSpec(REPO, "ubuntu-latest", "cp312", "x86_64")
        history.add(Session(f"{prefix}{i}", spec, "http://x", created_at=time.time()))


def test_two_instances_writing_at_once_lose_nothing(tmp_path):
    path = str(tmp_path / "history.yaml")
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_add_sessions, args=(path, prefix, 25)) for prefix in ("a", "b")
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    ids = {s["id"] for s in yaml.safe_load(Path(path).read_text())["sessions"]}
    assert ids == {f"{p}{i}" for p in "ab" for i in range(25)}
    assert not list(tmp_path.glob(".history.yaml.*.tmp"))


def test_the_simulator_control_endpoints_answer(tmp_path):
    with Simulator() as sim:
        url = sim.base_url
        assert httpx.post(f"{url}/_sim/faults", json={"kind": "drop"}).status_code == 201
        assert httpx.post(f"{url}/_sim/scenario", json={"scenario": "nope"}).status_code == 422
        assert httpx.get(f"{url}/_sim/stats").json()["runs"] == 0


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["primary", "secondary"])
def test_rate_limit_words_reach_the_status_line(tmp_path, kind):
    async def go():
        with Simulator(speed=20) as sim:  # the run lasts ~7 s: the 2 s of limits fall in it
            app = make_app(sim, tmp_path, start_with=(spec(debug_mode="disabled"),))
            async with app.run_test(size=SIZE) as pilot:
                session = next(iter(app.sessions.values()))
                await until(pilot, lambda: session.run_id is not None)
                sim.rate_limit_for(2, kind)
                await until(pilot, lambda: session.done, timeout=60)
                return list(app.said)

    assert any("rate limited by GitHub" in s for s in asyncio.run(go()))
