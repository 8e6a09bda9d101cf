"""The SSH scout: one request finds every watched session's SSH connection file (on GHES, a
request for each session that is opening one)."""

from __future__ import annotations

import asyncio

from cibw_debug_tui.core.budget import BEAT, SSH_OPENING, RequestBudget, on_beat
from cibw_debug_tui.core.channels import Channel
from cibw_debug_tui.core.github import GitHub, GitHubError
from cibw_debug_tui.core.watcher import FAST, NORMAL, Watcher


class SshScout:
    """Looks for every watched session's SSH connection file in one request.

    The repository's artifact list, asked for by the names awaited (`?name=`), shows a
    connection file as soon as any run publishes one;
    each session's own polls would need a request per run, and with many sessions starting
    together they wait their turn in the budget. The scout asks every 2 s while a session is
    setting up its SSH session (every 5 s while one merely may open one) and hands what it
    finds to that session's watcher.

    A run that publishes its connections in check runs (the GHES variant, channels.py) has
    them on its own commit, under its own name: for each session opening one, the scout asks
    for that check run (a conditional request) while its open step runs.
    """

    def __init__(self, github: GitHub, budget: RequestBudget | None = None, pace: float = 1.0):
        self.github = github
        self.budget = budget
        self.pace = pace
        self.watchers: list[Watcher] = []

    async def run(self) -> None:
        """Scout until no session is watched any more."""
        while self.watchers:
            waiting = [w for w in self.watchers if w.waits_for_ssh()]
            listed = [w for w in waiting if w.channel is Channel.ARTIFACT]
            for repo in {w.session.spec.repo for w in listed}:
                await self._look(repo, [w for w in listed if w.session.spec.repo == repo])
            for watcher in waiting:
                if watcher.channel is Channel.CHECK_RUN:
                    await watcher.read_check_runs(watcher.opening_stages())
            soon = any(w.ssh_soon() for w in waiting)
            await asyncio.sleep(on_beat((FAST if soon else NORMAL) * self.pace, BEAT * self.pace))

    async def _look(self, repo: str, watchers: list[Watcher]) -> None:
        """Ask for each connection file name awaited (a conditional request each: it changes
        only when a run publishes one), and hand each watcher its own."""
        by_run = {w.session.run_id: w for w in watchers}
        for name in sorted({name for w in watchers for name in w.awaited_artifacts()}):
            if self.budget is not None:
                await self.budget.take(1, SSH_OPENING)
            try:
                artifacts, changed = await self.github.repo_artifacts(repo, name)
            except GitHubError:
                return  # the watchers' own polls find it later, and say what is wrong
            if not changed:
                continue
            for artifact in artifacts:
                watcher = by_run.get(artifact["workflow_run_id"])
                if watcher is not None and artifact["name"] == name:
                    await watcher.offer(artifact)
