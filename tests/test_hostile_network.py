"""The token stays with its host, and no answer can hold the client forever: a hostile GitHub
look-alike (tests/hostile_github.py) links to other hosts, trickles its answers, and the
environment offers tokens for the wrong host or with characters no token has."""

import asyncio
import contextlib
import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostile_github import REPO, Answer, HostileGitHub, World

from cibw_debug_tui.core import config
from cibw_debug_tui.core.config import Token
from cibw_debug_tui.core.github import GitHub, GitHubError

TOKEN = "ghp_HOSTILEtest000000000000000000000000"
COMMAND = str(Path(sys.executable).parent / "cibw-debug-tui")
RUNS = rf"/repos/{REPO}/actions/workflows/cibuildwheel-debug.yml/runs"
TOKEN_VARIABLES = ("GH_TOKEN", "GITHUB_TOKEN", "GH_HOST", "GH_ENTERPRISE_TOKEN",
                   "GITHUB_ENTERPRISE_TOKEN")  # fmt: skip


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for name in TOKEN_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CIBW_DEBUG_TUI_CONFIG", str(tmp_path / "config.yaml"))
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # no `gh` here


def command(tmp_path: Path, *args: str, **variables: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in TOKEN_VARIABLES}
    env |= {"HOME": str(tmp_path), "CIBW_DEBUG_TUI_CONFIG": str(tmp_path / "config.yaml"),
            "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", **variables}  # fmt: skip
    return subprocess.run([COMMAND, *args], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=120, check=False)  # fmt: skip


def authorized(gh: HostileGitHub) -> list[str]:
    return [s.path for s in gh.requests() if "authorization" in s.headers]


# -- which token goes where --------------------------------------------------------------------


@pytest.mark.parametrize("variable", ["GH_TOKEN", "GITHUB_TOKEN"])
def test_a_github_com_token_is_not_sent_to_another_host(monkeypatch, variable):
    monkeypatch.setenv(variable, TOKEN)
    with pytest.raises(config.ConfigError) as error:
        config.resolve_token("https://ghe.example.com/api/v3", {})
    words = str(error.value)
    assert f"{variable} is a token for github.com" in words
    assert "GH_ENTERPRISE_TOKEN" in words and "ghe.example.com" in words
    assert TOKEN not in words


def test_gh_host_and_api_url_in_the_config_get_no_github_com_token(monkeypatch, tmp_path):
    monkeypatch.setenv("GH_TOKEN", TOKEN)
    monkeypatch.setenv("GH_HOST", "evil.example")
    with pytest.raises(config.ConfigError, match="GH_ENTERPRISE_TOKEN"):
        config.resolve_token(config.api_url_from(None, {}), {})
    monkeypatch.delenv("GH_HOST")
    cfg = {"api_url": "https://evil.example/api/v3"}
    with pytest.raises(config.ConfigError, match="GH_ENTERPRISE_TOKEN"):
        config.resolve_token(config.api_url_from(None, cfg), cfg)


@pytest.mark.e2e
def test_doctor_refuses_to_send_gh_token_to_gh_host_in_words(tmp_path):
    proc = command(tmp_path, "doctor", "--repo", REPO, GH_TOKEN=TOKEN, GH_HOST="evil.example")
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "GH_TOKEN is a token for github.com" in out and "evil.example" in out, out
    assert "cannot reach" not in out and "Traceback" not in out and TOKEN not in out


def test_the_right_token_for_each_host(monkeypatch):
    monkeypatch.setenv("GH_TOKEN", "ghp_com")
    monkeypatch.setenv("GH_ENTERPRISE_TOKEN", "ghp_ghes")
    assert config.resolve_token("https://api.github.com", {}).value == "ghp_com"
    assert config.resolve_token("https://ghe.example.com/api/v3", {}).value == "ghp_ghes"
    # A loopback API (the simulator) may get either: it is this machine.
    monkeypatch.delenv("GH_ENTERPRISE_TOKEN")
    assert config.resolve_token("http://127.0.0.1:8765", {}).value == "ghp_com"
    assert config.resolve_token("http://localhost:8765", {}).value == "ghp_com"
    # The config file's token goes with the config file's API URL only.
    monkeypatch.delenv("GH_TOKEN")
    cfg = {"api_url": "https://ghe.example.com/api/v3", "token": "ghp_file"}
    assert config.resolve_token("https://ghe.example.com/api/v3", cfg).value == "ghp_file"
    with pytest.raises(config.ConfigError, match="config"):
        config.resolve_token("https://other.example.com/api/v3", cfg)
    with pytest.raises(config.ConfigError):
        config.resolve_token("https://ghe.example.com/api/v3", {"token": "ghp_for_github_com"})


