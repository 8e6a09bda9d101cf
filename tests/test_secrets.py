"""A recognisable fake token goes through every command and the dashboard; then everything
printed and everything written is searched for it. It must appear nowhere."""

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import notifications, until

from cibw_debug_tui.core.config import Token
from cibw_debug_tui.core.github import GitHub, GitHubError
from cibw_debug_tui.core.history import History
from cibw_debug_tui.core.session import SessionSpec
from cibw_debug_tui.simulator.server import Simulator
from cibw_debug_tui.ui.app import DebugApp
from cibw_debug_tui.ui.backend import Backend

TOKEN = "ghp_SECRETtokenFORtests1234567890abcdEF"
COMMAND = str(Path(sys.executable).parent / "cibw-debug-tui")
DATA = Path(__file__).parent / "data"
REPO = "octo/pkg"


def run(tmp_path: Path, *args: str, env_token: bool = True) -> str:
    env = {**os.environ, "HOME": str(tmp_path), "CIBW_DEBUG_TUI_CONFIG": str(tmp_path / "c.yaml"),
           "CIBW_DEBUG_TUI_HISTORY": str(tmp_path / "h.yaml")}  # fmt: skip
    env.pop("GH_TOKEN", None)
    if env_token:
        env["GH_TOKEN"] = TOKEN
    proc = subprocess.run([COMMAND, *args], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=120, check=False)  # fmt: skip
    return proc.stdout + proc.stderr


def everything_written(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in root.rglob("*") if p.is_file())


@pytest.mark.e2e
@pytest.mark.slow
def test_the_token_leaks_nowhere(tmp_path):
    printed: list[str] = []
    sim = Simulator(speed=300, scenario="build-failure").start()
    try:
        api = ["--api-url", sim.api_url]
        dispatch = ["dispatch", "--repo", REPO, "--runner", "ubuntu-latest", "--python", "cp312",
                    "--arch", "x86_64", "--debug-mode", "after-failure", *api]  # fmt: skip
        printed += [
            run(tmp_path, "matrix"),
            run(
                tmp_path, "explain-log", str(DATA / "build-logs" / "20-rust-compiler-not-found.log")
            ),
            run(tmp_path, "install-workflow", str(tmp_path)),
            run(tmp_path, "doctor", "--repo", REPO, *api),
            run(tmp_path, *dispatch, "--watch", "--log-dir", str(tmp_path / "logs")),
            run(tmp_path, *dispatch, "--watch", "--json", "--log-dir", str(tmp_path / "logs")),
            run(tmp_path, "doctor", "--repo", "octo/gone", "--api-url", "http://127.0.0.1:9"),
        ]
        (tmp_path / "c.yaml").write_text(f"token: {TOKEN}\n")
        (tmp_path / "c.yaml").chmod(0o600)
        printed.append(run(tmp_path, "doctor", "--repo", REPO, *api, env_token=False))
        sim.revoked.add(TOKEN)
        printed.append(run(tmp_path, *dispatch))
        sim.revoked.clear()

        async def errors() -> list[str]:
            texts = []
            async with GitHub(sim.api_url, Token(TOKEN, "test"), backoff=0.01) as github:
                for call in (github.repo("octo/x/y"), github.run(REPO, 1), github.user()):
                    try:
                        await call
                    except GitHubError as error:
                        texts.append(str(error) + repr(error))
                texts.append(repr(Token(TOKEN, "test")))
            return texts

        printed += asyncio.run(errors())
        printed.append(asyncio.run(asyncio.wait_for(dashboard(sim, tmp_path), 120)))
    finally:
        sim.close()
    assert list((tmp_path / "logs").glob("*.log")), "the failed job's log was saved"
    assert list((tmp_path / "downloads").glob("*.zip")), "an artifact was downloaded"
    for text in printed:
        assert TOKEN not in text
    written = everything_written(tmp_path)
    assert written.count(TOKEN.encode()) == 1  # the config file we wrote above, nothing else
    assert TOKEN.encode() in (tmp_path / "c.yaml").read_bytes()


async def dashboard(sim: Simulator, tmp_path: Path) -> str:
    """The TUI with the token: dispatch, download, screenshot; what it showed and notified."""
    github = GitHub(sim.api_url, Token(TOKEN, "GH_TOKEN"), backoff=0.01)
    spec = SessionSpec(REPO, "ubuntu-latest", "cp312", "x86_64", "disabled")
    backend = Backend(github=github, history=History(tmp_path / "tui-history.yaml"), repo=REPO,
                      download_dir=tmp_path / "downloads", log_dir=tmp_path / "logs",
                      start_with=(spec,))  # fmt: skip
    app = DebugApp(backend, pace=0.02)
    async with app.run_test(size=(160, 48)) as pilot:
        session = next(iter(app.sessions.values()))
        table = app.query_one("#artifact-table")
        await until(pilot, lambda: session.done and session.failure and table.row_count, 120)
        table.focus()
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await until(pilot, lambda: list((tmp_path / "downloads").glob("*.zip")))
        app.save_screenshot("tui.svg", path=str(tmp_path))
        return " ".join(n.message for n in notifications(app))


@pytest.mark.e2e
@pytest.mark.parametrize(("mode", "ok"), [(0o644, False), (0o600, True)])
def test_doctor_checks_that_a_config_file_with_a_token_is_private(tmp_path, mode, ok):
    config = tmp_path / "c.yaml"
    config.write_text(f"token: {TOKEN}\n")
    config.chmod(mode)
    with Simulator() as sim:
        out = run(tmp_path, "doctor", "--repo", REPO, "--api-url", sim.api_url, env_token=False)
    assert TOKEN not in out
    if ok:
        assert "only you can read it" in out
    else:
        assert f"✗ {config} holds a token and is readable by others (mode 644)" in out
        assert f"fix: chmod 600 {config}" in out
