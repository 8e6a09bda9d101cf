"""What `dispatch --watch` prints, as lines for people or one JSON object a line for scripts.

Every status (queued too), every job's and step's change read from the job list (a step that
started and ended between two polls is printed as ended, never missed), how long the run has
waited for a runner (with the usual causes after a few minutes), the SSH session, how it ended
(continued, timed out, cancelled), the failure, and at the end a summary: how long it took, the
artifacts with their sizes and the command that downloads them. What came from outside (names,
messages, URLs) is made safe for a terminal (core/safe_text.py) before it is printed.
"""

from __future__ import annotations

import json
import shlex
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from cibw_debug_tui.core.config import is_github_com
from cibw_debug_tui.core.connection import UNTRUSTED
from cibw_debug_tui.core.events import (
    ArtifactsChanged,
    ClientSaid,
    FailureExplained,
    FleetEvent,
    JobsChanged,
    NoteChanged,
    RepositoryMoved,
    SshConnectionRead,
    SshUnreadable,
    StatusChanged,
    WatchEnded,
    assert_never,
)
from cibw_debug_tui.core.models import Job, RunStatus, epoch_seconds
from cibw_debug_tui.core.safe_text import one_line, terminal_safe
from cibw_debug_tui.core.session import WAITING_HINT_AFTER, WAITING_WORDS, Session, waiting_hint
from cibw_debug_tui.core.units import duration, size
from cibw_debug_tui.core.workflow_contract import STAGE_WORDS, STAGES

GLYPHS = {"in_progress": "●", "success": "✓", "failure": "✗", "cancelled": "⊘"}
WAITING_SAID_AT = (60, 120, 180, 300, 600, 900, 1200, 1800, 2700, 3600)  # seconds


def _stamp() -> str:
    return datetime.now().strftime("%H:%M:%S")


def download_command(api_url: str, repo: str, run_id: int) -> str:
    """The GitHub CLI's command that downloads a run's artifacts (GH_HOST names a GHES)."""
    command = f"gh run download {run_id} --repo {shlex.quote(repo)}"
    if is_github_com(api_url):
        return command
    return f"GH_HOST={shlex.quote(urlsplit(api_url).netloc)} {command}"


