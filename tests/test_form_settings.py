"""The form shows the main build's settings before a dispatch, where each comes from, and sends
them: Pilot drives the real app against the simulator, which serves the "Build wheels" workflow
in every repository."""

import asyncio
import json

from helpers import until
from test_ui import SIZE, make_app, text_of
from textual.widgets import Input

from cibw_debug_tui.core.github import GitHubError
from cibw_debug_tui.core.history import History
from cibw_debug_tui.core.main_build import read_build_files
from cibw_debug_tui.ui.widgets.choice import Choice
from cibw_debug_tui.ui.widgets.main_build import SettingEdit
from cibw_debug_tui.ui.widgets.settings_table import SettingsTable

INHERITED = {
    "CIBW_TEST_REQUIRES": "pytest",
    "CIBW_TEST_COMMAND": "pytest {project}/tests -x",
    "CIBW_BUILD_FRONTEND": "build",
    "CIBW_BEFORE_ALL_LINUX": "yum install -y libffi-devel",
}


def sent(sim) -> dict:
    [run] = sim.runs.values()
    text = run.inputs["cibw-settings"]
    return json.loads(text) if text else {}


def contents_requests(sim) -> int:
    return sum(n for path, n in sim.stats()["by_path"].items() if "/contents" in path)


async def settings_read(pilot, form) -> None:
    await until(pilot, lambda: form.panel is not None and form.panel.build is not None
                and not form.panel.loading)  # fmt: skip
    await pilot.pause()


