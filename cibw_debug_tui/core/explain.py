"""Find the line that explains a failed cibuildwheel build, in a log of any size.

A verbose log is thousands of lines of compiler commands, warnings and pip chatter. This reads it
once, as a stream (memory stays flat), scores each line against rules for the usual failures, and
returns the best cause, 1-3 cause lines with their numbers, a short excerpt around them, the kind
of failure and the fix a maintainer would suggest first.

It reads logs as GitHub serves them (a timestamp before each line, `##[group]`, `##[error]`),
`gh run view --log` (job and step names before that), ANSI colours, CRLF, and bytes that are not
UTF-8. Warnings, and words like `-Werror=format-security` or `error_already_set`, are not causes.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import BinaryIO

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

MAX_CAUSES = 3
EXCERPT_LINES = 15
CONTEXT_BEFORE = 7
CONTEXT_AFTER = EXCERPT_LINES - 1
MAX_CANDIDATES = 64
COMPANION_DISTANCE = 12
MIN_CAUSE_SCORE = 40
MIN_COMPANION_SCORE = 60
MAX_LINE_BYTES = 64 * 1024


@dataclass(frozen=True)
class Rule:
    category: str | None  # None: a line that supports a cause but never wins by itself
    score: int
    pattern: re.Pattern[str]
    hint: str | None = None  # a sharper hint than the category's


def _r(category: str | None, score: int, pattern: str, hint: str | None = None) -> Rule:
    return Rule(category, score, re.compile(pattern), hint)


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
_TOOL_CRASH = (
    r"(?i)\b(?:g?make(?:\[\d+\])?|cc1(?:plus)?|gcc|g\+\+|clang(?:\+\+)?|c\+\+|ld|ninja|cmake|"
    r"rustc|cargo|cython|as)\b.*\b(?:Segmentation fault|Illegal instruction|Bus error)"
)

# Cheap gate, on the lower-cased line: one that holds none of these is context, not a candidate.
_GATE_WORDS = (
    "error", "fatal", "not found", "undefined", "segmentation", "illegal instruction", "qemu",
    "invalid", "no module", "cannot", "can not", "could not", "failed", "unresolved",
    "too-recent", "access violation", "exec format", "no build identifiers", "visual studio",
    "vcvarsall", "unknown", "not installed", "is required",
)  # fmt: skip
_TEST_WORDS = ("test", "passed", "failed", "skipped", "xfail", "xpass", "ran ")

# A block of the log is searched for triggers before any line of it is read in Python, on a
# squeezed copy: lower-cased, with everything but letters, newlines, - and " dropped (half the
# bytes, so each search costs half). "error" in a -Werror flag, which fills compiler command
# lines, does not count. Every line that can score holds a trigger: a gate word that a rule can
# match without any other gate word on the line (the rest, like "no module", "exec format" or
# "unresolved", only come with "error"), a marker of the tests starting (pytest's progress
# lines come after its header) or of a build starting, or a word of a line read with the one
# before it (delocate's "Needed by", a crash's first frame).
_FOLD = bytes(range(256)).lower()
_DROP = bytes(b for b in range(256) if not 97 <= _FOLD[b] <= 122 and b not in b'\n-"')


def _squeeze(data: bytes) -> bytes:
    return data.translate(_FOLD, _DROP)


_TRIGGERS = tuple(
    {
        _squeeze(word.encode())
        for word in (
            "error", "fatal", "failed", "cannot", "can not", "could not", "not found",
            "not installed", "is required", "undefined", "invalid", "unknown", "too-recent",
            "segmentation", "illegal instruction", "access violation", "qemu", "vcvarsall",
            "no build identifiers",
            "test session starts", "testing wheel", "ran tests in", "pytest", "building",
            "needed by", 'file "',
        )
    }
)  # fmt: skip

RULES: tuple[Rule, ...] = (
    # compile
    _r(
        "compile",
        97,
        r"fatal error: .*(?:No such file or directory|file not found)",
        _MISSING_HEADER_HINT,
    ),
    _r("compile", 96, r"fatal error C1083: Cannot open include file", _MISSING_HEADER_HINT),
    _r("compile", 92, r"^\S.*?:\d+(?::\d+)?: (?:fatal )?error: "),
    _r("compile", 90, r"^\S.*?\(\d+(?:,\d+)?\): (?:fatal )?error C\d{4}"),
    _r("compile", 89, r"\berror C\d{4}:"),
    _r(
        "compile",
        91,
        r"Killed signal terminated program|virtual memory exhausted",
        _OUT_OF_MEMORY_HINT,
    ),
    _r("compile", 90, r"^Error compiling Cython file"),
    _r("compile", 86, r"^\S+\.(?:pyx|pxd|pxi):\d+:\d+: "),
    _r("compile", 62, r"error: command '[^']*(?:gcc|clang|cc|g\+\+|c\+\+|cl\.exe)' failed"),
    # link
    _r("link", 95, r"fatal error LNK\d{4}"),
    _r("link", 93, r"\berror LNK\d{4}"),
    _r("link", 93, r"undefined reference to "),
    _r("link", 93, r"^Undefined symbols for architecture"),
    _r("link", 92, r"ld(?:\.\w+)?: (?:error: )?(?:cannot find -l|library not found for -l)"),
    _r("link", 92, r"relocation R_\w+ against .* recompile with -fPIC"),
    _r("link", 90, r"ld: symbol\(s\) not found"),
    _r("link", 70, r"collect2: error: ld returned"),
    # auditwheel
    _r("auditwheel", 98, r"Cannot repair wheel, because required library"),
    _r("auditwheel", 97, r"too-recent versioned symbols", _TOO_RECENT_HINT),
    _r("auditwheel", 95, r"^auditwheel: error: "),
    _r("auditwheel", 93, r"This does not look like a platform wheel"),
    _r("auditwheel", 60, r"^Error: Command .*auditwheel.* failed"),
    # delocate
    _r(
        "delocate",
        97,
        r"Library dependencies do not satisfy target MacOS version",
        _MACOS_TARGET_HINT,
    ),
    _r("delocate", 96, r"^ERROR:delocate\S*: ?\S.* not found, requested by "),
    _r("delocate", 95, r"DelocationError"),
    _r("delocate", 94, r"delocate.*(?:has a minimum target|require-archs.*missing)"),
    _r("delocate", 60, r"^Error: Command .*delocate.* failed"),
    # msvc
    _r("msvc", 97, r"could not find any instance of Visual Studio", _NO_VS_HINT),
    _r("msvc", 97, r"Microsoft Visual C\+\+ [\d.]+ or greater is required"),
    _r("msvc", 97, r"Unable to find vcvarsall\.bat"),
    _r("msvc", 90, r"\berror MSB\d{4}"),
    _r("msvc", 88, r"No CMAKE_(?:C|CXX)_COMPILER could be found"),
    # test
    _r("test", 95, r"Windows fatal exception: "),
    _r("test", 95, r"^Fatal Python error: "),
    _r("test", 85, r"^FAILED \S+"),
    _r("test", 80, r"^E {2,}\w+(?:Error|Exception)\b"),
    _r("test", 76, r"^=+ .*\b\d+ failed\b"),
    _r("test", 55, r"^Error: Command .*(?:pytest|test).* failed"),
    # config
    _r("config", 97, r"^Invalid --\w[\w-]*=.*must be"),
    _r("config", 97, r"No build identifiers selected"),
    _r("config", 95, r"^cibuildwheel: error: "),
    _r("config", 93, r"cibuildwheel\S*(?:ConfigurationError|\.errors\.)\w*:?"),
    _r("config", 92, r"^(?:Invalid|Unknown) (?:option|build selector|archs?)\b"),
    _r("config", 90, r"is not a valid (?:architecture|build selector|option)"),
    # build-dependency
    _r("build-dependency", 92, r"ModuleNotFoundError: No module named "),
    _r("build-dependency", 92, r"Package '?\S+'? was not found in the pkg-config search path"),
    _r("build-dependency", 91, r"Could NOT find \w+"),
    _r("build-dependency", 90, r"Could not find a version that satisfies the requirement"),
    _r("build-dependency", 88, r"No matching distribution found for "),
    _r("build-dependency", 88, r"\b[\w.+-]+: (?:command )?not found$"),
    _r(
        "build-dependency", 86, r"No such file or directory: '(?:cmake|ninja|swig|pkg-config|meson)"
    ),
    _r("build-dependency", 85, r"ImportError: cannot import name "),
    _r("build-dependency", 84, r"is required to build|is not installed"),
    # rust
    _r("rust", 97, r"(?i)can ?not find (?:the )?rust compiler"),
    _r("rust", 96, r"Cargo, the Rust package manager, is not installed"),
    _r("rust", 95, r"error: failed to run custom build command for"),
    _r("rust", 92, r"^error\[E\d{4}\]"),
    _r("rust", 90, r"^error: could not compile `"),
    _r("rust", 85, r"(?i)maturin failed|rustc.*not found"),
    # emulation
    _r("emulation", 97, r"qemu: uncaught target signal"),
    _r("emulation", 96, r"(?i)exec format error"),
    _r("emulation", 94, _TOOL_CRASH),
    _r("emulation", 94, r"internal compiler error: (?:Segmentation fault|Illegal instruction)"),
    # supporting lines, and generic errors when nothing better shows
    _r(None, 75, r"^CMake Error at \S+"),
    _r(None, 72, r"curl: option \S+: is unknown"),
    _r(None, 65, r"^\w+(?:Error|Exception): \S"),
    _r(None, 60, r"Segmentation fault|Illegal instruction|access violation"),
    _r(None, 55, r"^ERROR: Failed building wheel for "),
    _r(None, 50, r"(?:^|\s)(?:error|ERROR):\s+\S"),
    _r(None, 45, r"^Error: Command \[.*\] failed with code"),
    _r(None, 30, r"^Error: Process completed with exit code"),
)

_WARNING = re.compile(r"(?i)(?:^|\W)warning(?:\[\w+\])?:|^\s*WARNING\b|^##\[warning\]")
# "error" that names a flag or a file, not a failure: -Werror=..., error.c, errors.py,
# error_already_set. Taken out of the lower-cased line before the gate.
_NOT_AN_ERROR = re.compile(r"-werror\S*|errors?(?=[\w./])")
_TIMESTAMP = re.compile(
    r"^\ufeff?(?:[^\t\n]*\t[^\t\n]*\t)?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z ?"
)
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]")
_COMMAND = re.compile(r"^(?:##\[(\w+)\]|::(\w+)(?: [^:]*)?::)")
_TEST_START = re.compile(
    r"test session starts|^Testing wheel|(?:PASSED|FAILED|SKIPPED|XFAIL|XPASS)\s+\[\s*\d+%\]"
    r"|^Ran \d+ tests? in|^\+ .*\bpytest\b"
)
_BUILD_START = re.compile(
    r"^Building (?:cp|pp|gp)\S+ wheel|^Building wheel\.\.\.|Building wheel for "
)
_DELOCATE_ERROR = re.compile(r"^ERROR:delocate\S*:\s*$")
_FRAME = re.compile(r'^File ".+", line \d+ in \w+')
_SEGFAULT = re.compile(r"Segmentation fault|Illegal instruction|access violation")


@dataclass(frozen=True)
class CauseLine:
    line: int  # 1-based, in the log as given
    text: str


@dataclass
class Explanation:
    category: str
    cause: list[CauseLine]
    excerpt: list[str]
    excerpt_start: int  # line number of excerpt[0]; 0 when there is no excerpt
    hint: str
    lines_read: int = 0

    @property
    def found(self) -> bool:
        return bool(self.cause)

    def to_json(self) -> dict:
        return {
            "category": self.category,
            "cause": [{"line": c.line, "text": c.text} for c in self.cause],
            "excerpt": self.excerpt,
            "excerpt_start": self.excerpt_start,
            "hint": self.hint,
            "lines_read": self.lines_read,
        }


@dataclass(order=True)
class _Candidate:
    sort_key: tuple[int, int]  # (score, -line): the heap's weakest first
    line: int = field(compare=False)
    text: str = field(compare=False)  # stripped, as a cause line
    line_text: str = field(compare=False)  # as indented in the log, for the excerpt
    category: str | None = field(compare=False)
    hint: str | None = field(compare=False)
    before: list[tuple[int, str]] = field(compare=False)
    after: list[tuple[int, str]] = field(compare=False, default_factory=list)
    closed: bool = field(compare=False, default=False)  # its step ended: no more lines after

    @property
    def score(self) -> int:
        return self.sort_key[0]


def clean_line(raw: bytes | str) -> str | None:
    """The text a person reads, or None for lines that carry no content (`##[endgroup]`)."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    text = text.rstrip("\r\n")
    text = _TIMESTAMP.sub("", text, count=1)
    if "\x1b" in text:
        text = _ANSI.sub("", text)
    text = text.replace("\r", "")
    command = _COMMAND.match(text)
    if command:
        name = command.group(1) or command.group(2)
        if name in ("endgroup", "debug"):
            return None
        text = text[command.end() :]
        if name == "warning":
            return "warning: " + text
    return text.rstrip()


