"""The real client against the simulator over a loopback socket."""

import asyncio
import time
import zipfile
from pathlib import Path

import pytest
from helpers import until

from cibw_debug_tui.core.answers import parse_link_next
from cibw_debug_tui.core.config import Token
from cibw_debug_tui.core.github import GitHub, GitHubError
from cibw_debug_tui.core.models import read_runs, read_workflow
from cibw_debug_tui.core.session import Session, SessionSpec
from cibw_debug_tui.core.watcher import Watcher
from cibw_debug_tui.simulator.server import Simulator

TOKEN = Token("ghp_test0000000000000000000000000000000", "test")
REPO = "octo/pkg"


def client(sim: Simulator, **kwargs) -> GitHub:
    kwargs = {"find_timeout": 2.0, **kwargs}
    return GitHub(sim.api_url, TOKEN, backoff=0.02, max_backoff=0.2, **kwargs)


def spec(**overrides) -> SessionSpec:
    values = dict(repo=REPO, runner="ubuntu-latest", python="cp312", arch="x86_64")
    return SessionSpec(**{**values, **overrides})


async def dispatch_and_watch(sim, session_spec, tmp_path, sid="s1", steer=None, pace=0.02):
    events = []
    async with client(sim) as github:
        session = Session(sid, session_spec, sim.api_url)
        found = await github.dispatch(REPO, session_spec.ref, session_spec.inputs(), sid)
        session.run_id, session.status = found.run_id, "queued"

        def on_event(event):
            events.append((event.kind, event))
            if steer:
                steer(event, session)

        watcher = Watcher(github, session, on_event, log_dir=tmp_path, pace=pace)
        await asyncio.wait_for(watcher.run(), 30)
        return session, events, found, github


def test_dispatch_returns_run_details_on_github_com(sim, tmp_path):
    async def go():
        async with client(sim) as github:
            found = await github.dispatch(REPO, "main", spec().inputs(), "abc")
            assert found.found_by == "run details"
            assert found.html_url == f"{sim.base_url}/{REPO}/actions/runs/{found.run_id}"
            assert github.run_details_supported is True
            run, _ = await github.run(REPO, found.run_id)
            assert run["display_title"].endswith("[abc]")

    asyncio.run(go())
    assert len(sim.runs) == 1


def test_dispatch_on_ghes_falls_back_to_the_session_id():
    with Simulator(speed=200, ghes=True) as ghes:

        async def go():
            async with client(ghes) as github:
                found = await github.dispatch(REPO, "main", spec().inputs(), "ghes1")
                assert found.found_by == "session id"
                assert github.run_details_supported is False
                again = await github.dispatch(REPO, "main", spec().inputs(), "ghes2")
                assert again.run_id != found.run_id

        asyncio.run(go())
        assert len(ghes.runs) == 2
        # The refused first attempt started nothing: one POST was refused, three went through.
        assert (
            ghes.stats()["by_path"][
                f"/repos/{REPO}/actions/workflows/cibuildwheel-debug.yml/dispatches"
            ]
            == 3
        )


@pytest.mark.parametrize("fault", ["drop-after", "drop", "status"])
def test_a_dispatch_whose_answer_is_lost_creates_exactly_one_run(sim, fault):
    sim.inject(fault, path="/dispatches", status=502)

    async def go():
        async with client(sim) as github:
            return await github.dispatch(REPO, "main", spec().inputs(), "lost1")

    found = asyncio.run(go())
    assert len(sim.runs) == 1
    assert found.run_id in sim.runs
    # Processed but unanswered: found by its session id. Never processed: sent again.
    assert found.found_by == ("session id" if fault == "drop-after" else "run details")


