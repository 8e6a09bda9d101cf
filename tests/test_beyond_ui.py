"""Issue 19 in the dashboard, driven with Pilot against the simulator over loopback HTTP: `f`
starts from the failed CI run, `s` steps into the runner (a fake `ssh` and `tmux` on PATH record
what ran), several CPythons at once from the form, and desktop notifications."""

import asyncio
import os

import pytest
from helpers import notifications, until
from test_ui import SIZE, make_app, text_of

from cibw_debug_tui.core import notify
from cibw_debug_tui.ui.screens.dispatch import DispatchScreen
from cibw_debug_tui.ui.screens.failed_runs import FailedRunsScreen
from cibw_debug_tui.ui.widgets.choice import Choice
from cibw_debug_tui.ui.widgets.header import SessionHeader


def fake_program(folder, name: str, record) -> None:
    """A program on PATH that appends its arguments to `record`."""
    folder.mkdir(exist_ok=True)
    script = folder / name
    script.write_text(f'#!/bin/sh\necho "{name} $@" >> {record}\n')
    script.chmod(0o755)


async def choose(pilot, app, label: str) -> None:
    """Highlight the option that says `label` in the failed-runs list, and choose it."""
    listed = app.screen.query_one("#runs-list")
    shown = lambda: [str(o.prompt) for o in listed.options]  # noqa: E731
    await until(pilot, lambda: any(label in p for p in shown()),
                why=lambda: f"{label!r} not in {shown()}")  # fmt: skip
    listed.highlighted = next(i for i, o in enumerate(listed.options) if label in str(o.prompt))
    await pilot.press("enter")


