"""The rules the code base keeps, checked: the types (mypy, configured in pyproject.toml), the
layers (import-linter's contracts, also there), and what is imported when."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


@pytest.mark.slow
def test_mypy_finds_nothing():
    proc = run(sys.executable, "-m", "mypy")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("Success: no issues found")


def test_the_import_contracts_are_kept():
    proc = run(str(BIN / "lint-imports"), "--no-cache")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Contracts: 2 kept, 0 broken." in proc.stdout


def test_the_core_never_imports_textual():
    code = (
        "import sys, cibw_debug_tui.cli, cibw_debug_tui.commands.dispatch\n"
        "import cibw_debug_tui.commands.doctor, cibw_debug_tui.commands.explain_log\n"
        "import cibw_debug_tui.commands.matrix, cibw_debug_tui.commands.simulate_github\n"
        "import cibw_debug_tui.core.fleet\n"
        "import cibw_debug_tui.core.github, cibw_debug_tui.core.session\n"
        "import cibw_debug_tui.core.watcher, cibw_debug_tui.core.scout\n"
        "import cibw_debug_tui.core.history, cibw_debug_tui.core.explain\n"
        "import cibw_debug_tui.simulator.server\n"
        "assert not [m for m in sys.modules if m.startswith('textual')], 'textual imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_first_frame_needs_no_core_http_or_yaml():
    """Start-up stays close to a bare Textual app's (bench/run.py): what the dashboard imports
    before its first frame leaves the HTTP client, YAML, the core and the simulator for later:
    all but the core's terminal boundary (safe_text.py, the standard library's `re` alone),
    which every pane paints through, and units.py (durations and sizes, no import at all)."""
    code = (
        "import sys, cibw_debug_tui.cli, cibw_debug_tui.ui.factory\n"
        "heavy = ('httpx', 'yaml', 'cibw_debug_tui.core', 'cibw_debug_tui.simulator.server')\n"
        "light = ('cibw_debug_tui.core', 'cibw_debug_tui.core.safe_text',\n"
        "         'cibw_debug_tui.core.units')\n"
        "loaded = [m for m in sys.modules if m.startswith(heavy) and m not in light]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


FIRST_FRAME = """
import asyncio, sys, time
from cibw_debug_tui.core import config
from cibw_debug_tui.ui.factory import make_app
from cibw_debug_tui.ui.screens import dispatch

asked = []
resolve_token = config.resolve_token
config.resolve_token = lambda *a: asked.append(time.monotonic()) or resolve_token(*a)
seen = {}
on_mount = dispatch.DispatchScreen.on_mount

def form_mounted(self):
    heavy = ("httpx", "yaml", "cibw_debug_tui.core.fleet", "cibw_debug_tui.core.github",
             "cibw_debug_tui.core.transport", "cibw_debug_tui.core.session",
             "cibw_debug_tui.simulator")
    seen["loaded"] = sorted({m.split(".")[0] if m in ("httpx", "yaml") else m
                             for m in sys.modules if m.startswith(heavy)})
    seen["token asked"] = bool(asked)
    on_mount(self)

dispatch.DispatchScreen.on_mount = form_mounted
app, cleanup = make_app(api_url="http://127.0.0.1:9")

async def go():
    async with app.run_test(size=(160, 48)) as pilot:
        while not seen:
            await pilot.pause(0.01)

asyncio.run(go())
cleanup()
assert seen == {"loaded": [], "token asked": False}, seen
"""


def test_the_form_of_a_new_user_needs_no_network_token_fleet_or_yaml(tmp_path):
    """Time to a usable screen (bench/usable.py): a new user's form is shown before the HTTP
    client, YAML, the fleet or the simulator are imported, and before the token is looked
    for (`gh auth token` may take seconds); in a folder that is not a checkout, with no
    history and no config."""
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "c"),
           "XDG_DATA_HOME": str(tmp_path / "d"), "CIBW_DEBUG_TUI_HISTORY": "",
           "CIBW_DEBUG_TUI_CONFIG": str(tmp_path / "none.yaml")}  # fmt: skip
    subprocess.run([sys.executable, "-c", FIRST_FRAME], check=True, cwd=tmp_path, env=env)