def _score(text: str, low: str, test_context: bool) -> tuple[int, str | None, str | None]:
    """(score, category, hint) of the best rule for this line; (0, None, None) if none."""
    if "error" in low:
        low = _NOT_AN_ERROR.sub("", low)
    if not any(word in low for word in _GATE_WORDS) or _WARNING.search(text):
        return 0, None, None
    best: Rule | None = None
    for rule in RULES:
        if (best is None or rule.score > best.score) and rule.pattern.search(text):
            best = rule
    if best is None:
        return 0, None, None
    category = best.category
    if category == "build-dependency" and test_context and "ModuleNotFoundError" in text:
        category = "test"  # the wheel was built; importing it in the tests failed
    if best.category is None and test_context and _SEGFAULT.search(text):
        return 88, "test", None
    return best.score, category, best.hint


class _Reader:
    """One pass over the log in blocks of lines, keeping a bounded set of candidates.

    Most lines of a build log can't matter: a block is searched (in C, squeezed once) for the
    triggers, the words that can make a line a cause or change the reading (a test section or a
    build starting), and only lines holding one are read in Python. Context for an excerpt is
    cut from the block when a candidate appears.
    """

    def __init__(self) -> None:
        self.candidates: list[_Candidate] = []  # a min-heap on (score, -line)
        self.open: list[_Candidate] = []  # candidates still waiting for lines after them
        self.test_context = False
        self.lines = 0
        self._tail: list[tuple[int, str | None]] = []  # the last lines of the previous block

    def feed_block(self, block: list[bytes], first: int, data: bytes | None = None) -> None:
        """Take consecutive raw lines, the first of them numbered `first`; `data` is the bytes
        they were split from (anything after the last line is ignored), or None."""
        self.lines = first + len(block) - 1
        cleaned: dict[int, str | None] = {}

        def text_at(i: int) -> str | None:
            if i < 0:
                return self._tail[i][1] if -i <= len(self._tail) else None
            if i not in cleaned:
                cleaned[i] = clean_line(block[i])
            return cleaned[i]

        if self.open:
            self._fill(self.open, block, 0, first, text_at)
        for i in _lines_with_triggers(_squeeze(b"\n".join(block) if data is None else data)):
            if i >= len(block):
                break
            line = text_at(i)
            if line is not None:
                self._read(i, line, first, block, text_at)
        keep = range(max(0, len(block) - CONTEXT_BEFORE - 2), len(block))
        self._tail = [(first + i, text_at(i)) for i in keep]

    def _previous(self, i: int, text_at) -> str:
        for j in range(i - 1, i - 40, -1):
            text = text_at(j)
            if text is None and j < -len(self._tail):
                return ""
            if text and text.strip():
                return text.strip()
        return ""

    def _read(self, i: int, line: str, first: int, block, text_at) -> None:
        number = first + i
        text = line.lstrip()
        low = text.lower()
        if "building" in low and _BUILD_START.search(text):
            self.test_context = False
        elif any(word in low for word in _TEST_WORDS) and _TEST_START.search(text):
            self.test_context = True
        score, category, hint = _score(text, low, self.test_context)
        # Lines that only make sense after the one before them.
        if text.endswith(" not found:"):
            previous = self._previous(i, text_at)
            if previous.startswith("ERROR:delocate") and _DELOCATE_ERROR.match(previous):
                score, category, hint = 95, "delocate", None
        elif text.startswith("Needed by: "):
            if self._previous(i, text_at).endswith(" not found:"):
                score, category, hint = 70, None, None
        elif (
            text.startswith('File "')
            and _FRAME.match(text)
            and self._previous(i, text_at).endswith("(most recent call first):")
        ):
            score, category, hint = 75, None, None
        if not score:
            return
        before: list[tuple[int, str]] = []
        j = i - 1
        while len(before) < CONTEXT_BEFORE and j >= -len(self._tail):
            earlier = text_at(j)
            if earlier is not None:
                before.append((first + j if j >= 0 else self._tail[j][0], earlier))
            j -= 1
        before.reverse()
        candidate = _Candidate((score, -number), number, text, line, category, hint, before)
        if self._add(candidate):
            self._fill([candidate], block, i + 1, first, text_at)

    def _fill(self, candidates, block, start: int, first: int, text_at) -> None:
        """Give candidates the lines after them, up to the next step's group."""
        for candidate in list(candidates):
            i = start
            while len(candidate.after) < CONTEXT_AFTER and i < len(block):
                if _starts_group(block[i]):
                    candidate.closed = True
                    break
                text = text_at(i)
                if text is not None:
                    candidate.after.append((first + i, text))
                i += 1
            done = candidate.closed or len(candidate.after) >= CONTEXT_AFTER
            if done and candidate in self.open:
                self.open.remove(candidate)
            elif not done and candidate not in self.open:
                self.open.append(candidate)

    def _add(self, candidate: _Candidate) -> bool:
        """Keep it if it is among the strongest; False when it is not kept."""
        if len(self.candidates) < MAX_CANDIDATES:
            heapq.heappush(self.candidates, candidate)
        elif candidate > self.candidates[0]:
            weakest = heapq.heapreplace(self.candidates, candidate)
            if weakest in self.open:
                self.open.remove(weakest)
        else:
            return False
        return True

    def result(self) -> Explanation:
        winners = [c for c in self.candidates if c.category and c.score >= MIN_CAUSE_SCORE]
        if not winners:
            winners = [c for c in self.candidates if c.score >= MIN_CAUSE_SCORE]
        if not winners:
            return Explanation("unknown", [], [], 0, HINTS["unknown"], self.lines)
        winner = max(winners, key=lambda c: c.sort_key)
        category = winner.category or "unknown"
        near = [
            c
            for c in self.candidates
            if c is not winner
            and abs(c.line - winner.line) <= COMPANION_DISTANCE
            and c.score >= MIN_COMPANION_SCORE
            and c.text != winner.text
        ]
        near.sort(key=lambda c: (-c.score, abs(c.line - winner.line)))
        chosen = [winner]
        for c in near:
            if len(chosen) == MAX_CAUSES:
                break
            if all(c.text != other.text for other in chosen):
                chosen.append(c)
        chosen.sort(key=lambda c: c.line)
        excerpt_lines = [*winner.before, (winner.line, winner.line_text), *winner.after]
        first = min(c.line for c in chosen)
        start = max(excerpt_lines[0][0], min(first, winner.line) - 5)
        window = [(n, t) for n, t in excerpt_lines if n >= start][:EXCERPT_LINES]
        indent = min((len(t) - len(t.lstrip()) for _, t in window if t.strip()), default=0)
        return Explanation(
            category,
            [CauseLine(c.line, c.text) for c in chosen],
            [t[indent:] for _, t in window],
            window[0][0],
            winner.hint or HINTS[category],
            self.lines,
        )


