"""The dashboard through a working day (issue 17): restarts, a retired runner, a runner
changed, the settings' effect, a fast server clock, small terminals, downloads from anywhere,
sessions told apart, the help, the log's search. Pilot against the simulator over loopback."""

import asyncio
import re

from helpers import notifications, until
from test_ui import REPO, SIZE, make_app, spec, text_of
from textual.widgets import Input
from ui_fixtures import fixture_app, make_sessions

from cibw_debug_tui.core.history import History
from cibw_debug_tui.simulator.server import Simulator
from cibw_debug_tui.ui.screens.dispatch import DispatchScreen
from cibw_debug_tui.ui.screens.help import HelpScreen
from cibw_debug_tui.ui.screens.log import LogScreen
from cibw_debug_tui.ui.widgets.choice import Choice, ChoiceList


def form_ready(app) -> bool:
    """The form is up, its text fields too (they come a frame after it)."""
    return isinstance(app.screen, DispatchScreen) and bool(app.screen.query(Input))


# -- 1. after a restart, a finished session is read once when selected ----------------------


def test_a_finished_session_shows_its_jobs_artifacts_and_failure_after_a_restart(sim, tmp_path):
    sim.scenario = "build-failure"

    async def first():
        app = make_app(sim, tmp_path, start_with=(spec(debug_mode="disabled"),))
        async with app.run_test(size=SIZE) as pilot:
            session = next(iter(app.sessions.values()))
            await until(pilot, lambda: session.failure is not None and not app.watchers)
            return session

    before = asyncio.run(first())

    async def after_restart():
        app = make_app(sim, tmp_path, history=History(tmp_path / "history.yaml").load())
        async with app.run_test(size=SIZE) as pilot:
            session = app.sessions[before.id]
            await until(pilot, lambda: session.failure is not None and session.artifacts)
            jobs, artifacts = app.query_one("#jobs"), app.query_one("#artifacts")
            await until(pilot, lambda: app.query_one("#failure").display)  # the next tick
            assert "Build cp312-manylinux_x86_64 with cibuildwheel" in "".join(
                row[2] for row in jobs.rows
            )
            assert not any("Waiting for a runner" in row[2] for row in jobs.rows)
            assert "No artifacts" not in text_of(artifacts.query_one("#artifacts-note"))
            assert "rate limit: not reported" not in text_of(app.query_one("#status"))
            await pilot.press("l")
            assert isinstance(app.screen, LogScreen)

    asyncio.run(after_restart())


# -- 2. a retired runner becomes its replacement, said once -----------------------------------


def test_a_retired_runner_becomes_its_named_replacement_and_is_said_once(sim, tmp_path):
    prefill = {"runner": "macos-14", "python": "cp312", "arch": "arm64"}

    async def go():
        app = make_app(sim, tmp_path, prefill=prefill)
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: form_ready(app))
            form = app.screen
            assert form.query_one("#runner", Choice).value == "macos-15"
            assert form.query_one("#arch", Choice).value == "arm64"  # the arch is kept
            said = text_of(form.query_one("#form-error"))
            assert "macos-14 was retired on 2026-11-02: macos-15 is used instead" in said
            await pilot.press("ctrl+s")
            session = await until(pilot, lambda: next(iter(app.sessions.values()), None))
            assert (session.spec.runner, session.spec.arch) == ("macos-15", "arm64")
            assert session.identifier == "cp312-macosx_arm64"
            await pilot.press("n")
            await until(pilot, lambda: form_ready(app))
            assert app.screen.query_one("#runner", Choice).value == "macos-15"
            assert not app.screen.query("#form-error")  # said once

    asyncio.run(go())


# -- 3. a new runner gets its native arch ------------------------------------------------------


