"""Find the line that explains a failed cibuildwheel build, in a log of any size.

A verbose log is thousands of lines of compiler commands, warnings and pip chatter, and errors
that the build recovered from (an optional extension falling back to pure Python, a probe that
failed by design, a retried download). This reads the log once, as a stream (memory stays flat),
scores each line against the rules in `explain_rules.py`, and keeps the candidates that the build
did not recover from: the error that ended the build is the one a maintainer points at. It
returns 1-3 cause lines with their numbers and why each was chosen, a short excerpt around them,
the kind of failure and the fix a maintainer would suggest first.

It reads job logs as GitHub serves them (a timestamp before each line, `##[group]`, `##[error]`),
`gh run view --log` (job and step names before that), plain build output (a build log artifact),
ANSI colours, CRLF, and bytes that are not UTF-8.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import BinaryIO

from cibw_debug_tui.core.explain_rank import Block, CauseLine, Explanation, Ranker, Seen, TextAt
from cibw_debug_tui.core.explain_rules import (
    CATEGORIES,
    CATEGORY_TITLES,
    FAILURE,
    FAILURE_WORDS,
    GATE_WORDS,
    HINTS,
    NOT_A_CAUSE,
    NOT_AN_ERROR,
    RECOVERY,
    RECOVERY_HINTS,
    RECOVERY_WORDS,
    RULES,
    WARNING,
    holds_any,
    rules_for,
)
from cibw_debug_tui.core.safe_text import terminal_safe

__all__ = [
    "CATEGORIES",
    "CATEGORY_TITLES",
    "HINTS",
    "MAX_LINE_BYTES",
    "RULES",
    "CauseLine",
    "Explanation",
    "clean_line",
    "explain_lines",
    "explain_stream",
    "explain_text",
]

CONTEXT_BEFORE = 7
MAX_LINE_BYTES = 64 * 1024
BLOCK_LINES = 10_000

_STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z ?"
_TIMESTAMP = re.compile(rf"^\ufeff?(?:[^\t\n]*\t[^\t\n]*\t)?{_STAMP}")
# The same without `gh run view --log`'s job and step: on a line with no tab, the expression
# above first runs to its end looking for one.
_TIMESTAMP_ALONE = re.compile(rf"^\ufeff?{_STAMP}")
_COMMAND = re.compile(r"^(?:##\[(\w+)\]|::(\w+)(?: [^:]*)?::)")

# Where in a cibuildwheel build a line is: errors mean different things in each stage. Each
# pattern comes with a piece of text that every line it matches holds, checked first (a regular
# expression costs ten times a substring test, and most lines read are none of these).
_STAGES = (
    ("test", "est", re.compile(r"test session starts|^Testing wheel|^\+ .*\bpytest\b")),
    ("test", "%]", re.compile(r"(?:PASSED|FAILED|SKIPPED|XFAIL|XPASS)\s+\[\s*\d+%\]")),
    ("delocate", "delocate", re.compile(r"^\+ delocate-|^Repairing wheel.*\bdelocate")),
    ("auditwheel", "auditwheel",
     re.compile(r"auditwheel repair|^INFO:auditwheel|^Repairing wheel.*auditwheel")),
    ("repair", "Repairing wheel", re.compile(r"^Repairing wheel")),
    ("build", "Building ",
     re.compile(r"^Building (?:cp|pp|gp)\S+ wheel|^Building wheel(?:\.\.\.| for)")),
)  # fmt: skip
_STAGE_TRIGGERS = ("session starts", "testing wheel", "passed", "delocat", "auditwheel", "building")
# Lines read with the one before them: delocate's "X not found:" and its "Needed by:", and the
# first frame of a crash ("Fatal Python error" ... "(most recent call first):").
_DELOCATE_ERROR = re.compile(r"^ERROR:delocate\S*:\s*$")
_FRAME = re.compile(r'^File ".+", line \d+ in \w+')
_SEGFAULT = re.compile(r"Segmentation fault|Illegal instruction|access violation")
_PAIR_WORDS = ("needed by", 'file "')
_END_WORDS = (*RECOVERY_WORDS, *FAILURE_WORDS)

# A block of the log is searched for triggers before any line of it is read in Python, on a
# squeezed copy: lower-cased, with everything but letters, newlines, - and " dropped (half the
# bytes, so each search costs half). Every line that can score, mark a stage or say that the
# build failed or recovered holds a trigger. "error" in a -Werror flag, which fills compiler
# command lines, does not count.
_FOLD = bytes(range(256)).lower()
_DROP = bytes(b for b in range(256) if not 97 <= _FOLD[b] <= 122 and b not in b'\n-"')


def _squeeze(data: bytes) -> bytes:
    return data.translate(_FOLD, _DROP)


def _minimal(words: set[bytes]) -> tuple[bytes, ...]:
    """Drop words that contain another word: finding the shorter one finds the line."""
    return tuple(sorted(w for w in words if w and not any(o != w and o in w for o in words)))


_TRIGGERS = _minimal(
    {
        _squeeze(word.encode())
        for word in (*GATE_WORDS, *FAILURE_WORDS, *RECOVERY_WORDS, *_STAGE_TRIGGERS, *_PAIR_WORDS)
    }
)


def clean_line(raw: bytes | str) -> str | None:
    """The text a person reads, or None for lines that carry no content (`##[endgroup]`)."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    text = text.rstrip("\r\n")
    stamp = (_TIMESTAMP if "\t" in text else _TIMESTAMP_ALONE).match(text)
    if stamp:
        text = text[stamp.end() :]
    text = terminal_safe(text)  # colours, escape sequences, CR, C1, BEL: see safe_text.py
    command = _COMMAND.match(text) if text.startswith(("##[", "::")) else None
    if command:
        name = command.group(1) or command.group(2)
        if name in ("endgroup", "debug"):
            return None
        text = text[command.end() :]
        if name == "warning":
            return "warning: " + text
    return text.rstrip()