def test_dispatch_errors_are_clear(sim):
    sim.missing_repos.add("octo/gone")
    sim.repos_without_workflow.add("octo/bare")

    async def go(repo, ref="main", inputs=None):
        async with client(sim) as github:
            await github.dispatch(repo, ref, inputs or spec().inputs(), "x")

    with pytest.raises(GitHubError, match="install-workflow"):
        asyncio.run(go("octo/bare"))
    with pytest.raises(GitHubError, match="install-workflow"):
        asyncio.run(go("octo/gone"))
    with pytest.raises(GitHubError, match="has no branch or tag 'nope'"):
        asyncio.run(go(REPO, ref="nope"))
    with pytest.raises(GitHubError, match="Unexpected inputs"):
        asyncio.run(go(REPO, inputs={"bogus": "1"}))
    assert sim.runs == {}


def test_success_scenario_to_its_end(sim, tmp_path):
    session, events, _, _ = asyncio.run(
        dispatch_and_watch(sim, spec(debug_mode="disabled"), tmp_path)
    )
    assert (session.status, session.conclusion) == ("completed", "success")
    names = {a["name"] for a in session.artifacts}
    assert names == {
        "cibw-debug-logs-cp312-manylinux_x86_64-attempt-1",
        "cibw-debug-wheels-cp312-manylinux_x86_64-attempt-1",
    }
    assert session.connections == {} and session.failure is None
    kinds = [kind for kind, _ in events]
    assert kinds.count("status") >= 2 and "jobs" in kinds


def test_build_failure_opens_the_after_failure_session_and_explains_the_failure(sim, tmp_path):
    sim.scenario = "build-failure"
    session, events, _, _ = asyncio.run(dispatch_and_watch(sim, spec(), tmp_path))
    assert session.conclusion == "failure"
    conn = session.connections["after-failure"]
    assert conn.is_open and conn.ssh.startswith("ssh ") and conn.ssh.endswith(".tmate.io")
    assert conn.docker_exec.startswith("docker start cibuildwheel-")
    assert session.failure.category == "compile"
    assert "ffi.h" in session.failure.cause[0].text
    assert session.failure_log.exists()
    # explained from the build log artifact while the job still runs (its after-failure SSH
    # session), not half an hour later from the job's log
    assert session.failure_log.name.endswith("-attempt-1-build.log")
    kinds = [k for k, _ in events]
    completed = next(i for i, (k, e) in enumerate(events) if k == "status"
                     and e.status == "completed")  # fmt: skip
    assert kinds.index("failure") < completed and kinds.index("ssh") < completed


def test_before_build_session_ends_on_continue(sim, tmp_path):
    sim.scenario = "ssh-timeout"  # nobody would continue: only our continue ends it early

    def steer(event, session):
        if event.kind == "ssh":
            assert sim.continue_session(session.run_id)

    session, _, _, _ = asyncio.run(
        dispatch_and_watch(sim, spec(debug_mode="before-build"), tmp_path, steer=steer)
    )
    run = sim.runs[session.run_id]
    wait = next(s for s in run.debug.steps if s.name == "SSH session (before the build)")
    assert wait.end - wait.start < 30 * 60  # ended by continue, not at the 30-minute timeout
    assert session.connections["before-build"].stage == "before-build"
    assert session.ssh_end("before-build").why == "continued"


def test_an_ssh_session_cancelled_with_its_run_says_so(sim, tmp_path):
    sim.scenario = "ssh-timeout"

    async def cancel(event, session):
        if event.kind == "ssh":
            async with client(sim) as github:
                await github.cancel(REPO, session.run_id)

    def steer(event, session):
        if event.kind == "ssh":
            asyncio.get_running_loop().create_task(cancel(event, session))

    session, _, _, _ = asyncio.run(
        dispatch_and_watch(sim, spec(debug_mode="before-build"), tmp_path, steer=steer)
    )
    assert session.conclusion == "cancelled"
    assert session.ssh_end("before-build").why == "cancelled"


def test_ssh_timeout_scenario_lasts_the_full_timeout(tmp_path):
    with Simulator(speed=3000, scenario="ssh-timeout") as fast:
        session, _, _, _ = asyncio.run(dispatch_and_watch(fast, spec(session_timeout=1), tmp_path))
        run = fast.runs[session.run_id]
        wait = next(s for s in run.debug.steps if s.name == "SSH session (after the failure)")
        assert wait.end - wait.start == 60
        assert session.conclusion == "failure"
        assert session.ssh_end("after-failure").why == "timed out"


