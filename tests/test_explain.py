"""The log explainer's reading of real-world log shapes, and what it must not call a cause."""

import io
import json
import re
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from cibw_debug_tui.core.explain import (
    MAX_LINE_BYTES,
    RULES,
    _lines_with_triggers,
    _score,
    _squeeze,
    clean_line,
    explain_lines,
    explain_stream,
    explain_text,
)

COMMAND = Path(sys.executable).parent / "cibw-debug-tui"
DATA = Path(__file__).parent / "data"
GCC = (
    "gcc -Wall -Wextra -Werror=format-security -Werror=implicit-function-declaration -fPIC "
    "-I/opt/python/cp312-cp312/include/python3.12 -c src/ext.c -o build/ext.o"
)


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (b"2026-11-26T15:04:05.1234567Z hello\r\n", "hello"),
        ("job\tstep\t2026-11-26T15:04:05.1234567Z   indented\n", "  indented"),
        (b"\x1b[31merror:\x1b[0m boom", "error: boom"),
        (b"\xef\xbb\xbf2026-11-26T15:04:05Z x", "x"),
        (b"2026-11-26T15:04:05Z ##[error]Process completed with exit code 1.", None),
        (b"##[group]Run pypa/cibuildwheel@v4.2.0", "Run pypa/cibuildwheel@v4.2.0"),
        (b"##[endgroup]", None),
        (b"caf\xe9 \xff", "caf\ufffd \ufffd"),
    ],
)
def test_clean_line(raw, text):
    if text is None and b"##[error]" in raw:
        assert clean_line(raw) == "Process completed with exit code 1."
    else:
        assert clean_line(raw) == text


def test_compiler_commands_with_werror_and_warning_floods_are_not_causes():
    log = [GCC] * 50 + [
        "src/ext.c:10:5: warning: unused variable 'x' [-Wunused-variable]",
        "src/ext.c:11:5: warning: implicit conversion loses precision [-Wshorten-64-to-32]",
        "  py::error_already_set err;",
        "checking for error_already_set... yes",
        "copying simplejson/errors.py -> build/lib/simplejson",
        "##[warning]Node.js 16 actions are deprecated",
        "WARNING: Running pip as the 'root' user",
    ] * 20
    result = explain_text("\n".join(log))
    assert result.cause == [] and not result.found


def test_error_in_file_names_and_flags_is_not_a_cause_but_an_error_in_error_c_is():
    log = [
        GCC.replace("src/ext.c", "src/error.c"),
        "copying lib/yaml/error.py -> build/lib.linux-x86_64-cpython-312/yaml",
        "adding 'pkg/errors/__init__.py'",
        "python -W error -m pytest -Wno-error=deprecated",
    ] * 30 + ["src/error.c:3:1: error: expected ';' before '}' token", "a new error: see above"]
    result = explain_text("\n".join(log))
    assert result.category == "compile"
    assert result.cause[0].text == "src/error.c:3:1: error: expected ';' before '}' token"


def test_every_line_that_can_score_holds_a_trigger():
    """Lines are only read when the block search finds a trigger on them: on every line of the
    real logs that the rules score, and the examples below, there must be one."""
    lines = []
    for path in sorted(DATA.glob("build-logs*/*.log")):
        lines += path.read_text(encoding="utf-8", errors="replace").splitlines()
    lines += [line for line, _ in RULE_EXAMPLES]
    scored = 0
    for line in lines:
        text = (clean_line(line) or "").lstrip()
        if _score(text, text.lower(), "test")[0]:
            scored += 1
            assert _lines_with_triggers(_squeeze(line.encode())) == [0], line
    assert scored >= 40


def test_the_first_compiler_error_wins_over_later_ones():
    log = [GCC, "src/ext.c:42:7: error: 'PyFoo' undeclared", GCC, "src/b.c:1:1: error: later"]
    result = explain_text("\n".join(log))
    assert result.category == "compile"
    assert result.cause[0].line == 2