def _score(text: str, low: str, stage: str) -> tuple[int, str | None, str, str | None]:
    """(score, category, rule name, hint) of the best rule for this line; score 0 if none."""
    if "error" in low:
        low = NOT_AN_ERROR.sub("", low)
    rules = rules_for(low)
    if not rules or WARNING.search(text) or NOT_A_CAUSE.search(text):
        return 0, None, "", None
    best = next((rule for rule in rules if rule.pattern.search(text)), None)
    if best is None:
        return 0, None, "", None
    category, score = best.category, best.score
    if stage == "test":
        if category == "build-dependency" and "ModuleNotFoundError" in text:
            category = "test"  # the wheel was built; importing it in the tests failed
        elif category is None and _SEGFAULT.search(text):
            category, score = "test", 88
    return score, category, best.name, best.hint


def _recovers(text: str, low: str) -> bool:
    """Whether the line says the build went on (RECOVERY), testing its words first. Beyond
    ASCII, a case-insensitive expression also matches letters lower() does not fold (long s)."""
    if text.isascii() and not holds_any(low, RECOVERY_HINTS):
        return False
    return RECOVERY.search(text) is not None


class _Reader:
    """One pass over the log in blocks of lines, handing candidates and markers to the ranker.

    Most lines of a build log can't matter: a block is searched (in C, squeezed once) for the
    triggers, and only lines holding one are read in Python. Context for an excerpt is cut
    from the block when a candidate appears.
    """

    def __init__(self) -> None:
        self.ranker = Ranker()
        self.stage = "build"
        self.repairer = ""  # auditwheel or delocate, once the repair stage names it
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

        self.ranker.fill_open(block, first, text_at)
        for i in _lines_with_triggers(_squeeze(b"\n".join(block) if data is None else data)):
            if i >= len(block):
                break
            line = text_at(i)
            if line is not None:
                self._read(i, line, first, block, text_at)
        keep = range(max(0, len(block) - CONTEXT_BEFORE - 2), len(block))
        self._tail = [(first + i, text_at(i)) for i in keep]

    def _previous(self, i: int, text_at: TextAt) -> str:
        for j in range(i - 1, i - 40, -1):
            text = text_at(j)
            if text is None and j < -len(self._tail):
                return ""
            if text and text.strip():
                return text.strip()
        return ""

    def _track_stage(self, text: str) -> None:
        for stage, word, pattern in _STAGES:
            if word in text and pattern.search(text):
                if stage in ("delocate", "auditwheel"):
                    self.stage, self.repairer = "repair", stage
                elif stage == "repair":
                    self.stage, self.repairer = "repair", ""
                else:
                    self.stage = stage
                return

    def _read(self, i: int, line: str, first: int, block: Block, text_at: TextAt) -> None:
        number = first + i
        text = line.lstrip()
        low = text.lower()
        self._track_stage(text)
        marks_end = holds_any(low, _END_WORDS)
        if marks_end and _recovers(text, low) and not FAILURE.search(text):
            self.ranker.recovered(number, text)
            return
        score, category, name, hint = _score(text, low, self.stage)
        # Lines that only make sense after the one before them.
        if text.endswith(" not found:"):
            previous = self._previous(i, text_at)
            if previous.startswith("ERROR:delocate") and _DELOCATE_ERROR.match(previous):
                score, category, name, hint = 95, "delocate", "delocate: library not found", None
        elif text.startswith("Needed by: "):
            if self._previous(i, text_at).endswith(" not found:"):
                score, category, name, hint = 70, None, "delocate: needed by", None
        elif (
            text.startswith('File "')
            and _FRAME.match(text)
            and self._previous(i, text_at).endswith("(most recent call first):")
        ):
            score, category, name, hint = 75, None, "first frame of the crash", None
        failure = marks_end and bool(FAILURE.search(text))
        if score:
            if category is None and self.stage == "repair" and self.repairer:
                category = self.repairer  # a traceback while auditwheel or delocate ran
            seen = Seen(number, text, line, category, name, hint, score, failure)
            self.ranker.add(seen, self._before(i, first, text_at), block, i, first, text_at)
        if failure:
            self.ranker.failed(number, text)

    def _before(self, i: int, first: int, text_at: TextAt) -> list[tuple[int, str]]:
        before: list[tuple[int, str]] = []
        j = i - 1
        while len(before) < CONTEXT_BEFORE and j >= -len(self._tail):
            earlier = text_at(j)
            if earlier is not None:
                before.append((first + j if j >= 0 else self._tail[j][0], earlier))
            j -= 1
        before.reverse()
        return before

    def result(self) -> Explanation:
        return self.ranker.result(self.lines)


