"""The dashboard through real GitHub's behaviours (issue 22): a cancel that does not take, the
hourly limit's rationing in the status line, a run pending behind another of its session, a
repository that moved."""

import asyncio

from helpers import notifications, until
from test_ui import REPO, SIZE, make_app, spec, text_of

from cibw_debug_tui.core.session import FORCE_CANCEL_AFTER
from cibw_debug_tui.simulator.server import Simulator
from cibw_debug_tui.ui.format import status_words
from cibw_debug_tui.ui.screens.confirm import ConfirmScreen


def test_x_again_after_a_minute_of_cancelling_offers_force_cancel(tmp_path):
    with Simulator(speed=50, scenario="ssh-timeout") as sim:
        sim.quirks.cancel_seconds = 36000.0  # the always() steps take ten hours

        async def go():
            app = make_app(sim, tmp_path, start_with=(spec(debug_mode="before-build"),))
            async with app.run_test(size=SIZE) as pilot:
                session = next(iter(app.sessions.values()))
                await until(pilot, lambda: session.status == "in_progress")
                await pilot.press("x", "y")
                await until(pilot, lambda: session.cancel_asked_at is not None)
                await pilot.press("x")  # at once: it says to wait
                wait = lambda: [n for n in notifications(app) if "force-cancel" in n.message]  # noqa: E731
                told = await until(pilot, wait)
                assert not isinstance(app.screen, ConfirmScreen) and told
                session.cancel_asked_at -= FORCE_CANCEL_AFTER  # a minute later
                await pilot.press("x")
                assert isinstance(app.screen, ConfirmScreen)
                assert "Force-cancel" in app.screen.question
                await pilot.press("y")
                await until(pilot, lambda: session.conclusion == "cancelled")
                return sim.runs[session.run_id].force_cancelled

        assert asyncio.run(go()) is True


def test_the_status_line_says_when_the_hourly_limit_rations_the_polls(tmp_path):
    with Simulator(speed=40, rate_limit=40, rate_window=20) as sim:

        async def go():
            app = make_app(sim, tmp_path, start_with=(spec(debug_mode="disabled"),))
            async with app.run_test(size=SIZE) as pilot:
                session = next(iter(app.sessions.values()))
                await until(pilot, lambda: "of the hourly 40 left until"
                            in text_of(app.query_one("#status")), timeout=30)  # fmt: skip
                await until(pilot, lambda: session.done, timeout=60)
                return sim.stats()["limited"]

        assert asyncio.run(go()) == 0


def test_a_pending_run_says_what_it_waits_for(tmp_path):
    with Simulator(speed=20) as sim:
        # The first run never ends, so the second stays pending however late a loaded machine
        # reads it (with a successful first run it started within seconds, once seen in CI).
        sim.scenario = "never-picked-up"

        async def go():
            app = make_app(sim, tmp_path, start_with=(spec(debug_mode="disabled"),))
            async with app.run_test(size=SIZE) as pilot:
                session = next(iter(app.sessions.values()))
                await until(pilot, lambda: session.run_id is not None)
                inputs = {**session.spec.inputs(), "session-id": session.id}
                sim.new_run(REPO, "main", inputs)  # a second run of the session: pending
                later = max(sim.runs)
                assert sim.runs[later].status(sim.clock.now())[0] == "pending"
                session.run_id = later
                app.fleet.watchers[session.id].nudge()
                await until(pilot, lambda: session.status == "pending")
                return status_words(session)

        assert asyncio.run(go()) == "waiting for another run of this session to finish"


def test_a_moved_repository_is_told_once(tmp_path):
    with Simulator(speed=20) as sim:

        async def go():
            app = make_app(sim, tmp_path, start_with=(spec(debug_mode="disabled"),))
            async with app.run_test(size=SIZE) as pilot:
                session = next(iter(app.sessions.values()))
                await until(pilot, lambda: session.run_id is not None)
                sim.rename(REPO, "octo/renamed")
                await until(pilot, lambda: session.done, timeout=30)
                await pilot.pause()
                return [n.message for n in notifications(app) if "renamed" in n.message]

        told = asyncio.run(go())
        assert len(told) == 1 and "octo/pkg is now octo/renamed" in told[0]
