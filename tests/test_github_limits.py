"""GitHub's rate limits as they bind (issue 22, item 7): the hourly limit first, with many
busy sessions, and secondary limits that hold."""

import asyncio

import pytest
from helpers import until
from hostile_github import Answer, HostileGitHub
from test_client import TOKEN, client, spec

from cibw_debug_tui.core.fleet import Fleet
from cibw_debug_tui.core.github import GitHub, GitHubError
from cibw_debug_tui.core.history import History
from cibw_debug_tui.simulator.server import Simulator


@pytest.mark.slow
def test_the_hourly_limit_paces_the_polls_instead_of_running_into_it(tmp_path):
    """30 counted answers per 15 s: the budget follows x-ratelimit-remaining, says it is
    rationing, and the sessions end without one 403."""
    with Simulator(speed=40, rate_limit=30, rate_window=15) as sim:
        said = set()

        async def go():
            async with client(sim) as github:
                fleet = Fleet(github, History(persist=False), log_dir=tmp_path, pace=0.02)
                sessions = [fleet.add(spec(python=p, debug_mode="disabled"))
                            for p in ("cp312", "cp313")]  # fmt: skip
                for session in sessions:
                    await fleet.dispatch(session)

                def done():
                    said.add(fleet.budget.rationing())
                    return all(s.done for s in sessions)

                await until(None, done, timeout=90)
                await fleet.aclose()
                return sessions

        sessions = asyncio.run(go())
        stats = sim.stats()
    assert [s.conclusion for s in sessions] == ["success", "success"]
    assert stats["limited"] == 0, stats["counted"]
    words = [w for w in said if w]
    assert words and "of the hourly 30 left until" in words[0], said


@pytest.mark.slow
def test_a_secondary_limit_that_holds_is_given_up_in_words():
    """Each wait twice the last (1, 2, 4, 8 s from `retry-after: 1`), then an error in words
    (it used to wait `retry-after` again and again, for ever)."""
    with HostileGitHub() as gh:
        limited = Answer(403, {"message": "You have exceeded a secondary rate limit"},
                         {"retry-after": "1"})  # fmt: skip
        gh.on("GET", r"/repos/o/p/actions/runs/7", limited)

        async def go():
            async with GitHub(gh.api_url, TOKEN) as github:
                said = []
                github.on_status = said.append
                with pytest.raises(GitHubError) as error:
                    await github.run("o/p", 7)
                return str(error.value), said

        error, said = asyncio.run(go())
        waits = [s for s in said if s.startswith("rate limited")]
        assert waits == [f"rate limited by GitHub; waiting {n}s" for n in (1, 2, 4, 8)]
        assert "secondary rate limit" in error and "held through 4 waits" in error
        assert len(gh.requests()) == 5
