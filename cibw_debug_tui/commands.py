"""The headless commands: dispatch, doctor, install-workflow, simulate-github.

They use the same core as the dashboard. Output is for people by default; `--json` prints one
JSON object per line for scripts. Exit codes: 0 success, 1 the run (or a check) failed, 2 a
usage or configuration problem (a one-line message, never a traceback).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from cibw_debug_tui import bundled
from cibw_debug_tui.core import config, matrix
from cibw_debug_tui.core.events import (
    ArtifactsChanged,
    ClientSaid,
    FailureExplained,
    FleetEvent,
    JobsChanged,
    NoteChanged,
    SshConnectionRead,
    SshUnreadable,
    StatusChanged,
    WatchEnded,
    assert_never,
)
from cibw_debug_tui.core.fleet import Fleet
from cibw_debug_tui.core.github import GitHub, GitHubError
from cibw_debug_tui.core.history import History
from cibw_debug_tui.core.session import DebugMode, Session, SessionSpec


class CommandError(Exception):
    """A problem the user can fix: one line, exit 2."""


def _client_settings(args: argparse.Namespace) -> tuple[str, config.Token, dict]:
    try:
        cfg = config.load_config()
        api_url = config.api_url_from(getattr(args, "api_url", None), cfg)
        token = config.resolve_token(api_url, cfg)
    except config.ConfigError as error:
        raise CommandError(str(error)) from None
    return api_url, token, cfg


def _stamp() -> str:
    return datetime.now().strftime("%H:%M:%S")


class _Printer:
    """What the fleet tells, as lines for people or as JSON objects for scripts."""

    def __init__(self, as_json: bool):
        self.as_json = as_json
        self.session: Session | None = None
        self.last_step: str | None = None
        self.stopped = ""  # why the watch stopped before the run's end, if it did
        self.dispatched = False

    def emit(self, event: str, words: str, **data: Any) -> None:
        """One event: `words` for people, `data` (with the event's name) for --json."""
        if self.as_json:
            print(json.dumps({"event": event, "time": time.time(), **data}), flush=True)
        else:
            print(f"[{_stamp()}] {words}", flush=True)

    def __call__(self, event: FleetEvent) -> None:
        if isinstance(event, ClientSaid | NoteChanged):
            if event.text:
                self.emit("note", event.text, text=event.text)
            return
        s = self.session
        if s is None or s.run_id is None or not self.dispatched:
            return  # the dispatch's own outcome is said by "dispatched", or as an error
        match event:
            case StatusChanged():
                text = s.status if s.status != "completed" else f"completed: {s.conclusion}"
                if s.status == "gone":
                    text = "the run was deleted on GitHub"
                self.emit("status", str(text), status=s.status, conclusion=s.conclusion)
            case JobsChanged():
                step = s.current_step()
                if step and step != self.last_step:
                    self.last_step = step
                    self.emit("step", f"step: {step}", step=step)
            case SshConnectionRead(connection=conn) if conn.is_open:
                closes = conn.expires_at.strftime("%H:%M UTC") if conn.expires_at else "?"
                self.emit(
                    "ssh",
                    f"SSH session open ({conn.stage}), closes {closes}:\n{conn.ssh}\n"
                    f"  let the build go on: {conn.continue_command}"
                    + (
                        f"\n  enter the build container: {conn.docker_exec}"
                        if conn.docker_exec
                        else ""
                    ),
                    stage=conn.stage,
                    ssh=conn.ssh,
                    expires_at=conn.expires_at.isoformat() if conn.expires_at else None,
                    continue_command=conn.continue_command,
                    docker_exec=conn.docker_exec,
                )
            case SshConnectionRead(connection=conn):
                self.emit("ssh-refused", f"SSH session refused: {conn.message}", stage=conn.stage,
                          message=conn.message)  # fmt: skip
            case SshUnreadable(stage=stage, message=message):
                self.emit("ssh-error", f"could not read the SSH connection: {message}",
                          stage=stage, message=message)  # fmt: skip
            case FailureExplained(explanation=result, log=log):
                if result.found:
                    lines = "\n".join(f"  line {c.line}: {c.text}" for c in result.cause)
                    self.emit(
                        "failure",
                        f"failure ({result.category}):\n{lines}\n  hint: {result.hint}\n"
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
                    self.emit("stopped", error, message=error)
            case ArtifactsChanged():
                pass
            case _:
                assert_never(event)


async def _dispatch(args: argparse.Namespace, api_url: str, token: config.Token) -> int:
    spec = SessionSpec(
        repo=args.repo,
        runner=args.runner,
        python=args.python,
        arch=args.arch,
        debug_mode=DebugMode(args.debug_mode),
        ref=args.ref,
        session_timeout=args.session_timeout,
        package_dir=args.package_dir,
        cibw_settings=args.cibw_settings or "",
    )
    printer = _Printer(args.json)
    log_dir = Path(args.log_dir).expanduser() if args.log_dir else config.log_dir()
    async with GitHub(api_url, token) as github:
        fleet = Fleet(github, History(persist=False), log_dir=log_dir.absolute(),
                      on_event=printer)  # fmt: skip
        session = printer.session = fleet.add(spec)
        try:
            await fleet.dispatch(session, follow=args.watch)
            printer.emit(
                "dispatched",
                f"dispatched {session.identifier} on {spec.runner} ({spec.debug_mode}): "
                f"{session.html_url}",
                run_id=session.run_id,
                url=session.html_url,
                session_id=session.id,
                identifier=session.identifier,
            )
            printer.dispatched = True
            if not args.watch:
                if not args.json:
                    print(session.html_url)
                return 0
            await fleet.wait(session)
        finally:
            await fleet.aclose()
    if session.status == "gone" or printer.stopped:
        return 1
    return 0 if session.conclusion == "success" else 1


def dispatch(args: argparse.Namespace) -> int:
    combo = matrix.check(args.runner, args.python, args.arch)
    if not combo.valid:
        raise CommandError(combo.reason)
    if not 1 <= args.session_timeout <= 60:
        raise CommandError("--session-timeout must be from 1 to 60 minutes")
    try:
        args.repo = config.repo_from(args.repo, config.load_config())
    except config.ConfigError as error:
        raise CommandError(str(error)) from None
    args.arch = combo.arch
    api_url, token, _ = _client_settings(args)
    try:
        return asyncio.run(_dispatch(args, api_url, token))
    except GitHubError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


# -- doctor ------------------------------------------------------------------------------------


async def _doctor(
    repo: str | None, api_url: str, token: config.Token
) -> list[tuple[bool, str, str]]:
    checks: list[tuple[bool, str, str]] = [(True, f"token from {token.source}", "")]
    async with GitHub(api_url, token, retries=2, backoff=0.5) as github:
        try:
            me, scopes = await github.user()
        except GitHubError as error:
            checks.append(
                (False, f"token rejected: {error}", "create a new token or run `gh auth login`")
            )
            return checks  # fmt: skip
        login = me["login"]
        if scopes is None:
            checks.append((True, f"token valid for @{login} (fine-grained)",
                           ""))  # fmt: skip
            checks.append((True, "fine-grained token: it needs Actions: read and write on the "
                           "repository", ""))  # fmt: skip
        elif "repo" in scopes or "public_repo" in scopes:
            checks.append((True, f"token valid for @{login}, scopes: {', '.join(scopes)}", ""))
        else:
            have = ", ".join(scopes) or "none"
            checks.append((False, f"token for @{login} lacks the repo scope ({have})",
                           "`gh auth refresh -s repo,workflow` or a token with repo"))  # fmt: skip
        if repo:
            try:
                data = await github.repo(repo)
            except GitHubError as error:
                checks.append(
                    (False, f"repository {repo}: {error}", "check --repo and the token's access")
                )
            else:
                branch, push = data["default_branch"], data["can_push"]
                checks.append((True, f"repository {repo} reachable (default branch {branch})", ""))
                if push is False:
                    checks.append((False, f"no write access to {repo}: dispatching needs it",
                                   "ask for write access, or use a fork"))  # fmt: skip
                try:
                    await github.workflow(repo)
                    checks.append((True, f"debug workflow present on {branch}", ""))
                except GitHubError as error:
                    fix = f"run `cibw-debug-tui install-workflow`, commit and push to {branch}"
                    checks.append((False, f"debug workflow missing ({error})", fix))
        try:
            keys = await github.user_keys(login)
        except GitHubError as error:
            checks.append((False, f"could not read @{login}'s SSH keys: {error}", ""))
        else:
            if keys:
                checks.append((True, f"{len(keys)} SSH key(s) on @{login}'s profile", ""))
            else:
                why = f"no SSH keys on @{login}'s profile: sessions will be refused"
                checks.append((False, why, "add one at https://github.com/settings/keys"))
        try:
            rate = await github.rate_limit()
            low = rate.limit and rate.remaining is not None and rate.remaining < rate.limit * 0.05
            checks.append((not low, rate.describe(), "wait for the reset" if low else ""))
        except GitHubError as error:
            checks.append((True, f"rate limit: not reported ({error})", ""))
    return checks


def doctor(args: argparse.Namespace) -> int:
    try:
        cfg = config.load_config()
        repo = config.repo_from(args.repo, cfg) if (args.repo or cfg.get("repo")) else None
        if repo is None:
            repo = config.repo_from_git()
        api_url = config.api_url_from(args.api_url, cfg)
    except config.ConfigError as error:
        raise CommandError(str(error)) from None
    try:
        token = config.resolve_token(api_url, cfg)
    except config.ConfigError as error:
        print(f"✗ {error}")
        return 1
    print(f"Checking {api_url}" + (f" and {repo}" if repo else ""))
    checks = asyncio.run(_doctor(repo, api_url, token))
    if cfg.get("token"):
        checks.append(_config_permissions_check())
    for ok, text, fix in checks:
        print(f"{'✓' if ok else '✗'} {text}" + (f"\n    fix: {fix}" if not ok and fix else ""))
    if repo is None:
        print("- no repository checked: pass --repo OWNER/NAME")
    return 0 if all(ok for ok, _, _ in checks) else 1


def _config_permissions_check() -> tuple[bool, str, str]:
    """A config file that holds a token must be readable by its owner only."""
    path = config.config_path()
    try:
        mode = path.stat().st_mode & 0o777
    except OSError:
        return True, f"{path} not checked", ""
    if os.name == "posix" and mode & 0o077:
        return (False, f"{path} holds a token and is readable by others (mode {mode:o})",
                f"chmod 600 {path}")  # fmt: skip
    return True, f"{path} holds a token and only you can read it", ""


# -- install-workflow --------------------------------------------------------------------------


def install_workflow(args: argparse.Namespace) -> int:
    root = Path(args.path)
    if not root.is_dir():
        raise CommandError(f"{root} is not a folder; give the root of your repository's checkout")
    target = root / ".github" / "workflows" / bundled.WORKFLOW_NAME
    text = bundled.workflow_text()
    if target.exists():
        try:
            current = target.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"cannot read {target}: {error}") from None
        if current == text:
            print(f"{target} is already the bundled workflow")
            return 0
        if not args.force:
            print(
                f"error: {target} differs from the bundled workflow; not replacing it.\n"
                "Compare them, or run again with --force (the current file is kept as .bak).",
                file=sys.stderr,
            )
            return 1
        backup = target.with_suffix(target.suffix + ".bak")
        shutil.copy2(target, backup)
        print(f"kept the previous file as {backup}")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".tmp")
    partial.write_text(text, encoding="utf-8")
    partial.replace(target)
    print(f"wrote {target}")
    print(
        "next: commit it and push to your default branch, e.g.\n"
        f"  git add {target} && git commit -m 'Add the cibuildwheel debug workflow' && git push"
    )
    return 0


# -- simulate-github ---------------------------------------------------------------------------


def simulate_github(args: argparse.Namespace) -> int:
    from cibw_debug_tui.simulator.server import Simulator

    if args.speed <= 0:
        raise CommandError("--speed must be above 0")
    try:
        sim = Simulator(port=args.port, speed=args.speed, scenario=args.scenario, ghes=args.ghes)
    except OSError as error:
        raise CommandError(f"cannot listen on 127.0.0.1:{args.port}: {error.strerror}") from None
    except ValueError as error:
        raise CommandError(str(error)) from None
    kind = "GitHub Enterprise Server 3.17-3.19" if args.ghes else "api.github.com"
    print(
        f"Simulating {kind} at {sim.api_url} (speed x{args.speed:g}, scenario {args.scenario}).\n"
        f"Any token works, e.g.: GH_TOKEN=sim cibw-debug-tui dispatch --api-url {sim.api_url} "
        "--repo octo/pkg --runner ubuntu-latest --python cp312 --arch x86_64 "
        "--debug-mode after-failure --watch\n"
        "Press Ctrl+C to stop.",
        flush=True,
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        sim.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sim._server.server_close()
    return 0