def test_cancelled_scenario(sim, tmp_path):
    sim.scenario = "cancelled"
    session, _, _, _ = asyncio.run(dispatch_and_watch(sim, spec(), tmp_path))
    assert session.conclusion == "cancelled"
    assert session.failure is None


def test_never_picked_up_stays_queued_until_cancelled(sim, tmp_path):
    sim.scenario = "never-picked-up"

    async def go():
        async with client(sim) as github:
            found = await github.dispatch(REPO, "main", spec().inputs(), "q1")
            await asyncio.sleep(0.5)  # 100 simulated seconds
            run, _ = await github.run(REPO, found.run_id)
            assert run["status"] == "queued"
            await github.cancel(REPO, found.run_id)
            run, _ = await github.run(REPO, found.run_id)
            assert (run["status"], run["conclusion"]) == ("completed", "cancelled")
            with pytest.raises(GitHubError, match="completed"):
                await github.cancel(REPO, found.run_id)

    asyncio.run(go())


def test_rerun_and_rerun_failed_start_a_new_attempt(sim, tmp_path):
    sim.scenario = "build-failure"
    _, _, found, _ = asyncio.run(dispatch_and_watch(sim, spec(debug_mode="disabled"), tmp_path))

    async def go():
        async with client(sim) as github:
            await github.rerun_failed(REPO, found.run_id)
            run, _ = await github.run(REPO, found.run_id)
            assert run["run_attempt"] == 2 and run["status"] != "completed"
            with pytest.raises(GitHubError):
                await github.rerun(REPO, found.run_id)  # not completed yet
            await github.force_cancel(REPO, found.run_id)
            run, _ = await github.run(REPO, found.run_id)
            assert run["conclusion"] == "cancelled"
            await github.rerun(REPO, found.run_id)
            run, _ = await github.run(REPO, found.run_id)
            assert run["run_attempt"] == 3

    asyncio.run(go())


def test_artifact_download_streams_with_progress_and_links(sim, tmp_path):
    session, _, found, _ = asyncio.run(
        dispatch_and_watch(sim, spec(debug_mode="disabled"), tmp_path)
    )
    wheels = next(a for a in session.artifacts if "wheels" in a["name"])
    seen = []

    async def go():
        async with client(sim) as github:
            path = await github.download_artifact(
                REPO, wheels, tmp_path / "dl", lambda done, total: seen.append((done, total))
            )
            link = github.artifact_web_url(REPO, found.run_id, wheels["id"])
            return path, link

    path, link = asyncio.run(go())
    assert path.name == wheels["name"] + ".zip"
    assert path.stat().st_size == wheels["size_in_bytes"]
    assert zipfile.ZipFile(path).namelist() == ["pkg-1.0-cp312-cp312-manylinux_x86_64.whl"]
    assert seen[-1] == (wheels["size_in_bytes"], wheels["size_in_bytes"])
    assert len(seen) >= 2  # progress while it streams, not only at the end
    assert link == f"{sim.base_url}/{REPO}/actions/runs/{found.run_id}/artifacts/{wheels['id']}"
    assert list((tmp_path / "dl").iterdir()) == [path]


def test_a_cut_download_leaves_nothing_behind(sim, tmp_path):
    session, _, _, _ = asyncio.run(dispatch_and_watch(sim, spec(debug_mode="disabled"), tmp_path))
    wheels = next(a for a in session.artifacts if "wheels" in a["name"])
    sim.inject("truncate", path="/_sim/blob")

    async def go():
        async with client(sim) as github:
            await github.download_artifact(REPO, wheels, tmp_path / "dl")

    with pytest.raises(GitHubError, match=r"cut short|failed"):
        asyncio.run(go())
    assert list((tmp_path / "dl").iterdir()) == []


