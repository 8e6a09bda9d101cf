"""The fleet: every session one client follows, and what following them takes.

The dashboard and `dispatch --watch` both work through a Fleet: it dispatches sessions,
follows each run with a Watcher, shares one RequestBudget between them, runs the SshScout
while any session may open an SSH session, and keeps the history file. It tells its owner what
happened with FleetEvents (events.py), called on the event loop it runs in; what to paint or
print is the owner's business.

A watcher never ends silently: when one fails, the session's note says why and WatchEnded
carries it. Watchers and the scout are tasks of the fleet; `aclose()` ends them.

The dashboard makes its fleet before it has a client (`connecting=True`): the HTTP client and
the token (`gh auth token`) come after the first frame, and the sessions, the history and the
form do not wait for them. Sessions added meanwhile are dispatched once `connect()` brings the
client, or said to be errors if it brings none.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from cibw_debug_tui.core.budget import RequestBudget
from cibw_debug_tui.core.events import (
    ClientSaid,
    FleetEvent,
    NoteChanged,
    RepositoryMoved,
    StatusChanged,
    WatchEnded,
    WatchEvent,
)
from cibw_debug_tui.core.github import GitHub, GitHubError
from cibw_debug_tui.core.history import History
from cibw_debug_tui.core.models import RunStatus
from cibw_debug_tui.core.scout import SshScout
from cibw_debug_tui.core.session import LocalStatus, Session, SessionSpec, new_session_id
from cibw_debug_tui.core.watcher import Watcher

SAVE_AFTER = 15.0  # seconds from a status change to the history file: one write for many


class Fleet:
    def __init__(
        self,
        github: GitHub | None,
        history: History,
        *,
        log_dir: Path,
        on_event: Callable[[FleetEvent], None] = lambda event: None,
        problem: str = "",
        pace: float = 1.0,
        now: Callable[[], float] | None = None,
        follow_runs: bool = True,
        save_after: float = SAVE_AFTER,
        connecting: bool = False,
        tmate_hosts: tuple[str, ...] = (),
    ):
        self.github = github
        self.history = history
        self.log_dir = log_dir
        self.on_event = on_event
        self.problem = (
            problem  # why nothing can be dispatched (no token...), when there is no client
        )
        self.pace = pace  # scales every interval; tests and the fast demo clock use < 1
        self._now = now  # the clock sessions are timed by, if not the server's (tests)
        self.follow_runs = follow_runs
        self.save_after = save_after
        self.tmate_hosts = tmate_hosts  # self-hosted tmate servers, from the config file
        self.sessions: dict[str, Session] = {s.id: s for s in history.sessions}
        self.watchers: dict[str, Watcher] = {}
        self.selected: str | None = None
        self.said: deque[str] = deque(maxlen=50)  # the client's and the watchers' recent words
        # All sessions share one polling budget, leaving room for actions and downloads.
        self.budget = RequestBudget(pace=pace, meter=github)
        self.scout = SshScout(github, self.budget, pace) if github is not None else None
        self.connecting = connecting and github is None  # until connect() brings the client
        self._connected = asyncio.Event()
        if not self.connecting:
            self._connected.set()
        self._follows: dict[str, asyncio.Task[None]] = {}
        self._known: set[str] = set()  # sessions followed to their run's end by this fleet
        self._scout_task: asyncio.Task[None] | None = None
        self._save: asyncio.TimerHandle | None = None
        if github is not None:
            github.on_status = self._client_said
            github.moved.on_moved = self._repository_moved

    def now(self) -> float:
        """The time sessions are timed by: the server's (its timestamps are on its clock; see
        ServerClock), or the clock given (a fixed moment, or the demo's simulator's)."""
        if self._now is not None:
            return self._now()
        return self.github.server_now() if self.github is not None else time.time()

    def connect(self, github: GitHub | None, problem: str = "",
                now: Callable[[], float] | None = None) -> None:  # fmt: skip
        """The client, or why there is none (`problem`), for a fleet made `connecting`; `now`
        replaces the clock (the demo's simulator's)."""
        self.github, self.problem, self.connecting = github, problem or self.problem, False
        self._now = now or self._now
        if github is not None:
            github.on_status = self._client_said
            github.moved.on_moved = self._repository_moved
            self.budget.meter = github
            self.scout = SshScout(github, self.budget, self.pace)
            for session in self.sessions.values():
                session.api_url = session.api_url or github.api_url
        self._connected.set()

    # -- sessions ----------------------------------------------------------------------------

    def resume(self) -> None:
        """Follow again every session whose run was not over (after a restart)."""
        for session in list(self.sessions.values()):
            if not session.done and session.run_id is not None:
                self.follow(session)

    def add(self, spec: SessionSpec) -> Session:
        """A new session for `spec`, in the history at once. Without a client it is an error
        already, and its note says why."""
        return self.adopt(Session(new_session_id(), spec, "", created_at=self.now()))

    def adopt(self, session: Session) -> Session:
        """A session made before the fleet (the dashboard shows the demo's in its first
        frame), as `add` makes them."""
        session.api_url = session.api_url or (self.github.api_url if self.github else "")
        if self.github is None and not self.connecting:
            session.status = LocalStatus.ERROR
            session.note = self.problem or "no GitHub connection"
        self.sessions[session.id] = session
        self.history.add(session)
        return session

    async def dispatch(self, session: Session, follow: bool = True) -> None:
        """Dispatch the session's run (and follow it). GitHubError, in words, when it could not
        be dispatched: the session then says so too. A fleet still connecting dispatches
        once it has its client."""
        await self._connected.wait()
        if self.github is None:
            if not session.done:  # added while connecting: the client did not come
                session.status = LocalStatus.ERROR
                session.note = self.problem or "no GitHub connection"
                self._status_changed(session, save_now=True)
            raise GitHubError(session.note or self.problem or "no GitHub connection")
        spec = session.spec
        try:
            found = await self.github.dispatch(spec.repo, spec.ref, spec.inputs(), session.id)
        except GitHubError as error:
            session.status, session.note = LocalStatus.ERROR, str(error)
            self._status_changed(session, save_now=True)
            raise
        session.run_id, session.html_url = found.run_id, found.html_url
        session.status = RunStatus.QUEUED
        session.started_at = self.now()  # by the server's clock, known from its answer now
        self._status_changed(session, save_now=True)
        if follow:
            self.follow(session)

    async def rerun_failed(self, session: Session) -> None:
        """Rerun the failed jobs of the session's run, on GitHub, and follow the new attempt."""
        await self._act(session, "rerun_failed")
        session.status, session.conclusion, session.failure = RunStatus.QUEUED, None, None
        session.ended_at, session.started_at = None, self.now()
        self._status_changed(session)
        self._follow_again(session)

    async def cancel(self, session: Session) -> None:
        await self._act(session, "cancel")
        session.cancel_asked_at = session.cancel_asked_at or self.now()
        self._follow_again(session)

    async def force_cancel(self, session: Session) -> None:
        """Cancel without waiting for the workflow's `always()` steps (offered once a
        cancel has not taken for a minute: `Session.cancel_stuck`)."""
        await self._act(session, "force_cancel")
        self._follow_again(session)

    async def _act(self, session: Session, action: str) -> None:
        if self.github is None or session.run_id is None:
            raise GitHubError("this session has no run on GitHub")
        await getattr(self.github, action)(session.spec.repo, session.run_id)

    def _follow_again(self, session: Session) -> None:
        watcher = self.watchers.get(session.id)
        if watcher:
            watcher.nudge()
        else:
            self.follow(session)

    def _status_changed(self, session: Session, save_now: bool = False) -> None:
        self._emit(StatusChanged(session.id, session.status, session.conclusion))
        if save_now:
            self.history.save()
        else:
            self._save_soon()

    # -- following runs ----------------------------------------------------------------------

    def follow(self, session: Session) -> None:
        """Watch the session's run until it is over, with the scout's help for SSH."""
        if not self.follow_runs or self.github is None or session.id in self.watchers:
            return
        watcher = Watcher(self.github, session, self._watcher_event, log_dir=self.log_dir,
                          pace=self.pace, now=self.now, budget=self.budget,
                          tmate_hosts=self.tmate_hosts)  # fmt: skip
        watcher.selected = session.id == self.selected
        self.watchers[session.id] = watcher
        if self.scout is not None:
            self.scout.watchers.append(watcher)
            if self._scout_task is None or self._scout_task.done():
                self._scout_task = asyncio.create_task(self._run_scout(self.scout))
        self._follows[session.id] = asyncio.create_task(self._follow(watcher))

    async def _follow(self, watcher: Watcher) -> None:
        session, error = watcher.session, ""
        try:
            await watcher.run()
        except asyncio.CancelledError:
            error = "cancelled"
            raise
        except Exception as failure:  # a bug of ours: said on the session, never silent
            error = f"stopped following the run: unexpected {type(failure).__name__}: {failure}"
            session.note = error
            self._emit(NoteChanged(session.id, error))
        finally:
            self._known.add(session.id)
            self.watchers.pop(session.id, None)
            self._follows.pop(session.id, None)
            if self.scout is not None and watcher in self.scout.watchers:
                self.scout.watchers.remove(watcher)
            if error != "cancelled":  # the fleet is closing: nobody is listening
                self._emit(WatchEnded(session.id, error))

    async def _run_scout(self, scout: SshScout) -> None:
        """Runs while sessions are watched; started again with the next one. If it fails,
        each watcher still finds its SSH connection itself, only later."""
        try:
            await scout.run()
        except Exception as failure:
            self._client_said(f"the SSH scout stopped: {type(failure).__name__}: {failure}")

    async def wait(self, session: Session) -> None:
        """Until the fleet stops following the session."""
        task = self._follows.get(session.id)
        if task is not None:
            await asyncio.shield(task)

    def select(self, session_id: str | None) -> None:
        """The session a person is looking at: polled first and more often."""
        self.selected = session_id
        for sid, watcher in self.watchers.items():
            watcher.selected = sid == session_id

    def look(self) -> None:
        """Read the selected session afresh now. A finished one is read once (its jobs, its
        artifacts, its failure: the history keeps only its status), then known."""
        session = self.sessions.get(self.selected or "")
        watcher = self.watchers.get(self.selected or "")
        if watcher:
            watcher.look()
        elif (
            session is not None
            and session.status == RunStatus.COMPLETED
            and session.run_id is not None
            and session.id not in self._known
        ):
            self.follow(session)  # a watcher of a finished run polls once, and ends

    # -- telling -----------------------------------------------------------------------------

    def _watcher_event(self, event: WatchEvent) -> None:
        if isinstance(event, NoteChanged) and event.text:
            self.said.append(event.text)
        if isinstance(event, StatusChanged):
            self._save_soon()
        self._emit(event)

    def _client_said(self, text: str) -> None:
        if text:
            self.said.append(text)
        self._emit(ClientSaid(text))

    def _repository_moved(self, old: str, new: str) -> None:
        """GitHub redirected `old` to `new`: every session of it says `new` from now on, in
        the history file too."""
        for session in self.sessions.values():
            if session.spec.repo == old:
                session.spec = replace(session.spec, repo=new)
        self.history.save()
        event = RepositoryMoved(old, new)
        self.said.append(event.text)
        self._emit(event)

    def _emit(self, event: FleetEvent) -> None:
        self.on_event(event)

    def _save_soon(self) -> None:
        """Write the history shortly: the status changes of many sessions go in one write."""
        if self._save is None:
            self._save = asyncio.get_running_loop().call_later(self.save_after, self._save_now)

    def _save_now(self) -> None:
        self._save = None
        self.history.save()

    async def aclose(self) -> None:
        """Stop following every run, and write the history if a change waits for it."""
        tasks = [*self._follows.values(), *filter(None, [self._scout_task])]
        for task in tasks:
            task.cancel()
        self._save_pending()  # before waiting on the tasks: a quit must not lose a change
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*tasks, return_exceptions=True)
        self._save_pending()

    def _save_pending(self) -> None:
        if self._save is not None:
            self._save.cancel()
            self._save_now()