def _lines_with_triggers(squeezed: bytes) -> list[int]:
    """Indexes of the lines holding a trigger, in order (newlines survive the squeeze)."""
    found: list[int] = []
    for word in _TRIGGERS:
        at = squeezed.find(word)
        while at != -1:
            if word == b"error" and squeezed[at - 2 : at] == b"-w":  # -Werror: look on
                at = squeezed.find(word, at + 5)
                continue
            found.append(at)
            end = squeezed.find(b"\n", at)
            at = squeezed.find(word, end) if end != -1 else -1
    found.sort()
    lines, line, counted = [], 0, 0
    for at in found:
        line += squeezed.count(b"\n", counted, at)
        counted = at
        if not lines or lines[-1] != line:
            lines.append(line)
    return lines


def _starts_group(raw: bytes) -> bool:
    return b"##[group]" in raw[:80]


BLOCK_LINES = 10_000


def explain_lines(lines: Iterable[bytes | str]) -> Explanation:
    """Explain a log given as lines (bytes or text, with or without line endings)."""
    reader = _Reader()
    block: list[bytes] = []
    first = 1
    for raw in lines:
        line = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else raw
        block.append(line[:-1] if line.endswith(b"\n") else line)  # joined with \n for searching
        if len(block) == BLOCK_LINES:
            reader.feed_block(block, first)
            first += len(block)
            block = []
    if block:
        reader.feed_block(block, first)
    return reader.result()


def explain_stream(stream: BinaryIO, block_bytes: int = 1 << 20) -> Explanation:
    """Explain a log read from a binary stream in blocks: memory stays flat for any size.

    A line longer than MAX_LINE_BYTES is cut there; the rest of it is skipped, never held.
    """
    reader = _Reader()
    first, carry, skipping = 1, b"", False
    while data := stream.read(block_bytes):
        if skipping:
            newline = data.find(b"\n")
            if newline == -1:
                continue
            data, skipping = data[newline + 1 :], False
        joined = carry + data
        lines = joined.split(b"\n")
        carry = lines.pop()
        if len(carry) > MAX_LINE_BYTES:
            lines.append(carry[:MAX_LINE_BYTES])
            carry, skipping, joined = b"", True, None
        if lines:
            reader.feed_block(lines, first, joined)
            first += len(lines)
    if carry:
        reader.feed_block([carry], first)
    return reader.result()


def explain_text(text: str) -> Explanation:
    return explain_lines(text.splitlines())
