"""Real failure fragments, buried in long real successful build output in GitHub's log format:
the marked cause must be found for at least 13 of 14, the category right for at least 12."""

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from cibw_debug_tui.core.explain import CATEGORIES, explain_lines

DATA = Path(__file__).parent / "data"
INDEX = json.loads((DATA / "build-logs" / "index.json").read_text(encoding="utf-8"))
SUCCESS = (DATA / "success-build" / "pip-wheel-verbose.log").read_text().splitlines()
IDENTIFIERS = {
    "linux": "cp312-manylinux_x86_64",
    "macos": "cp312-macosx_arm64",
    "windows": "cp312-win_amd64",
}
BOLD, GREEN, RESET = "\x1b[1m", "\x1b[32m", "\x1b[0m"


def cibuildwheel_log(fragment: list[str], platform: str, position: float) -> list[str]:
    """A cibuildwheel step: banner, one successful build, then ours, failing at `position`
    of its own (real, successful) compiler output, with the rest after it."""
    ident = IDENTIFIERS[platform]
    cut = int(len(SUCCESS) * position)
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
        f"  build_selector: BuildSelector(build_config='{ident}')",
        "  build_verbosity: 3",
        f"{GREEN}Building cp311-{ident.split('-', 1)[1]} wheel{RESET}",
        "##[group]Building wheel...",
        *SUCCESS,
        "##[endgroup]",
        f"{GREEN}✓ cp311 {platform} wheel built{RESET}",
        "##[group]Testing wheel...",
        "  ============================= test session starts ==============================",
        "  tests/test_ext.py::test_roundtrip PASSED                                  [100%]",
        "  ============================== 1 passed in 0.12s ===============================",
        "##[endgroup]",
        f"{GREEN}Building {ident} wheel{RESET}",
        "##[group]Building wheel...",
        *SUCCESS[:cut],
        *fragment,
        *SUCCESS[cut:],
        "##[endgroup]",
        "Error: Command ['python', '-m', 'pip', 'wheel', '.', '-vv'] failed with code 1.",
        "##[error]Process completed with exit code 1.",
    ]


def github_format(lines: list[str], gh_cli: bool) -> list[bytes]:
    """Lines as the REST API (or `gh run view --log`) serves them, timestamp first."""
    start = datetime(2026, 11, 26, 15, 0, 0)
    out = []
    for i, line in enumerate(lines):
        stamp = (start + timedelta(milliseconds=73 * i)).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"
        prefix = f"build_wheels (ubuntu-latest)\tBuild wheels\t{stamp} " if gh_cli else f"{stamp} "
        out.append((prefix + line).encode("utf-8"))
    return out


def fragment_lines(entry: dict) -> list[str]:
    raw = (DATA / "build-logs" / entry["file"]).read_bytes().decode("utf-8", "replace")
    return raw.splitlines()


VARIANTS = [(position, gh_cli) for position in (0.0, 0.37, 1.0) for gh_cli in (False, True)]


@pytest.mark.parametrize(("position", "gh_cli"), VARIANTS)
def test_corpus_buried_in_real_output(position, gh_cli):
    found = right_category = 0
    misses = []
    for entry in INDEX:
        lines = cibuildwheel_log(fragment_lines(entry), entry["platform"], position)
        encoded = github_format(lines, gh_cli)
        eol = b"\r\n" if entry["platform"] == "windows" else b"\n"
        result = explain_lines(line + eol for line in encoded)
        causes = [c.text for c in result.cause]
        hit = any(marked in cause for marked in entry["cause"] for cause in causes)
        category = CATEGORIES[entry["category"] - 1]
        found += hit
        right_category += result.category == category
        if not hit or result.category != category:
            misses.append((entry["file"], result.category, causes))
        # Line numbers point at the lines in the log as given.
        for cause in result.cause:
            assert cause.text in encoded[cause.line - 1].decode("utf-8", "replace")
        assert len(result.cause) <= 3 and len(result.excerpt) <= 15
        assert any(cause in "\n".join(result.excerpt) for cause in causes)
    assert found >= 13, misses
    assert right_category >= 12, misses


def test_the_successful_build_alone_has_no_cause():
    lines = cibuildwheel_log([], "linux", 1.0)[:-2]  # no failure summary
    result = explain_lines(github_format(lines, gh_cli=False))
    assert result.cause == [] and result.category == "unknown"
