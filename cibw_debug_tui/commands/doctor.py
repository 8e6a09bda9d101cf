"""`cibw-debug-tui doctor`: check everything a debug session needs; each failed check says how
to fix it."""

from __future__ import annotations

import argparse
import asyncio
import os

from cibw_debug_tui.commands import CommandError
from cibw_debug_tui.commands.install_workflow import DESCRIBED, MISPLACED
from cibw_debug_tui.core import config
from cibw_debug_tui.core.channels import Channel, channel_for, variant_for
from cibw_debug_tui.core.github import GitHub, GitHubError
from cibw_debug_tui.core.safe_text import one_line
from cibw_debug_tui.core.workflow_contract import (
    AFTER_FAILURE,
    GHES,
    GHES_WORKFLOW_TITLE,
    GITHUB_COM,
    ssh_artifact,
)


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
                    workflow = await github.workflow(repo)
                except GitHubError as error:
                    fix = f"run `cibw-debug-tui install-workflow`, commit and push to {branch}"
                    checks.append((False, f"debug workflow missing ({error})", fix))
                else:
                    checks.append((True, f"debug workflow present on {branch}", ""))
                    checks += await _channel(github, repo, branch, workflow["name"])
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


async def _channel(
    github: GitHub, repo: str, branch: str, name: str
) -> list[tuple[bool, str, str]]:
    """Which channel the repository's workflow publishes SSH connections through, whether it
    is the variant for this server, and whether the token can read that channel."""
    found: list[tuple[bool, str, str]] = []
    variant = GHES if name == GHES_WORKFLOW_TITLE else GITHUB_COM
    if variant != variant_for(github.api_url):
        found.append((False, f"the workflow is {DESCRIBED[variant]}: {MISPLACED[variant]}",
                      "`cibw-debug-tui install-workflow --force` writes the one for this "
                      f"server; commit and push it to {branch}"))  # fmt: skip
    channel = channel_for(github.api_url, name)
    try:
        if channel is Channel.CHECK_RUN:
            await github.commit_check_runs(repo, branch, "cibw-debug-ssh")
        else:
            await github.repo_artifacts(repo, ssh_artifact(AFTER_FAILURE, 1))
    except GitHubError as error:
        need = "Checks: read" if channel is Channel.CHECK_RUN else "Actions: read"
        found.append((False, f"SSH connections arrive in {channel}, which the token cannot "
                      f"read: {error}", f"a fine-grained token needs {need} on {repo}; "
                      "a classic one, the repo scope"))  # fmt: skip
    else:
        found.append((True, f"SSH connections arrive in {channel}; the token can read them", ""))
    return found


def run(args: argparse.Namespace) -> int:
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
        print(f"✗ {one_line(str(error))}")
        return 1
    print(f"Checking {api_url}" + (f" and {repo}" if repo else ""))
    checks = asyncio.run(_doctor(repo, api_url, token))
    if cfg.get("token"):
        checks.append(_config_permissions_check())
    for ok, text, fix in checks:  # with GitHub's words in them: made safe for a terminal
        text, fix = one_line(text), one_line(fix)
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
