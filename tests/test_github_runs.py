"""How real GitHub's runs differ from a plain reading of its docs (issue 22), played by the
simulator and followed by the real client: re-run attempts, late logs, transient 404s, a
failed run without a failed job, statuses beyond queued/in_progress/completed, slow cancels."""

import asyncio
import time
from datetime import datetime, timedelta, timezone

import pytest
from helpers import until
from test_client import REPO, client, spec

from cibw_debug_tui.core.fleet import Fleet
from cibw_debug_tui.core.github import GitHubError
from cibw_debug_tui.core.history import History
from cibw_debug_tui.core.models import RunStatus
from cibw_debug_tui.core.session import WAITING_WORDS
from cibw_debug_tui.core.watcher import GONE_AFTER
from cibw_debug_tui.simulator.server import Simulator


def fleet_of(github, tmp_path, told=None):
    tell = told.append if told is not None else lambda event: None
    return Fleet(github, History(persist=False), log_dir=tmp_path, on_event=tell, pace=0.02)


def reads(sim, run_id):
    by_path = sim.stats()["by_path"]
    base = f"/repos/{REPO}/actions/runs/{run_id}"
    return by_path.get(base, 0), by_path.get(base + "/jobs", 0)


def test_rerun_failed_jobs_mixes_attempts_and_the_run_is_not_read_every_poll(tmp_path):
    """After R, the jobs list holds the re-run job (attempt 2) beside the validate job that
    succeeded in attempt 1: the newest attempt decides, so the run is read when it changes,
    not on every poll. (A limit no poll comes near: the hourly pace would space them.)"""
    with Simulator(speed=200, scenario="build-failure", rate_limit=10**6) as sim:

        async def go():
            async with client(sim) as github:
                fleet = fleet_of(github, tmp_path)
                session = fleet.add(spec(debug_mode="disabled"))
                await fleet.dispatch(session)
                await fleet.wait(session)
                before = reads(sim, session.run_id)
                await fleet.rerun_failed(session)
                await until(None, lambda: session.attempt == 2 and session.done, timeout=30)
                await fleet.wait(session)
                after = reads(sim, session.run_id)
                await fleet.aclose()
                return session, before, after

        session, before, after = asyncio.run(go())
    assert session.conclusion == "failure" and session.failure is not None
    assert sorted(j["run_attempt"] for j in session.jobs) == [1, 2]
    runs, jobs = after[0] - before[0], after[1] - before[1]
    assert jobs >= 5 and runs <= jobs / 2, (runs, jobs)


def test_a_log_written_late_is_waited_for_and_then_explained(tmp_path):
    """The logs endpoint redirects, but storage answers 404 for 3 s after the job ended
    (the old watcher gave up after three tries in well under that): the session says it is
    reading the log meanwhile, and explains the failure once it is there."""
    with Simulator(speed=200, scenario="timed-out") as sim:  # no build log artifact
        sim.quirks.log_delay = 3.0
        told = []

        async def go():
            async with client(sim) as github:
                fleet = fleet_of(github, tmp_path, told)
                session = fleet.add(spec(debug_mode="disabled"))
                await fleet.dispatch(session)
                await asyncio.wait_for(fleet.wait(session), 60)
                await fleet.aclose()
                return session

        session = asyncio.run(go())
    notes = [e.text for e in told if getattr(e, "kind", "") == "note"]
    assert any(n.startswith("reading the log…") for n in notes), notes
    assert session.failure is not None and session.failure_log.exists()


def test_a_failed_run_whose_job_timed_out_is_explained_and_the_watch_ends(tmp_path):
    """The run concludes "failure" while its only unsuccessful job says "timed_out": that
    job's log is read and the watch ends (it was polled every 10 s forever)."""
    with Simulator(speed=200, scenario="timed-out") as sim:

        async def go():
            async with client(sim) as github:
                fleet = fleet_of(github, tmp_path)
                session = fleet.add(spec(debug_mode="disabled"))
                await fleet.dispatch(session)
                await asyncio.wait_for(fleet.wait(session), 30)
                await fleet.aclose()
                return session

        session = asyncio.run(go())
    assert session.conclusion == "failure"
    assert [j["conclusion"] for j in session.jobs] == ["success", "timed_out"]
    assert session.failure is not None


