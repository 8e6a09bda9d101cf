"""The dashboard: sessions on the left (above, on a narrow terminal), the selected session's panes
on the right.

The app is given a Backend: its history, folders, and its GitHub client, or a function that
builds the client (`connect`), run in a thread after the first frame, because it imports the
HTTP client and may run `gh auth token`. The first frame is already usable: the sessions of the
history (the demo's, dispatching), or the form. Sessions, their watchers, the SSH scout, the
request budget and the history are the core's Fleet (core/fleet.py), as for `dispatch --watch`;
it dispatches what was asked meanwhile once the client is there. What the fleet tells is noted
(`show_event`) and painted with the once-a-second tick, in one frame, refreshing only what it
touched. What the keys do is in actions.py.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from textual import events, on, work
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.notifications import SeverityLevel
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Footer, Header

from cibw_debug_tui.core.safe_text import one_line, terminal_safe
from cibw_debug_tui.ui.actions import Actions
from cibw_debug_tui.ui.backend import Backend, Client
from cibw_debug_tui.ui.keys import BINDINGS, NEEDS_CLIENT
from cibw_debug_tui.ui.news import NEWS_GAP, News, news_of, toast
from cibw_debug_tui.ui.widgets.header import SessionHeader
from cibw_debug_tui.ui.widgets.sessions import SessionList
from cibw_debug_tui.ui.widgets.statusbar import StatusBar

# The first frame needs none of the session panes: they are imported and mounted after it.
if TYPE_CHECKING:
    from collections.abc import Coroutine

    from cibw_debug_tui.core.events import FleetEvent
    from cibw_debug_tui.core.fleet import Fleet
    from cibw_debug_tui.core.session import Session
    from cibw_debug_tui.core.watcher import Watcher
    from cibw_debug_tui.ui.widgets.artifacts import ArtifactsPane
    from cibw_debug_tui.ui.widgets.failure import FailurePane
    from cibw_debug_tui.ui.widgets.jobs import JobsPane
    from cibw_debug_tui.ui.widgets.ssh import SshPane

LOOK_AFTER = 0.3  # seconds on a session before it is read afresh
AFTER_FIRST_FRAME = 0.05  # seconds from the first frame to the fleet, the panes, the client
PANES_NEED = 72  # columns the right side needs for an SSH command on one line; else stacked


class DebugApp(Actions, App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "cibw-debug-tui"
    BINDINGS = BINDINGS
    # The session panes, mounted after the first frame (`_mount_panes`).
    ssh_pane: SshPane
    failure_pane: FailurePane
    jobs_pane: JobsPane
    artifacts_pane: ArtifactsPane

    def __init__(
        self,
        backend: Backend,
        *,
        prefill: dict[str, object] | None = None,
        pace: float = 1.0,
        follow_runs: bool = True,
    ) -> None:
        super().__init__()
        self.backend = backend
        self.prefill = prefill or {}
        self.pace = pace
        self.follow_runs = follow_runs  # False: show sessions, watch none (snapshot tests)
        self.github = backend.github
        self.history = backend.history
        self.repo = backend.repo
        self.problem = backend.problem  # why nothing can be dispatched (no token...), in the UI
        self.where = backend.where
        self.download_dir = backend.download_dir
        self.log_dir = backend.log_dir
        # With no session to show, the first frame is the form alone: the dashboard under it
        # is mounted after (it would be styled and laid out for nothing).
        self.opens_on_form = not backend.history.sessions and not backend.start_with
        self.session_list = SessionList(now=self.now, id="sessions")
        self.fleet: Fleet | None = None  # made after the first frame
        self._held: list[Session] = []  # sessions made before the fleet, handed to it then
        self.panes_ready = False  # the session panes are mounted
        self.selected: str | None = None
        self.ready = False  # the client is there (or known to be missing) and runs are watched
        self._look_timer: Timer | None = None
        self._changed: set[str] = set()  # sessions to draw again at the next tick
        self._news: list[News] = []  # notified with the next tick
        self.news_gap = NEWS_GAP
        self._told_at = -math.inf  # when the last toast of news went up (monotonic seconds)
        self.tmate_hosts = backend.tmate_hosts
        self.desktop_sent: deque[str] = deque(maxlen=20)  # desktop notifications, newest last

    @property
    def sessions(self) -> dict[str, Session]:
        if self.fleet is not None:
            return self.fleet.sessions
        return {s.id: s for s in (*self.history.sessions, *self._held)}

    @property
    def watchers(self) -> dict[str, Watcher]:
        return self.fleet.watchers if self.fleet else {}

    @property
    def said(self) -> deque[str]:
        """The client's and the watchers' recent words."""
        return self.fleet.said if self.fleet else deque()

    @property
    def current(self) -> Session | None:
        return self.sessions.get(self.selected) if self.selected else None

    def now(self) -> float:
        """The time sessions are timed by (the server's; see Fleet.now)."""
        return self.fleet.now() if self.fleet else time.time()

    def _utcnow(self) -> datetime:
        return datetime.fromtimestamp(self.now(), timezone.utc)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys that need the client are shown disabled until it is there (a moment)."""
        return None if action in NEEDS_CLIENT and not self.ready else True

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        if not self.opens_on_form:
            yield from self._dashboard()

    def _dashboard(self) -> list[Widget]:
        """The sessions, the selected session's header (its panes come after the first
        frame), the status line."""
        self.session_list.border_title = "Sessions"
        left = Vertical(self.session_list, id="left")
        right = VerticalScroll(SessionHeader(id="session-header"), id="right")
        return [Header(), Horizontal(left, right, id="main"), StatusBar(id="status"), Footer()]

    async def _mount_panes(self) -> None:
        from cibw_debug_tui.ui.widgets.artifacts import ArtifactsPane
        from cibw_debug_tui.ui.widgets.failure import FailurePane
        from cibw_debug_tui.ui.widgets.jobs import JobsPane
        from cibw_debug_tui.ui.widgets.ssh import SshPane

        self.ssh_pane = SshPane(now=self._utcnow, id="ssh")
        self.failure_pane = FailurePane(id="failure")
        self.jobs_pane = JobsPane(now=self._utcnow, id="jobs")
        self.artifacts_pane = ArtifactsPane(self.download_dir, id="artifacts")
        panes = (self.ssh_pane, self.failure_pane, self.jobs_pane, self.artifacts_pane)
        await self.query_one("#right").mount(*panes)
        if self._leaving:
            return
        self.panes_ready = True
        self._show_selected()

    def on_resize(self, event: events.Resize) -> None:
        self._fit(event.size.width)

    def _fit(self, width: int) -> None:
        """Side by side while the panes keep room for an SSH command on one line; stacked
        (the sessions above, as high as they need, at most a third) on narrower terminals."""
        if self.session_list.is_attached:
            narrow = width - self.session_list.width_needed() - 2 < PANES_NEED
            self.query_one("#main").set_class(narrow, "-narrow")

    # -- start-up ----------------------------------------------------------------------------

    async def on_mount(self) -> None:
        """The first frame: the history's sessions and the demo's, or the form. Nothing on
        the way waits for the network, nor for the fleet (its modules take a while to load)."""
        if self.backend.start_with:
            from cibw_debug_tui.core.session import Session, new_session_id

            self._held = [Session(new_session_id(), spec, "", created_at=time.time())
                          for spec in self.backend.start_with]  # fmt: skip
        self._refresh_list()
        if self.history.warning:
            self.notify(self.history.warning, severity="warning", timeout=10)
        if not self.sessions:
            self.action_new_session()
        self.set_interval(1.0, self._tick)
        if self.backend.connect is None:  # the client is there already (tests)
            await self._start()
            self._connected()
        else:
            self._update_status("connecting…")
            # Once the first frame is written (a thread writes it): importing the fleet and
            # mounting the panes meanwhile would hold it back. Counted from that refresh, not
            # from now: on a loaded machine the form can take longer than the timer to mount.
            self.call_after_refresh(self.set_timer, AFTER_FIRST_FRAME, self._after_first_frame)

    @property
    def _leaving(self) -> bool:
        """The app is exiting (q within the first frames): start-up stops where it is, instead
        of mounting into screens that are being taken down."""
        return self._exit or not self.is_running

    async def _after_first_frame(self) -> None:
        if self._leaving:
            return
        await self._start()
        if not self._leaving:
            self._connect()

    async def _start(self) -> None:
        """The fleet, with the sessions made meanwhile (dispatched once the client is there),
        and the session panes."""
        from cibw_debug_tui.core.fleet import Fleet

        if self.opens_on_form:
            await self.screen_stack[0].mount_all(self._dashboard())
            if self._leaving:
                return
            self._fit(self.size.width)
        self.fleet = Fleet(self.github, self.history, log_dir=self.log_dir,
                           on_event=self.show_event, problem=self.problem, pace=self.pace,
                           now=self.backend.now, follow_runs=self.follow_runs,
                           connecting=self.backend.connect is not None,
                           tmate_hosts=self.tmate_hosts)  # fmt: skip
        held, self._held = self._held, []
        for session in held:
            self.fleet.adopt(session)
            if not session.done:
                self._dispatch(session)
        await self._mount_panes()
        if self._leaving:
            return
        self._refresh_list()
        if not self.ready:
            self._update_status("connecting…")

    @work(thread=True, group="connect", exit_on_error=False)
    def _connect(self) -> None:
        """Build the client away from the event loop, then go on with it."""
        assert self.backend.connect is not None
        try:
            client = self.backend.connect()
        except Exception as error:  # shown in the status line, not as a traceback
            client = Client(None, problem=f"could not start: {error}")
        self.call_from_thread(self._connected_with, client)

    def _connected_with(self, client: Client) -> None:
        assert self.fleet is not None
        self.github, self.where = client.github, client.where or self.where
        self.problem = self.problem or client.problem
        self.fleet.connect(client.github, self.problem, now=client.now)
        from cibw_debug_tui.ui.screens.dispatch import DispatchScreen

        if isinstance(self.screen, DispatchScreen):
            if self.github is None:
                self.screen.show_problem(self.problem)
            else:
                self.screen.client_ready()  # the main build's settings can be read now
        self._connected()

    def _connected(self) -> None:
        """Watch again the runs still going, read the selected session, say the rate limit."""
        assert self.fleet is not None
        self.artifacts_pane.github = self.github
        self.ready = True
        self.refresh_bindings()
        self.fleet.resume()
        self.fleet.look()
        self._update_status()

    # -- sessions ----------------------------------------------------------------------------

    def _ordered(self) -> list[Session]:
        """Oldest first: a session's number does not change when another is added."""
        return sorted(self.sessions.values(), key=lambda s: s.created_at)

    def _refresh_list(self) -> None:
        ordered = self._ordered()
        if self.selected not in self.sessions:
            self.selected = ordered[-1].id if ordered else None
        if self.session_list.is_attached:
            self.session_list.set_sessions(ordered, self.selected)
            self._show_selected()

    def _show_selected(self) -> None:
        session = self.current
        group = [s for s in self._ordered() if session and session.group == s.group]
        self.query_one(SessionHeader).show(session, group if session and session.group else None)
        if self.fleet:
            self.fleet.select(self.selected)
        if not self.panes_ready:
            return
        for pane in (self.ssh_pane, self.jobs_pane, self.artifacts_pane):
            pane.display = session is not None
        self.ssh_pane.show(session)
        self.failure_pane.show(session)
        self.jobs_pane.show(session)
        self.artifacts_pane.show(session)

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
        if self.fleet and self.ready:
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
        if session and not session.done and self.panes_ready:
            self.ssh_pane.show(session)
            self.jobs_pane.show(session)
        if self.ready:
            self._update_status()

    def _show_changes(self) -> None:
        changed, self._changed = self._changed, set()
        for sid in changed & self.sessions.keys():
            self.session_list.refresh_session(self.sessions[sid])
        current = self.current
        group = current.group if current else None
        if self.selected in changed or (group and any(
            self.sessions[sid].group == group for sid in changed & self.sessions.keys()
        )):  # fmt: skip
            self._show_selected()
        self._tell_news()

    def _update_status(self, problem: str = "") -> None:
        if not self.session_list.is_attached:
            return  # the dashboard is not mounted yet, or not any more
        rate = self.github.rate.describe(time.time()) if self.github else ""
        rate = (self.fleet.budget.rationing() if self.fleet else "") or rate  # hourly pace
        problem = problem or self.problem or (self.github.status if self.github else "")
        self.query_one(StatusBar).show(rate=rate, problem=problem, where=self.where)

    # -- what the fleet tells -----------------------------------------------------------------

    def show_event(self, event: FleetEvent) -> None:
        """What the fleet saw (a call, not a message: ten a second with 50 sessions). It is
        shown with the next tick: in one frame, and in one toast (50 sessions finishing
        together would stack 50). What a key did is shown at once, by the key's worker."""
        from cibw_debug_tui.core import events as fleet_events

        if isinstance(event, fleet_events.ClientSaid):  # retrying, rate limited, fine again
            if self.is_running:
                self._update_status()
            return
        if isinstance(event, fleet_events.RepositoryMoved):  # told once, when GitHub redirects
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
        told = toast(news)
        if any(item.bell for item in news):
            self.bell()
        desktop = [item.desktop for item in news if item.desktop]
        if desktop:
            self.desktop_notify("SSH" if "SSH" in told.title else "runs", "; ".join(desktop))
        self.notify(told.message, title=told.title, severity=told.severity, timeout=told.timeout)

    def desktop_notify(self, title: str, message: str) -> None:
        """Beside the bell, the terminal's own desktop notification (core/notify.py: OSC 9,
        OSC 777 or kitty's, through tmux's passthrough), unless the config file turned them
        off. Its words are the tool's own (news.py), cut to printable ones there."""
        if not self.backend.desktop_notifications:
            return
        from cibw_debug_tui.core import notify

        sequence = notify.sequence(f"cibw-debug-tui: {title}", message)
        if sequence:
            self.desktop_sent.append(sequence)
            if not self.is_headless and self._driver is not None:
                self._driver.write(sequence)

    async def on_unmount(self) -> None:
        """Stop watching and close the client, each within CLOSE_WITHIN seconds: `q` must end
        the app even when a request or a watcher does not let go (`Fleet.aclose` writes the
        history before it waits for them)."""
        if self.fleet is not None:
            await _within(self.fleet.aclose(), CLOSE_WITHIN)
        if self.github is not None:
            await _within(self.github.aclose(), CLOSE_WITHIN)


CLOSE_WITHIN = 5.0  # seconds for each part of the shutdown


async def _within(closing: Coroutine[object, object, None], seconds: float) -> None:
    """Await `closing` for at most `seconds` (`wait_for` would wait on a task that holds on)."""
    task = asyncio.ensure_future(closing)
    done, _ = await asyncio.wait({task}, timeout=seconds)
    if not done:
        task.cancel()
