"""What the dashboard's keys do, and the command palette that holds each of them.

A key that cannot act says why (a notification), never nothing. What needs GitHub runs in a
worker and says how it went.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.markup import escape
from textual.screen import Screen

from cibw_debug_tui.core.safe_text import one_line
from cibw_debug_tui.ui.format import status_words

if TYPE_CHECKING:
    from cibw_debug_tui.core.fleet import Fleet
    from cibw_debug_tui.core.from_run import FromRun
    from cibw_debug_tui.core.github import GitHub
    from cibw_debug_tui.core.history import History
    from cibw_debug_tui.core.session import Session, SessionSpec
    from cibw_debug_tui.ui.screens.dispatch import Dispatch, DispatchScreen
    from cibw_debug_tui.ui.screens.form_settings import RunSource
    from cibw_debug_tui.ui.widgets.artifacts import ArtifactsPane

PALETTE_SKIPS = {"quit", "select", "command_palette"}  # Textual's own commands hold these


class Actions(App[None]):
    """The actions of DebugApp (app.py), which holds what they use."""

    fleet: Fleet | None
    github: GitHub | None
    history: History
    repo: str | None
    problem: str
    selected: str | None
    prefill: dict[str, Any]
    log_dir: Path
    artifacts_pane: ArtifactsPane
    ready: bool
    tmate_hosts: tuple[str, ...]
    _held: list[Session]

    def now(self) -> float:
        raise NotImplementedError

    @property
    def sessions(self) -> dict[str, Session]:
        raise NotImplementedError

    @property
    def current(self) -> Session | None:
        raise NotImplementedError

    def _ordered(self) -> list[Session]:
        raise NotImplementedError

    def _refresh_list(self) -> None:
        raise NotImplementedError

    def action_select(self, index: int) -> None:
        raise NotImplementedError

    def _show_changes(self) -> None:
        raise NotImplementedError

    # -- the palette -------------------------------------------------------------------------

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every key's action, by its name and key, and each session by its number."""
        yield from super().get_system_commands(screen)
        for binding in self.BINDINGS:
            if not isinstance(binding, Binding) or binding.action.split("(")[0] in PALETTE_SKIPS:
                continue
            action = binding.action
            yield SystemCommand(
                f"{binding.description} ({binding.key_display or binding.key})",
                binding.tooltip or binding.description,
                lambda action=action: self.run_action(action),
            )
        for number, session in enumerate(self._ordered(), start=1):
            key = f" ({number})" if number <= 9 else ""
            spec = session.spec  # the palette reads markup: names are made words
            name = one_line(f"{session.identifier} on {spec.runner}")
            about = one_line(f"{status_words(session)} · {spec.repo} · {spec.debug_mode}")
            yield SystemCommand(
                f"Select session {number}: {escape(name)}{key}",
                escape(about),
                partial(self.action_select, number - 1),
            )

    # -- dispatching -------------------------------------------------------------------------

    def action_new_session(
        self, origin: str = "", chosen: dict[str, Any] | None = None, run: RunSource | None = None
    ) -> None:
        """The form, from the last values and the prefill; `chosen` values (a failed CI
        job's) over them, `origin` saying where those come from, `run` the job's run."""
        from cibw_debug_tui.ui.choices import usable_values
        from cibw_debug_tui.ui.screens.dispatch import DispatchScreen

        values, warnings = usable_values(
            {**self.history.last_form, **self.prefill, **(chosen or {})}
        )
        # What had to change is said once: the next opening starts from the usable values.
        last = self.history.last_form
        self.prefill = {key: values[key] for key in self.prefill if key in values}
        self.history.last_form = {**last, **{k: values[k] for k in last if k in values}}
        current = self.current
        repo = self.repo or (current.spec.repo if current else None)
        problem = self.problem if self.github is None else ""  # the client's comes later
        form = DispatchScreen(repo, values, problem, warnings, alone=not self.sessions,
                              origin=origin, run=run)  # fmt: skip
        self.push_screen(form, partial(self._dispatch_from_form, form))

    # -- from a failed CI run ------------------------------------------------------------------

    def action_from_failed_run(self) -> None:
        from cibw_debug_tui.ui.screens.failed_runs import FailedRunsScreen

        current = self.current
        repo = self.repo or (current.spec.repo if current else None)
        if self.github is None or not repo:
            why = self.problem or "no repository: start with --repo OWNER/NAME"
            self.notify(f"Cannot list failed runs: {why}", severity="warning")
            return
        self.push_screen(FailedRunsScreen(self.github, repo, self.log_dir), self._from_run)

    def _from_run(self, found: FromRun | None) -> None:
        """The form with what the failed job built (after-failure mode), said where from; or,
        when there is nothing to rebuild, why, with the failure explained."""
        if found is None:
            return
        explained = found.explanation
        cause = f"{explained.category}: {explained.cause[0].text}" if explained.found else ""
        if not found.ready or found.combination is None:
            words = f"Nothing to dispatch from that job: {found.problem}"
            self.notify(words + (f"\nIts failure ({cause})" if cause else ""),
                        severity="warning", timeout=12)  # fmt: skip
            return
        combo = found.combination
        self.repo = found.repo
        chosen = {"runner": combo.runner, "python": combo.python, "arch": combo.arch,
                  "debug_mode": "after-failure"}  # fmt: skip
        lines = [f"From run {found.run_id}, job {found.job['name']}: it failed building "
                 f"{found.identifier.text if found.identifier else combo.identifier}"]  # fmt: skip
        lines += [cause] if cause else []
        lines += found.notes[:1] if found.notes and "retired" in found.notes[0] else []
        from cibw_debug_tui.ui.screens.form_settings import RunSource

        run = RunSource(found.repo, found.run_id, found.head_sha, found.workflow)
        self.action_new_session("\n".join(one_line(line) for line in lines), chosen, run)

    # -- stepping into the runner ----------------------------------------------------------------

    def action_step_in(self) -> None:
        from cibw_debug_tui.core.ssh_launch import CannotConnect
        from cibw_debug_tui.ui.step_in import step_in

        try:
            words = step_in(self, self.current, self.tmate_hosts)
        except CannotConnect as error:
            self.notify(f"Cannot connect: {error}", severity="warning")
            return
        self.notify(words, title="SSH")
        if self.fleet is not None and self.ready:
            self.fleet.look()  # what happened meanwhile

    def _dispatch_from_form(self, form: DispatchScreen, chosen: Dispatch | None) -> None:
        if chosen is None:
            return
        first = chosen.specs[0]
        # The form's own settings are remembered, not the main build's it sent with them.
        remembered = {**asdict(first), "cibw_settings": form.own_settings}
        self.history.remember_form({k: v for k, v in remembered.items() if k != "repo"})
        self.repo = first.repo
        for spec in chosen.specs:
            self.dispatch(spec, chosen.group)

    def dispatch(self, spec: SessionSpec, group: str | None = None) -> Session:
        """Add a session for `spec` (one of `group`'s, when several were dispatched at once)
        and dispatch it in the background (once the client is there, if it is not yet; made
        before the fleet, it is handed to it with the rest)."""
        from cibw_debug_tui.core.session import Session, new_session_id

        if self.fleet is None:
            session = Session(new_session_id(), spec, "", created_at=self.now())
            self._held.append(session)
        else:
            session = self.fleet.add(spec)
        session.group = group
        self.selected = session.id
        self._refresh_list()
        if session.done:  # no client to dispatch with: the note says why
            self.notify(session.note, severity="error")
        elif self.fleet is not None:
            self._dispatch(session)
        return session

    @work(group="dispatch", exit_on_error=False)
    async def _dispatch(self, session: Session) -> None:
        from cibw_debug_tui.core.github import GitHubError

        assert self.fleet is not None
        try:
            await self.fleet.dispatch(session)
        except GitHubError as error:
            self.notify(f"Not dispatched: {error}", severity="error", timeout=10)
        self._show_changes()

    def action_rerun(self) -> None:
        session = self.current
        if session is None:
            self.notify("No session to rerun: press n for a new one", severity="warning")
            return
        self.dispatch(session.spec)

    # -- acting on a run ---------------------------------------------------------------------

    def action_rerun_failed(self) -> None:
        session = self.current
        if session is None or session.run_id is None or self.github is None:
            self.notify("No run to rerun", severity="warning")
            return
        if session.conclusion not in ("failure", "cancelled"):
            self.notify(
                "Only a failed or cancelled run can rerun its failed jobs", severity="warning"
            )
            return
        assert self.fleet is not None
        self._run_action(self.fleet.rerun_failed(session), "Rerunning the failed jobs")

    def action_cancel_run(self) -> None:
        from cibw_debug_tui.ui.screens.confirm import ConfirmScreen

        session = self.current
        if session is None or session.run_id is None or session.done or self.github is None:
            self.notify("No running run to cancel", severity="warning")
            return

        name = f"{session.identifier} on {session.spec.runner}"
        if session.cancel_stuck(self.now()):  # GitHub still runs the always() steps

            def force(yes: bool | None) -> None:
                if yes and self.fleet is not None:
                    self._run_action(self.fleet.force_cancel(session), "Force-cancelling the run")

            question = (f"The cancel of {name} has not taken for a minute (the workflow's "
                        "always() steps run first). Force-cancel it, skipping them?")  # fmt: skip
            self.push_screen(ConfirmScreen(question), force)
            return
        if session.cancel_asked_at is not None:
            self.notify("Cancelling: GitHub runs the workflow's always() steps first; if it "
                        "has not ended in a minute, x offers force-cancel",
                        severity="warning")  # fmt: skip
            return

        def answered(yes: bool | None) -> None:
            if yes and self.fleet is not None:
                self._run_action(self.fleet.cancel(session), "Cancelling the run")

        self.push_screen(ConfirmScreen(f"Cancel the run of {name}?"), answered)

    @work(group="actions", exit_on_error=False)
    async def _run_action(self, action: Awaitable[None], words: str) -> None:
        from cibw_debug_tui.core.github import GitHubError

        try:
            await action
        except GitHubError as error:
            self.notify(f"{words} failed: {error}", severity="error")
            return
        self.notify(f"{words}…")
        self._show_changes()

    # -- what a session holds ----------------------------------------------------------------

    def action_copy_ssh(self) -> None:
        session = self.current
        conn = session.open_connection() if session else None
        if conn is None or not conn.ssh:
            if session is not None and session.connection_errors and not session.done:
                from cibw_debug_tui.core.connection import UNTRUSTED

                errors = session.connection_errors.values()
                untrusted = any(error.startswith(UNTRUSTED) for error in errors)
                why = "is not trusted" if untrusted else "could not be read"
                self.notify(f"The runner's SSH connection {why}: nothing was copied",
                            severity="error")  # fmt: skip
                return
            self.notify("No SSH session is open for this session", severity="warning")
            return
        self.copy_to_clipboard(conn.ssh)
        self.notify(f"Copied: {conn.ssh}", title="SSH command copied")

    def action_open_browser(self) -> None:
        session = self.current
        url = None
        if session is not None and self.github is not None:
            url = self.github.run_page(session.spec.repo, session.run_id, session.html_url)
        if session is None or not url:
            self.notify("Nothing to open yet", severity="warning")
            return
        if self.focused is not None and self.focused.id == "artifact-table":
            artifact = self.artifacts_pane.highlighted()
            if artifact:
                url = self.artifacts_pane.link(artifact)
        self.open_url(url)
        self.notify(f"Opening {url}")

    def action_download(self) -> None:
        """The highlighted artifact (the first, until another is highlighted)."""
        artifact = self.artifacts_pane.highlighted()
        if artifact is None:
            self.notify("No artifact to download yet", severity="warning")
            return
        self.artifacts_pane.download([artifact])

    def action_download_all(self) -> None:
        """Every artifact but the SSH connection files (the tool's own)."""
        artifacts = self.artifacts_pane.downloadable()
        if not artifacts:
            self.notify("No artifact to download yet", severity="warning")
            return
        self.artifacts_pane.download(artifacts)

    def action_full_log(self) -> None:
        """The failed build's log (as soon as the build failed), or the build job's log once
        it has ended (a successful build's too)."""
        session = self.current
        if session is not None and session.failure_log is not None:
            self._show_log(session.failure_log, session)
        elif session is not None and session.done and session.debug_job() is not None:
            self._fetch_log(session)
        else:
            self.notify(
                "The log is here once the build has failed or its job has ended "
                "(GitHub serves a job's log when the job ends)",
                severity="warning",
            )

    def _show_log(self, path: Path, session: Session) -> None:
        from cibw_debug_tui.ui.screens.log import LogScreen

        self.push_screen(LogScreen(path, session.failure if path == session.failure_log else None))

    @work(group="log", exclusive=True, exit_on_error=False)
    async def _fetch_log(self, session: Session) -> None:
        from cibw_debug_tui.core import logs
        from cibw_debug_tui.core.github import GitHubError

        job = session.debug_job()
        if self.github is None or job is None:
            return
        self.notify("Fetching the job's log…", timeout=3)
        try:
            path = await logs.fetch_job_log(self.github, session, job, self.log_dir)
        except GitHubError as error:
            self.notify(f"Could not fetch the log: {error}", severity="error")
            return
        except OSError as error:
            self.notify(f"Cannot save into {self.log_dir}: {error.strerror}", severity="error")
            return
        self._show_log(path, session)

    def action_help(self) -> None:
        from cibw_debug_tui.ui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
        else:
            self.push_screen(HelpScreen())