def test_expired_artifact_is_410_with_words(sim, tmp_path):
    session, _, _, _ = asyncio.run(dispatch_and_watch(sim, spec(debug_mode="disabled"), tmp_path))
    logs = next(a for a in session.artifacts if "logs" in a["name"])
    assert sim.expire_artifact(logs["id"])

    async def go():
        async with client(sim) as github:
            await github.download_artifact(REPO, logs, tmp_path / "dl")

    with pytest.raises(GitHubError, match="expired") as error:
        asyncio.run(go())
    assert error.value.status == 410


def test_conditional_requests_cost_no_rate_limit(sim):
    url = f"/repos/{REPO}/actions/workflows/cibuildwheel-debug.yml"

    async def go():
        async with client(sim) as github:
            await github.repo(REPO)
            before = github.rate.remaining
            first, changed_first = await github.get_json(url, read_workflow)
            again, changed_again = await github.get_json(url, read_workflow)
            assert (changed_first, changed_again) == (True, False)
            assert again == first
            assert github.rate.remaining == before - 1  # the 304 cost nothing
            return github.requests, github.counted

    assert asyncio.run(go()) == (3, 2)
    assert sim.stats()["counted"] == 2


@pytest.mark.parametrize(
    ("kind", "extra"),
    [
        ("status", {"status": 502, "count": 3}),
        ("status", {"status": 503, "count": 2}),
        ("drop", {"count": 2}),
        ("slow", {"seconds": 1.5, "count": 1}),
        ("malformed", {"count": 2}),
    ],
)
def test_reads_recover_from_faults(sim, kind, extra):
    async def go():
        async with client(sim, timeout=1.0) as github:
            sim.inject(kind, path="/repos/octo/pkg", **extra)
            data = await github.repo(REPO)
            assert data["full_name"] == REPO

    asyncio.run(go())


def test_a_revoked_token_is_a_clear_401(sim):
    sim.revoked.add(TOKEN.value)

    async def go():
        async with client(sim) as github:
            await github.repo(REPO)

    with pytest.raises(GitHubError, match="refused the token") as error:
        asyncio.run(go())
    assert error.value.status == 401
    assert TOKEN.value not in str(error.value)


def test_no_token_is_401(sim):
    async def go():
        async with GitHub(sim.api_url, None, backoff=0.01) as github:
            await github.repo(REPO)

    with pytest.raises(GitHubError) as error:
        asyncio.run(go())
    assert error.value.status == 401


@pytest.mark.parametrize("kind", ["primary", "secondary"])
def test_rate_limits_are_waited_out(sim, kind):
    sim.rate_limit_for(1.5, kind)
    notes = []

    async def go():
        async with client(sim, on_status=notes.append) as github:
            return await github.repo(REPO)

    assert asyncio.run(go())["full_name"] == REPO
    assert any("rate limited" in note for note in notes)


def test_exhausted_rate_limit_recovers_at_the_reset():
    with Simulator(speed=200, rate_limit=3, rate_window=1.5) as small:

        async def go():
            async with client(small) as github:
                for _ in range(5):
                    await github.repo(REPO)
                return github.rate

        rate = asyncio.run(go())
        assert rate.limit == 3 and rate.remaining is not None


def test_rate_limit_past_the_patience_is_an_error(sim):
    sim.rate_limit_for(30)

    async def go():
        async with client(sim, max_rate_wait=5) as github:
            await github.repo(REPO)

    with pytest.raises(GitHubError, match="rate limit"):
        asyncio.run(go())


def test_pagination_follows_link_headers(sim):
    async def go():
        async with client(sim) as github:
            for i in range(130):
                await github.dispatch(REPO, "main", spec().inputs(), f"page{i}")
            runs = await github.pages(
                f"/repos/{REPO}/actions/workflows/cibuildwheel-debug.yml/runs",
                read_runs,
                {"event": "workflow_dispatch"},
            )
            return runs

    runs = asyncio.run(go())
    assert len(runs) == 130 and len({r["id"] for r in runs}) == 130


