"""The explainer's shortcuts answer what the plain reading answers. A block is searched for the
trigger words three ways (from a rare byte, by expressions, by bytes.find) and marker lines are
tested for a word before their expression runs; these compare each shortcut with the plain
definition, on every real log here and on made-up lines."""

from pathlib import Path

from explain_harness import FORMATS, PLACEMENTS, encode, job_log, load_index
from hypothesis import given, settings
from hypothesis import strategies as st

from cibw_debug_tui.core.explain import (
    _STAGES,
    _TRIGGERS,
    _lines_with_triggers,
    _recovers,
    _squeeze,
    clean_line,
)
from cibw_debug_tui.core.explain_rules import RECOVERY, RECOVERY_HINTS

DATA = Path(__file__).parent / "data"


def holds_trigger(line: bytes) -> bool:
    """The definition: the squeezed line holds a trigger word, "error" not right after -W and
    "not" not right before an "e"."""
    squeezed = _squeeze(line)
    for word in _TRIGGERS:
        at = squeezed.find(word)
        while at != -1:
            flag = word == b"error" and squeezed[max(0, at - 2) : at] == b"-w"
            note = word == b"not" and squeezed[at + 3 : at + 4] == b"e"
            if not (flag or note):
                return True
            at = squeezed.find(word, at + 1)
    return False


def assert_search_is_exact(lines: list[bytes]) -> None:
    expected = [i for i, line in enumerate(lines) if holds_trigger(line)]
    assert _lines_with_triggers(_squeeze(b"\n".join(lines))) == expected


def real_logs() -> list[list[bytes]]:
    logs = [path.read_bytes().split(b"\n") for path in sorted(DATA.glob("*/*.log"))]
    for entry in load_index()[::5]:
        for placement in PLACEMENTS:
            for fmt in FORMATS:
                lines = encode(job_log(entry, placement), fmt, entry["platform"])
                logs.append([line.removesuffix(b"\n") for line in lines])
    return logs


def test_the_block_search_finds_exactly_the_lines_holding_a_trigger():
    logs = real_logs()
    assert sum(len(log) for log in logs) > 20_000
    for log in logs:
        assert_search_is_exact(log)
    assert_search_is_exact([line for log in logs for line in log])


def test_a_block_full_of_rare_bytes_is_searched_the_ordinary_way_and_finds_the_same():
    """Past one q or quote a kilobyte the words holding them are searched for like the rest;
    the lines found before that point must still count once."""
    noisy = [b'pyzmq: "zmq.h" found', b"  Requirement already satisfied: pyzmq"] * 400
    for log in (
        [b"qemu: uncaught target signal 11", *noisy, b'File "x.py", line 3 in f', b"q"],
        [*noisy, b"bdist_wheel required", *noisy, b"qemu"],
        [b"QEMU internal SIGSEGV"] + [b"q"] * 2000 + [b"is required to build"],
    ):
        assert_search_is_exact(log)


def test_ignored_forms_at_the_edges_of_a_block_and_of_lines():
    for log in (
        [b"error"],
        [b"-Werror"],
        [b"w", b"error", b"-W", b"error"],
        [b"-W error", b"-w-error", b"Werror", b"x-Werror error"],
        [b"note: not here", b"not", b"NOTE", b"note not", b"annotate", b"notice", b"cannot"],
        [b"pyx", b"p-y-x", b"fa tal", b"un known", b"test session starts", b"ends in not"],
    ):
        assert_search_is_exact(log)


PIECES = st.sampled_from(
    [word.decode() for word in _TRIGGERS]
    + ["e", "n", "o", "t", "-", "w", "-W", "q", '"', " ", "_", "1", "\t", "\x1b[0m", "r", "ror"]
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.lists(PIECES, max_size=8).map("".join), max_size=40))
def test_the_block_search_is_exact_on_made_up_lines(lines):
    assert_search_is_exact([line.encode() for line in lines])


STAGE_EXAMPLES = [
    "============================= test session starts ==============================",
    "Testing wheel...",
    "+ python -m pytest {project}/tests",
    "tests/test_ext.py::test_roundtrip PASSED                                  [ 50%]",
    "tests/test_ext.py::test_other SKIPPED (needs numpy)                       [100%]",
    "+ delocate-wheel --require-archs arm64 -w /tmp/repaired_wheel -v pkg.whl",
    "Repairing wheel... with delocate",
    "+ sh -c 'auditwheel repair -w /tmp/cibuildwheel/repaired_wheel pkg.whl'",
    "INFO:auditwheel.main_repair:Repairing pkg-1.0-cp312-cp312-linux_x86_64.whl",
    "Repairing wheel...",
    "Building cp312-manylinux_x86_64 wheel",
    "Building wheel...",
    "  Building wheel for msgpack (pyproject.toml): started",
]
RECOVERY_EXAMPLES = [
    "Successfully built msgpack",
    "  Created wheel for msgpack: filename=msgpack-0.6.2-cp312-cp312-linux_x86_64.whl",
    "============================== 3 passed in 0.12s ===============================",
    "Using bundled libzmq",
    "WARNING: falling back to the pure Python implementation",
    "cannot build C extension, fall back to pure Python",
    "msgpack uses fallback pure python implementation.",
    "Failed to compile extension modules: speedups are not enabled.",
    "The C extension could not be compiled, speedups are not enabled.",
    "WARNING: Failed to compile extension modules, trying again without them",
]


def marker_lines() -> list[str]:
    lines = [*STAGE_EXAMPLES, *RECOVERY_EXAMPLES]
    for log in real_logs():
        lines += [clean_line(raw) or "" for raw in log]
    return [line.lstrip() for line in lines]  # as the reader tests them


def test_each_stage_pattern_is_tested_for_a_text_every_line_it_matches_holds():
    matched = set()
    for text in marker_lines():
        for stage, word, pattern in _STAGES:
            if pattern.search(text):
                matched.add(pattern.pattern)
                assert word in text, (stage, text)
    assert matched == {pattern.pattern for _, _, pattern in _STAGES}


def test_every_ascii_line_recovery_matches_holds_one_of_its_hints():
    assert all(RECOVERY.search(text.lstrip()) for text in RECOVERY_EXAMPLES)
    matched = 0
    for text in marker_lines():
        if text.isascii() and RECOVERY.search(text):
            matched += 1
            assert any(hint in text.lower() for hint in RECOVERY_HINTS), text
    assert matched > len(RECOVERY_EXAMPLES)


def test_beyond_ascii_a_recovery_is_read_by_its_expression():
    text = "Succe\u017f\u017ffully built msgpack"  # long s: (?i) matches it to s, lower() not
    assert not any(hint in text.lower() for hint in RECOVERY_HINTS)
    assert _recovers(text, text.lower())
