"""The dashboard: sessions on the left, the selected session's panes on the right.

The app is given a Backend (its GitHub client or the reason there is none, its history...),
or a function that builds one: the factory (ui/factory.py) passes a function, run in a thread
after the first frame is painted, because building a backend imports the HTTP client, reads
files and may run `gh auth token`. Sessions, their watchers, the SSH scout, the request budget
and the history are the core's Fleet (core/fleet.py), as for `dispatch --watch`; the app keeps
what is about the screen. What the fleet tells it is noted (`show_event`) and painted with the
once-a-second tick, in one frame, refreshing only what it touched.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Header, Static

from cibw_debug_tui.core.safe_text import one_line, terminal_safe
from cibw_debug_tui.ui.backend import Backend
from cibw_debug_tui.ui.keys import BINDINGS, NEEDS_BACKEND
from cibw_debug_tui.ui.news import NEWS_GAP, News, news_of, toast
from cibw_debug_tui.ui.widgets.header import SessionHeader
from cibw_debug_tui.ui.widgets.sessions import SessionList
from cibw_debug_tui.ui.widgets.statusbar import StatusBar

# The first frame needs none of the core or the session panes: they are imported where they
# are used, once the backend is built (start-up costs what the first frame needs, no more).
if TYPE_CHECKING:
    from collections.abc import Awaitable

    from cibw_debug_tui.core.events import FleetEvent
    from cibw_debug_tui.core.fleet import Fleet
    from cibw_debug_tui.core.session import Session, SessionSpec
    from cibw_debug_tui.core.watcher import Watcher
    from cibw_debug_tui.ui.widgets.artifacts import ArtifactsPane
    from cibw_debug_tui.ui.widgets.failure import FailurePane
    from cibw_debug_tui.ui.widgets.jobs import JobsPane
    from cibw_debug_tui.ui.widgets.ssh import SshPane

LOOK_AFTER = 0.3  # seconds on a session before it is read afresh


class DebugApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "cibw-debug-tui"
    BINDINGS = BINDINGS
    # The session panes, mounted once the backend is there (`_start`).
    ssh_pane: SshPane
    failure_pane: FailurePane
    jobs_pane: JobsPane
    artifacts_pane: ArtifactsPane

    def __init__(
        self,
        backend: Backend | Callable[[], Backend],
        *,
        prefill: dict[str, object] | None = None,
        pace: float = 1.0,
        follow_runs: bool = True,
    ) -> None:
        super().__init__()
        self.prefill = prefill or {}
        self.pace = pace
        self.follow_runs = follow_runs  # False: show sessions, watch none (snapshot tests)
        self.fleet: Fleet | None = None  # with the backend
        self.selected: str | None = None
        self._build_backend = None if isinstance(backend, Backend) else backend
        self.ready = False  # the backend is in place and the sessions are shown
        self._look_timer: Timer | None = None
        self._changed: set[str] = set()  # sessions to draw again at the next tick
        self._news: list[News] = []  # notified with the next tick
        self.news_gap = NEWS_GAP
        self._told_at = -math.inf  # when the last toast of news went up (monotonic seconds)
        # Until then there is nothing to act on: check_action turns every action off.
        self._use(backend if isinstance(backend, Backend) else Backend(None, None, Path(), Path()))

    def _use(self, backend: Backend) -> None:
        self.github = backend.github
        self.history = backend.history
        self.repo = backend.repo
        self.problem = backend.problem  # why nothing can be dispatched (no token...), in the UI
        self.where = backend.where
        self.download_dir = backend.download_dir
        self.log_dir = backend.log_dir
        self.now = backend.now
        self.start_with = backend.start_with
        self.tmate_hosts = backend.tmate_hosts

    @property
    def sessions(self) -> dict[str, Session]:
        return self.fleet.sessions if self.fleet else {}

    @property
    def watchers(self) -> dict[str, Watcher]:
        return self.fleet.watchers if self.fleet else {}

    @property
    def said(self) -> deque[str]:
        """The client's and the watchers' recent words."""
        return self.fleet.said if self.fleet else deque()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return None if action in NEEDS_BACKEND and not self.ready else True

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every key's action in the command palette too, with its key and description."""
        yield from super().get_system_commands(screen)
        for binding in self.BINDINGS:
            if not isinstance(binding, Binding):
                continue
            if binding.show and binding.action not in ("quit", "toggle_help"):
                action = binding.action
                yield SystemCommand(
                    f"{binding.description} ({binding.key})",
                    binding.tooltip or binding.description,
                    lambda action=action: self.run_action(action),
                )

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        self.session_list = SessionList(now=lambda: self.now(), id="sessions")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield self.session_list
            with VerticalScroll(id="right"):
                yield SessionHeader(id="session-header")  # the panes are mounted by _start
        yield StatusBar(id="status")
        yield Footer()

    def _utcnow(self) -> datetime:
        return datetime.fromtimestamp(self.now(), timezone.utc)

    async def on_mount(self) -> None:
        self.query_one("#sessions").border_title = "Sessions"
        if self._build_backend is None:
            await self._start()
        else:
            self.query_one("#session-header", Static).update("Starting…")
            self.call_after_refresh(self._connect)

    @work(thread=True, group="connect", exit_on_error=False)
    def _connect(self) -> None:
        """Build the backend away from the event loop, then start with it."""
        assert self._build_backend is not None
        try:
            backend = self._build_backend()
        except Exception as error:  # shown in the status line, not as a traceback
            from cibw_debug_tui.core.history import History

            backend = Backend(None, History(persist=False), Path(), Path(),
                              problem=f"could not start: {error}")  # fmt: skip
        # mypy infers Never for the awaited callback's result, which is None
        self.call_from_thread(self._started_with, backend)  # type: ignore[arg-type]

    async def _started_with(self, backend: Backend) -> None:
        self._use(backend)
        await self._start()

    async def _start(self) -> None:
        """Mount the session panes, show the history's sessions, watch the unfinished ones and
        dispatch `start_with`."""
        from cibw_debug_tui.core.fleet import Fleet
        from cibw_debug_tui.core.history import History
        from cibw_debug_tui.ui.widgets.artifacts import ArtifactsPane
        from cibw_debug_tui.ui.widgets.failure import FailurePane
        from cibw_debug_tui.ui.widgets.jobs import JobsPane
        from cibw_debug_tui.ui.widgets.ssh import SshPane

        self.history = self.history or History(persist=False)
        self.fleet = Fleet(self.github, self.history, log_dir=self.log_dir,
                           on_event=self.show_event, problem=self.problem, pace=self.pace,
                           now=self.now, follow_runs=self.follow_runs,
                           tmate_hosts=self.tmate_hosts)  # fmt: skip
        self.ssh_pane = SshPane(now=self._utcnow, id="ssh")
        self.failure_pane = FailurePane(id="failure")
        self.jobs_pane = JobsPane(now=self._utcnow, id="jobs")
        self.artifacts_pane = ArtifactsPane(self.github, self.download_dir, id="artifacts")
        await self.query_one("#right").mount(
            self.ssh_pane, self.failure_pane, self.jobs_pane, self.artifacts_pane
        )
        self.ready = True
        self.refresh_bindings()
        self._refresh_list()
        if self.history.warning:
            self.notify(self.history.warning, severity="warning", timeout=10)
        self.fleet.resume()
        self._update_status()
        self.set_interval(1.0, self._tick)
        for spec in self.start_with:
            self.dispatch(spec)
        if not self.sessions:
            self.action_new_session()

    # -- sessions ----------------------------------------------------------------------------

    def _ordered(self) -> list[Session]:
        return sorted(self.sessions.values(), key=lambda s: -s.created_at)

    def _refresh_list(self) -> None:
        ordered = self._ordered()
        if self.selected not in self.sessions:
            self.selected = ordered[0].id if ordered else None
        self.session_list.set_sessions(ordered, self.selected)
        self._show_selected()

    @property
    def current(self) -> Session | None:
        return self.sessions.get(self.selected) if self.selected else None

    def _show_selected(self) -> None:
        session = self.current
        for pane in (self.ssh_pane, self.jobs_pane, self.artifacts_pane):
            pane.display = session is not None
        self.query_one(SessionHeader).show(session)
        self.ssh_pane.show(session)
        self.failure_pane.show(session)
        self.jobs_pane.show(session)
        self.artifacts_pane.show(session)
        if self.fleet:
            self.fleet.select(self.selected)

    @on(SessionList.Selected)
    def _on_selected(self, event: SessionList.Selected) -> None:
        if event.session_id != self.selected:
            self.selected = event.session_id
            self._show_selected()
            if self._look_timer is not None:
                self._look_timer.stop()
            self._look_timer = self.set_timer(LOOK_AFTER, self._look)

    def _look(self) -> None:
        """The person stayed on this session: read it now. Arrow keys cross many sessions in a
        second, and reading each would make a burst of requests the other sessions wait for."""
        self._look_timer = None
        if self.fleet:
            self.fleet.look()

    def action_select(self, index: int) -> None:
        ordered = self._ordered()
        if index < len(ordered):
            self.session_list.select(ordered[index].id)

    def _tick(self) -> None:
        """Once a second, in one frame: the clocks, what the watchers saw, and the rate limit.
        With 50 live sessions these change several times a second, and a frame for each cost
        more than all else the dashboard does."""
        if not self.session_list.is_attached:
            return
        self.session_list.tick()
        self._show_changes()
        session = self.current
        if session and not session.done:
            self.ssh_pane.show(session)
            self.jobs_pane.show(session)
        self._update_status()

    def _show_changes(self) -> None:
        changed, self._changed = self._changed, set()
        for sid in changed & self.sessions.keys():
            self.session_list.refresh_session(self.sessions[sid])
        if self.selected in changed:
            self._show_selected()
        self._tell_news()

    def _update_status(self) -> None:
        rate = self.github.rate.describe(time.time()) if self.github else ""
        problem = self.problem or (self.github.status if self.github else "")
        self.query_one(StatusBar).show(rate=rate, problem=problem, where=self.where)

    # -- what the fleet tells -----------------------------------------------------------------

    def show_event(self, event: FleetEvent) -> None:
        """What the fleet saw (a call, not a message: ten a second with 50 sessions). It is
        shown with the next tick: in one frame, and in one toast (50 sessions finishing
        together would stack 50). What a key did is shown at once, by the key's worker."""
        from cibw_debug_tui.core import events

        if isinstance(event, events.ClientSaid):  # retrying, rate limited, fine again: now
            if self.is_running and self.screen.query("#status"):
                self._update_status()
            return
        if isinstance(event, events.RepositoryMoved):  # told once, when GitHub redirects
            self.repo = event.new if self.repo == event.old else self.repo
            self.notify(event.text, title="Repository moved", timeout=15)
            return
        session = self.sessions.get(event.session_id)
        if session is None or not self.session_list.is_attached:
            return  # unknown, or the app is closing and its widgets are gone
        self._changed.add(session.id)
        news = news_of(event, session, selected=session.id == self.selected)
        if news is not None:
            self._news.append(news)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast of the app and its widgets: what it says often quotes the outside (a
        name, GitHub's message, a URL), so it is made safe for the terminal and never read as
        markup (a `[link=...]` in a 422 message ended the app)."""
        super().notify(terminal_safe(message, multiline=True), title=one_line(title),
                       severity=severity, timeout=timeout, markup=False)  # fmt: skip

    def _tell_news(self) -> None:
        """Notify what happened since the last toast: one toast, and the bell once. News of
        the selected session goes up at once; of the others, at most every `news_gap`
        seconds: fifty sessions would keep toasts coming, each costing the screen a layout."""
        if not self._news:
            return
        looking = any(item.session_id == self.selected for item in self._news)
        if not looking and time.monotonic() - self._told_at < self.news_gap:
            return
        news, self._news = self._news, []
        self._told_at = time.monotonic()
        if any(item.bell for item in news):
            self.bell()
        told = toast(news)
        self.notify(told.message, title=told.title, severity=told.severity, timeout=told.timeout)

    # -- actions -----------------------------------------------------------------------------

    def action_new_session(self) -> None:
        from cibw_debug_tui.ui.screens.dispatch import DispatchScreen

        last_form = self.history.last_form if self.history else {}
        values = {**last_form, **self.prefill}
        current = self.current
        repo = self.repo or (current.spec.repo if current else None)
        problem = self.problem if self.github is None else ""
        self.push_screen(DispatchScreen(repo, values, problem), self._dispatch_from_form)

    def _dispatch_from_form(self, spec: SessionSpec | None) -> None:
        if spec is None or self.history is None:
            return
        self.history.remember_form({k: v for k, v in asdict(spec).items() if k != "repo"})
        self.repo = spec.repo
        self.dispatch(spec)

    def dispatch(self, spec: SessionSpec) -> Session:
        """Add a session for `spec` and dispatch it in the background."""
        assert self.fleet is not None
        session = self.fleet.add(spec)
        self.selected = session.id
        self._refresh_list()
        if session.done:  # no client to dispatch with: the note says why
            self.notify(session.note, severity="error")
        else:
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

        def answered(yes: bool | None) -> None:
            if yes and self.fleet is not None:
                self._run_action(self.fleet.cancel(session), "Cancelling the run")

        self.push_screen(
            ConfirmScreen(f"Cancel the run of {session.identifier} on {session.spec.runner}?"),
            answered,
        )

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

    def action_full_log(self) -> None:
        from cibw_debug_tui.ui.screens.log import LogScreen

        session = self.current
        if session is None or session.failure_log is None:
            self.notify("The full log is here once a run has failed", severity="warning")
            return
        self.push_screen(LogScreen(session.failure_log, session.failure))

    def action_toggle_help(self) -> None:
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    async def on_unmount(self) -> None:
        if self.fleet is not None:
            await self.fleet.aclose()
        if self.github is not None:
            await self.github.aclose()