def test_changing_the_runner_picks_its_native_arch_unless_the_chosen_one_is_native_there(
    sim, tmp_path
):
    async def go():
        app = make_app(sim, tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: form_ready(app))
            form = app.screen
            runner, python, arch = (form.query_one(f"#{n}", Choice) for n in
                                    ("runner", "python", "arch"))  # fmt: skip

            async def choose(choice, value):
                choice.value = value
                await pilot.pause()

            await choose(runner, "ubuntu-24.04-arm")
            assert arch.value == "aarch64"  # not x86_64 (emulated)
            await choose(runner, "macos-latest")
            assert arch.value == "arm64"  # not x86_64, cross-compiled by accident
            await choose(runner, "ubuntu-latest")
            assert arch.value == "x86_64"
            await choose(arch, "aarch64")  # chosen: emulated here
            await choose(python, "cp313")
            assert arch.value == "aarch64"  # a new CPython keeps a valid choice
            await choose(runner, "ubuntu-24.04-arm")
            assert arch.value == "aarch64"  # native there: kept
            assert "cp313-manylinux_aarch64" in text_of(form.query_one("#summary"))

    asyncio.run(go())


def test_a_choice_opens_its_list_with_enter_and_takes_what_is_picked(sim, tmp_path):
    async def go():
        app = make_app(sim, tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: form_ready(app))
            form = app.screen
            form.query_one("#python", Choice).focus()
            await pilot.press("enter")
            assert isinstance(app.screen, ChoiceList)
            await pilot.press("down", "enter")  # cp312 -> cp313
            assert app.screen is form
            assert form.query_one("#python", Choice).value == "cp313"
            assert "cp313-manylinux_x86_64" in text_of(form.query_one("#summary"))

    asyncio.run(go())


# -- 5. the full log: during the after-failure session, and of a successful build ------------


def test_l_opens_the_build_log_while_the_after_failure_session_is_open(sim, tmp_path):
    sim.scenario = "ssh-timeout"

    async def go():
        app = make_app(sim, tmp_path, start_with=(spec(session_timeout=60),))
        async with app.run_test(size=SIZE) as pilot:
            session = next(iter(app.sessions.values()))
            await until(pilot, lambda: session.open_connection() is not None)
            await until(pilot, lambda: session.failure is not None)
            assert not session.done  # the job holds the session: its own log is not served
            await pilot.press("l")
            assert isinstance(app.screen, LogScreen)
            assert "ffi.h" in "\n".join(app.screen.query_one("#log").lines)

    asyncio.run(go())


def test_l_on_a_successful_build_fetches_its_log(sim, tmp_path):
    async def go():
        app = make_app(sim, tmp_path, start_with=(spec(debug_mode="disabled"),))
        async with app.run_test(size=SIZE) as pilot:
            session = next(iter(app.sessions.values()))
            await until(pilot, lambda: session.conclusion == "success" and not app.watchers)
            await pilot.press("l")
            await until(pilot, lambda: isinstance(app.screen, LogScreen))
            lines = "\n".join(app.screen.query_one("#log").lines)
            assert "Successfully built" in lines or "cibuildwheel" in lines

    asyncio.run(go())


# -- 6. the form's preview follows the settings ----------------------------------------------


def test_the_preview_says_what_the_extra_settings_do_to_the_tests(sim, tmp_path):
    async def go():
        app = make_app(sim, tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: form_ready(app))
            form = app.screen
            settings = form.query_one("#cibw_settings", Input)
            summary = form.query_one("#summary")
            assert "tests run" in text_of(summary)
            settings.value = '{"CIBW_TEST_SKIP": "*"}'
            await pilot.pause()
            assert "tests skipped (CIBW_TEST_SKIP)" in text_of(summary)
            settings.value = '{"CIBW_TEST_SKIP": "*-win_amd64"}'
            await pilot.pause()
            assert "tests run" in text_of(summary)
            settings.value = '{"CIBW_TEST_COMMAND": ""}'
            await pilot.pause()
            assert "no tests (CIBW_TEST_COMMAND is empty)" in text_of(summary)
            settings.value = '{"CIBW_BUILD": "cp39-*"}'
            await pilot.pause()
            assert "cannot change CIBW_BUILD" in text_of(summary)
            await pilot.press("ctrl+s")
            assert "cannot change CIBW_BUILD" in text_of(form.query_one("#form-error"))
            assert app.sessions == {}

    asyncio.run(go())


