"""How a watcher reads its run's SSH connection files, from either channel (channels.py): the
artifacts the run (or the scout) lists, or the check runs on its commit (the GHES variant). A
file is read once, checked (connection.py), and told; what cannot be read or trusted is told
in words, once per stage."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from cibw_debug_tui.core import channels
from cibw_debug_tui.core.budget import SSH_OPENING
from cibw_debug_tui.core.connection import (
    Connection,
    ConnectionFileError,
    parse_connection_zip,
    stage_of_artifact,
)
from cibw_debug_tui.core.events import (
    ArtifactsChanged,
    SshConnectionRead,
    SshUnreadable,
    WatchEvent,
)
from cibw_debug_tui.core.github import CONNECTION_LIMIT, AnswerTooLarge, GitHub, GitHubError
from cibw_debug_tui.core.models import Artifact, RunStatus, Step
from cibw_debug_tui.core.session import Session
from cibw_debug_tui.core.workflow_contract import (
    AFTER_FAILURE,
    BEFORE_BUILD,
    OPEN_PREFIX,
    PUBLISH_PREFIX,
    ssh_artifact,
    ssh_check_run,
    step_stage,
)


class SshReading:
    """The SSH part of Watcher (watcher.py), which holds what it uses."""

    session: Session
    github: GitHub
    tmate_hosts: tuple[str, ...]
    head_sha: str
    _fetched: set[int]  # artifact ids already read as connection files
    _asking: set[str]  # stages whose check run is being read

    def _emit(self, event: WatchEvent) -> None:
        raise NotImplementedError

    def _note(self, text: str) -> None:
        raise NotImplementedError

    async def _spend(self, requests: int, priority: int) -> None:
        raise NotImplementedError

    def waits_for_ssh(self) -> bool:
        """Whether an SSH session of this run may still open (for the scout)."""
        s = self.session
        if s.status not in (RunStatus.QUEUED, RunStatus.IN_PROGRESS):
            return False
        wanted = {BEFORE_BUILD} if s.spec.ssh_before else set()
        wanted |= {AFTER_FAILURE} if s.spec.ssh_after else set()
        return bool(wanted - set(s.connections) - set(s.connection_errors))

    def awaited_artifacts(self) -> list[str]:
        """The names of the connection files this run may still publish (for the scout)."""
        s = self.session
        stages = {BEFORE_BUILD} if s.spec.ssh_before else set()
        stages |= {AFTER_FAILURE} if s.spec.ssh_after else set()
        stages -= set(s.connections) | set(s.connection_errors)
        return [ssh_artifact(stage, s.attempt) for stage in sorted(stages)]

    async def offer(self, artifact: Artifact) -> None:
        """A connection file of this run, seen by the scout: read it now."""
        s = self.session
        if all(a["id"] != artifact["id"] for a in s.artifacts):
            s.artifacts = [*s.artifacts, artifact]
            self._emit(ArtifactsChanged(s.id, s.artifacts))
        await self._read_connections()

    async def _read_connections(self) -> None:
        """The connection files among the run's artifacts (the artifact channel)."""
        s = self.session
        for artifact in list(s.artifacts):
            stage = stage_of_artifact(artifact["name"])
            attempt_suffix = f"-attempt-{s.attempt}"
            if not stage or not artifact["name"].endswith(attempt_suffix):
                continue
            if artifact["id"] in self._fetched:  # read, or being read by the scout's call
                continue
            self._fetched.add(artifact["id"])
            try:
                blob = await self.github.artifact_bytes(s.spec.repo, artifact["id"])
            except GitHubError as error:
                self._fetched.discard(artifact["id"])  # try again on the next round
                self._note(f"could not read the SSH connection yet: {error}")
                continue
            self._take_connection(stage, partial(parse_connection_zip, blob, self.tmate_hosts))

    async def read_check_runs(self, stages: list[str]) -> None:
        """The connection files of `stages` in their check runs (the check-run channel), each
        asked for with a conditional request until it is there."""
        s = self.session
        for stage in stages:
            if not self.head_sha or stage in self._asking:
                continue
            self._asking.add(stage)
            run_id, name = s.run_id or 0, ssh_check_run(s.run_id or 0, stage, s.attempt)
            try:
                await self._spend(1, SSH_OPENING)
                found, _ = await self.github.commit_check_runs(s.spec.repo, self.head_sha, name)
            except AnswerTooLarge:  # made by something in the job: it will not shrink
                kb = CONNECTION_LIMIT // 1024
                self._unreadable(stage, f"the check runs for this SSH session are over {kb} KB, "
                                 "where the workflow writes a few: not read")  # fmt: skip
                continue
            except GitHubError as error:
                self._note(f"could not read the SSH connection yet: {error}")
                continue
            finally:
                self._asking.discard(stage)
            if stage not in s.connections and stage not in s.connection_errors:
                read = partial(channels.connection_in, found, run_id, stage, s.attempt,
                               self.head_sha, self.tmate_hosts)  # fmt: skip
                self._take_connection(stage, read)

    async def _read_published_check_runs(self) -> None:
        """Each connection whose publish step has ended: read, or why it never will be."""
        published = self._steps_reached(PUBLISH_PREFIX)
        for stage, step in published.items():
            if step.get("status") == "completed" and step.get("conclusion") == "failure":
                self._unreadable(stage, f"the run could not publish it: its step {step['name']!r} "
                                 "failed (the job's log says why)")  # fmt: skip
        await self.read_check_runs([s for s, step in published.items()
                                    if step.get("status") == "completed"])  # fmt: skip

    def _take_connection(self, stage: str, read: Callable[[], Connection | None]) -> None:
        """A connection file of `stage`, from either channel: read and told, or why not
        (nothing while there is none yet)."""
        try:
            connection = read()
        except ConnectionFileError as error:
            self._unreadable(stage, str(error))
            return
        if connection is not None:
            self.session.connections[stage] = connection
            self._emit(SshConnectionRead(self.session.id, connection))

    def _unreadable(self, stage: str, why: str) -> None:
        if stage not in self.session.connection_errors:
            self.session.connection_errors[stage] = why
            self._emit(SshUnreadable(self.session.id, stage, why))

    def _steps_reached(self, prefix: str) -> dict[str, Step]:
        """The `prefix` steps (the open or publish step) of this attempt's SSH stages that have
        started, by stage, for the stages whose connection is not read yet."""
        s = self.session
        done = set(s.connections) | set(s.connection_errors)
        reached: dict[str, Step] = {}
        for job in s.jobs:
            if (job.get("run_attempt") or s.attempt) != s.attempt:
                continue
            for step in job.get("steps") or []:
                stage = step_stage(step["name"])
                if (
                    stage is not None
                    and stage not in done
                    and step["name"].startswith(prefix)
                    and step.get("status") in ("in_progress", "completed")
                    and step.get("conclusion") != "skipped"
                ):
                    reached[stage] = step
        return reached

    def opening_stages(self) -> list[str]:
        """The stages whose session is being opened now or was (for the scout)."""
        return list(self._steps_reached(OPEN_PREFIX))