RULE_EXAMPLES = [
    ("/usr/bin/ld: cannot find -lssl: No such file or directory", "link"),
    ("ext.c:(.text+0x1a): undefined reference to `deflate'", "link"),
    ("Undefined symbols for architecture arm64:", "link"),
    ("ld: library not found for -lomp", "link"),
    ("Error compiling Cython file:", "compile"),
    ("fatal error C1083: Cannot open include file: 'zlib.h': No such file", "compile"),
    ("error: Microsoft Visual C++ 14.0 or greater is required.", "msvc"),
    (
        "delocate.libsana.DelocationError: Library dependencies do not satisfy target",
        "delocate",
    ),
    ("cibuildwheel: No build identifiers selected: BuildSelector(...)", "config"),
    ("cibuildwheel: error: argument --platform: invalid choice: 'linx'", "config"),
    (
        "  Could NOT find OpenSSL, try to set the path to OpenSSL root folder in the system",
        "build-dependency",
    ),
    ("ERROR: No matching distribution found for numpy>=2.5", "build-dependency"),
    ("Package 'libffi', required by 'virtual:world', not found", "unknown"),
    ("c++: fatal error: Killed signal terminated program cc1plus", "compile"),
    ("error[E0308]: mismatched types", "rust"),
    ("error: failed to run custom build command for `openssl-sys v0.9.103`", "rust"),
    ("qemu: uncaught target signal 11 (Segmentation fault) - core dumped", "emulation"),
    ("/bin/sh: 1: /usr/bin/cmake: Exec format error", "emulation"),
    (
        "gcc: internal compiler error: Segmentation fault signal terminated program cc1",
        "emulation",
    ),
]


@pytest.mark.parametrize(("line", "category"), RULE_EXAMPLES)
def test_rules_generalise_beyond_the_corpus(line, category):
    result = explain_text(f"{GCC}\n{line}\n{GCC}")
    if category == "unknown":
        assert result.category in {"unknown", "build-dependency"}
    else:
        assert result.category == category, result
        assert result.cause[0].text == line.strip()


def test_a_segfault_during_tests_is_a_test_failure():
    log = [
        "Testing wheel...",
        "tests/test_a.py::test_one PASSED [ 50%]",
        "Segmentation fault (core dumped)",
    ]
    assert explain_text("\n".join(log)).category == "test"


def test_module_not_found_in_tests_is_a_test_failure_but_in_a_build_a_dependency():
    error = "ModuleNotFoundError: No module named 'mypkg._core'"
    in_tests = ["============ test session starts ============", "collecting ...", error]
    assert explain_text("\n".join(in_tests)).category == "test"
    in_build = [*in_tests[:1], "Building cp312-manylinux_x86_64 wheel", error]
    assert explain_text("\n".join(in_build)).category == "build-dependency"


def test_excerpt_is_short_and_around_the_cause():
    log = [f"line {i}" for i in range(1, 101)]
    log[49] = "src/ext.c:3:10: fatal error: ffi.h: No such file or directory"
    result = explain_text("\n".join(log))
    assert result.cause[0].line == 50
    assert len(result.excerpt) <= 15
    assert result.excerpt_start <= 50 < result.excerpt_start + len(result.excerpt)
    assert result.excerpt[50 - result.excerpt_start] == log[49]


def test_an_overlong_line_is_cut_not_held():
    big = b"x" * (MAX_LINE_BYTES * 20) + b"\nsrc/a.c:1:1: error: boom\n"
    result = explain_stream(io.BytesIO(big))
    assert result.cause[0].line == 2


def generated_log(lines: int):
    """A long log with an error every 100 lines, made on the fly."""
    for i in range(lines):
        if i % 100 == 0:
            yield f"src/file{i}.c:{i}:1: error: something {i}\n".encode()
        else:
            yield f"{GCC} # line {i}\n".encode()


def peak_memory(lines: int) -> tuple[int, object]:
    tracemalloc.start()
    result = explain_lines(generated_log(lines))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak, result


def test_memory_stays_flat_on_a_long_log():
    small, _ = peak_memory(10_000)  # one block of lines
    large, result = peak_memory(60_000)  # six blocks
    assert result.lines_read == 60_000
    assert result.cause[0].line == 1  # the first error, not the last
    assert large < small * 1.5 and large < 16_000_000, (small, large)


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([COMMAND, *args], input=stdin, capture_output=True, check=False)