# -- 7. times from the server's clock ---------------------------------------------------------


def test_the_ssh_countdown_is_read_against_the_servers_clock(tmp_path):
    """`simulate-github --speed 60`: its clock runs an hour ahead in a minute; a 30-minute
    session must not show "closes in 1:30:32"."""
    with Simulator(speed=60, scenario="ssh-timeout") as fast:

        async def go():
            app = make_app(fast, tmp_path, start_with=(spec(debug_mode="before-build"),))
            async with app.run_test(size=SIZE) as pilot:
                session = next(iter(app.sessions.values()))
                conn = await until(pilot, lambda: session.open_connection(), timeout=30)
                opened = conn.opened_at.timestamp()
                await until(pilot, lambda: fast.clock.now() - opened > 300, timeout=30)
                await pilot.pause(1.1)  # the pane's clock moves with the tick
                shown = text_of(app.query_one("#ssh-state"))
                minutes, seconds = re.search(r"closes in (\d+):(\d\d)", shown).groups()
                left = int(minutes) * 60 + int(seconds)
                truth = conn.expires_at.timestamp() - fast.clock.now()
                assert abs(left - truth) < 90, (shown, truth)  # polls every few seconds
                assert left < 30 * 60 - 240

        asyncio.run(go())


# -- 8. small terminals ------------------------------------------------------------------------


def test_at_80x24_the_ssh_command_is_whole_on_one_line(tmp_path):
    app = fixture_app(tmp_path, make_sessions(tmp_path), selected="ssh1")
    ssh = "ssh kq3Yb7TmZ8wR2pXn5Vd9Lc4Hs@fra1.tmate.io"

    async def go():
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            command = app.query_one("#ssh-command")
            assert command.region.height == 1 and command.content_region.width >= len(ssh)
            assert app.screen.region.contains_region(command.region)  # on screen, not scrolled
            assert app.query_one("#right").region.contains_region(command.region)
            assert text_of(command).strip() == ssh
            assert app.query_one("#main").has_class("-narrow")  # stacked
            assert app.query_one("#left").region.height <= 24 // 3 + 1

    asyncio.run(go())


def test_the_sessions_take_the_width_they_need(tmp_path):
    app = fixture_app(tmp_path, make_sessions(tmp_path), selected="ssh1")

    async def go():
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            listed = app.query_one("#sessions")
            assert not app.query_one("#main").has_class("-narrow")
            assert app.query_one("#left").region.width == listed.width_needed() + 2
            assert app.query_one("#left").region.width < SIZE[0] // 2

    asyncio.run(go())


def test_the_form_scrolls_on_a_small_terminal_and_its_keys_stay_in_view(sim, tmp_path):
    async def go():
        app = make_app(sim, tmp_path)
        async with app.run_test(size=(80, 12)) as pilot:
            await until(pilot, lambda: form_ready(app))
            form = app.screen
            body, keys = form.query_one("#form"), form.query_one("#form-keys")
            assert body.max_scroll_y > 0  # taller than the terminal: it scrolls
            form.query_one("#cibw_settings").focus()
            await until(pilot, lambda: body.scroll_y > 0)  # the focused field is scrolled to
            assert "ctrl+s Dispatch" in text_of(keys)
            assert app.screen.region.contains_region(keys.region)  # the keys too
            await pilot.click("#form-keys", offset=(keys.region.width - 3, 1))  # "Cancel"
            await until(pilot, lambda: not isinstance(app.screen, DispatchScreen))

    asyncio.run(go())


# -- 9. downloads from anywhere ----------------------------------------------------------------