def test_parse_link_next():
    header = (
        '<https://api.github.com/x?page=2>; rel="next", '
        '<https://api.github.com/x?page=5>; rel="last"'
    )
    assert parse_link_next(header) == "https://api.github.com/x?page=2"
    assert parse_link_next('<https://a/x?page=1>; rel="prev"') is None
    assert parse_link_next(None) is None


def test_a_run_deleted_while_watched_ends_the_watch_in_words(sim, tmp_path):
    sim.scenario = "never-picked-up"

    async def go():
        async with client(sim) as github:
            found = await github.dispatch(REPO, "main", spec().inputs(), "del")
            session = Session("del", spec(), sim.api_url, run_id=found.run_id, status="queued")
            watcher = Watcher(github, session, log_dir=tmp_path, pace=0.02)
            task = asyncio.create_task(watcher.run())
            await asyncio.sleep(0.2)
            sim.delete_run(found.run_id)
            await asyncio.wait_for(task, 10)
            return session

    session = asyncio.run(go())
    assert session.status == "gone" and "deleted" in session.note


def test_job_log_is_404_until_the_job_ends(sim, tmp_path):
    sim.scenario = "never-picked-up"

    async def go():
        async with client(sim) as github:
            found = await github.dispatch(REPO, "main", spec().inputs(), "log")
            run = sim.runs[found.run_id]
            with pytest.raises(GitHubError, match="not available"):
                await github.job_log(REPO, run.validate.id, Path(tmp_path / "x.log"))

    asyncio.run(go())
    assert not (tmp_path / "x.log").exists()


def test_the_simulator_serves_the_pages_links_point_to(sim, tmp_path):
    import httpx

    session, _, found, _ = asyncio.run(
        dispatch_and_watch(sim, spec(debug_mode="disabled"), tmp_path)
    )
    page = httpx.get(found.html_url)
    assert page.status_code == 200 and "completed / success" in page.text
    wheels = next(a for a in session.artifacts if "wheels" in a["name"])
    artifact_page = httpx.get(f"{found.html_url}/artifacts/{wheels['id']}")
    assert f"artifact {wheels['id']}" in artifact_page.text


def test_a_watch_asks_for_artifacts_only_when_an_upload_finished(sim, tmp_path):
    session, _, found, _ = asyncio.run(
        dispatch_and_watch(sim, spec(debug_mode="disabled"), tmp_path)
    )
    by_path = sim.stats()["by_path"]
    jobs = by_path[f"/repos/{REPO}/actions/runs/{found.run_id}/jobs"]
    artifacts = by_path[f"/repos/{REPO}/actions/runs/{found.run_id}/artifacts"]
    assert jobs > 5 and artifacts <= 3, (jobs, artifacts)
    assert len(session.artifacts) == 2


def test_a_watch_reads_the_run_only_when_its_jobs_say_it_changed(tmp_path):
    # A run of 1.5 s (speed 100): enough job polls for the count to mean something even when
    # the suite's other workers hold the CPU (at speed 200 a loaded machine made 17).
    with Simulator(speed=100) as sim:
        session, _, found, _ = asyncio.run(
            dispatch_and_watch(sim, spec(debug_mode="disabled"), tmp_path, pace=0.004)
        )
        by_path = sim.stats()["by_path"]
    jobs = by_path[f"/repos/{REPO}/actions/runs/{found.run_id}/jobs"]
    runs = by_path[f"/repos/{REPO}/actions/runs/{found.run_id}"]
    # The first look, the jobs starting, the jobs done (until the run says so too).
    assert session.conclusion == "success" and jobs > 20 and runs <= 4, (jobs, runs)