def test_cli_prints_category_cause_excerpt_and_hint():
    proc = run("explain-log", str(DATA / "build-logs" / "01-ffi-h-missing-manylinux.log"))
    assert proc.returncode == 0
    out = proc.stdout.decode()
    assert out.startswith("Category: compile (compile error)\nCause:\n")
    assert "  line 1: fatal error: ffi.h: No such file or directory" in out
    assert re.search(r"^> +1 \| fatal error: ffi.h", out, re.M)
    assert "Hint: A header is missing" in out
    assert "\nWhy: missing header (compile rule, strength 97); nothing after it recovered\n" in out


def test_cli_reads_standard_input_and_prints_json():
    log = (DATA / "build-logs" / "16-config-invalid-only-selector.log").read_bytes()
    proc = run("explain-log", "-", "--json", stdin=log)
    assert proc.returncode == 0
    data = json.loads(proc.stdout)
    assert data["category"] == "config"
    cause = data["cause"][0]
    assert cause["line"] == 9
    assert cause["text"] == "Invalid --only='\"\"', must be a build selector with a known platform"
    assert cause["reason"].startswith("invalid option (config rule, strength 97)")
    assert isinstance(data["excerpt"], list) and data["hint"]


def test_cli_exits_3_when_no_cause_is_found():
    proc = run("explain-log", str(DATA / "success-build" / "pip-wheel-verbose.log"))
    assert proc.returncode == 3
    assert proc.stdout.decode().startswith("No cause found in 1483 lines.")


def test_cli_missing_file_is_one_line_exit_2():
    proc = run("explain-log", "/no/such/build.log")
    assert proc.returncode == 2
    assert (
        proc.stderr.decode() == "error: cannot read /no/such/build.log: No such file or directory\n"
    )


def test_each_rule_names_words_that_are_in_every_line_it_matches():
    """The scanner only tries a rule on lines holding one of its words: they must be there."""
    lines = [line for line, _ in RULE_EXAMPLES]
    for path in sorted(DATA.glob("build-logs*/*.log")):
        lines += path.read_text(encoding="utf-8", errors="replace").splitlines()
    matched = set()
    for line in lines:
        text = (clean_line(line) or "").lstrip()
        for rule in RULES:
            if rule.pattern.search(text):
                matched.add(rule.name)
                assert any(word in text.lower() for word in rule.words), (rule.name, text)
    assert len(matched) >= 30


FALLBACK = (DATA / "recovered-build" / "msgpack-0.6.2-c-extension-falls-back.log").read_text()


def test_an_error_the_build_recovered_from_does_not_win_over_the_one_that_ended_it():
    log = [
        *FALLBACK.splitlines(),  # fatal error: longintrepr.h ... uses fallback ... built
        "Building cp312-manylinux_x86_64 wheel",
        GCC,
        "src/ext.c:12:5: error: 'PyFoo' undeclared (first use in this function)",
        "error: command '/usr/bin/gcc' failed with exit code 1",
        "Error: Command ['python', '-m', 'pip', 'wheel', '.'] failed with code 1.",
    ]
    result = explain_text("\n".join(log))
    assert result.cause[0].text.startswith("src/ext.c:12:5: error: 'PyFoo' undeclared")
    reason = result.cause[0].reason
    assert reason.startswith("compiler error (compile rule, strength 92)")
    assert "the build failed after it" in reason
    assert "a stronger error at line" in reason and "recovered from" in reason
    assert "longintrepr.h" in result.recovered[0].text
    assert "WARNING: Failed to compile extension modules." in result.recovered[0].reason


def test_cmake_status_lines_and_probes_are_not_causes():
    log = [
        "-- Looking for strlcpy - not found",
        "-- Performing Test HAVE_NEON - Failed",
        "-- Could NOT find Doxygen (missing: DOXYGEN_EXECUTABLE)",
        "** Errors about missing timer_create are a normal part of this process **",
    ]
    assert explain_text("\n".join(log)).cause == []
