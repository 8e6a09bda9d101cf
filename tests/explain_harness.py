"""Real failure fragments set in real verbose build output, as a failed cibuildwheel job logs them.

Used by `tests/test_explain_corpus.py` and `bench/explain_figures.py`. The noise is real output
of successful builds that recovered from errors (`tests/data/recovered-build`, see SOURCES.md)
and of a plain successful build (`tests/data/success-build`). Each fragment fails in the stage
where it failed in its thread (the build, the wheel's repair, the tests, or before any build),
after recovered errors of its own build and of an earlier one; the build stops there, so only
the failing command's own last lines and cibuildwheel's failure summary follow it.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timedelta
from pathlib import Path

from cibw_debug_tui.core.explain import CATEGORIES, explain_lines

DATA = Path(__file__).parent / "data"
CORPORA = ("build-logs", "build-logs-2")
PLACEMENTS = ("first", "middle", "last")
FORMATS = ("rest", "gh", "artifact")  # REST job log, `gh run view --log`, build log artifact
IDENTIFIERS = {
    "linux": ("cp311-manylinux_x86_64", "cp312-manylinux_x86_64", "cp313-manylinux_x86_64"),
    "macos": ("cp311-macosx_arm64", "cp312-macosx_arm64", "cp313-macosx_arm64"),
    "windows": ("cp311-win_amd64", "cp312-win_amd64", "cp313-win_amd64"),
}
BOLD, GREEN, RESET = "\x1b[1m", "\x1b[32m", "\x1b[0m"


def _read(folder: str, name: str) -> list[str]:
    return (DATA / folder / name).read_text(encoding="utf-8").splitlines()


RECOVERED = "recovered-build"
PROBES = _read(RECOVERED, "cmake-probes-before-all.log")
RETRIES = _read(RECOVERED, "pip-index-retries.log")
FALLBACK = _read(RECOVERED, "msgpack-0.6.2-c-extension-falls-back.log")
BUNDLED = _read(RECOVERED, "pyzmq-25.1.2-probes-then-bundled-libzmq.log")
SUCCESS = _read("success-build", "pip-wheel-verbose.log")
# What a build that stops on an error no longer prints after it.
_DONE_OR_ERROR = re.compile(r"(?i)success|created wheel|stored in|error|warn|fall|fail|^\s*$")


def load_index() -> list[dict]:
    """Every fragment of both corpora, with its category name and split (the first corpus was
    made together with the rules, so it is all tuning)."""
    entries = []
    for corpus in CORPORA:
        for entry in json.loads((DATA / corpus / "index.json").read_text(encoding="utf-8")):
            entry = {**entry, "corpus": corpus}
            entry.setdefault("split", "tuning")
            entry["category_name"] = CATEGORIES[entry["category"] - 1]
            entries.append(entry)
    return entries


def split_of(name: str) -> str:
    """How the second corpus was split, before any tuning: by a hash of the file name."""
    return "held-out" if int(hashlib.sha256(name.encode()).hexdigest(), 16) % 2 else "tuning"


def fragment(entry: dict) -> list[str]:
    raw = (DATA / entry["corpus"] / entry["file"]).read_bytes()
    return raw.decode("utf-8", "replace").splitlines()


def stage_of(entry: dict) -> str:
    if "stage" in entry:
        return entry["stage"]
    return {"test": "test", "auditwheel": "repair", "delocate": "repair", "config": "start"}.get(
        entry["category_name"], "build"
    )


def _build_output(n: int) -> list[str]:
    """One wheel's verbose build: index retries, an optional extension that falls back to pure
    Python, a library probe that fails twice before bundling, then a clean build."""
    return [*(RETRIES if n == 0 else []), *FALLBACK, *BUNDLED, *SUCCESS]


def _banner(platform: str, identifier: str) -> list[str]:
    return [
        "##[group]Run pypa/cibuildwheel@v4.2.0",
        "with:",
        "  output-dir: wheelhouse",
        "##[endgroup]",
        f"{BOLD}     _ _       _ _   _       _           _ _{RESET}",
        f"{BOLD} ___|_| |_ ___| | |_| |_ _ _|_|___ ___ _| | |{RESET}",
        "cibuildwheel version 4.2.0",
        "Build options:",
        f"  platform: {platform}",
        f"  build_selector: BuildSelector(build_config='{identifier.split('-')[0]}-*')",
        "  build_verbosity: 3",
    ]


def _repair(platform: str, identifier: str) -> list[str]:
    wheel = f"/tmp/cibuildwheel/built_wheel/pkg-1.0-{identifier.replace('-', '-none-')}.whl"
    if platform == "macos":
        command = f"+ delocate-wheel --require-archs arm64 -w /tmp/repaired_wheel -v {wheel}"
    elif platform == "linux":
        command = f"+ sh -c 'auditwheel repair -w /tmp/cibuildwheel/repaired_wheel {wheel}'"
    else:
        command = "+ (no repair command on Windows)"
    return ["##[group]Repairing wheel...", command]


def _tests() -> list[str]:
    return [
        "##[group]Testing wheel...",
        "+ pip install /tmp/cibuildwheel/repaired_wheel/pkg-1.0.whl",
        "Successfully installed pkg-1.0",
        "+ pytest {project}/tests",
    ]


def _passing_tests() -> list[str]:
    return [
        *_tests(),
        "============================= test session starts ==============================",
        "tests/test_ext.py::test_roundtrip PASSED                                  [100%]",
        "============================== 1 passed in 0.12s ===============================",
        "##[endgroup]",
    ]


def _wheel(platform: str, identifier: str, n: int) -> list[str]:
    """A whole successful wheel: build, repair, tests."""
    return [
        f"{GREEN}Building {identifier} wheel{RESET}",
        "##[group]Building wheel...",
        *_build_output(n),
        "##[endgroup]",
        *(_repair(platform, identifier) if platform != "windows" else []),
        "##[endgroup]",
        *_passing_tests(),
        f"{GREEN}✓ {identifier} finished{RESET}",
    ]


def _trailing(rest: list[str]) -> list[str]:
    """The failing command's last lines: what it printed before it stopped (no later errors,
    fallbacks or completions: the build is over)."""
    out = []
    for line in rest[:8]:
        if _DONE_OR_ERROR.search(line):
            break
        out.append(line)
    return out


def job_log(entry: dict, placement: str) -> list[str]:
    """The lines of a failed cibuildwheel step around this fragment, GitHub's markup included."""
    platform, stage, lines = entry["platform"], stage_of(entry), fragment(entry)
    ids = IDENTIFIERS[platform]
    log: list[str] = []
    if stage == "start":
        # Fails before any build: what precedes it is an earlier step that built things.
        log += ["##[group]Run python -m pip wheel -v ./vendored", *PROBES]
        for n in range(PLACEMENTS.index(placement) + 1):
            log += _build_output(n)
        log += ["##[endgroup]", *_banner(platform, ids[0]), *lines]
        return [*log, "##[error]Process completed with exit code 2."]
    log += _banner(platform, ids[0])
    if platform == "linux":
        log += ["##[group]Running before_all...", *PROBES, "##[endgroup]"]
    if stage == "build":
        # One earlier wheel, then ours stops at the start, a third in, or at the end of its
        # own (recovering) build output.
        log += _wheel(platform, ids[0], 0)
        own = _build_output(1)
        cut = {"first": 0, "middle": int(len(own) * 0.37), "last": len(own)}[placement]
        log += [f"{GREEN}Building {ids[1]} wheel{RESET}", "##[group]Building wheel..."]
        log += [*own[:cut], *lines, *_trailing(own[cut:]), "##[endgroup]"]
        command = "['python', '-m', 'pip', 'wheel', '/project', '-vv']"
    else:
        earlier = PLACEMENTS.index(placement)
        for n in range(earlier):
            log += _wheel(platform, ids[n], n)
        identifier = ids[earlier]
        log += [
            f"{GREEN}Building {identifier} wheel{RESET}",
            "##[group]Building wheel...",
            *_build_output(earlier),
            "##[endgroup]",
        ]
        if stage == "repair":
            log += [*_repair(platform, identifier), *lines, "##[endgroup]"]
            command = "['sh', '-c', 'repair-wheel-command']"
        else:
            log += [*_repair(platform, identifier), "##[endgroup]", *_tests(), *lines]
            log += ["##[endgroup]"]
            command = "['pytest', '{project}/tests']"
    return [
        *log,
        f"Error: Command {command} failed with code 1.",
        "##[error]Process completed with exit code 1.",
    ]


