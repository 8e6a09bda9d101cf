"""The dispatch form's settings of the main build: where they come from, each one that is sent
(space turns an inherited one off, enter edits it), and what is not sent and why.

It reads the repository's workflows at the form's ref (core/main_build.py) in a worker, and
works them out again, without a request, when the combination changes. The form's own settings
(its "CIBW settings" field) go over the inherited ones; an edit here is written into that field,
which stays the one place the person's own settings live (and are remembered).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

from cibw_debug_tui.core.safe_text import one_line
from cibw_debug_tui.ui.settings_view import FORM, Row, heading, notes, rows
from cibw_debug_tui.ui.widgets.settings_table import SettingsTable

if TYPE_CHECKING:
    from cibw_debug_tui.core.build_settings import BuildSettings
    from cibw_debug_tui.core.build_settings.effective import Effective
    from cibw_debug_tui.core.github import GitHub
    from cibw_debug_tui.core.main_build import BuildFiles
    from cibw_debug_tui.core.matrix import Combination

ReadFiles = Callable[["GitHub", str, str], Awaitable["BuildFiles"]]


class SettingEdit(Input):
    """The value of one setting, being edited: enter keeps it, escape leaves it as it was (and
    not the form)."""

    BINDINGS = [Binding("escape", "cancel", "Leave as it was", show=False)]

    def __init__(self, row: Row) -> None:
        super().__init__(row.value, placeholder=f"{row.name} (empty: cibuildwheel's default)",
                         id="setting-edit", compact=True)  # fmt: skip
        self.row = row

    def action_cancel(self) -> None:
        self.post_message(MainBuildPanel.EditDone(self.row, None))


class MainBuildPanel(Vertical):
    """Styled in app.tcss."""

    class Changed(Message):
        """What is sent changed (read, another combination, turned off, edited)."""

    class OwnChanged(Message):
        """An edit: the form's own settings are now `own`."""

        def __init__(self, own: dict[str, str]) -> None:
            super().__init__()
            self.own = own

    class EditDone(Message):
        def __init__(self, row: Row, value: str | None) -> None:
            super().__init__()
            self.row, self.value = row, value

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.files: BuildFiles | None = None
        self.build: BuildSettings | None = None
        self.combo: Combination | None = None
        self.own: dict[str, str] = {}
        self.off: set[str] = set()
        self.read_from = ""
        self.loading = False
        self.failed = ""  # why the main build could not be read
        self.waiting = ""  # why nothing is read yet, in words

    def compose(self) -> ComposeResult:
        yield Static(id="settings-heading")
        yield SettingsTable(id="settings-table")
        yield Static(id="settings-notes", classes="explain")

    # -- what the form asks ------------------------------------------------------------------

    def load(
        self, github: GitHub, read: ReadFiles | None, repo: str, ref: str, where: str = ""
    ) -> None:
        """Read the main build of `repo` at `ref` (again: the requests are conditional);
        `where` says where `read` reads it when not there (a failed run's commit)."""
        self.loading, self.failed, self.read_from = True, "", where or f"{repo} at {ref}"
        self.waiting = ""
        self._show()
        self._read(github, read, repo, ref)

    def idle(self, why: str) -> None:
        """Nothing to read yet (no repository): say why, send the form's own alone."""
        self.files, self.build, self.loading, self.failed = None, None, False, ""
        self.waiting = why
        self._show()

    def set_combination(self, combo: Combination | None) -> None:
        self.combo = combo
        if self.files is not None:
            self._settle()

    def set_own(self, own: dict[str, str]) -> None:
        if own != self.own:
            self.own = dict(own)
            self._show()

    def effective(self, own: dict[str, str] | None = None) -> list[Effective]:
        """What is sent, with the form's `own` settings (by default, the last it was told)."""
        from cibw_debug_tui.core.build_settings.effective import effective

        return effective(self.build, self.own if own is None else own, self.off, FORM)

    # -- reading -----------------------------------------------------------------------------

    @work(group="main-build-read", exclusive=True, exit_on_error=False)
    async def _read(self, github: GitHub, read: ReadFiles | None, repo: str, ref: str) -> None:
        from cibw_debug_tui.core.github import GitHubError
        from cibw_debug_tui.core.main_build import read_build_files

        try:
            self.files = await (read or read_build_files)(github, repo, ref)
        except GitHubError as error:
            self.files, self.build, self.failed = None, None, str(error)
            self.loading = False
            self._show()
            return
        await self._work_out()

    @work(group="main-build-settle", exclusive=True, exit_on_error=False)
    async def _settle(self) -> None:
        await self._work_out()

    async def _work_out(self) -> None:
        from cibw_debug_tui.core.github import GitHubError

        files, combo = self.files, self.combo
        if files is None or combo is None or not combo.valid:
            self.build, self.loading = None, False
        else:
            try:
                self.build = await files.settings(combo)  # a package's pyproject.toml, once
            except GitHubError as error:
                self.build, self.failed = None, str(error)
            self.loading = False
        self._show()

    # -- showing -----------------------------------------------------------------------------

    def _show(self) -> None:
        if self.loading:
            title = Text(f"Settings: reading the main build of {one_line(self.read_from)}…",
                         style="dim")  # fmt: skip
        elif self.failed:
            why = one_line(self.failed)
            title = Text(f"⚠ could not read the main build ({why}): only the form's settings "
                         "are sent", style="yellow")  # fmt: skip
        elif self.build is None:
            title = Text(self.waiting or "Settings: the form's own only (no combination chosen)",
                         style="dim")  # fmt: skip
        else:
            title = heading(self.build, self.read_from)
            if self.build.package_dir not in ("", "."):
                title.append(f"  package dir: {self.build.package_dir}", style="dim")
        self.query_one("#settings-heading", Static).update(title)
        shown = [] if self.loading else rows(self.build, self.own, self.off)
        self.query_one(SettingsTable).show(shown)
        self.query_one("#settings-notes", Static).update(notes(self.build))
        self.post_message(self.Changed())

    def on_settings_table_toggled(self, event: SettingsTable.Toggled) -> None:
        self.off ^= {event.name}
        self._show()

    async def on_settings_table_edit_asked(self, event: SettingsTable.EditAsked) -> None:
        for old in self.query(SettingEdit):
            await old.remove()
        edit = SettingEdit(event.row)
        await self.mount(edit, after=self.query_one(SettingsTable))
        edit.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if isinstance(event.input, SettingEdit):
            event.stop()
            self.post_message(self.EditDone(event.input.row, event.value))

    async def on_main_build_panel_edit_done(self, event: EditDone) -> None:
        row, value = event.row, event.value
        await self.query(SettingEdit).remove()
        self.query_one(SettingsTable).focus()
        if value is None:
            return
        own = dict(self.own)
        inherited = {s.name: s.value for s in self.build.settings} if self.build else {}
        if (row.name in inherited and value == inherited[row.name]) or (
            row.name not in inherited and not value
        ):
            own.pop(row.name, None)  # back to the main build's, or an own one removed
        else:
            own[row.name] = value
        self.off.discard(row.name)  # an edited setting is meant to be sent
        self.post_message(self.OwnChanged(own))


def own_text(own: dict[str, str]) -> str:
    """The form's field for `own` ("" for none)."""
    return json.dumps(own, ensure_ascii=False) if own else ""