def test_a_watch_sees_a_rerun_by_the_attempt_its_jobs_name(sim, tmp_path):
    sim.scenario = "build-failure"
    session, _, found, _ = asyncio.run(
        dispatch_and_watch(sim, spec(debug_mode="disabled"), tmp_path)
    )
    assert (session.status, session.attempt) == ("completed", 1)

    async def go():
        async with client(sim) as github:
            watcher = Watcher(github, session, log_dir=tmp_path, pace=0.02)
            await watcher.poll_once()  # its first look includes the run
            assert session.status == "completed"
            await github.rerun_failed(REPO, found.run_id)  # on the web, say
            await watcher.poll_once()  # the jobs are not done: only they name attempt 2
            assert session.attempt == 2 and session.status != "completed"

    asyncio.run(go())


def test_the_request_budget_serves_the_person_first_then_ssh_then_the_rest():
    from cibw_debug_tui.core.budget import LOOKING, ROUTINE, SSH_OPENING, RequestBudget

    async def go():
        budget = RequestBudget(per_minute=600, burst=1, beat=0)  # a request every 0.1 s
        await budget.take(1)
        loop = asyncio.get_running_loop()
        started = loop.time()
        await budget.take(1, LOOKING)  # borrows: no wait
        assert loop.time() - started < 0.05
        served = []

        async def poll(name, priority):
            await budget.take(1, priority)
            served.append(name)

        routine = [asyncio.create_task(poll(f"routine {n}", ROUTINE)) for n in range(3)]
        await asyncio.sleep(0)  # they are in line first...
        ssh = asyncio.create_task(poll("ssh", SSH_OPENING))  # ...yet this one goes first
        await asyncio.wait_for(asyncio.gather(*routine, ssh), 5)
        assert served == ["ssh", "routine 0", "routine 1", "routine 2"]
        assert loop.time() - started >= 0.4  # the borrowed token was paid back first
        assert budget._line == []

    asyncio.run(go())


def test_the_request_budget_lets_the_line_go_on_the_beat():
    from collections import Counter

    from cibw_debug_tui.core.budget import RequestBudget

    async def go():
        budget = RequestBudget(per_minute=1200, burst=10, beat=0.25)  # 5 tokens a beat
        await budget.take(10)  # spent: the next ones wait in line
        loop = asyncio.get_running_loop()
        served = []

        async def poll():
            await budget.take(1)
            served.append(loop.time() / 0.25)  # in beats

        await asyncio.wait_for(asyncio.gather(*(poll() for _ in range(12))), 5)
        assert all(abs(t - round(t)) < 0.2 for t in served), served  # on the beat
        groups = Counter(round(t) for t in served)
        assert len(groups) >= 3 and max(groups.values()) >= 4, groups  # together, at the rate

    asyncio.run(go())


def test_the_scout_hands_every_session_its_ssh_connection_from_one_list(sim, tmp_path):
    """Sessions whose own polls are far apart still get their SSH command at once: the scout
    reads the repository's artifact list, one request for all of them."""
    from cibw_debug_tui.core.scout import SshScout

    sim.scenario = "ssh-timeout"

    async def go():
        async with client(sim) as github:
            watchers = []
            for n in range(3):
                wanted = spec(debug_mode="before-build")
                found = await github.dispatch(REPO, "main", wanted.inputs(), f"scout{n}")
                session = Session(f"scout{n}", wanted, sim.api_url, run_id=found.run_id,
                                  status="queued")  # fmt: skip
                watchers.append(Watcher(github, session, log_dir=tmp_path, pace=1000))
            scout = SshScout(github, pace=0.02)
            scout.watchers = watchers
            tasks = [asyncio.create_task(t.run()) for t in [*watchers, scout]]
            sessions = [w.session for w in watchers]
            await until(None, lambda: all("before-build" in s.connections for s in sessions)
                        or any(t.done() for t in tasks), 60)  # fmt: skip
            assert all(not t.done() for t in tasks)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            return sessions

    sessions = asyncio.run(asyncio.wait_for(go(), 60))
    for session in sessions:
        assert session.connections["before-build"].ssh.startswith("ssh ")
    by_path = sim.stats()["by_path"]
    for session in sessions:  # each watcher polled its jobs once: at its start
        assert by_path[f"/repos/{REPO}/actions/runs/{session.run_id}/jobs"] == 1
    assert by_path[f"/repos/{REPO}/actions/artifacts"] >= 1


