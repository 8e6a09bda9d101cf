"""Real failure fragments in real verbose build output that recovered from errors of its own,
in each placement and log format. These tests hold the tuning part to the targets (cause among
the reported lines for 90%, category right for 85%); `bench/explain_figures.py` prints the
figures of both parts, the held-out one included."""

import pytest
from explain_harness import (
    FORMATS,
    PLACEMENTS,
    encode,
    explain,
    fragment,
    hit,
    job_log,
    load_index,
    split_of,
)

from cibw_debug_tui.core.explain import explain_lines

INDEX = load_index()
TUNING = [entry for entry in INDEX if entry["split"] == "tuning"]


def test_the_corpus_is_split_by_the_hash_of_each_file_name():
    second = [entry for entry in INDEX if entry["corpus"] == "build-logs-2"]
    assert len(second) >= 40 and len(INDEX) >= 54
    for entry in second:
        assert entry["split"] == split_of(entry["file"]), entry["file"]
    held_out = [entry for entry in INDEX if entry["split"] == "held-out"]
    assert len(held_out) >= 20


def test_every_fragment_has_its_source_platform_and_marked_lines():
    for entry in INDEX:
        assert "https://github.com/" in entry["source"], entry["file"]
        assert entry["platform"] in ("linux", "macos", "windows")
        text = "\n".join(fragment(entry))
        assert entry["cause"] and all(marked in text for marked in entry["cause"]), entry["file"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("placement", PLACEMENTS)
def test_tuning_part_meets_the_targets(placement, fmt):
    found = right = 0
    misses = []
    for entry in TUNING:
        result, encoded = explain(entry, placement, fmt)
        causes = [cause.text for cause in result.cause]
        found += hit(entry, causes)
        right += result.category == entry["category_name"]
        if not hit(entry, causes) or result.category != entry["category_name"]:
            misses.append((entry["file"], result.category, causes))
        # Line numbers point at the lines in the log as given, and each cause says why.
        for cause in result.cause:
            assert cause.text in encoded[cause.line - 1].decode("utf-8", "replace")
            assert cause.reason
        assert len(result.cause) <= 3 and len(result.excerpt) <= 15
        assert any(cause in "\n".join(result.excerpt) for cause in causes)
    assert found >= 0.9 * len(TUNING), misses
    assert right >= 0.85 * len(TUNING), misses


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_successful_builds_alone_have_no_cause(fmt):
    """Every error in the noise was recovered from: without a failure there is no cause."""
    entry = {**TUNING[0], "stage": "test"}
    lines = [line for line in job_log(entry, "last") if "Error: " not in line]
    tests_start = max(i for i, line in enumerate(lines) if line == "+ pytest {project}/tests")
    result = explain_lines(encode(lines[: tests_start + 1], fmt, "linux"))
    assert result.cause == [] and result.category == "unknown"
    assert result.recovered, "the fallback and the failed probes are listed as recovered"
