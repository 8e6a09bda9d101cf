"""What the log explainer looks for: kinds of failure, the rules that find them, and the markers
of a build failing or recovering. The scanner (`explain.py`) knows none of these words.

To teach the explainer a new failure, add one `_r(...)` line to RULES: its category, how strongly
it points at the cause (0-100), a short name (shown in `--json` as the reason), the regular
expression, and the words (lower case, every one of them a substring of any line the pattern
matches, like "error" or "not found") that let the scanner skip every other line cheaply.
`tests/test_explain.py` checks that each rule's words really are in the lines it matches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CATEGORIES = (
    "compile",
    "link",
    "auditwheel",
    "delocate",
    "msvc",
    "test",
    "config",
    "build-dependency",
    "rust",
    "emulation",
    "unknown",
)

# What each category means, in a few words, for headings.
CATEGORY_TITLES = {
    "compile": "compile error",
    "link": "linker error",
    "auditwheel": "auditwheel could not repair the wheel",
    "delocate": "delocate could not repair the wheel",
    "msvc": "Windows compiler or toolchain problem",
    "test": "the tests failed or crashed",
    "config": "cibuildwheel configuration error",
    "build-dependency": "a build dependency is missing",
    "rust": "Rust toolchain or build script failure",
    "emulation": "a crash under QEMU emulation",
    "unknown": "no known failure pattern",
}

HINTS = {
    "compile": "Fix the first compiler error; later ones often follow from it. Reproduce it in "
    "the SSH session with `pip wheel -v .` in the package directory.",
    "link": "Symbols are missing at link time: link the library that defines them, built for "
    "the same architecture (x86 vs AMD64, arm64 vs x86_64), and check its import library.",
    "auditwheel": "auditwheel cannot repair the wheel: build or install the library it needs "
    "inside the manylinux container with CIBW_BEFORE_ALL_LINUX and make it findable "
    "(LD_LIBRARY_PATH in CIBW_ENVIRONMENT_LINUX).",
    "delocate": "delocate cannot find a library the extension loads: put its folder on "
    "DYLD_LIBRARY_PATH for the repair (CIBW_REPAIR_WHEEL_COMMAND_MACOS) or fix its install "
    "name (@rpath); if it is about the macOS version, set MACOSX_DEPLOYMENT_TARGET.",
    "msvc": "The Visual Studio toolchain was not found or does not match: use the runner's "
    "Visual Studio 2022 (CMake generator 'Visual Studio 17 2022', or let the build backend "
    "pick it) with the toolset for this arch.",
    "test": "The wheel built but its tests failed: rerun CIBW_TEST_COMMAND in the SSH session; "
    "skip this platform's tests with CIBW_TEST_SKIP while you investigate.",
    "config": "cibuildwheel rejected its configuration: check the option named above against "
    "the cibuildwheel 4 docs (empty selectors, unknown arches, or requires-python excluding "
    "every Python).",
    "build-dependency": "Something the build needs is not installed: add Python packages to "
    "[build-system] requires in pyproject.toml, and install system tools with CIBW_BEFORE_ALL.",
    "rust": "The Rust toolchain is missing or failed in the build environment: install it in "
    "CIBW_BEFORE_ALL_LINUX (`curl -sSf https://sh.rustup.rs | sh -s -- -y`) and add "
    "$HOME/.cargo/bin to PATH with CIBW_ENVIRONMENT_LINUX.",
    "emulation": "A build tool crashed under QEMU emulation: build this arch natively on an "
    "arm64 runner (ubuntu-24.04-arm) instead, or lower the parallelism (MAKEFLAGS=-j1).",
    "unknown": "No known failure pattern: read the excerpt, or open an SSH session after the "
    "failure and reproduce the failing command.",
}


@dataclass(frozen=True)
class Rule:
    category: str | None  # None: a line that supports a cause but rarely wins by itself
    score: int
    name: str
    pattern: re.Pattern[str]
    words: tuple[str, ...]  # lower case; a line the pattern matches holds at least one
    hint: str | None = None  # a sharper hint than the category's


def _r(
    category: str | None,
    score: int,
    name: str,
    words: str | tuple[str, ...],
    pattern: str,
    hint: str | None = None,
) -> Rule:
    return Rule(
        category,
        score,
        name,
        re.compile(pattern),
        (words,) if isinstance(words, str) else words,
        hint,
    )


_MISSING_HEADER_HINT = (
    "A header is missing: install its development package in the build container with "
    "CIBW_BEFORE_ALL_LINUX (e.g. `yum install -y libffi-devel` on manylinux), with brew in "
    "CIBW_BEFORE_ALL_MACOS, or vcpkg on Windows."
)
_TOO_RECENT_HINT = (
    "The wheel uses symbols newer than its manylinux policy allows: build every library inside "
    "the manylinux container (not on the host), or target a newer policy such as manylinux_2_28 "
    "with CIBW_MANYLINUX_*_IMAGE."
)
_MACOS_TARGET_HINT = (
    "A bundled library needs a newer macOS than the wheel targets: set MACOSX_DEPLOYMENT_TARGET "
    "(CIBW_ENVIRONMENT_MACOS) to at least its minimum, or build the library for the older one."
)
_NO_VS_HINT = (
    "CMake asked for a Visual Studio that is not installed: let it pick the runner's Visual "
    "Studio 2022 (drop the hard-coded generator, or use 'Visual Studio 17 2022')."
)
_OUT_OF_MEMORY_HINT = (
    "The compiler ran out of memory: lower the build's parallelism (MAKEFLAGS=-j2, "
    "CMAKE_BUILD_PARALLEL_LEVEL=2 in CIBW_ENVIRONMENT) or split the largest source file."
)
_NO_QEMU_HINT = (
    "The container's binaries are for another architecture and nothing emulates it: add "
    "docker/setup-qemu-action before cibuildwheel, or build this arch on a native runner."
)
_CRASH = ("segmentation", "illegal", "bus error")
_TOOL_CRASH = (
    r"(?i)\b(?:g?make(?:\[\d+\])?|cc1(?:plus)?|gcc|g\+\+|clang(?:\+\+)?|c\+\+|ld|ninja|cmake|"
    r"rustc|cargo|cython|as)\b.*\b(?:Segmentation fault|Illegal instruction|Bus error)"
)

RULES: tuple[Rule, ...] = (
    # compile
    _r("compile", 97, "missing header", "fatal error",
       r"fatal error: .*(?:No such file or directory|file not found)", _MISSING_HEADER_HINT),
    _r("compile", 96, "missing header (MSVC)", "fatal error",
       r"fatal error C1083: Cannot open include file", _MISSING_HEADER_HINT),
    _r("compile", 92, "compiler error", "error",
       r"^\S.*?:\d+(?::\d+)?: (?:fatal )?error: "),
    _r("compile", 90, "MSVC compiler error", "error",
       r"^\S.*?\(\d+(?:,\d+)?\): (?:fatal )?error C\d{4}"),
    _r("compile", 89, "MSVC compiler error", "error",
       r"\berror C\d{4}:"),
    _r("compile", 91, "compiler out of memory", ("fatal", "not"),
       r"fatal error: Killed signal terminated program|virtual memory exhausted: Cannot",
       _OUT_OF_MEMORY_HINT),
    _r("compile", 90, "Cython error", "error",
       r"^Error compiling Cython file"),
    _r("compile", 86, "Cython error", ".pyx:",
       r"^\S+\.pyx:\d+:\d+: "),
    _r("compile", 62, "compiler command failed", "error",
       r"error: command '[^']*(?:gcc|clang|cc|g\+\+|c\+\+|cl\.exe)' failed"),
    # link
    _r("link", 95, "MSVC linker error", "error",
       r"fatal error LNK\d{4}"),
    _r("link", 93, "MSVC linker error", "error",
       r"\berror LNK\d{4}"),
    _r("link", 93, "undefined reference", "undefined",
       r"undefined reference to "),
    _r("link", 93, "undefined symbols", "undefined",
       r"^Undefined symbols for architecture"),
    _r("link", 92, "library not found", "not",
       r"ld(?:\.\w+)?: (?:error: )?(?:cannot find -l|library not found for -l)"),
    _r("link", 92, "relocation needs -fPIC", "not",
       r"relocation R_\w+ against .*can ?not be used"),
    _r("link", 90, "symbols not found", "not found",
       r"ld: symbol\(s\) not found"),
    _r("link", 70, "linker failed", "error",
       r"collect2: error: ld returned"),
    # auditwheel
    _r("auditwheel", 98, "auditwheel: library not found", "not",
       r"Cannot repair wheel, because required library"),
    _r("auditwheel", 97, "auditwheel: symbols too recent", "too-recent",
       r"too-recent versioned symbols", _TOO_RECENT_HINT),
    _r("auditwheel", 95, "auditwheel error", "error",
       r"^auditwheel: error: "),
    _r("auditwheel", 93, "not a platform wheel", "not",
       r"This does not look like a platform wheel"),
    _r("auditwheel", 60, "auditwheel failed", "error",
       r"^Error: Command .*auditwheel.* failed"),
    # delocate
    _r("delocate", 97, "delocate: macOS target", "not",
       r"Library dependencies do not satisfy target MacOS version", _MACOS_TARGET_HINT),
    _r("delocate", 96, "delocate: library not found", "error",
       r"^ERROR:delocate\S*: ?\S.* not found, requested by "),
    _r("delocate", 95, "delocate error", "error",
       r"DelocationError"),
    _r("delocate", 94, "delocate: arch or target", "delocat",
       r"delocate.*(?:has a minimum target|require-archs.*missing)"),
    _r("delocate", 60, "delocate failed", "error",
       r"^Error: Command .*delocate.* failed"),
    # msvc
    _r("msvc", 97, "no Visual Studio", "not",
       r"could not find any instance of Visual Studio", _NO_VS_HINT),
    _r("msvc", 97, "no MSVC", "required",
       r"Microsoft Visual C\+\+ [\d.]+ or greater is required"),
    _r("msvc", 97, "no vcvarsall", "error",
       r"error: Unable to find vcvarsall\.bat"),
    _r("msvc", 90, "MSBuild error", "error",
       r"\berror MSB\d{4}"),
    _r("msvc", 88, "no C compiler", "could",
       r"No CMAKE_(?:C|CXX)_COMPILER could be found"),
    # test
    _r("test", 95, "crash in the tests", "fatal",
       r"Windows fatal exception: "),
    _r("test", 95, "crash in the tests", "fatal",
       r"^Fatal Python error: |\sFatal Python error: Segmentation"),
    _r("test", 85, "failed test", "failed",
       r"^FAILED \S+|::\S+ FAILED\b"),
    _r("test", 80, "test assertion", "error",
       r"^E {2,}\w+Error\b"),
    _r("test", 76, "test summary", "failed",
       r"^=+ .*\b\d+ failed\b"),
    _r("test", 55, "test command failed", "error",
       r"^Error: Command .*(?:pytest|test).* failed"),
    # config
    _r("config", 97, "invalid option", "invalid",
       r"^Invalid --\w[\w-]*=.*must be"),
    _r("config", 97, "nothing to build", "identifiers",
       r"No build identifiers selected"),
    _r("config", 95, "cibuildwheel usage error", "error",
       r"^cibuildwheel: error: "),
    _r("config", 93, "cibuildwheel config error", "error",
       r"cibuildwheel\S*(?:ConfigurationError|\.errors\.)\w*:?"),
    _r("config", 92, "invalid option", ("invalid", "unknown"),
       r"^(?:Invalid|Unknown) (?:option|build selector|archs?)\b"),
    _r("config", 90, "invalid option", "not",
       r"is not a valid (?:architecture|build selector|option)"),
    # build-dependency
    _r("build-dependency", 92, "missing Python module", "error",
       r"ModuleNotFoundError: No module named "),
    _r("build-dependency", 92, "missing pkg-config package", "not",
       r"Package '?\S+'? was not found in the pkg-config search path"),
    _r("build-dependency", 91, "CMake could not find", "not",
       r"Could NOT find \w+"),
    _r("build-dependency", 90, "no matching version", "not",
       r"Could not find a version that satisfies the requirement"),
    _r("build-dependency", 88, "no matching version", "error",
       r"ERROR: No matching distribution found for "),
    _r("build-dependency", 88, "command not found", "not",
       r"\b[\w.+-]+: (?:command )?not found$"),
    _r("build-dependency", 86, "tool not found", "no such file",
       r"No such file or directory: '(?:cmake|ninja|swig|pkg-config|meson|gcc|cc|g\+\+|clang)'"
       r"|unable to execute '[^']+': No such file"),
    _r("build-dependency", 85, "import failed", "error",
       r"ImportError: cannot import name "),
    _r("build-dependency", 84, "tool not installed", ("required", "not"),
       r"is required to build|is not installed"),
    # rust
    _r("rust", 97, "no Rust compiler", ("error", "not"),
       r"(?i)error: can'?t find (?:the )?rust compiler|can ?not find (?:the )?rust compiler"),
    _r("rust", 96, "no Cargo", "not",
       r"Cargo, the Rust package manager, is not installed"),
    _r("rust", 95, "Rust build script failed", "error",
       r"error: failed to run custom build command for"),
    _r("rust", 92, "Rust compiler error", "error",
       r"^error\[E\d{4}\]"),
    _r("rust", 90, "Rust crate failed", "error",
       r"^error: could not compile `"),
    _r("rust", 85, "maturin failed", ("failed", "not"),
       r"(?i)maturin failed|rustc.*not found"),
    # emulation
    _r("emulation", 97, "QEMU crash", "qemu",
       r"qemu: uncaught target signal|QEMU internal SIG"),
    _r("emulation", 96, "no emulator", "error",
       r"(?i)exec format error", _NO_QEMU_HINT),
    _r("emulation", 94, "build tool crashed", _CRASH,
       _TOOL_CRASH),
    _r("emulation", 94, "compiler crashed", "error",
       r"internal compiler error: (?:Segmentation fault|Illegal instruction)"),
    # supporting lines, and generic errors when nothing better shows
    _r(None, 75, "CMake error", "error",
       r"^CMake Error at \S+"),
    _r(None, 72, "curl option", "unknown",
       r"curl: option \S+: is unknown"),
    _r(None, 65, "exception", "error",
       r"^\w+Error: \S"),
    _r(None, 60, "crash", _CRASH,
       r"Segmentation fault|Illegal instruction|Bus error"),
    _r(None, 55, "pip: wheel failed", "failed",
       r"^ERROR: Failed building wheel for "),
    _r(None, 50, "error", "error",
       r"(?:^|\s)(?:error|ERROR):\s+\S"),
    _r(None, 45, "cibuildwheel: command failed", "error",
       r"^Error: Command \[.*\] failed with code"),
    _r(None, 30, "step failed", "error",
       r"^Error: Process completed with exit code"),
)  # fmt: skip

# A warning is never a cause; nor is "error" that names a flag or a file (-Werror=...,
# error.c, errors.py, error_already_set): it is taken out of the lower-cased line first.
WARNING = re.compile(r"(?i)(?:^|\W)warning(?:\[\w+\])?:|^\s*WARNING\b|^##\[warning\]")
NOT_AN_ERROR = re.compile(r"-werror\S*|errors?(?=[\w./])")

# Lines that say how the build went, not why: the ends of a build.
# FAILURE: the build (or the step) failed; the errors before it are what it failed of.
FAILURE = re.compile(
    r"^(?:Error: Command \[.*\] failed with code|Error: Process completed with exit code"
    r"|ERROR: Failed building wheel for |ERROR: Could not build wheels for |Failed to build \S"
    r"|× .* did not run successfully|error: subprocess-exited-with-error"
    r"|cibuildwheel: error: |💥 maturin failed|-- Configuring incomplete, errors occurred"
    r"|=+ .*\b\d+ (?:failed|errors?)\b)"
)
FAILURE_WORDS = ("error", "failed", "successfully")
# RECOVERY: what came before went on to succeed (a wheel got built or installed, an optional
# part fell back or got bundled, a library probe tried again, tests passed).
RECOVERY = re.compile(
    r"(?i)^(?:Successfully (?:built|installed|downloaded) \S|Created wheel for \S"
    r"|=+ .*\b\d+ passed\b(?!.*\b(?:failed|error))|Using bundled )"
    r"|falling back|fall back to|fallback pure[- ]python|uses fallback|speedups are not enabled"
    r"|could not be compiled|failed to compile extension|trying again"
)
RECOVERY_WORDS = ("successfully", "passed", "using bundled")  # the rest hold "failed" or "not"
# Every ASCII line RECOVERY matches holds one of these, lower-cased: tested first, they spare
# most lines the expression (case-insensitive and unanchored, it costs 8 µs a line).
RECOVERY_HINTS = (
    "successfully", "created wheel for", "passed", "using bundled", "fall",
    "speedups are not enabled", "could not be compiled", "failed to compile extension",
    "trying again",
)  # fmt: skip
# Lines that are probes or statuses, never a cause, however they are worded.
NOT_A_CAUSE = re.compile(
    r"^-- (?!Configuring incomplete)|^\*\* Errors about .* are a normal part|^\S*:\d+:\d+: note: "
)


GATE_WORDS = tuple(sorted({word for rule in RULES for word in rule.words}))
_ORDER = {rule: i for i, rule in enumerate(RULES)}
_BY_WORD = {word: [rule for rule in RULES if word in rule.words] for word in GATE_WORDS}
_CACHE: dict[tuple[str, ...], tuple[Rule, ...]] = {}


def rules_for(low: str) -> tuple[Rule, ...]:
    """The rules that can match a lower-cased line (those with one of their words in it),
    strongest first; the first of them that matches is the line's rule."""
    if not holds_any(low, GATE_WORDS):  # most lines read: the cheapest test first
        return ()
    present = tuple(word for word in GATE_WORDS if word in low)
    rules = _CACHE.get(present)
    if rules is None:
        found = {rule for word in present for rule in _BY_WORD[word]}
        rules = _CACHE[present] = tuple(sorted(found, key=lambda r: (-r.score, _ORDER[r])))
    return rules


def holds_any(text: str, words: tuple[str, ...]) -> bool:
    """Whether `text` holds one of `words` (a loop: half the cost of any() on a generator)."""
    for word in words:  # noqa: SIM110
        if word in text:
            return True
    return False
