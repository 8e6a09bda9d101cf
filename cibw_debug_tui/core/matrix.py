"""Which (runner, CPython, arch) combinations cibuildwheel 4 can build on GitHub-hosted runners.

This is the single truth the dashboard, the CLI and the bundled workflow share: the workflow's
validate step runs a copy of this file (scripts/generate_workflow.py writes it there, and a test
checks the copy is current). So it uses the standard library only.

Sources (late 2026): pypa/cibuildwheel v4.2.0 (build-platforms.toml, architecture.py, docs) and
actions/runner-images announcements. See tests/data/SOURCES.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Runner:
    label: str
    os: str  # "linux", "macos" or "windows"
    cpu: str  # "x64" or "arm64"
    note: str = ""  # alias, preview or deprecation notice shown next to the label


@dataclass(frozen=True)
class Python:
    tag: str  # "cp312", "cp314t"
    version: str  # "3.12"
    free_threaded: bool = False
    prerelease: bool = False  # a release candidate (built by default since cibuildwheel 4.2.0)


RUNNERS: tuple[Runner, ...] = (
    Runner("ubuntu-latest", "linux", "x64", "= ubuntu-24.04"),
    Runner("ubuntu-24.04", "linux", "x64"),
    Runner("ubuntu-22.04", "linux", "x64", "deprecated, retired 2027-04-17"),
    Runner("ubuntu-26.04", "linux", "x64", "preview"),
    Runner("ubuntu-24.04-arm", "linux", "arm64"),
    Runner("ubuntu-22.04-arm", "linux", "arm64", "deprecated, retired 2027-04-17"),
    Runner("ubuntu-26.04-arm", "linux", "arm64", "preview"),
    Runner("macos-latest", "macos", "arm64", "= macos-26"),
    Runner("macos-26", "macos", "arm64"),
    Runner("macos-15", "macos", "arm64"),
    Runner("macos-15-intel", "macos", "x64", "available until 2027-08"),
    Runner("macos-26-intel", "macos", "x64"),
    Runner("windows-latest", "windows", "x64", "= windows-2025"),
    Runner("windows-2025", "windows", "x64"),
    Runner("windows-2022", "windows", "x64"),
    Runner("windows-11-arm", "windows", "arm64"),
)
RUNNERS_BY_LABEL = {r.label: r for r in RUNNERS}

# label -> (retirement date, replacement label)
RETIRED: dict[str, tuple[str, str]] = {
    "macos-11": ("2024-06-28", "macos-15-intel"),
    "macos-12": ("2024-12-03", "macos-15-intel"),
    "macos-13": ("2025-12-04", "macos-15-intel"),
    "macos-14": ("2026-11-02", "macos-15"),
    "windows-2019": ("2025-06-30", "windows-2025"),
    "ubuntu-18.04": ("2023-04-03", "ubuntu-24.04"),
    "ubuntu-20.04": ("2025-04-15", "ubuntu-24.04"),
}

PYTHONS: tuple[Python, ...] = (
    Python("cp39", "3.9"),
    Python("cp310", "3.10"),
    Python("cp311", "3.11"),
    Python("cp312", "3.12"),
    Python("cp313", "3.13"),
    Python("cp314", "3.14"),
    Python("cp314t", "3.14", free_threaded=True),
    Python("cp315", "3.15", prerelease=True),
    Python("cp315t", "3.15", free_threaded=True, prerelease=True),
)
PYTHONS_BY_TAG = {p.tag: p for p in PYTHONS}

# Tags people still ask for, and why cibuildwheel 4 no longer builds them.
DROPPED_PYTHONS = {
    "cp36": "cp36 was dropped in cibuildwheel v3.0.0; the oldest CPython built is cp39",
    "cp37": "cp37 was dropped in cibuildwheel v3.0.0; the oldest CPython built is cp39",
    "cp38": "cp38 was dropped in cibuildwheel v4.0.0; the oldest CPython built is cp39",
    "cp313t": "cp313t (experimental free-threading) is not built by cibuildwheel 4; use cp314t",
}

# cibuildwheel's own architecture names, per OS, in the order they are shown.
ARCHES = {
    "linux": ("x86_64", "i686", "aarch64", "ppc64le", "s390x", "armv7l", "riscv64"),
    "macos": ("x86_64", "arm64", "universal2"),
    "windows": ("AMD64", "x86", "ARM64"),
}
OS_NAMES = {"linux": "Linux", "macos": "macOS", "windows": "Windows"}

# Names from other platforms that people type, and the name this OS uses for them.
ARCH_ALIASES = {
    "linux": {"arm64": "aarch64", "amd64": "x86_64", "x64": "x86_64", "x86": "i686"},
    "macos": {"aarch64": "arm64", "amd64": "x86_64", "x64": "x86_64"},
    "windows": {"x86_64": "AMD64", "x64": "AMD64", "aarch64": "ARM64", "i686": "x86"},
}

PLATFORM_TAGS = {("linux", a): f"manylinux_{a}" for a in ARCHES["linux"]} | {
    ("macos", "x86_64"): "macosx_x86_64",
    ("macos", "arm64"): "macosx_arm64",
    ("macos", "universal2"): "macosx_universal2",
    ("windows", "AMD64"): "win_amd64",
    ("windows", "x86"): "win32",
    ("windows", "ARM64"): "win_arm64",
}

# (os, host cpu, arch) -> (build kind, what happens to the tests). Absent: not buildable there.
BUILD_KINDS: dict[tuple[str, str, str], tuple[str, str]] = {
    ("linux", "x64", "x86_64"): ("native", "run"),
    ("linux", "x64", "i686"): ("native", "run"),
    ("linux", "arm64", "aarch64"): ("native", "run"),
    ("macos", "arm64", "arm64"): ("native", "run"),
    ("macos", "arm64", "universal2"): ("native", "run"),
    ("macos", "arm64", "x86_64"): ("cross-compiled", "run under Rosetta 2"),
    ("macos", "x64", "x86_64"): ("native", "run"),
    ("macos", "x64", "arm64"): ("cross-compiled", "cannot run"),
    ("macos", "x64", "universal2"): ("cross-compiled", "run on the x86_64 half only"),
    ("windows", "x64", "AMD64"): ("native", "run"),
    ("windows", "x64", "x86"): ("native", "run"),
    ("windows", "x64", "ARM64"): ("cross-compiled", "cannot run"),
    ("windows", "arm64", "ARM64"): ("native", "run"),
}
for _arch in ARCHES["linux"]:
    for _cpu in ("x64", "arm64"):
        BUILD_KINDS.setdefault(("linux", _cpu, _arch), ("emulated", "run under QEMU (slow)"))

_PYTHON_TAG = re.compile(r"(cp|pp|gp)[0-9]+t?")


@dataclass(frozen=True)
class Combination:
    """The answer for one (runner, python, arch): an identifier and settings, or a reason."""

    runner: str
    python: str
    arch: str
    valid: bool
    os: str | None = None
    identifier: str | None = None
    build: str | None = None  # "native", "emulated", "cross-compiled"
    tests: str | None = None
    prerelease: bool = False
    reason: str | None = None
    settings: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {
            "runner": self.runner,
            "python": self.python,
            "arch": self.arch,
            "valid": self.valid,
            "os": self.os,
            "identifier": self.identifier,
            "build": self.build,
            "tests": self.tests,
            "prerelease": self.prerelease,
            "reason": self.reason,
            "settings": self.settings,
        }


def _refuse(runner: str, python: str, arch: str, reason: str, os: str | None = None) -> Combination:
    return Combination(runner, python, arch, valid=False, os=os, reason=reason)


def _python_reason(python: str) -> str:
    if python in DROPPED_PYTHONS:
        return DROPPED_PYTHONS[python]
    if _PYTHON_TAG.fullmatch(python) and not python.startswith("cp"):
        return f"{python} is not CPython; this tool debugs CPython builds (cp39 to cp315t)"
    return f'"{python}" is not a CPython tag cibuildwheel 4 builds; use one of cp39 to cp315t'


def _arch_reason(os: str, runner: str, arch: str) -> str:
    name = OS_NAMES[os]
    alias = ARCH_ALIASES[os].get(arch.lower())
    if alias:
        return f'{name} calls this architecture {alias}: use arch "{alias}" on {runner}'
    return f'"{arch}" is not a {name} architecture; use one of: {" ".join(ARCHES[os])}'


def check(runner: str, python: str, arch: str) -> Combination:
    """Say whether cibuildwheel can build `python` for `arch` on `runner`, and how."""
    if runner in RETIRED:
        date, replacement = RETIRED[runner]
        return _refuse(runner, python, arch, f"{runner} was retired on {date}; use {replacement}")
    host = RUNNERS_BY_LABEL.get(runner)
    if host is None:
        return _refuse(
            runner,
            python,
            arch,
            f'"{runner}" is not a GitHub-hosted runner label this tool knows; '
            'see "cibw-debug-tui matrix"',
        )
    py = PYTHONS_BY_TAG.get(python)
    if py is None:
        return _refuse(runner, python, arch, _python_reason(python), host.os)
    canonical = next((a for a in ARCHES[host.os] if a.lower() == arch.lower()), None)
    if canonical is None:
        return _refuse(runner, python, arch, _arch_reason(host.os, runner, arch), host.os)
    kind = BUILD_KINDS.get((host.os, host.cpu, canonical))
    if kind is None:
        return _refuse(
            runner,
            python,
            arch,
            f"{runner} builds ARM64 wheels only; build {canonical} on windows-latest",
            host.os,
        )
    identifier = f"{python}-{PLATFORM_TAGS[host.os, canonical]}"
    settings = {
        "CIBW_BUILD": identifier,
        "CIBW_ARCHS": canonical,
        "CIBW_BUILD_VERBOSITY": "3",
        "CIBW_DEBUG_TRACEBACK": "1",
    }
    if host.os == "linux":
        settings["CIBW_DEBUG_KEEP_CONTAINER"] = "1"
    return Combination(
        runner,
        python,
        canonical,
        valid=True,
        os=host.os,
        identifier=identifier,
        build=kind[0],
        tests=kind[1],
        prerelease=py.prerelease,
        settings=settings,
    )


def all_combinations() -> list[Combination]:
    """Every (offered runner, CPython, arch of that runner's OS), valid or not."""
    return [check(r.label, p.tag, a) for r in RUNNERS for p in PYTHONS for a in ARCHES[r.os]]
