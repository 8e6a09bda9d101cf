"""What the dashboard does, driven with Pilot against the simulator over loopback HTTP."""

import asyncio
import io
import threading
from pathlib import Path

import pytest
from helpers import notifications, until
from rich.console import Console
from textual.widgets import Input

from cibw_debug_tui.core.config import Token
from cibw_debug_tui.core.events import StatusChanged
from cibw_debug_tui.core.github import GitHub
from cibw_debug_tui.core.history import History
from cibw_debug_tui.core.session import Session, SessionSpec
from cibw_debug_tui.simulator.server import Simulator
from cibw_debug_tui.ui.app import DebugApp
from cibw_debug_tui.ui.backend import Backend, Client
from cibw_debug_tui.ui.screens.confirm import ConfirmScreen
from cibw_debug_tui.ui.screens.dispatch import DispatchScreen
from cibw_debug_tui.ui.screens.log import LogScreen
from cibw_debug_tui.ui.widgets.choice import Choice
from cibw_debug_tui.ui.widgets.failure import FailurePane

REPO = "octo/pkg"
SIZE = (160, 48)


def make_app(
    sim: Simulator,
    tmp_path: Path,
    history: History | None = None,
    prefill: dict | None = None,
    **kwargs,
) -> DebugApp:
    github = GitHub(sim.api_url, Token("ghp_ui", "test"), backoff=0.02, find_timeout=2)
    backend = Backend(
        github=github,
        history=history or History(tmp_path / "history.yaml"),
        repo=REPO,
        download_dir=tmp_path / "downloads",
        log_dir=tmp_path / "logs",
        **kwargs,
    )
    return DebugApp(backend, prefill=prefill, pace=0.02)


def text_of(widget) -> str:
    """What a widget shows, as plain text."""
    visual = widget.render()
    if hasattr(visual, "plain"):  # Textual's own Content
        return visual.plain
    renderable = getattr(visual, "_renderable", visual)
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def spec(**overrides) -> SessionSpec:
    values = dict(repo=REPO, runner="ubuntu-latest", python="cp312", arch="x86_64")
    return SessionSpec(**{**values, **overrides})