def test_d_downloads_the_highlighted_artifact_and_D_all_from_anywhere(sim, tmp_path):
    async def go():
        app = make_app(sim, tmp_path, start_with=(spec(debug_mode="disabled"),))
        async with app.run_test(size=SIZE) as pilot:
            session = next(iter(app.sessions.values()))
            await until(pilot, lambda: len(session.artifacts) == 2 and not app.watchers)
            await until(pilot, lambda: app.query_one("#artifact-table").row_count == 2)
            app.query_one("#sessions").focus()  # not the artifacts table
            await pilot.press("d")
            folder = tmp_path / "downloads"
            await until(pilot, lambda: len(list(folder.glob("*.zip"))) == 1)
            await pilot.press("D")
            await until(pilot, lambda: len(list(folder.glob("*.zip"))) == 2)
            await app.workers.wait_for_complete()
            names = sorted(p.name for p in folder.iterdir())
            assert names == sorted(a["name"] + ".zip" for a in session.artifacts)
            assert any("Saved 2 artifacts" in n.message for n in notifications(app))

    asyncio.run(go())


# -- 10. sessions told apart, numbers that stay ------------------------------------------------


def test_sessions_show_their_runner_and_keep_their_numbers_when_one_is_added(sim, tmp_path):
    sim.scenario = "never-picked-up"

    async def go():
        app = make_app(sim, tmp_path, start_with=(spec(), spec(runner="ubuntu-24.04-arm",
                                                               arch="aarch64")))  # fmt: skip
        async with app.run_test(size=SIZE) as pilot:
            listed = app.query_one("#sessions")
            await until(pilot, lambda: len(listed.sessions) == 2)
            first = [listed._cells[s.id] for s in listed.sessions]
            assert [row[listed.columns.index("runner")] for row in first] == [
                "ubuntu-latest", "ubuntu-24.04-arm"]  # fmt: skip
            assert "repo" not in listed.columns  # one repository: no column for it
            await pilot.press("r")  # a third session, like the selected one
            await until(pilot, lambda: len(listed.sessions) == 3)
            numbered = {s.id: listed._cells[s.id][0] for s in listed.sessions}
            assert [numbered[s.id] for s in listed.sessions[:2]] == ["1", "2"]
            assert numbered[app.selected] == "3"  # the newest, at the bottom
            app.dispatch(spec(repo="octo/other"))
            await until(pilot, lambda: "repo" in listed.columns)

    asyncio.run(go())


def test_an_open_ssh_session_has_a_colour_of_its_own():
    from cibw_debug_tui.ui.format import STATUS_ICONS

    colours = {key: colour for key, (_, colour) in STATUS_ICONS.items()}
    assert colours["ssh"] not in (colours["in_progress"], "$accent")  # accent is orange too


# -- 11. the form explains its choices ---------------------------------------------------------


def test_the_form_explains_the_debug_mode_the_timeout_and_what_emulation_costs(sim, tmp_path):
    async def go():
        app = make_app(sim, tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: form_ready(app))
            form = app.screen
            assert "SSH timeout (min)" in text_of(form.query_one("#form-labels"))
            words = form.query_one("#mode-words")
            assert "if the build fails: an SSH session where it failed" in text_of(words)
            form.query_one("#debug_mode", Choice).value = "always"
            await pilot.pause()
            assert "SSH sessions before the build, and if it fails" in text_of(words)
            form.query_one("#arch", Choice).value = "aarch64"
            await pilot.pause()
            assert "QEMU emulates every instruction" in text_of(form.query_one("#summary"))

    asyncio.run(go())


# -- 12. this app's help, and a palette that holds everything ----------------------------------


def test_question_mark_shows_this_apps_keys_glyphs_and_what_tab_reaches(tmp_path):
    app = fixture_app(tmp_path, make_sessions(tmp_path), selected="ssh1")

    async def go():
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen)
            shown = "\n".join(text_of(w) for w in app.screen.query("Static"))
            for words in (
                "Download every artifact",
                "Copy the SSH command",
                "⇄",
                "SSH session",
                "◌",
                "…",
                "!",
                "not dispatched",
                "Tab moves the focus",
            ):
                assert words in shown, words
            await pilot.press("question_mark")
            assert not isinstance(app.screen, HelpScreen)

    asyncio.run(go())


