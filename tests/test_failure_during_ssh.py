"""Issue 16's "done when": in after-failure mode the job is still running while the person is in
the SSH session, so GitHub does not serve its log yet; the failure pane must show the cause
then, from the build log the workflow publishes before the session opens, next to the SSH
command: against the simulator and in `--demo`."""

import asyncio

from helpers import until
from test_ui import SIZE, make_app, spec, text_of

from cibw_debug_tui.core.session import DebugMode
from cibw_debug_tui.ui.widgets.failure import FailurePane


async def _cause_beside_the_open_session(app, pilot, session) -> None:
    await until(pilot, lambda: session.open_connection() is not None, timeout=60)
    await until(pilot, lambda: session.failure is not None and session.failure.found, timeout=60)
    cause = session.failure.cause[0].text.strip()
    pane = app.query_one(FailurePane)
    await until(pilot, lambda: pane.display and cause[:40] in text_of(pane), timeout=10)
    assert session.open_connection() is not None and not session.done  # still in the session
    assert "ssh " in text_of(app.query_one("#ssh-command"))  # the command, beside the cause


def test_the_cause_is_shown_while_the_after_failure_session_is_open(sim, tmp_path):
    sim.scenario = "ssh-timeout"  # the build fails, the after-failure session stays open

    async def go():
        app = make_app(sim, tmp_path, start_with=(spec(debug_mode="after-failure"),))
        async with app.run_test(size=SIZE) as pilot:
            session = next(iter(app.sessions.values()))
            await _cause_beside_the_open_session(app, pilot, session)

    asyncio.run(go())


def test_the_demo_shows_the_cause_while_its_after_failure_session_is_open(tmp_path, monkeypatch):
    from cibw_debug_tui.ui.factory import make_app as make_demo

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    app, cleanup = make_demo(demo=True)

    async def go():
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: len(app.sessions) == 3, timeout=30)
            session = next(
                s for s in app.sessions.values() if s.spec.debug_mode == DebugMode.AFTER_FAILURE
            )
            await until(pilot, lambda: session.id in [s.id for s in app._ordered()], timeout=30)
            app.action_select([s.id for s in app._ordered()].index(session.id))
            await _cause_beside_the_open_session(app, pilot, session)

    try:
        asyncio.run(go())
    finally:
        cleanup()
