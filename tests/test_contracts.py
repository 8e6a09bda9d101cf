"""The rules the code base keeps, checked: the types (mypy, configured in pyproject.toml), the
layers (import-linter's contracts, also there), and what is imported when."""

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
    which every pane paints through."""
    code = (
        "import sys, cibw_debug_tui.cli, cibw_debug_tui.ui.factory\n"
        "heavy = ('httpx', 'yaml', 'cibw_debug_tui.core', 'cibw_debug_tui.simulator.server')\n"
        "light = ('cibw_debug_tui.core', 'cibw_debug_tui.core.safe_text')\n"
        "loaded = [m for m in sys.modules if m.startswith(heavy) and m not in light]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