def test_a_run_github_does_not_know_yet_is_not_taken_for_deleted(tmp_path):
    """Right after the dispatch, the run answers 404 for 2 s (simulator: quirks.run_lag):
    one 404 used to end the watch with "deleted on GitHub"."""
    with Simulator(speed=200) as sim:
        sim.quirks.run_lag = 2.0
        told = []

        async def go():
            async with client(sim) as github:
                fleet = fleet_of(github, tmp_path, told)
                session = fleet.add(spec(debug_mode="disabled"))
                await fleet.dispatch(session)
                await asyncio.wait_for(fleet.wait(session), 30)
                await fleet.aclose()
                return session

        session = asyncio.run(go())
    notes = [e.text for e in told if getattr(e, "kind", "") == "note"]
    assert "GitHub does not find the run just now; asking again" in notes
    assert session.status == "completed" and session.conclusion == "success"


def test_a_run_that_stays_missing_is_deleted_after_a_second_404_seconds_later(tmp_path):
    with Simulator(speed=1, scenario="never-picked-up") as sim:

        async def go():
            async with client(sim) as github:
                fleet = fleet_of(github, tmp_path)
                session = fleet.add(spec(debug_mode="disabled"))
                await fleet.dispatch(session)
                sim.delete_run(session.run_id)
                started = time.monotonic()
                await asyncio.wait_for(fleet.wait(session), 30)
                await fleet.aclose()
                return session, time.monotonic() - started

        session, took = asyncio.run(go())
    assert session.status == "gone" and session.note == "the run was deleted on GitHub"
    assert took >= GONE_AFTER


def test_a_second_run_of_a_session_is_pending_until_the_first_ends(tmp_path):
    """Two runs with one session id share a concurrency group: the later one is `pending`
    (no jobs) until the first has ended; it is followed through to its start and end."""
    with Simulator(speed=200) as sim:
        told = []

        async def go():
            async with client(sim) as github:
                fleet = fleet_of(github, tmp_path, told)
                first = fleet.add(spec(debug_mode="disabled"))
                await fleet.dispatch(first, follow=False)
                second = fleet.add(spec(debug_mode="disabled"))
                second.id = first.id  # the same session id: the same concurrency group
                await fleet.dispatch(second)
                await asyncio.wait_for(fleet.wait(second), 30)
                await fleet.aclose()
                return second

        second = asyncio.run(go())
    statuses = [str(e.status) for e in told if getattr(e, "kind", "") == "status"]
    assert statuses[1:] == ["queued", "pending", "in_progress", "completed"], statuses
    assert second.conclusion == "success"
    assert WAITING_WORDS[RunStatus.PENDING] == "waiting for another run of this session to finish"


def test_the_scout_asks_for_the_awaited_names_only(tmp_path):
    """Another workflow uploads an artifact every 50 ms: the repository's whole list changes
    all the time (a counted 200 each poll), the list of one connection file's name does not."""
    with Simulator(speed=100, scenario="ssh-timeout") as sim:
        sim.quirks.change({"noise_every": 0.05})

        async def go():
            async with client(sim) as github:
                fleet = fleet_of(github, tmp_path)
                session = fleet.add(spec(debug_mode="before-build"))
                await fleet.dispatch(session)
                await until(None, lambda: session.connections, timeout=30)
                await fleet.aclose()
                return session

        asyncio.run(go())
        stats = sim.stats()
    listed = f"/repos/{REPO}/actions/artifacts"
    asked, paid = stats["by_path"][listed], stats["counted_by_path"].get(listed, 0)
    assert asked >= 5 and paid <= 3, (asked, paid)


def test_a_log_sent_compressed_is_counted_in_the_bytes_sent(sim, tmp_path):
    """Storage sends the log gzip-encoded: Content-Length counts the bytes on the wire, not
    the log's (which the client compared, and called every such log cut short)."""
    sim.scenario = "build-failure"

    async def go():
        async with client(sim) as github:
            found = await github.dispatch(REPO, "main", spec(debug_mode="disabled").inputs(), "z")
            run = sim.runs[found.run_id]
            await until(None, lambda: run.status(sim.clock.now())[0] == "completed", timeout=30)
            seen = []
            path = await github.download(
                f"/repos/{REPO}/actions/jobs/{run.debug.id}/logs", tmp_path / "job.log",
                "the job log", lambda done, size: seen.append((done, size)))  # fmt: skip
            return path, seen

    path, seen = asyncio.run(go())
    text = path.read_text()
    assert "cibuildwheel" in text and seen[-1][0] == seen[-1][1] < len(text.encode())


