"""The dispatch form's part that deals with the main build's settings: it mounts the panel once
the form's fields are there, reads the main build of the form's repository and ref (again when
they change, after a pause in the typing; from a failed run, that run's workflow file at its
commit, while the repository is the run's), follows the combination and the form's own settings,
and holds a dispatch asked for while the main build is still being read.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input

from cibw_debug_tui.ui.widgets.main_build import MainBuildPanel, own_text

if TYPE_CHECKING:
    from cibw_debug_tui.core import matrix
    from cibw_debug_tui.core.github import GitHub
    from cibw_debug_tui.core.main_build import BuildFiles

RELOAD_AFTER = 0.6  # seconds after the last key in the repository or ref field


@dataclass(frozen=True)
class RunSource:
    """A failed run the form was filled from: its commit and workflow file (checked by
    core/from_run.py) hold the settings that build had."""

    repo: str
    run_id: int
    sha: str
    workflow: str

    async def read(self, github: GitHub, repo: str, ref: str) -> BuildFiles:
        from cibw_debug_tui.core.main_build import read_run_build_files

        return await read_run_build_files(github, repo, self.sha, self.workflow)


class FormSettings(ModalScreen[Any]):
    """Mixed into DispatchScreen, which provides these."""

    problem: str
    run: RunSource | None

    def _text(self, name: str) -> str:
        raise NotImplementedError

    def _combo(self) -> matrix.Combination | None:
        raise NotImplementedError

    def _say(self, name: str, words: Text | str) -> None:
        raise NotImplementedError

    def _show_summary(self) -> None:
        raise NotImplementedError

    def action_dispatch(self) -> None:
        raise NotImplementedError

    _pending = False  # a dispatch waits for the main build to be read
    _reload: Timer | None = None
    _read_for: tuple[str, str] = ("", "")  # the repository and ref read
    _read_with: object = None  # the client they were read with

    @property
    def panel(self) -> MainBuildPanel | None:
        found = self.query(MainBuildPanel)
        return found.first() if found else None

    async def start_settings(self) -> None:
        """Mount the panel (after the first frame: the form shows without it) and read."""
        if self.panel is None:
            await self.query_one("#form", VerticalScroll).mount(MainBuildPanel(id="main-build"))
            self.own_changed()
            self.client_ready()
            self._release()

    def client_ready(self) -> None:
        """Read the main build, if there is a client to read it with (the app calls this once
        it has one) and the repository's name is one."""
        from cibw_debug_tui.core.config import ConfigError, validate_repo

        panel, github = self.panel, getattr(self.app, "github", None)
        if panel is None or github is None:
            return
        repo, ref = self._text("repo").strip(), self._text("ref").strip() or "main"
        try:
            validate_repo(repo)
        except ConfigError:
            panel.idle("Settings: the main build's are read once the repository is filled in")
            return
        if (repo, ref) == self._read_for and github is self._read_with:
            return  # read already (a field's value set again, not changed)
        self._read_for, self._read_with = (repo, ref), github
        panel.set_combination(self._combo())
        run = self.run if self.run is not None and self.run.repo == repo else None
        if run is not None:
            where = f"{run.workflow.rpartition('/')[2]} at {run.sha[:7]}, run {run.run_id}'s commit"
            panel.load(github, run.read, repo, ref, where)
            return
        read = getattr(getattr(self.app, "backend", None), "read_main_build", None)
        panel.load(github, read, repo, ref)

    def waiting_for_settings(self) -> bool:
        """Whether a dispatch now would miss the main build's settings that are on their way
        (none are when there can be no client: the form says why)."""
        if self.problem:
            return False
        panel = self.panel
        if panel is None or panel.loading:  # the panel comes with the fields, a moment after
            return True
        return getattr(self.app, "github", None) is None and panel.files is None

    def hold_dispatch(self) -> None:
        self._pending = True
        self._say("form-error", Text("… reading the main build's settings: dispatching once "
                                     "they are read", style="yellow"))  # fmt: skip

    def follow_input(self, field: Input) -> None:
        """The repository or ref changed: read again after a pause; the own settings: show."""
        if field.id in ("repo", "ref"):
            if self._reload is not None:
                self._reload.stop()
            self._reload = self.set_timer(RELOAD_AFTER, self.client_ready)
        elif field.id == "cibw_settings":
            self.own_changed()

    def own_changed(self) -> None:
        from cibw_debug_tui.core.build_settings import SettingsError
        from cibw_debug_tui.core.build_settings.effective import parse_own

        panel = self.panel
        if panel is not None:
            with suppress(SettingsError):  # the summary says what is wrong with it
                panel.set_own(parse_own(self._text("cibw_settings")))

    def follow_combination(self, combo: matrix.Combination | None) -> None:
        panel = self.panel
        if panel is not None and combo != panel.combo:
            panel.set_combination(combo)

    def on_main_build_panel_changed(self) -> None:
        self._show_summary()
        self._release()

    def _release(self) -> None:
        """Send a held dispatch once the settings are there (not when they could not be read:
        then the person says so)."""
        panel = self.panel
        if self._pending and panel is not None and not self.waiting_for_settings():
            self._pending = False
            if panel.failed:  # not without the person's word: the settings differ from CI's
                self._say("form-error", Text("✗ the main build could not be read (below): "
                                             "ctrl+s dispatches with the form's settings only",
                                             style="bold red"))  # fmt: skip
                return
            self._say("form-error", "")
            self.action_dispatch()

    def on_main_build_panel_own_changed(self, event: MainBuildPanel.OwnChanged) -> None:
        """An edit in the panel: the form's own settings field says it."""
        found = self.query("#cibw_settings")
        if found and isinstance(found.first(), Input):
            found.first(Input).value = own_text(event.own)

    def sent_settings(self) -> dict[str, str] | None:
        """What is sent: the main build's as the panel has them, with the form's own field as
        it is now over them; None without a panel (the own settings alone)."""
        from cibw_debug_tui.core.build_settings import SettingsError
        from cibw_debug_tui.core.build_settings.effective import parse_own

        panel = self.panel
        if panel is None:
            return None
        try:
            own = parse_own(self._text("cibw_settings"))
        except SettingsError:
            own = panel.own
        return {s.name: s.value for s in panel.effective(own)}

    def inherited_package_dir(self) -> str | None:
        panel = self.panel
        build = panel.build if panel is not None else None
        return build.package_dir if build is not None else None