def test_the_palette_selects_a_session_by_its_name(tmp_path):
    app = fixture_app(tmp_path, make_sessions(tmp_path), selected="ssh1")

    async def go():
        async with app.run_test(size=SIZE) as pilot:
            commands = {c.title: c for c in app.get_system_commands(app.screen)}
            for action in ("Download (d)", "Download all (D)", "Help (?)", "Full log (l)"):
                assert action in commands, sorted(commands)  # every action, by its name
            title = "Select session 2: cp313-macosx_x86_64 on macos-15-intel (2)"
            assert title in commands
            commands[title].callback()  # as the palette calls it
            await pilot.pause()
            assert app.selected == "fail1"

    asyncio.run(go())


# -- 13. the log's search; elapsed after R; why a session ended --------------------------------


def test_the_log_searches_forward_and_back_and_goes_to_the_cause(tmp_path):
    sessions = make_sessions(tmp_path)
    app = fixture_app(tmp_path, sessions, selected="fail1")

    async def go():
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("l")
            log = app.screen
            assert isinstance(log, LogScreen)
            await pilot.press("slash")
            await pilot.press(*"libdb2", "enter")
            where = log.query_one("#log-where")

            def shown() -> tuple[int, int, int]:
                found = re.search(r"match (\d+) of (\d+): line (\d+)", text_of(where))
                assert found, text_of(where)
                return tuple(map(int, found.groups()))

            at, count, line = shown()  # the first match after where the log opened: the cause
            assert count > 2 and line > log.result.cause[0].line - 1
            await pilot.press("n")
            assert shown()[0] == at % count + 1
            await pilot.press("N", "N")
            assert shown()[0] == (at - 2) % count + 1  # round, backwards
            await pilot.press("g")
            assert "the cause" in text_of(where)
            await pilot.press("escape")
            assert not isinstance(app.screen, LogScreen)

    asyncio.run(go())


def test_elapsed_after_rerun_failed_counts_from_the_new_attempt(sim, tmp_path):
    sim.scenario = "build-failure"
    # At 200x, the hourly limit's pace (5,000 an hour of real time) would let a minute of
    # simulated time pass before the re-run is read; this test is about the clock, not that.
    sim.rate_limit = 10**6

    async def go():
        app = make_app(sim, tmp_path, start_with=(spec(debug_mode="disabled"),))
        async with app.run_test(size=SIZE) as pilot:
            session = next(iter(app.sessions.values()))
            await until(pilot, lambda: session.conclusion == "failure" and not app.watchers)
            measured = app.now()
            took = session.elapsed(measured)
            assert took > 60
            await pilot.press("R")
            await until(pilot, lambda: session.attempt == 2)
            now = app.now()
            # Counted from the first attempt it would be `took` more than the time since it was
            # measured; from the new attempt, at most that time (5 s for the clocks' rounding),
            # however long a loaded machine took to read the new attempt.
            assert session.elapsed(now) <= (now - measured) + 5

    asyncio.run(go())


def test_the_ssh_pane_says_why_a_session_ended(sim, tmp_path):
    async def go():  # success: the simulated person lets the build go on after 3 minutes
        app = make_app(sim, tmp_path, start_with=(spec(debug_mode="before-build"),))
        async with app.run_test(size=SIZE) as pilot:
            session = next(iter(app.sessions.values()))
            await until(pilot, lambda: session.connections and session.open_connection() is None)
            await until(pilot, lambda: "ended" in text_of(app.query_one("#ssh-state")))
            assert "let go on after 03:" in text_of(app.query_one("#ssh-state"))

    asyncio.run(go())


def test_the_demo_sessions_time_out_as_their_countdown_says():
    from cibw_debug_tui.ui.factory import DEMO_SESSION_MINUTES, make_app

    app, cleanup = make_app(demo=True)
    try:
        specs = [s for s in app.backend.start_with if s.debug_mode != "disabled"]
        assert specs and all(s.session_timeout == DEMO_SESSION_MINUTES == 3 for s in specs)
    finally:
        cleanup()


def test_a_repository_is_asked_first_when_there_is_none(sim, tmp_path):
    async def go():
        app = make_app(sim, tmp_path)
        app.repo = None
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: form_ready(app))
            await until(pilot, lambda: app.focused is app.screen.query_one("#repo"))
            assert REPO not in app.screen.query_one("#repo", Input).value

    asyncio.run(go())