def test_opens_on_the_form_and_dispatches_with_ctrl_s(sim, tmp_path):
    sim.scenario = "build-failure"

    async def go():
        app = make_app(sim, tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            assert isinstance(app.screen, DispatchScreen)
            await pilot.press("ctrl+s")
            await until(pilot, lambda: app.sessions and next(iter(app.sessions.values())).run_id)
            session = next(iter(app.sessions.values()))
            assert session.spec.runner == "ubuntu-latest"
            await until(pilot, lambda: session.open_connection() is not None)
            await pilot.press("c")
            assert app.clipboard == session.open_connection().ssh
            assert app.clipboard.endswith(".tmate.io")
            assert any("copied" in (n.title or "").lower() for n in notifications(app))
            # the watchers' news comes with the next second's tick
            await until(pilot, lambda: any("SSH session open" in n.message
                                           for n in notifications(app)))  # fmt: skip

    asyncio.run(go())
    assert len(sim.runs) == 1


def test_the_form_only_offers_valid_combinations(sim, tmp_path):
    async def go():
        app = make_app(sim, tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            form = app.screen
            form.query_one("#runner", Choice).value = "windows-11-arm"
            await pilot.pause()
            arch = form.query_one("#arch", Choice)
            assert arch.values() == ["ARM64"]
            refused = text_of(form.query_one("#refused"))
            assert "AMD64 not offered: windows-11-arm builds ARM64 wheels only" in refused
            assert "cp312-win_arm64" in text_of(form.query_one("#summary"))
            form.query_one("#runner", Choice).value = "macos-15-intel"
            await pilot.pause()
            form.query_one("#arch", Choice).value = "arm64"
            await pilot.pause()
            assert "tests won't run" in text_of(form.query_one("#summary"))

    asyncio.run(go())


def test_bad_form_input_is_said_inline_and_nothing_is_dispatched(sim, tmp_path):
    async def go():
        app = make_app(sim, tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            form = app.screen
            await until(pilot, lambda: form.query("#session_timeout Input, Input#session_timeout"))
            form.query_one("#session_timeout", Input).value = "90"
            await pilot.press("ctrl+s")
            assert "from 1 to 60" in text_of(form.query_one("#form-error"))
            form.query_one("#session_timeout", Input).value = "30"
            form.query_one("#repo", Input).value = "not a repo"
            await pilot.press("ctrl+s")
            assert "not a repository name" in text_of(form.query_one("#form-error"))
            assert isinstance(app.screen, DispatchScreen)
            await pilot.press("escape")
            assert not isinstance(app.screen, DispatchScreen)
            assert app.sessions == {}

    asyncio.run(go())
    assert sim.runs == {}


def test_last_form_values_and_prefill(sim, tmp_path):
    history = History(tmp_path / "history.yaml")
    history.remember_form({"runner": "macos-latest", "python": "cp313", "arch": "arm64"})

    async def go():
        app = make_app(sim, tmp_path, history=History(tmp_path / "history.yaml").load(),
                       prefill={"python": "cp314t"})  # fmt: skip
        async with app.run_test(size=SIZE) as pilot:
            form = app.screen
            await pilot.pause()
            assert form.query_one("#runner", Choice).value == "macos-latest"
            assert form.query_one("#python", Choice).value == "cp314t"
            assert form.query_one("#arch", Choice).value == "arm64"

    asyncio.run(go())


def test_failure_pane_and_full_log(sim, tmp_path):
    sim.scenario = "build-failure"

    async def go():
        app = make_app(sim, tmp_path, start_with=(spec(debug_mode="disabled"),))
        async with app.run_test(size=SIZE) as pilot:
            session = next(iter(app.sessions.values()))
            await until(pilot, lambda: session.failure is not None)
            pane = app.query_one(FailurePane)
            await until(pilot, lambda: pane.display)  # with the next second's tick
            assert "compile" in text_of(pane) and "ffi.h" in text_of(pane)
            await pilot.press("l")
            assert isinstance(app.screen, LogScreen)
            await pilot.press("escape")
            assert not isinstance(app.screen, LogScreen)

    asyncio.run(go())


def test_cancel_asks_first(sim, tmp_path):
    sim.scenario = "never-picked-up"

    async def go():
        app = make_app(sim, tmp_path, start_with=(spec(),))
        async with app.run_test(size=SIZE) as pilot:
            session = next(iter(app.sessions.values()))
            await until(pilot, lambda: session.run_id is not None)
            await pilot.press("x")
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("n")
            await pilot.pause()
            assert sim.runs[session.run_id].cancelled_at is None
            await pilot.press("x")
            await pilot.press("y")
            await until(pilot, lambda: session.conclusion == "cancelled")

    asyncio.run(go())


def test_rerun_dispatches_again_and_rerun_failed_reuses_the_run(sim, tmp_path):
    sim.scenario = "build-failure"

    async def go():
        app = make_app(sim, tmp_path, start_with=(spec(debug_mode="disabled"),))
        async with app.run_test(size=SIZE) as pilot:
            first = next(iter(app.sessions.values()))
            await until(pilot, lambda: first.conclusion == "failure")
            await pilot.press("R")
            await until(pilot, lambda: sim.runs[first.run_id].attempt == 2)
            await until(pilot, lambda: first.attempt == 2 and first.conclusion == "failure")
            # The validate job that succeeded is kept from attempt 1, beside the re-run job.
            names = lambda: [row[2] for row in app.jobs_pane.rows if not row[2].startswith(" ")]  # noqa: E731
            await until(pilot, lambda: any(n.endswith("· attempt 2") for n in names()))
            assert [n.split(" · ")[1] for n in names()] == ["attempt 1, kept", "attempt 2"]
            await pilot.press("r")
            await until(pilot, lambda: len(app.sessions) == 2)
            second = next(s for s in app.sessions.values() if s is not first)
            assert second.spec == first.spec
            await until(pilot, lambda: second.run_id is not None)
            assert second.run_id != first.run_id

    asyncio.run(go())


def test_enter_downloads_the_highlighted_artifact(sim, tmp_path):
    async def go():
        app = make_app(sim, tmp_path, start_with=(spec(debug_mode="disabled"),))
        async with app.run_test(size=SIZE) as pilot:
            session = next(iter(app.sessions.values()))
            await until(pilot, lambda: len(session.artifacts) == 2 and session.done)
            table = app.query_one("#artifact-table")
            await until(pilot, lambda: table.row_count == 2)  # with the next second's tick
            table.focus()
            await pilot.press("down")
            await pilot.press("enter")
            await until(pilot, lambda: list((tmp_path / "downloads").glob("*.zip")))
            await app.workers.wait_for_complete()
            saved = list((tmp_path / "downloads").iterdir())
            assert [p.name for p in saved] == [session.artifacts[1]["name"] + ".zip"]
            assert saved[0].stat().st_size == session.artifacts[1]["size_in_bytes"]

    asyncio.run(go())


def test_number_keys_select_sessions(sim, tmp_path):
    sim.scenario = "never-picked-up"

    async def go():
        specs = (spec(python="cp310"), spec(python="cp311"), spec(python="cp313"))
        app = make_app(sim, tmp_path, start_with=specs)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            ordered = app._ordered()
            await pilot.press("3")
            assert app.selected == ordered[2].id
            await pilot.press("1")
            assert app.selected == ordered[0].id
            app.query_one("#sessions").focus()
            await pilot.press("down", "down", "down")  # stops at the last row
            assert app.selected == ordered[2].id
            await pilot.press("up")
            assert app.selected == ordered[1].id
            await pilot.click("#sessions", offset=(10, 2))  # the first row: border, heading, row
            assert app.selected == ordered[0].id
            assert ordered[0].identifier in text_of(app.query_one("#session-header"))

    asyncio.run(go())


def test_arrow_keys_across_sessions_make_no_run_reads(sim, tmp_path):
    """Selecting a session reads it afresh once the person stays on it, and only its jobs
    (they say when the run needs reading): arrow keys across fifty sessions used to cost
    two requests each."""
    sim.scenario = "never-picked-up"  # each run is read once, at its start, and never again

    async def go():
        specs = tuple(spec(python=python) for python in ("cp310", "cp311", "cp312", "cp313"))
        app = make_app(sim, tmp_path, start_with=specs)
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: len(app.watchers) == 4)
            runs = {
                sid: f"/repos/{REPO}/actions/runs/{s.run_id}" for sid, s in app.sessions.items()
            }

            def reads(path):
                return sim.stats()["by_path"].get(path, 0)

            await until(pilot, lambda: all(reads(path) for path in runs.values()))
            before = {sid: reads(path) for sid, path in runs.items()}
            app.query_one("#sessions").focus()
            await pilot.press("down", "down", "down", "up", "up", "up", "down")
            jobs = runs[app.selected] + "/jobs"
            await until(pilot, lambda: app._look_timer is None)
            polled = reads(jobs)
            await until(pilot, lambda: reads(jobs) > polled)
            assert {sid: reads(path) for sid, path in runs.items()} == before

    asyncio.run(go())


def test_sessions_survive_a_restart_and_are_watched_again(sim, tmp_path):
    sim.scenario = "ssh-timeout"

    async def first():
        app = make_app(sim, tmp_path, start_with=(spec(session_timeout=60),))
        async with app.run_test(size=SIZE) as pilot:
            session = next(iter(app.sessions.values()))
            await until(pilot, lambda: session.run_id is not None)
            return session.id, session.run_id

    sid, run_id = asyncio.run(first())
    saved = History(tmp_path / "history.yaml").load()
    assert [s.id for s in saved.sessions] == [sid]
    assert "ghp_ui" not in (tmp_path / "history.yaml").read_text()

    async def second():
        app = make_app(sim, tmp_path, history=saved)
        async with app.run_test(size=SIZE) as pilot:
            assert not isinstance(app.screen, DispatchScreen)
            session = app.sessions[sid]
            assert session.jobs == []  # nothing about the run is kept in the history...
            # ...so these come from watching it again.
            await until(pilot, lambda: session.jobs and session.status != "queued")
            assert session.run_id == run_id

    asyncio.run(second())


def test_no_token_is_explained_in_the_ui(tmp_path):
    async def go():
        backend = Backend(
            github=None,
            history=History(tmp_path / "history.yaml"),
            repo=REPO,
            problem="no GitHub token: set GH_TOKEN, run `gh auth login`, or add 'token:'",
            download_dir=tmp_path,
            log_dir=tmp_path,
        )
        app = DebugApp(backend)
        async with app.run_test(size=SIZE) as pilot:
            form = app.screen
            assert "no GitHub token" in text_of(form.query_one("#form-problem"))
            await pilot.press("ctrl+s")
            await pilot.pause()
            session = next(iter(app.sessions.values()))
            assert session.status == "error" and "GH_TOKEN" in session.note
            assert "no GitHub token" in text_of(app.query_one("#status"))

    asyncio.run(go())


def test_a_damaged_history_is_kept_aside_with_a_warning(sim, tmp_path):
    path = tmp_path / "history.yaml"
    path.write_text("sessions: [unclosed\n")

    async def go():
        app = make_app(sim, tmp_path, history=History(path).load())
        async with app.run_test(size=SIZE):
            assert any("damaged" in n.message for n in notifications(app))

    asyncio.run(go())
    kept = list(tmp_path.glob("history.yaml.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_text() == "sessions: [unclosed\n"


def test_the_form_shows_before_the_client_is_built_and_dispatches_once_it_is(sim, tmp_path):
    """Building the client imports httpx and may run `gh auth token`: the form (or the
    sessions) shows without waiting for it, and what is dispatched meanwhile goes once it is
    there."""
    release = threading.Event()
    github = GitHub(sim.api_url, Token("ghp_ui", "test"), backoff=0.02, find_timeout=2)

    def slow_client() -> Client:
        assert release.wait(20)
        return Client(github, where=sim.api_url)

    backend = Backend(history=History(tmp_path / "history.yaml"), repo=REPO,
                      download_dir=tmp_path / "downloads", log_dir=tmp_path / "logs",
                      connect=slow_client)  # fmt: skip

    async def go():
        app = DebugApp(backend, pace=0.02)
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: isinstance(app.screen, DispatchScreen))
            # the dashboard comes under the form, and says it is connecting
            await until(pilot, lambda: "connecting" in "".join(map(text_of, app.query("#status"))))
            assert not app.ready
            await pilot.press("x")  # needs the client: shown disabled, does nothing yet
            await pilot.press("ctrl+s")
            # The form holds it until the main build's settings are read, with the client.
            await until(pilot, lambda: "dispatching once" in "".join(map(text_of,
                        app.screen.query("#form-error"))))  # fmt: skip
            assert not app.sessions
            release.set()
            session = await until(pilot, lambda: next(iter(app.sessions.values()), None))
            await until(pilot, lambda: app.ready and session.run_id is not None)
            assert app.github is github and len(sim.runs) == 1

    asyncio.run(go())


def test_a_client_that_cannot_be_built_is_said_in_the_status_line(tmp_path):
    def broken() -> Client:
        raise OSError("no space left on device")

    backend = Backend(history=History(persist=False), download_dir=tmp_path, log_dir=tmp_path,
                      connect=broken)  # fmt: skip

    async def go():
        app = DebugApp(backend)
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: app.ready)
            await pilot.press("escape")
            status = text_of(app.query_one("#status"))
            assert "could not start: no space left on device" in status

    asyncio.run(go())


@pytest.mark.parametrize("key", ["c", "x", "R", "l", "o"])
def test_keys_without_a_session_say_why(tmp_path, key):
    async def go():
        with Simulator() as sim:
            app = make_app(sim, tmp_path)
            async with app.run_test(size=SIZE) as pilot:
                await pilot.press("escape")
                await pilot.press(key)
                assert notifications(app), "a key must never do nothing silently"

    asyncio.run(go())


def test_actions_are_in_the_command_palette(tmp_path):
    async def go():
        with Simulator() as sim:
            app = make_app(sim, tmp_path)
            async with app.run_test(size=SIZE):
                titles = [c.title for c in app.get_system_commands(app.screen)]
                for words in (
                    "New (n)",
                    "Copy SSH (c)",
                    "Cancel run (x)",
                    "Rerun failed (R)",
                    "Download (d)",
                    "Download all (D)",
                    "Help (?)",
                    "Full log (l)",
                ):
                    assert words in titles

    asyncio.run(go())


@pytest.mark.parametrize(
    ("prefill", "words", "runner", "arch"),
    [
        ({"runner": "macos-13"}, "macos-13 was retired on 2025-12-04: macos-15-intel is used",
         "macos-15-intel", "x86_64"),
        ({"runner": "ubuntu-latest", "arch": "arm64"}, 'use arch "aarch64"', "ubuntu-latest",
         "aarch64"),
    ],
)  # fmt: skip
def test_prefill_that_cannot_be_used_says_why(sim, tmp_path, prefill, words, runner, arch):
    async def go():
        app = make_app(sim, tmp_path, prefill=prefill)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            form = app.screen
            assert words in text_of(form.query_one("#form-error"))
            assert form.query_one("#runner", Choice).value == runner
            assert form.query_one("#arch", Choice).value == arch

    asyncio.run(go())


def test_news_of_several_sessions_comes_in_one_toast(sim, tmp_path):
    """Watchers' news waits for the next tick: sessions finishing together make one toast."""
    history = History(persist=False)
    ended = [
        Session("a", spec(), sim.api_url, run_id=1, status="in_progress"),
        Session("b", spec(python="cp313"), sim.api_url, run_id=2, status="in_progress"),
    ]
    for session in ended:
        history.add(session)
    github = GitHub(sim.api_url, Token("ghp_ui", "test"))
    backend = Backend(github=github, history=history, repo=REPO,
                      download_dir=tmp_path, log_dir=tmp_path)  # fmt: skip

    async def go():
        app = DebugApp(backend, follow_runs=False)
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: app.ready)
            before = notifications(app)
            for session, conclusion in zip(ended, ("success", "failure"), strict=True):
                session.status, session.conclusion = "completed", conclusion
                app.show_event(StatusChanged(session.id, session.status, session.conclusion))
            await until(pilot, lambda: len(notifications(app)) > len(before))
            (toast,) = [n for n in notifications(app) if n not in before]
            assert toast.title == "2 updates" and toast.severity == "warning"
            assert toast.message.splitlines() == [
                "cp312-manylinux_x86_64: success",
                "cp313-manylinux_x86_64: failure",
            ]

    asyncio.run(go())


def test_news_of_other_sessions_waits_for_a_gap_between_toasts(sim, tmp_path):
    """Many sessions would keep toasts coming: news of sessions a person is not looking at
    goes up at most every `news_gap` seconds, news of the selected one at once."""
    history = History(persist=False)
    for python, run_id in (("cp311", 1), ("cp312", 2), ("cp313", 3)):
        history.add(Session(python, spec(python=python), sim.api_url, run_id=run_id,
                            status="in_progress"))  # fmt: skip
    github = GitHub(sim.api_url, Token("ghp_ui", "test"))
    backend = Backend(github=github, history=history, repo=REPO,
                      download_dir=tmp_path, log_dir=tmp_path)  # fmt: skip

    def finish(session_id):
        app.sessions[session_id].status = "completed"
        app.sessions[session_id].conclusion = "failure"
        session = app.sessions[session_id]
        app.show_event(StatusChanged(session_id, session.status, session.conclusion))

    app = DebugApp(backend, follow_runs=False)

    async def go():
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: app.ready)
            app.news_gap = 3600.0
            first, second = sorted(set(app.sessions) - {app.selected})
            before = len(notifications(app))
            finish(first)
            app._tell_news()  # as the tick does
            await until(pilot, lambda: len(notifications(app)) == before + 1)
            finish(second)
            app._tell_news()
            assert [item.session_id for item in app._news] == [second]  # held back, not lost
            finish(app.selected)
            app._tell_news()
            await until(pilot, lambda: len(notifications(app)) == before + 2)
            *_, toast = notifications(app)
            assert toast.title == "2 updates" and not app._news
            assert [line.split("-")[0] for line in toast.message.splitlines()] == [
                second,
                app.selected,
            ]

    asyncio.run(go())


def test_the_jobs_pane_draws_again_only_the_lines_whose_clock_moved():
    from datetime import datetime, timedelta, timezone

    from textual.app import App

    from cibw_debug_tui.ui.widgets.jobs import JobsPane

    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    clock = [start + timedelta(seconds=70)]
    stamp = lambda seconds: (start + timedelta(seconds=seconds)).isoformat()  # noqa: E731
    session = Session("s", spec(), "http://sim", run_id=1, status="in_progress")
    session.jobs = [
        {"name": "build", "status": "in_progress", "started_at": stamp(0), "steps": [
            {"name": "Set up job", "status": "completed", "conclusion": "success",
             "started_at": stamp(0), "completed_at": stamp(3)},
            {"name": "Build", "status": "in_progress", "started_at": stamp(3)},
            {"name": "Upload logs", "status": "queued"},
        ]},
    ]  # fmt: skip

    class One(App):
        CSS = "JobsPane { border: round red; padding: 0 1; height: auto; }"

        def compose(self):
            yield JobsPane(now=lambda: clock[0])

    async def go():
        app = One()
        async with app.run_test(size=(60, 10)) as pilot:
            pane = app.query_one(JobsPane)

            def painted():  # what the screen gets: the border's line, then the steps
                strips = pane.render_lines(pane.outer_size.region)
                return [strip.text[2:-2].rstrip() for strip in strips][1:5]

            pane.show(session)
            await pilot.pause()
            lines = painted()
            assert lines[0].startswith("● build") and lines[0].endswith("01:10")
            assert lines[1].startswith("✓   Set up job") and lines[1].endswith("00:03")
            assert lines[2].startswith("●   Build") and lines[2].endswith("01:07")
            assert lines[3] == "◌   Upload logs"
            drawn = []
            refresh = pane.refresh
            pane.refresh = lambda *regions, **kw: (
                drawn.append((regions, kw)) or refresh(*regions, **kw)
            )
            clock[0] += timedelta(seconds=1)
            pane.show(session)
            assert [r[0].y for r, kw in drawn] == [0, 2] and all(not kw for _, kw in drawn)
            await pilot.pause()
            now = painted()
            assert now[0].endswith("01:11") and now[2].endswith("01:08")
            assert now[1] == lines[1] and now[3] == lines[3]

    asyncio.run(go())