@pytest.mark.parametrize(
    "url", ["http://ghe.example.com/api/v3", "http://10.0.0.5/api/v3", "http://127.0.0.1.evil.com"]
)
def test_plain_http_is_refused_for_a_host_that_is_not_this_machine(url):
    with pytest.raises(config.ConfigError) as error:
        config.api_url_from(url, {})
    assert "https://" in str(error.value) and "unencrypted" in str(error.value)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8765", "http://localhost:8765", "http://[::1]:8765"]
)
def test_plain_http_is_fine_on_this_machine(url):
    assert config.api_url_from(url, {}) == url


@pytest.mark.parametrize(
    ("value", "what"),
    [
        ("ghp_abc\u200bdef", "U+200B"),
        ("ghp_abc\ndef", "a line break"),
        ("ghp_abc def", "a space"),
        ("ghp_abc\x1b[31mdef", "a control character"),
        ("ghp_abcdéf", "U+00E9"),
    ],
)
def test_a_token_with_characters_no_token_has_is_refused_in_words(monkeypatch, value, what):
    monkeypatch.setenv("GH_TOKEN", value)
    with pytest.raises(config.ConfigError) as error:
        config.resolve_token("https://api.github.com", {})
    words = str(error.value)
    assert "GH_TOKEN" in words and what in words, words
    assert "abc" not in words and "def" not in words  # nothing of the token itself


@pytest.mark.e2e
@pytest.mark.parametrize("value", ["ghp_abc\u200bdef", "ghp_abc\ndef"], ids=["zwsp", "newline"])
def test_dispatch_with_a_broken_token_says_so_not_this_is_a_bug(tmp_path, value):
    with HostileGitHub() as gh:
        proc = command(tmp_path, "dispatch", "--repo", REPO, "--runner", "ubuntu-latest",
                       "--python", "cp312", "--arch", "x86_64", "--api-url", gh.api_url,
                       GH_TOKEN=value)  # fmt: skip
        assert not gh.requests()
    assert proc.returncode == 2, proc.stderr
    assert "GH_TOKEN" in proc.stderr and "cannot be part of a token" in proc.stderr
    assert "bug" not in proc.stderr and "cannot reach" not in proc.stderr


# -- the token goes to its own origin only -------------------------------------------------------


def test_a_next_page_on_another_host_gets_no_token_and_is_not_followed():
    with HostileGitHub() as gh, HostileGitHub() as other:
        other.on("GET", ".*", {"workflow_runs": []})
        gh.on("GET", RUNS, Answer(body={"workflow_runs": []},
              headers={"Link": f'<{other.api_url}/steal?page=2>; rel="next"'}))  # fmt: skip

        async def go():
            async with GitHub(gh.api_url, Token(TOKEN, "test"), retries=1, backoff=0.01) as github:
                return await github.find_run(REPO, "abc", since=_long_ago(), timeout=0)

        with pytest.raises(GitHubError) as error:
            asyncio.run(go())
        assert authorized(other) == []
        assert not other.requests(), "the other host was not asked at all"
        assert authorized(gh)  # its own host had the token all along
    assert "another host" in str(error.value) and "127.0.0.1" in str(error.value)


@pytest.mark.parametrize("where", ["other port", "https", "http upgrade"])
def test_a_request_to_another_origin_never_carries_the_token(where):
    with HostileGitHub() as gh, HostileGitHub() as other:
        other.on("GET", ".*", {"ok": True})
        url = {
            "other port": f"{other.api_url}/x",
            "https": f"https://127.0.0.1:{gh.port}/x",  # same host and port, another scheme
            "http upgrade": f"http://localhost:{gh.port}/x",  # same machine, another host name
        }[where]

        async def go():
            async with GitHub(gh.api_url, Token(TOKEN, "test"), retries=0) as github:
                # https to a plain server fails: fine, as long as no token went
                with contextlib.suppress(GitHubError):
                    await github.request("GET", url)

        asyncio.run(go())
        assert authorized(other) == []
        assert all(not s.path.endswith("/x") for s in gh.requests() if "authorization" in s.headers)