@pytest.mark.parametrize(
    ("quirk", "ref", "words"),
    [
        ("no_dispatch", "main", "cannot be started by hand (it has no workflow_dispatch trigger)"
         ": push the current workflow to main: `cibw-debug-tui install-workflow`"),
        ("old_workflow", "develop", "is older than this tool (Unexpected inputs provided: "
         '["cibw-settings"]): push the current workflow to develop'),
        (None, "gone-branch", "has no branch or tag 'gone-branch'"),
    ],
)  # fmt: skip
def test_a_refused_dispatch_says_what_to_do(sim, quirk, ref, words):
    if quirk:
        sim.quirks.change({quirk: [REPO]})

    async def go():
        async with client(sim) as github:
            await github.dispatch(REPO, ref, spec().inputs(), "r")

    with pytest.raises(GitHubError) as refused:
        asyncio.run(go())
    assert words in str(refused.value) and refused.value.status == 422
    assert sim.runs == {}


def test_a_cancel_that_does_not_take_offers_force_cancel_which_does(tmp_path):
    """GitHub runs the workflow's `always()` steps before a cancel takes (simulator:
    quirks.cancel_seconds, here hours): after a minute of that, force-cancel ends it."""
    with Simulator(speed=200, scenario="ssh-timeout") as sim:
        sim.quirks.cancel_seconds = 36000.0

        async def go():
            async with client(sim) as github:
                fleet = fleet_of(github, tmp_path)
                session = fleet.add(spec(debug_mode="before-build"))
                await fleet.dispatch(session)
                await until(None, lambda: session.status == "in_progress", timeout=30)
                await fleet.cancel(session)
                assert sim.runs[session.run_id].status(sim.clock.now())[0] == "in_progress"
                asked = session.cancel_asked_at
                stuck = [session.cancel_stuck(asked + 30), session.cancel_stuck(asked + 61)]
                await fleet.force_cancel(session)
                await asyncio.wait_for(fleet.wait(session), 30)
                await fleet.aclose()
                return session, stuck

        session, stuck = asyncio.run(go())
    assert stuck == [False, True]
    assert session.conclusion == "cancelled" and not session.cancel_stuck(time.time() + 999)


def test_find_run_takes_the_first_run_of_a_session_sent_twice(sim):
    """A dispatch whose answer was lost may have made a run before it was sent again: the
    concurrency group holds the later run back (`pending`), so the first is the session's,
    though GitHub lists the later one first."""
    inputs = {**spec().inputs(), "session-id": "twice"}
    first = sim.new_run(REPO, "main", inputs)
    second = sim.new_run(REPO, "main", inputs)
    assert second.id > first.id

    async def go():
        async with client(sim) as github:
            since = datetime.now(timezone.utc) - timedelta(minutes=1)
            return await github.find_run(REPO, "twice", since, timeout=0)

    assert asyncio.run(go())["id"] == first.id


def test_the_quirks_are_turned_on_over_http(sim):
    """What a test does in-process, anyone can do to a running simulator."""
    import httpx

    url = f"{sim.base_url}/_sim/quirks"
    turned = {"log_delay": 5, "run_lag": 1.5, "cancel_seconds": 90, "noise_every": 2,
              "old_workflow": ["octo/old"], "renamed": {REPO: "octo/new"}}  # fmt: skip
    assert httpx.post(url, json=turned).status_code == 200
    quirks = sim.quirks
    assert (quirks.log_delay, quirks.run_lag, quirks.cancel_seconds) == (5.0, 1.5, 90.0)
    assert quirks.old_workflow == {"octo/old"} and quirks.new_name(REPO) == "octo/new"
    refused = httpx.post(url, json={"kindness": 1})
    assert refused.status_code == 422 and "no quirk 'kindness'" in refused.json()["message"]


def test_a_dispatch_is_found_by_the_servers_clock_not_this_machines():
    """GHES answers 204: the run is looked for among those created since a moment. The
    server's clock is 10 minutes behind this machine's (a laptop that runs fast): by the
    local clock, the run was made before that moment and was never found."""
    with Simulator(speed=1, ghes=True) as ghes:
        ghes.clock.shift(-600)

        async def go():
            async with client(ghes) as github:
                return await github.dispatch(REPO, "main", spec().inputs(), "skew")

        found = asyncio.run(go())
        assert found.found_by == "session id" and found.run_id in ghes.runs