def test_a_watch_does_not_list_artifacts_the_scout_has_brought(sim, tmp_path):
    """The step that publishes the SSH connection finishes; the scout has read that file
    already, so the session's own poll does not ask for the run's artifacts again."""
    from cibw_debug_tui.core.scout import SshScout

    sim.scenario = "ssh-timeout"
    wanted = spec(debug_mode="before-build")
    publish = "Publish the SSH connection (before the build)"

    async def go():
        async with client(sim) as github:
            found = await github.dispatch(REPO, "main", wanted.inputs(), "scouted")
            session = Session("scouted", wanted, sim.api_url, run_id=found.run_id, status="queued")
            watcher = Watcher(github, session, log_dir=tmp_path, pace=0.02)
            scout = SshScout(github, pace=0.02)
            scout.watchers = [watcher]
            task = asyncio.create_task(scout.run())
            await until(None, lambda: "before-build" in session.connections or task.done(), 30)
            assert not task.done()
            task.cancel()

            async def published() -> None:  # seen by another client: not the watcher's
                async with client(sim) as other:
                    while True:
                        jobs, _ = await other.jobs(REPO, found.run_id)
                        steps = {s["name"]: s["status"] for j in jobs for s in j["steps"] or []}
                        if steps.get(publish) == "completed":
                            return
                        await asyncio.sleep(0.02)  # the simulated clock moves on meanwhile

            await asyncio.wait_for(published(), 30)
            await watcher.poll_once()
            return session, found.run_id

    session, run_id = asyncio.run(go())
    assert session.status == "in_progress" and len(session.artifacts) == 1
    assert sim.stats()["by_path"].get(f"/repos/{REPO}/actions/runs/{run_id}/artifacts", 0) == 0


def test_retry_after_zero_still_waits_a_second(sim):
    """`retry-after: 0` from a hurried server must not become a burst of requests."""
    sim.inject("status", status=429, headers={"retry-after": "0"}, path="/repos/octo/pkg$")

    async def go():
        async with client(sim) as github:
            started = time.monotonic()
            await github.repo(REPO)
            return time.monotonic() - started, github.requests

    waited, requests = asyncio.run(go())
    assert waited >= 1.0 and requests == 2


def test_the_server_clock_follows_a_fast_simulator_by_its_date_header():
    """Times the server sends are on its clock: a simulator at speed 60 is minutes ahead of
    this machine within seconds, and `server_now()` says its time, not the local one."""
    with Simulator(speed=60) as fast:

        async def go():
            async with client(fast) as github:
                assert not github.clock.known and abs(github.server_now() - time.time()) < 1
                await until(None, lambda: fast.clock.now() - time.time() > 120)
                await github.repo(REPO)
                return github.server_now(), fast.clock.now(), github.clock.known

        ours, theirs, known = asyncio.run(go())
    assert known and abs(ours - theirs) < 3  # a whole-second header, read within a moment


def test_the_server_clock_keeps_its_offset_through_date_noise_and_bad_headers():
    from cibw_debug_tui.core.ratelimit import ServerClock

    clock = ServerClock()
    clock.update("Thu, 26 Nov 2026 15:00:00 GMT", received=1795705200.2)
    assert clock.known and clock.offset == pytest.approx(0.3)
    clock.update("Thu, 26 Nov 2026 15:00:05 GMT", received=1795705205.9)  # a second's noise
    assert clock.offset == pytest.approx(0.3)
    clock.update("Thu, 26 Nov 2026 16:00:05 GMT", received=1795705206.0)  # an hour ahead now
    assert clock.offset == pytest.approx(3599.5)
    for bad in ("soon", "", None, "Thu, 99 Nov 2026 15:00:00 GMT"):
        clock.update(bad, received=0.0)
    assert clock.offset == pytest.approx(3599.5)