# -- deadlines ------------------------------------------------------------------------------------


def trickle(body: bytes, every: float) -> Answer:
    return Answer(chunks=[bytes([b]) for b in body], every=every)


def test_a_trickling_answer_meets_the_requests_deadline():
    with HostileGitHub() as gh:
        world = World(gh).install()
        gh.on("GET", rf"/repos/{REPO}/actions/runs/7", trickle(b'{"id": 7, "status": "x"}', 0.3))
        said = []

        async def go():
            async with GitHub(gh.api_url, Token(TOKEN, "test"), retries=1, backoff=0.01,
                              request_deadline=1.0, on_status=said.append) as github:  # fmt: skip
                await github.run(REPO, world.run_id)

        started = time.monotonic()
        with pytest.raises(GitHubError) as error:
            asyncio.run(go())
        took = time.monotonic() - started
    assert took < 4, took  # two tries of a second, not 25 bytes at 0.3 s each, twice
    assert "within 1s" in str(error.value)
    assert any("within 1s" in s and "retrying" in s for s in said), said


def test_a_download_that_stops_making_progress_is_given_up(tmp_path):
    with HostileGitHub() as gh:
        gh.on("GET", rf"/repos/{REPO}/actions/artifacts/5/zip",
              Answer(302, headers={"Location": f"{gh.api_url}/_blob/5"}))  # fmt: skip
        gh.on("GET", "/_blob/5", Answer(chunks=[b"x"] * 1000, every=0.2,
                                        headers={"Content-Length": "1000"}))  # fmt: skip
        artifact = {"id": 5, "name": "wheels", "size_in_bytes": 1000, "expired": False,
                    "workflow_run_id": 7}  # fmt: skip

        async def go():
            async with GitHub(gh.api_url, Token(TOKEN, "test"), retries=0,
                              stall_after=1.0, stall_bytes=100) as github:  # fmt: skip
                await github.download_artifact(REPO, artifact, tmp_path)

        started = time.monotonic()
        with pytest.raises(GitHubError) as error:
            asyncio.run(go())
        assert time.monotonic() - started < 5
    assert "stalled" in str(error.value) and "wheels" in str(error.value)
    assert list(tmp_path.iterdir()) == []  # nothing partial left


@pytest.mark.e2e
@pytest.mark.slow
def test_dispatch_watch_is_never_silent_for_long_on_a_trickle(tmp_path):
    """One byte every two seconds: without an overall deadline, a minute of silence."""
    with HostileGitHub() as gh:
        World(gh).install()
        gh.on("GET", rf"/repos/{REPO}/actions/runs/7/jobs", trickle(b'{"jobs": []}' + b" " * 30, 2))
        env = {k: v for k, v in os.environ.items() if k not in TOKEN_VARIABLES}
        env |= {"HOME": str(tmp_path), "GH_TOKEN": TOKEN,
                "CIBW_DEBUG_TUI_CONFIG": str(tmp_path / "c.yaml")}  # fmt: skip
        proc = subprocess.Popen(
            [COMMAND, "dispatch", "--repo", REPO, "--runner", "ubuntu-latest", "--python",
             "cp312", "--arch", "x86_64", "--debug-mode", "disabled", "--watch",
             "--api-url", gh.api_url],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=tmp_path,
        )  # fmt: skip
        try:
            started = time.monotonic()
            out = read_until(proc, lambda text: "within 20s" in text, timeout=40)
            took = time.monotonic() - started
        finally:
            proc.kill()
            proc.wait()
    said = out.splitlines()[-1]
    assert "within 20s" in said and "retrying" in said, out
    assert took < 30, (took, out)


def read_until(proc: subprocess.Popen, done, timeout: float) -> str:
    """What the process printed until `done(text)`, or until `timeout` seconds passed."""
    deadline, data = time.monotonic() + timeout, b""
    fd = proc.stdout.fileno()
    while not done(data.decode(errors="replace")) and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            data += chunk
    return data.decode(errors="replace")


def _long_ago():
    from datetime import datetime, timezone

    return datetime(2020, 1, 1, tzinfo=timezone.utc)