# Trigger words that mean nothing with these letters just before or after them: a -Werror flag,
# a compiler's "note:" (as lookarounds of the expression that finds the word).
_IGNORED = {b"error": rb"(?<!-werror)", b"not": rb"(?!e)"}

# Each trigger word is searched for the quickest way (measured on verbose build output). A word
# holding a byte that build output seldom holds is found from that byte: memchr takes a tenth of
# the time of a word search (past one such byte a kilobyte, the word is searched for like the
# rest). The rest by expressions: their scan for a literal stops only on its first letter, so
# each starts at the word's least common letter, and words that start there alike share one
# scan. A long word alone is left to bytes.find, which skips ahead by about its length.
_RARE = (b"q", b'"')
_RANK = {letter: i for i, letter in enumerate(b'"kwvqfxhgybmaur-cdpsotlnie')}  # in tests/data
_LONG = 10


def _from_rarest(word: bytes) -> tuple[bytes, bytes]:
    """(the word's two letters from its least common one, an expression for the word from
    there): the whole word is checked behind, then what must not surround it. Two letters at
    least: a scan for a single one stops too often."""
    start = min(range(max(1, len(word) - 1)), key=lambda i: _RANK.get(word[i], len(_RANK)))
    pattern = re.escape(word[start:])
    if start:
        pattern += b"(?<=" + re.escape(word) + b")"
    return word[start : start + 2], pattern + _IGNORED.get(word, b"")


# Each rare byte, with the words found from it and where in each word the byte is.
Anchored = tuple[tuple[bytes, tuple[tuple[bytes, int], ...]], ...]


def _plan() -> tuple[Anchored, tuple[re.Pattern[bytes], ...], tuple[bytes, ...]]:
    """(each rare byte with the words found from it, expressions, words left to bytes.find)."""
    anchored = tuple(
        (rare, tuple((w, w.index(rare)) for w in _TRIGGERS if rare in w and w not in _IGNORED))
        for rare in _RARE
    )
    done = {word for _, words in anchored for word, _ in words}
    groups: dict[bytes, list[tuple[bytes, bytes]]] = {}
    for word in _TRIGGERS:
        if word not in done:
            start, pattern = _from_rarest(word)
            groups.setdefault(start, []).append((word, pattern))
    expressions, searched = [], []
    for group in groups.values():
        (word, _), *others = group
        if others or len(word) < _LONG or word in _IGNORED:
            expressions.append(re.compile(b"|".join(pattern for _, pattern in group)))
        else:
            searched.append(word)
    return anchored, tuple(expressions), tuple(searched)


_ANCHORED, _EXPRESSIONS, _SEARCHED = _plan()


def _lines_with_triggers(squeezed: bytes) -> list[int]:
    """Indexes of the lines holding a trigger, in order (newlines survive the squeeze)."""
    found: list[int] = []
    searched = list(_SEARCHED)
    for rare, anchored in _ANCHORED:
        if not _add_anchored(squeezed, rare, anchored, found, 64 + (len(squeezed) >> 10)):
            searched += [word for word, _ in anchored]
    for expression in _EXPRESSIONS:
        found += [match.start() for match in expression.finditer(squeezed)]
    for word in searched:
        at = squeezed.find(word)
        while at != -1:
            found.append(at)
            end = squeezed.find(b"\n", at)
            at = squeezed.find(word, end) if end != -1 else -1
    found.sort()
    lines: list[int] = []
    line = counted = 0
    for at in found:
        line += squeezed.count(b"\n", counted, at)
        counted = at
        if not lines or lines[-1] != line:
            lines.append(line)
    return lines


def _add_anchored(
    squeezed: bytes,
    rare: bytes,
    anchored: tuple[tuple[bytes, int], ...],
    found: list[int],
    limit: int,
) -> bool:
    """Add where the words around each `rare` byte start; False past `limit` of them (what
    was added stays: a line found twice counts once)."""
    at = squeezed.find(rare)
    while at != -1:
        limit -= 1
        if limit < 0:
            return False
        for word, offset in anchored:
            if at >= offset and squeezed.startswith(word, at - offset):
                found.append(at - offset)
        at = squeezed.find(rare, at + 1)
    return True


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

    The stream can be a job log from GitHub (with its timestamps), `gh run view --log` output,
    or a build log artifact (plain cibuildwheel output). A line longer than MAX_LINE_BYTES is
    cut there; the rest of it is skipped, never held.
    """
    reader = _Reader()
    first, carry, skipping = 1, b"", False
    joined: bytes | None
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