def test_f_lists_failed_runs_then_jobs_and_prefills_the_form(sim, tmp_path):
    async def go():
        app = make_app(sim, tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("escape")  # the form it opens on
            await until(pilot, lambda: app.ready)
            await pilot.press("f")
            assert isinstance(app.screen, FailedRunsScreen)
            await choose(pilot, app, "Build wheels")
            listed = app.screen.query_one("#runs-list")
            assert not any("Tests" in str(o.prompt) for o in listed.options)
            await choose(pilot, app, "Build wheels on macos-13")
            await until(pilot, lambda: isinstance(app.screen, DispatchScreen))
            form = app.screen
            chosen = {n: form.query_one(f"#{n}", Choice).value
                      for n in ("runner", "python", "arch", "debug_mode")}  # fmt: skip
            assert chosen == {"runner": "macos-15-intel", "python": "cp311", "arch": "x86_64",
                              "debug_mode": "after-failure"}  # fmt: skip
            origin = text_of(form.query_one("#form-origin"))
            assert "it failed building cp311-macosx_x86_64" in origin
            assert "delocate" in origin and "macos-13 was retired" in origin
            # The settings are the failed run's: its workflow file at its commit (issue 21).
            failed = sim.ci_runs("octo/pkg")[0]
            heading = lambda: text_of(form.query_one("#settings-heading"))  # noqa: E731
            await until(pilot, lambda: "job build_wheels" in heading(), why=heading)
            assert f"wheels.yml at {failed.head_sha[:7]}, run {failed.id}'s commit" in heading()
            assert "no job builds" not in text_of(form.query_one("#settings-notes"))
            assert failed.head_sha in sim.stats()["contents_refs"]
            await pilot.press("ctrl+s")  # one more key dispatches
            await until(pilot, lambda: any(s.run_id for s in app.sessions.values()))
        (run,) = sim.runs.values()
        assert (run.inputs["runner"], run.inputs["python"], run.inputs["arch"]) == (
            "macos-15-intel", "cp311", "x86_64")  # fmt: skip
        assert run.inputs["debug-mode"] == "after-failure"

    asyncio.run(go())


def test_f_on_a_job_that_built_nothing_says_why_and_opens_no_form(sim, tmp_path):
    async def go():
        app = make_app(sim, tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("escape")
            await until(pilot, lambda: app.ready)
            await pilot.press("f")
            await choose(pilot, app, "Build wheels")
            await choose(pilot, app, "Build wheels on windows-latest")
            await until(pilot, lambda: any("Nothing to dispatch" in n.message
                                           for n in notifications(app)))  # fmt: skip
            assert not isinstance(app.screen, DispatchScreen | FailedRunsScreen)
            message = next(n.message for n in notifications(app) if "Nothing" in n.message)
            assert "before cibuildwheel started building" in message and "config" in message

    asyncio.run(go())


@pytest.mark.parametrize("in_tmux", [True, False])
def test_s_steps_into_the_runner(sim, tmp_path, monkeypatch, in_tmux):
    sim.scenario = "build-failure"
    record = tmp_path / "ran.txt"
    fake_program(tmp_path / "bin", "ssh", record)
    fake_program(tmp_path / "bin", "tmux", record)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:{os.environ['PATH']}")
    if in_tmux:
        monkeypatch.setenv("TMUX", "/tmp/tmux-0/default,1,0")
    else:
        monkeypatch.delenv("TMUX", raising=False)

    async def go():
        app = make_app(sim, tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("s")  # on the form: ctrl+s only; leave it first
            await pilot.press("escape")
            await pilot.press("s")
            assert any("no session is selected" in n.message for n in notifications(app))
            await pilot.press("n", "ctrl+s")
            await until(pilot, lambda: app.current and app.current.open_connection())
            await pilot.press("s")
            ssh = app.current.open_connection().ssh
            return ssh, [n.message for n in notifications(app)]

    ssh, said = asyncio.run(go())
    token_at_host = ssh.split(" ")[-1]
    if in_tmux:  # a new window named after the build, running ssh itself (no shell)
        ran = record.read_text()
        assert ran == (f"tmux new-window -n cibw cp312-manylinux_x86_64 -- "
                       f"{tmp_path / 'bin' / 'ssh'} {token_at_host}\n")  # fmt: skip
        assert any("opened in a new tmux window" in m for m in said)
    else:  # Pilot's terminal cannot be handed over: nothing runs, and it says so
        assert not record.exists()
        assert any("press c to copy" in m for m in said)


def test_several_cpythons_at_once_are_a_group_in_the_list(sim, tmp_path):
    sim.scenario = "demo"  # pre-releases fail

    async def go():
        chosen = {"runner": "macos-15", "python": "cp312", "arch": "arm64",
                  "debug_mode": "disabled"}  # fmt: skip
        app = make_app(sim, tmp_path, prefill=chosen)
        async with app.run_test(size=SIZE) as pilot:
            form = app.screen
            await until(pilot, lambda: form.query("#also Input, Input#also"))
            form.query_one("#also").value = "cp313-cp315"
            await pilot.pause()
            summary = text_of(form.query_one("#summary"))
            assert "5 sessions: cp312-cp315 on macos-15" in summary and "cp314t-mac" in summary
            await pilot.press("ctrl+s")
            final = "Group cp312-cp315 on macos-15, 5 sessions: 4 ✓ 1 ✗"
            header = app.query_one(SessionHeader)
            await until(pilot, lambda: final in text_of(header), timeout=60,
                        why=lambda: text_of(header))  # fmt: skip
            listed = app.session_list
            marks = [listed.render_line(y).text.split()[0] for y in range(6)]
            return marks, {s.group for s in app.sessions.values()}

    marks, groups = asyncio.run(go())
    assert groups == {"cp312-cp315 on macos-15"}
    assert marks == ["#", "╭1", "│2", "│3", "│4", "╰5"]
    assert len(sim.runs) == 5


def test_too_many_at_once_is_refused_in_the_form(sim, tmp_path):
    async def go():
        app = make_app(sim, tmp_path, prefill={"runner": "ubuntu-latest", "python": "cp39"})
        async with app.run_test(size=SIZE) as pilot:
            form = app.screen
            await until(pilot, lambda: form.query("Input#also"))
            form.query_one("#also").value = "cp39-cp315t i686 aarch64"
            await pilot.press("ctrl+s")
            await until(pilot, lambda: form.query("#form-error"))
            return text_of(form.query_one("#form-error"))

    assert "27 sessions in one go is too many (at most 20)" in asyncio.run(go())
    assert not sim.runs


def test_an_ssh_session_opening_sends_a_desktop_notification(sim, tmp_path, monkeypatch):
    sim.scenario = "build-failure"
    monkeypatch.setenv("TERM", "foot")
    monkeypatch.delenv("TMUX", raising=False)

    async def go(enabled: bool):
        app = make_app(sim, tmp_path, desktop_notifications=enabled)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("ctrl+s")
            await until(pilot, lambda: any("SSH session open" in n.message
                                           for n in notifications(app)))  # fmt: skip
            return list(app.desktop_sent)

    sent = asyncio.run(go(True))
    assert sent and sent[0].startswith("\x1b]777;notify;cibw-debug-tui: SSH;SSH session open")
    assert all(s.count("\x1b") == 2 for s in sent)  # one OSC and its ST, nothing else
    assert notify.protocol({"TERM": "foot"}) == notify.OSC777
    assert asyncio.run(go(False)) == []


def test_hostile_run_and_job_names_are_words_and_a_malformed_answer_is_said(tmp_path):
    """`f` against a GitHub whose names hold escape sequences and markup, whose job labels
    are not runners, and whose jobs answer of one run is malformed."""
    import base64

    from hostile_github import Answer, HostileGitHub
    from test_hostile_text import HOSTILE, MARKUP

    from cibw_debug_tui.core.config import Token
    from cibw_debug_tui.core.github import GitHub
    from cibw_debug_tui.core.history import History
    from cibw_debug_tui.ui.app import DebugApp
    from cibw_debug_tui.ui.backend import Backend

    def run(run_id: int) -> dict:
        return {"id": run_id, "name": f"Build wheels {MARKUP}{HOSTILE}", "status": "completed",
                "conclusion": "failure", "path": ".github/workflows/wheels.yml",
                "head_sha": "c0ffee" * 6 + "c0ff", "html_url": f"https://github.com/octo/pkg/actions/runs/{run_id}",
                "head_branch": HOSTILE, "display_title": HOSTILE,
                "created_at": HOSTILE}  # fmt: skip

    job = {"id": 9, "name": f"wheels {MARKUP}{HOSTILE}", "status": "completed",
           "conclusion": "failure", "labels": ["ubuntu-latest", HOSTILE]}  # fmt: skip
    log = (f"Building cp312-manylinux_x86_64 wheel\nerror: {HOSTILE}\n"
           "fatal error: ffi.h: No such file or directory\n")  # fmt: skip

    async def go():
        with HostileGitHub() as gh:
            gh.on("GET", r"/repos/octo/pkg/actions/runs", {"workflow_runs": [run(5), run(6)]})
            wheels = base64.b64encode(b"uses: pypa/cibuildwheel@v4.2.0\n").decode()
            gh.on("GET", r"/repos/octo/pkg/contents/.*",
                  {"type": "file", "encoding": "base64", "content": wheels})  # fmt: skip
            gh.on("GET", r"/repos/octo/pkg/actions/runs/5", run(5))
            gh.on("GET", r"/repos/octo/pkg/actions/runs/5/jobs", {"jobs": [job]})
            gh.on("GET", r"/repos/octo/pkg/actions/runs/6/jobs", {"jobs": None})
            gh.on("GET", r"/repos/octo/pkg/actions/jobs/9/logs",
                  Answer(302, headers={"Location": f"{gh.api_url}/blob/9"}))  # fmt: skip
            gh.on("GET", r"/blob/9", Answer(body=log.encode()))
            github = GitHub(gh.api_url, Token("ghp_hostile", "test"), backoff=0.01, retries=1)
            backend = Backend(github=github, history=History(tmp_path / "h.yaml"),
                              download_dir=tmp_path, log_dir=tmp_path, repo="octo/pkg")  # fmt: skip
            app = DebugApp(backend, pace=0.02)
            async with app.run_test(size=SIZE) as pilot:
                await pilot.press("escape", "f")
                screen = app.screen
                listed = screen.query_one("#runs-list")
                await until(pilot, lambda: listed.option_count == 2)
                shown = [str(o.prompt) for o in listed.options]
                listed.highlighted = 1  # the run whose jobs answer is malformed
                await pilot.press("enter")
                said = screen.query_one("#runs-said")
                await until(pilot, lambda: "Could not read its jobs" in text_of(said), timeout=30)
                malformed = text_of(said)
                listed.highlighted = 0
                await pilot.press("enter")
                await until(pilot, lambda: listed.option_count == 1
                            and "wheels" in str(listed.options[0].prompt))  # fmt: skip
                await pilot.press("enter")
                await until(pilot, lambda: isinstance(app.screen, DispatchScreen))
                origin = text_of(app.screen.query_one("#form-origin"))
                return shown, malformed, origin, app.is_running

    shown, malformed, origin, running = asyncio.run(go())
    assert running
    for text in (*shown, malformed, origin):
        assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text
    assert MARKUP in shown[0]  # markup stays words
    assert "jobs is null" in malformed
    assert "it failed building cp312-manylinux_x86_64" in origin and "ffi.h" in origin