def encode(lines: list[str], fmt: str, platform: str) -> list[bytes]:
    """Lines as GitHub serves them (REST: a timestamp first; `gh run view --log`: job and step
    before that), or as cibuildwheel wrote them to a build log artifact (no GitHub markup)."""
    eol = b"\r\n" if platform == "windows" else b"\n"
    if fmt == "artifact":
        out = []
        for line in lines:
            if line.startswith(("##[endgroup]", "##[error]")):
                continue
            out.append(line.removeprefix("##[group]").encode("utf-8") + eol)
        return out
    start = datetime(2026, 11, 26, 15, 0, 0)
    job = f"build_wheels ({platform})\tBuild wheels\t"
    out = []
    for i, line in enumerate(lines):
        stamp = (start + timedelta(milliseconds=73 * i)).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"
        prefix = f"{job}{stamp} " if fmt == "gh" else f"{stamp} "
        out.append((prefix + line).encode("utf-8") + eol)
    return out


def explain(entry: dict, placement: str, fmt: str):
    """(explanation, the log's lines as given) for this fragment in this placement and format."""
    encoded = encode(job_log(entry, placement), fmt, entry["platform"])
    return explain_lines(encoded), encoded


def hit(entry: dict, causes: list[str]) -> bool:
    """Whether a marked cause line is among the reported ones."""
    return any(marked in cause for marked in entry["cause"] for cause in causes)
