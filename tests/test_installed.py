"""What a user installs: the sdist and the wheel built from it, the wheel installed into a fresh
venv, and the installed command run from a folder that is not the source tree. An editable
install reads the source tree and once hid a stylesheet missing from the wheel."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, tracked_package_files

from cibw_debug_tui import __version__

pytestmark = pytest.mark.e2e

CORPUS = ROOT / "tests" / "data" / "build-logs"


def run(installed, *args: str, cwd: Path, env: dict | None = None, timeout: float = 120):
    """The installed command, as a person runs it: from another folder, no PYTHONPATH."""
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [installed.command, *args], capture_output=True, text=True, cwd=cwd, timeout=timeout,
        env={**environ, **(env or {})}, check=False,
    )  # fmt: skip


def test_the_wheel_carries_every_tracked_package_file(installed):
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    tracked = tracked_package_files()
    assert "cibw_debug_tui/ui/app.tcss" in tracked
    missing = [name for name in tracked if name not in names]
    assert not missing, f"the wheel lacks {missing}"


def test_the_sdist_carries_the_package_and_the_workflow_as_a_file(installed):
    with tarfile.open(installed.sdist) as sdist:
        members = {m.name.split("/", 1)[1]: m for m in sdist.getmembers() if "/" in m.name}
    for name in tracked_package_files():
        assert name in members, f"the sdist lacks {name}"
    for variant in ("cibuildwheel-debug.yml", "cibuildwheel-debug-ghes.yml"):
        workflow = members[f"cibw_debug_tui/workflow/{variant}"]
        assert workflow.isfile(), f"{variant} must be a file in the sdist, not a symlink"


def test_twine_accepts_both_artifacts(installed):
    proc = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", str(installed.sdist),
         str(installed.wheel)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_installed_package_is_the_wheel_not_the_source_tree(installed, tmp_path):
    proc = subprocess.run(
        [installed.python, "-c", "import cibw_debug_tui; print(cibw_debug_tui.__file__)"],
        capture_output=True, text=True, cwd=tmp_path, check=True,
    )  # fmt: skip
    where = Path(proc.stdout.strip())
    assert installed.venv in where.parents
    assert ROOT not in where.parents


def test_version(installed, tmp_path):
    proc = run(installed, "--version", cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"cibw-debug-tui {__version__}"
    assert f"## [{__version__}]" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def test_matrix_json(installed, tmp_path):
    proc = run(installed, "matrix", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    combos = json.loads(proc.stdout)
    assert any(c["identifier"] == "cp313-manylinux_aarch64" for c in combos)


def test_explain_log_on_a_corpus_file(installed, tmp_path):
    entry = json.loads((CORPUS / "index.json").read_text(encoding="utf-8"))[0]
    proc = run(installed, "explain-log", "--json", str(CORPUS / entry["file"]), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert any(entry["cause"][0] in cause["text"] for cause in result["cause"])


def test_install_workflow_writes_the_bundled_file(installed, tmp_path):
    proc = run(installed, "install-workflow", str(tmp_path), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    written = tmp_path / ".github" / "workflows" / "cibuildwheel-debug.yml"
    assert written.read_bytes() == (ROOT / "workflow" / "cibuildwheel-debug.yml").read_bytes()


@pytest.fixture
def simulator(installed, tmp_path):
    proc = subprocess.Popen(
        [installed.command, "simulate-github", "--port", "0", "--speed", "200", "--scenario",
         "build-failure"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
    )  # fmt: skip
    url = re.search(r"at (http://127\.0\.0\.1:\d+)", proc.stdout.readline()).group(1)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def test_dispatch_watch_saves_the_log_in_the_cache_folder_not_here(installed, simulator, tmp_path):
    here, cache = tmp_path / "checkout", tmp_path / "cache"
    here.mkdir()
    env = {"GH_TOKEN": "sim", "XDG_CACHE_HOME": str(cache), "HOME": str(tmp_path),
           "CIBW_DEBUG_TUI_CONFIG": str(tmp_path / "none.yaml")}  # fmt: skip
    proc = run(
        installed, "dispatch", "--api-url", simulator, "--repo", "octo/pkg", "--runner",
        "ubuntu-latest", "--python", "cp312", "--arch", "x86_64", "--watch", cwd=here, env=env,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr  # the scenario's build fails
    assert "failure (" in proc.stdout
    logs = list((cache / "cibw-debug-tui" / "logs").glob("*.log"))
    assert len(logs) == 1
    assert f"full log: {logs[0]}" in proc.stdout  # the full path, to open or share
    assert list(here.iterdir()) == []  # nothing left in the checkout
    assert logs[0].parent.stat().st_mode & 0o077 == 0


def test_dispatch_watch_log_dir_option(installed, simulator, tmp_path):
    env = {"GH_TOKEN": "sim", "HOME": str(tmp_path),
           "CIBW_DEBUG_TUI_CONFIG": str(tmp_path / "none.yaml")}  # fmt: skip
    proc = run(
        installed, "dispatch", "--api-url", simulator, "--repo", "octo/pkg", "--runner",
        "ubuntu-latest", "--python", "cp312", "--arch", "x86_64", "--watch", "--json",
        "--log-dir", "logs", cwd=tmp_path, env=env,
    )  # fmt: skip
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    failure = next(e for e in events if e["event"] == "failure")
    assert Path(failure["log"]).is_absolute()
    assert Path(failure["log"]).parent == tmp_path / "logs"


@pytest.mark.slow
def test_pipx_install_works_the_same(installed, tmp_path):
    homes = {"PIPX_HOME": "pipx", "PIPX_BIN_DIR": "bin", "PIPX_MAN_DIR": "man"}
    env = {**os.environ, **{name: str(tmp_path / sub) for name, sub in homes.items()}}
    proc = subprocess.run(
        [sys.executable, "-m", "pipx", "install", str(installed.wheel)],
        capture_output=True, text=True, env=env, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    command = tmp_path / "bin" / "cibw-debug-tui"
    assert shutil.which(str(command))
    version = subprocess.run([str(command), "--version"], capture_output=True, text=True,
                             cwd=tmp_path, check=False)  # fmt: skip
    assert version.stdout.strip() == f"cibw-debug-tui {__version__}"
