"""Files the tool writes: names from the server cannot leave their folder, temporary files are
new ones (a link planted at a name the tool would use is never followed), and what is written
is readable by its owner only."""

import asyncio
import os
import stat
from pathlib import Path

import pytest
from hostile_github import REPO, Answer, HostileGitHub, World

from cibw_debug_tui.core.config import Token
from cibw_debug_tui.core.files import safe_file_name, whole_number
from cibw_debug_tui.core.github import GitHub
from cibw_debug_tui.core.history import History
from cibw_debug_tui.core.session import Session, SessionSpec
from cibw_debug_tui.core.watcher import Watcher

TOKEN = Token("ghp_HOSTILEfiles00000000000000000000000", "test")
ARTIFACT = {"id": 755, "name": "wheels", "size_in_bytes": 5, "expired": False,
            "workflow_run_id": 7}  # fmt: skip


def spec() -> SessionSpec:
    return SessionSpec(REPO, "ubuntu-latest", "cp312", "x86_64", "disabled")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def usual_umask():
    before = os.umask(0o022)  # what most people have: files 0644 unless the tool says
    yield
    os.umask(before)


def watch(gh: HostileGitHub, log_dir: Path, session: Session) -> Session:
    async def go():
        async with GitHub(gh.api_url, TOKEN, retries=1, backoff=0.01) as github:
            watcher = Watcher(github, session, log_dir=log_dir, pace=0.01)
            return await asyncio.wait_for(watcher.run(), 30)

    return asyncio.run(go())


def test_a_job_id_that_is_a_path_never_becomes_a_file(tmp_path):
    logs = tmp_path / "deep" / "er" / "logs"
    with HostileGitHub() as gh:
        World(gh, job_id="../../evil", polls=1).install()
        session = Session("s1", spec(), gh.api_url, run_id=7, status="in_progress")

        async def go():
            async with GitHub(gh.api_url, TOKEN, retries=1, backoff=0.01) as github:
                watcher = Watcher(github, session, log_dir=logs, pace=0.01)
                task = asyncio.ensure_future(watcher.run())
                while "id is" not in session.note:
                    await asyncio.sleep(0.02)
                task.cancel()

        asyncio.run(asyncio.wait_for(go(), 30))
    assert "GitHub sent an answer this tool cannot read" in session.note
    assert "'../../evil'" in session.note
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert written == [], written


@pytest.mark.parametrize(
    ("text", "name"),
    [("../../evil", "_._.._evil"), (".hidden", "_hidden"), ("a/b\\c d", "a_b_c_d"), ("", "_"),
     ("cibw-debug-logs-cp312_x86_64-attempt-1", "cibw-debug-logs-cp312_x86_64-attempt-1")],
)  # fmt: skip
def test_names_from_outside_stay_in_their_folder(text, name):
    assert safe_file_name(text) == name


@pytest.mark.parametrize("value", ["../../evil", "7", 7.0, True, -1, None])
def test_ids_are_whole_numbers(value):
    with pytest.raises(ValueError):
        whole_number(value)


def test_the_failed_jobs_log_is_private_and_named_by_numbers(tmp_path):
    with HostileGitHub() as gh:
        World(gh, polls=1).install()
        session = watch(gh, tmp_path / "logs", Session("s1", spec(), gh.api_url, run_id=7,
                                                        status="in_progress"))  # fmt: skip
    assert session.failure_log == tmp_path / "logs" / "octo_pkg-7-70.log"
    assert mode(session.failure_log) == 0o600 and mode(tmp_path / "logs") == 0o700


def test_a_download_is_private_and_follows_no_planted_link(tmp_path):
    folder, victim = tmp_path / "downloads", tmp_path / "victim"
    folder.mkdir()
    victim.write_text("precious")
    for name in (f".wheels.zip.{os.getpid()}.part", "wheels.zip"):  # the old names, planted
        (folder / name).symlink_to(victim)
    with HostileGitHub() as gh:
        World(gh).install()
        gh.on("GET", rf"/repos/{REPO}/actions/artifacts/755/zip",
              Answer(
                  302, headers={"Location": f"{gh.api_url}/_blob/log-7"}))  # fmt: skip

        async def go():
            async with GitHub(gh.api_url, TOKEN) as github:
                return await github.download_artifact(REPO, ARTIFACT, folder)

        path = asyncio.run(go())
    assert victim.read_text() == "precious"
    assert not path.is_symlink() and path.read_bytes() == b"error: something failed\n"
    assert mode(path) == 0o600
    assert sorted(p.name for p in folder.iterdir()) == [f".wheels.zip.{os.getpid()}.part",
                                                        "wheels.zip"]  # fmt: skip


def test_the_history_is_private_and_follows_no_planted_link(tmp_path):
    folder, victim = tmp_path / "data", tmp_path / "victim"
    folder.mkdir(mode=0o755)
    victim.write_text("precious")
    (folder / f".history.yaml.{os.getpid()}.tmp").symlink_to(victim)
    (folder / "history.yaml.lock").symlink_to(tmp_path / "created-through-the-lock")
    history = History(folder / "history.yaml")
    history.add(Session("s1", spec(), "https://api.github.com"))
    assert victim.read_text() == "precious"
    assert not (tmp_path / "created-through-the-lock").exists()
    assert mode(folder / "history.yaml") == 0o600
    assert '"id": "s1"' in (folder / "history.yaml").read_text()
    fresh = History(tmp_path / "new" / "history.yaml")
    fresh.add(Session("s2", spec(), "https://api.github.com"))
    assert mode(tmp_path / "new") == 0o700 and mode(fresh.path) == 0o600