def test_the_form_shows_where_each_setting_comes_from_and_sends_them(sim, tmp_path):
    async def go():
        app = make_app(sim, tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            form = app.screen
            await settings_read(pilot, form)
            heading = text_of(form.query_one("#settings-heading"))
            assert "Settings from wheels.yml job build_wheels  (octo/pkg at main" in heading
            table = text_of(form.query_one(SettingsTable))
            assert "[x] CIBW_TEST_REQUIRES = pytest  (workflow env)" in table
            assert "[x] CIBW_BUILD_FRONTEND = build  (job env)" in table
            assert "[x] CIBW_BEFORE_ALL_LINUX = yum install -y libffi-devel  (step env)" in table
            notes = text_of(form.query_one("#settings-notes"))
            assert "⚠ CIBW_ENVIRONMENT not sent: its value reads the secret" in notes
            assert "set by the debug workflow instead: CIBW_SKIP" in notes
            assert "before-all = yum install -y zlib-devel  (linux; CIBW_BEFORE_ALL_LINUX" in notes
            summary = text_of(form.query_one("#summary"))
            assert "sends 4 CIBW settings: 4 of the main build, 0 of the form's" in summary
            await pilot.press("ctrl+s")
            await until(pilot, lambda: sim.runs)

    asyncio.run(go())
    assert sent(sim) == INHERITED


def test_an_inherited_setting_turned_off_is_not_sent_and_the_preview_follows(sim, tmp_path):
    async def go():
        app = make_app(sim, tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            form = app.screen
            await settings_read(pilot, form)
            table = form.query_one(SettingsTable)
            table.focus()
            await pilot.pause()
            await pilot.press("down", "space")  # CIBW_TEST_COMMAND off
            assert "[ ] CIBW_TEST_COMMAND" in text_of(table)
            assert "sends 3 CIBW settings" in text_of(form.query_one("#summary"))
            await pilot.press("space", "space")  # on again, and off
            await pilot.press("ctrl+s")
            await until(pilot, lambda: sim.runs)

    asyncio.run(go())
    assert sent(sim) == {k: v for k, v in INHERITED.items() if k != "CIBW_TEST_COMMAND"}


def test_an_edited_setting_is_the_forms_own_and_only_it_is_remembered(sim, tmp_path):
    history = History(tmp_path / "history.yaml")

    async def go():
        app = make_app(sim, tmp_path, history=history)
        async with app.run_test(size=SIZE) as pilot:
            form = app.screen
            await settings_read(pilot, form)
            form.query_one(SettingsTable).focus()
            await pilot.pause()
            await pilot.press("down", "enter")
            edit = form.query_one(SettingEdit)
            assert edit.value == "pytest {project}/tests -x" and edit.has_focus
            await pilot.press("escape")  # leaves the edit, not the form
            await pilot.pause()
            assert not form.query(SettingEdit) and app.screen is form
            assert app.focused is form.query_one(SettingsTable)
            await pilot.press("enter")
            form.query_one(SettingEdit).value = "pytest -x -k one"
            await pilot.press("enter")
            await pilot.pause()
            own = form.query_one("#cibw_settings", Input).value
            assert json.loads(own) == {"CIBW_TEST_COMMAND": "pytest -x -k one"}
            table = text_of(form.query_one(SettingsTable))
            assert "CIBW_TEST_COMMAND = pytest -x -k one  (the form, not 'pytest {proj" in table
            assert "3 of the main build, 1 of the form's" in text_of(form.query_one("#summary"))
            await pilot.press("ctrl+s")
            await until(pilot, lambda: sim.runs)

    asyncio.run(go())
    assert sent(sim) == {**INHERITED, "CIBW_TEST_COMMAND": "pytest -x -k one"}
    remembered = History(tmp_path / "history.yaml").load().last_form["cibw_settings"]
    assert json.loads(remembered) == {"CIBW_TEST_COMMAND": "pytest -x -k one"}


def test_another_combination_is_worked_out_again_without_a_request(sim, tmp_path):
    async def go():
        app = make_app(sim, tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            form = app.screen
            await settings_read(pilot, form)
            before = contents_requests(sim)
            form.query_one("#runner", Choice).value = "macos-15"
            await until(pilot, lambda: "CIBW_ENVIRONMENT_MACOS" in text_of(
                form.query_one(SettingsTable)))  # fmt: skip
            table = text_of(form.query_one(SettingsTable))
            assert "MACOSX_DEPLOYMENT_TARGET=11.0" in table and "LINUX" not in table
            assert contents_requests(sim) == before

    asyncio.run(go())


def gated(fail: bool = False):
    """A reader of the main build that waits for `release` (then reads, or is refused)."""
    release = asyncio.Event()

    async def read(github, repo, ref):
        await release.wait()
        if fail:
            raise GitHubError("the token cannot read the files of octo/pkg", 403)
        return await read_build_files(github, repo, ref)

    return read, release


def test_a_dispatch_asked_before_the_settings_are_read_waits_for_them(sim, tmp_path):
    read, release = gated()

    async def go():
        app = make_app(sim, tmp_path, read_main_build=read)
        async with app.run_test(size=SIZE) as pilot:
            form = app.screen
            await until(pilot, lambda: form.panel is not None and form.panel.loading)
            await pilot.press("ctrl+s")
            await until(pilot, lambda: "dispatching once they are read"
                        in "".join(map(text_of, form.query("#form-error"))))  # fmt: skip
            assert not sim.runs
            release.set()
            await until(pilot, lambda: sim.runs)

    asyncio.run(go())
    assert sent(sim) == INHERITED


def test_a_held_dispatch_is_not_sent_when_the_main_build_cannot_be_read(sim, tmp_path):
    read, release = gated(fail=True)

    async def go():
        app = make_app(sim, tmp_path, read_main_build=read)
        async with app.run_test(size=SIZE) as pilot:
            form = app.screen
            await until(pilot, lambda: form.panel is not None and form.panel.loading)
            await pilot.press("ctrl+s")
            release.set()
            await until(pilot, lambda: "ctrl+s dispatches with the form's settings only"
                        in "".join(map(text_of, form.query("#form-error"))))  # fmt: skip
            assert not sim.runs and app.screen is form
            await pilot.press("ctrl+s")
            await until(pilot, lambda: sim.runs)

    asyncio.run(go())
    assert sent(sim) == {}


def test_without_a_main_build_or_its_files_the_forms_own_are_sent_and_that_is_said(sim, tmp_path):
    sim.repo_files["octo/bare"] = {"pyproject.toml": "[project]\nname = 'bare'\n"}
    sim.inject("status", path="/repos/octo/locked/contents/", status=403, count=99)

    async def go():
        for repo, said in (("octo/bare", "no main build found in octo/bare at main"),
                           ("octo/locked", "could not read the main build")):  # fmt: skip
            folder = tmp_path / repo.replace("/", "_")
            folder.mkdir()
            app = make_app(sim, folder)
            app.repo = repo
            async with app.run_test(size=SIZE) as pilot:
                form = app.screen
                await until(pilot, lambda form=form: form.panel is not None
                            and not form.panel.loading and form.panel.read_from)  # fmt: skip
                await pilot.pause()
                assert said in text_of(form.query_one("#settings-heading"))
                form.query_one("#cibw_settings", Input).value = '{"CIBW_TEST_SKIP": "*"}'
                await pilot.press("ctrl+s")
                await until(pilot, lambda repo=repo: any(r.repo == repo for r in sim.runs.values()))

    asyncio.run(go())
    assert [json.loads(r.inputs["cibw-settings"]) for r in sim.runs.values()] == [
        {"CIBW_TEST_SKIP": "*"}
    ] * 2


def test_outside_text_in_a_workflow_reaches_the_form_as_words_only(sim, tmp_path):
    sim.repo_files["octo/pkg"] = {".github/workflows/w.yml": (
        'on: push\njobs:\n  "evil\\e[2J":\n    runs-on: ubuntu-latest\n    steps:\n'
        '      - uses: pypa/cibuildwheel@v4.2.0\n        env:\n'
        '          CIBW_TEST_COMMAND: "pytest \\e]52;c;cHduZWQ=\\a \\u202e"\n')}  # fmt: skip

    async def go():
        app = make_app(sim, tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            form = app.screen
            await settings_read(pilot, form)
            shown = "".join(text_of(form.query_one(f"#{n}")) for n in
                            ("settings-heading", "settings-table", "settings-notes"))  # fmt: skip
            assert "CIBW_TEST_COMMAND = pytest" in shown and "evil" in shown
            assert not any(c in shown for c in "\x1b\x07\u202e")

    asyncio.run(go())


def test_the_main_builds_package_dir_is_used_and_a_click_turns_a_setting_off(sim, tmp_path):
    sim.repo_files["octo/pkg"] = {
        ".github/workflows/wheels.yml": (
            "on: push\njobs:\n  wheels:\n    runs-on: ubuntu-latest\n    steps:\n"
            "      - uses: pypa/cibuildwheel@v4.2.0\n        with:\n          package-dir: python\n"
            "        env:\n          CIBW_TEST_COMMAND: pytest\n          CIBW_BEFORE_BUILD: make\n"
        ),
        "python/pyproject.toml": '[tool.cibuildwheel]\nbuild-frontend = "build"\n',
    }

    async def go():
        app = make_app(sim, tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            form = app.screen
            await settings_read(pilot, form)
            assert "package dir: python" in text_of(form.query_one("#settings-heading"))
            assert "build-frontend = build" in text_of(form.query_one("#settings-notes"))
            await pilot.click(SettingsTable, offset=(1, 0))
            assert "[ ] CIBW_TEST_COMMAND" in text_of(form.query_one(SettingsTable))
            await pilot.press("ctrl+s")
            await until(pilot, lambda: sim.runs)

    asyncio.run(go())
    [run] = sim.runs.values()
    assert run.inputs["package-dir"] == "python"
    assert sent(sim) == {"CIBW_BEFORE_BUILD": "make"}


def test_the_rows_say_each_settings_origin_in_few_words():
    from cibw_debug_tui.core.build_settings import extract
    from cibw_debug_tui.core.matrix import check
    from cibw_debug_tui.ui.settings_view import rows, table_words

    workflow = (
        "env:\n  CIBW_TEST_REQUIRES: pytest\njobs:\n  w:\n    runs-on: ubuntu-latest\n"
        "    env:\n      CIBW_BUILD_FRONTEND: build\n    steps:\n"
        "      - uses: pypa/cibuildwheel@v4.2.0\n        env:\n          CIBW_BEFORE_ALL: make\n"
    )
    build = extract({".github/workflows/w.yml": workflow}, check("ubuntu-latest", "cp312",
                    "x86_64"))  # fmt: skip
    shown = rows(build, {"CIBW_BEFORE_ALL": "make all", "CIBW_TEST_SKIP": "*"},
                 {"CIBW_BUILD_FRONTEND"})  # fmt: skip
    assert [(r.name, r.source, r.on, r.replaced) for r in shown] == [
        ("CIBW_TEST_REQUIRES", "workflow env", True, None),
        ("CIBW_BUILD_FRONTEND", "job env", False, None),
        ("CIBW_BEFORE_ALL", "the form", True, "make"),
        ("CIBW_TEST_SKIP", "the form", True, None),
    ]
    assert table_words("[tool.cibuildwheel.linux]") == "linux"
    assert table_words("[[tool.cibuildwheel.overrides]] #2 (select = 'cp314t-*')") == "override #2"
    assert table_words("[tool.cibuildwheel]") == ""


def test_a_dispatch_at_once_still_sends_the_main_builds_settings(sim, tmp_path):
    async def go():
        app = make_app(sim, tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("ctrl+s")  # before the fields, and the panel, are there
            await until(pilot, lambda: sim.runs)

    asyncio.run(go())
    assert sent(sim) == INHERITED


def test_a_new_user_is_told_the_settings_come_with_the_repository(sim, tmp_path):
    async def go():
        app = make_app(sim, tmp_path)
        app.repo = None
        async with app.run_test(size=SIZE) as pilot:
            form = app.screen
            await until(pilot, lambda: form.panel is not None)
            await pilot.pause()
            heading = text_of(form.query_one("#settings-heading"))
            assert "read once the repository is filled in" in heading
            form.query_one("#repo", Input).value = "octo/pkg"
            await settings_read(pilot, form)
            assert "job build_wheels" in text_of(form.query_one("#settings-heading"))

    asyncio.run(go())


def test_why_the_main_build_could_not_be_read_reaches_the_form_as_words_only(sim, tmp_path):
    async def refused(github, repo, ref):
        raise GitHubError("GitHub answered 422: \x1b]52;c;cHduZWQ=\x07bad\u202e ref", 422)

    async def go():
        app = make_app(sim, tmp_path, read_main_build=refused)
        async with app.run_test(size=SIZE) as pilot:
            form = app.screen
            await until(pilot, lambda: form.panel is not None and form.panel.failed)
            await pilot.pause()
            heading = text_of(form.query_one("#settings-heading"))
            assert "could not read the main build (GitHub answered 422: bad ref)" in heading
            assert not any(c in heading for c in "\x1b\x07\u202e")

    asyncio.run(go())


def test_settings_over_githubs_inputs_limit_are_refused_in_the_form(sim, tmp_path):
    async def go():
        app = make_app(sim, tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            form = app.screen
            await settings_read(pilot, form)
            huge = json.dumps({"CIBW_ENVIRONMENT": "X=" + "y" * 66_000})
            form.query_one("#cibw_settings", Input).value = huge
            await pilot.press("ctrl+s")
            await until(pilot, lambda: form.query("#form-error"))
            said = text_of(form.query_one("#form-error"))
            assert "the settings cannot be sent" in said and "at most 65,535" in said
            assert app.screen is form

    asyncio.run(go())
    assert not sim.runs