class WatchPrinter:
    """Told what the fleet saw; prints it. Events before the dispatch is announced (the run's
    first status) wait for `announce`, so that "dispatched" comes first."""

    def __init__(self, as_json: bool, now: Callable[[], float]):
        self.as_json = as_json
        self.now = now  # the server's clock: its timestamps are read against it
        self.session: Session | None = None
        self.stopped = ""  # why the watch stopped before the run's end, if it did
        self._announced = False
        self._held: list[FleetEvent] = []
        self._states: dict[tuple[int, str], tuple[str, str | None]] = {}  # (job, step) -> state
        self._ended: set[str] = set()  # SSH stages whose end was said
        self._waiting_since: float | None = None
        self._waiting_said = 0  # how many of WAITING_SAID_AT were said

    def emit(self, event: str, words: str, **data: Any) -> None:
        """One event: `words` for people, `data` (with the event's name) for --json. What
        came from outside is made safe for a terminal here: each value on one line (in
        `words`, the callers' own line breaks alone remain), no escape sequence, no control
        character."""
        if self.as_json:
            safe = {key: one_line(v) if isinstance(v, str) else v for key, v in data.items()}
            print(json.dumps({"event": event, "time": time.time(), **safe}), flush=True)
        else:
            print(f"[{_stamp()}] {terminal_safe(words, multiline=True)}", flush=True)

    def announce(self, session: Session, **extra: Any) -> None:
        """The run exists: say so (with what was dispatched, and `extra`), then what was seen
        meanwhile."""
        spec = session.spec
        self.emit(
            "dispatched",
            f"dispatched {session.identifier} on {spec.runner} ({spec.debug_mode}): "
            f"{one_line(session.html_url)}",
            run_id=session.run_id,
            url=session.html_url,
            session_id=session.id,
            runner=spec.runner,
            python=spec.python,
            arch=spec.arch,
            identifier=session.identifier,
            debug_mode=str(spec.debug_mode),
            **extra,
        )
        self._announced = True
        held, self._held = self._held, []
        for event in held:
            self(event)

    def __call__(self, event: FleetEvent) -> None:
        if isinstance(event, ClientSaid | NoteChanged | RepositoryMoved):
            if event.text:
                self.emit("note", one_line(event.text), text=event.text)
            return
        s = self.session
        if s is None or s.run_id is None or not self._announced:
            self._held.append(event)  # the dispatch's outcome is said first (or as an error)
            return
        match event:
            case StatusChanged():
                self._status(s)
            case JobsChanged(jobs=jobs):
                self._jobs(s, jobs)
            case SshConnectionRead(connection=conn) if conn.is_open:
                left = conn.expires_at.timestamp() - self.now() if conn.expires_at else None
                lines = [f"SSH session open ({conn.stage}), closes in {duration(left)}:"]
                lines.append(one_line(conn.ssh))
                lines.append(f"  let the build go on: {conn.continue_command}")
                if conn.docker_exec:
                    lines.append(f"  enter the build container: {conn.docker_exec}")
                self.emit(
                    "ssh",
                    "\n".join(lines),
                    stage=conn.stage,
                    ssh=conn.ssh,
                    expires_at=conn.expires_at.isoformat() if conn.expires_at else None,
                    continue_command=conn.continue_command,
                    docker_exec=conn.docker_exec,
                )
                self._ssh_ends(s)  # read after its end, when the run moves faster than polls
            case SshConnectionRead(connection=conn):
                self.emit("ssh-refused", f"SSH session refused: {one_line(conn.message)}",
                          stage=conn.stage, message=conn.message)  # fmt: skip
            case SshUnreadable(stage=stage, message=message):
                words = one_line(message)  # "the runner sent an SSH connection this tool..."
                if not message.startswith(UNTRUSTED):
                    words = f"could not read the SSH connection: {words}"
                self.emit("ssh-error", words, stage=stage, message=message)
            case FailureExplained(explanation=result, log=log):
                if result.found:
                    causes = "\n".join(f"  line {c.line}: {one_line(c.text)}" for c in result.cause)
                    self.emit(
                        "failure",
                        f"failure ({result.category}):\n{causes}\n  hint: {result.hint}\n"
                        f"  full log: {log}",
                        **result.to_json(),
                        log=str(log),
                    )
                else:
                    self.emit("failure", f"no known failure pattern; full log: {log}",
                              **result.to_json(), log=str(log))  # fmt: skip
            case WatchEnded(error=error):
                if error:  # not the run's end: the watcher failed
                    self.stopped = error
                    self.emit("stopped", one_line(error), message=error)
            case ArtifactsChanged():
                pass
            case _:
                assert_never(event)

    def _status(self, s: Session) -> None:
        done = f"completed: {one_line(s.conclusion)}"
        text = str(s.status) if s.status != "completed" else done
        waiting = WAITING_WORDS.get(s.status) if isinstance(s.status, RunStatus) else None
        if waiting and s.status != RunStatus.QUEUED:  # pending: behind another run...
            text = f"{s.status}: {waiting}"
        if s.status == "gone":
            text = "the run was deleted on GitHub"
        self.emit("status", text, status=str(s.status), conclusion=s.conclusion)
        self._ssh_ends(s)  # a session cancelled before its step started ends with the run

    def _jobs(self, s: Session, jobs: list[Job]) -> None:
        """Every job and step whose state changed since the last list, in the run's order."""
        for job in jobs:
            self._change(job, "", job["status"], job.get("conclusion"), job)
            for step in job.get("steps") or []:
                self._change(job, step["name"], step["status"], step.get("conclusion"), step)
        self._ssh_ends(s)

    def _ssh_ends(self, s: Session) -> None:
        """How each SSH session ended, once its step has and its connection is read."""
        for stage in STAGES:
            end = s.ssh_end(stage) if stage in s.connections else None
            if end is not None and stage not in self._ended:
                self._ended.add(stage)
                self.emit("ssh-ended", f"SSH session ({STAGE_WORDS[stage]}) ended: {end.words()}",
                          stage=stage, why=end.why, seconds=end.lasted)  # fmt: skip

    def _change(self, job: Job, step: str, status: str, conclusion: str | None,
                record: Any) -> None:  # fmt: skip
        key = (job["id"], step)
        if self._states.get(key) == (status, conclusion):
            return
        self._states[key] = (status, conclusion)
        if status == "queued" or (status == "completed" and conclusion == "skipped"):
            if self.as_json and status == "completed":  # scripts get every change
                self.emit("step", "", job=job["name"], step=step, status=status,
                          conclusion=conclusion, seconds=None)  # fmt: skip
            return
        started = epoch_seconds(record.get("started_at"))
        ended = epoch_seconds(record.get("completed_at"))
        took = ended - started if started is not None and ended is not None else None
        glyph = GLYPHS.get(conclusion or status, "·")
        name = one_line(step) if step else f"job {one_line(job['name'])}"
        words = f"{glyph} {name}" + (f" ({duration(took)})" if took is not None else "")
        if status == "completed" and conclusion not in ("success", "failure", "cancelled"):
            words += f": {one_line(conclusion)}"
        self.emit("step" if step else "job", words, job=job["name"],
                  **({"step": step} if step else {}), status=status, conclusion=conclusion,
                  seconds=took)  # fmt: skip

    def tick(self) -> None:
        """Say how long the run has waited for a runner, at a minute, two, three (with the
        usual causes), five, and so on; nothing while it runs."""
        s = self.session
        if s is None or not self._announced or not s.waiting_for_runner():
            self._waiting_since, self._waiting_said = None, 0
            return
        if self._waiting_since is None:  # since the run started, or its last job ended
            ended = [epoch_seconds(j.get("completed_at")) for j in s.jobs]
            start = s.started_at if s.started_at is not None else s.created_at
            self._waiting_since = max([start, *filter(None, ended)])
        # as of the last look at the run: what it does since is not known yet
        waited = (s.checked_at or self._waiting_since) - self._waiting_since
        said = sum(1 for at in WAITING_SAID_AT if at <= waited)
        if said <= self._waiting_said:
            return
        self._waiting_said = said
        hint = waiting_hint(s.spec.runner) if waited >= WAITING_HINT_AFTER else None
        words = f"still waiting for a runner after {duration(waited)}"
        self.emit("waiting", words + (f": {hint}" if hint else ""), seconds=waited, hint=hint)

    def summary(self, s: Session, api_url: str) -> None:
        """The end: how it ended and how long it took, its artifacts, how to download them."""
        if s.run_id is None or not s.done:
            return
        took = s.elapsed(self.now())
        artifacts = [a for a in s.artifacts if not a.get("expired")]
        listed = ", ".join(f"{one_line(a['name'])} ({size(a['size_in_bytes'])})" for a in artifacts)
        command = download_command(api_url, s.spec.repo, s.run_id) if artifacts else None
        lines = [f"{one_line(s.conclusion or str(s.status))} after {duration(took)}"]
        lines.append(f"  artifacts: {listed}" if artifacts else "  no artifacts")
        if command:
            lines.append(f"  download them: {command}")
        self.emit(
            "summary",
            "\n".join(lines),
            conclusion=s.conclusion,
            seconds=took,
            artifacts=[{"name": a["name"], "size_in_bytes": a["size_in_bytes"]} for a in artifacts],
            download_command=command,
        )
