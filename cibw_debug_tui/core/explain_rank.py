"""Which of the error lines a log explainer saw is the cause, and why.

The scanner hands over every line a rule scored (a candidate) and every line that says the build
failed or recovered. A candidate followed by a recovery before any failure (an optional
extension fell back to pure Python, `Successfully built` the same package, a probe's
`-- Performing Test ... - Failed`, the next build starting) is set aside: the build went on
without it. Among the rest the strongest wins, the first of equals (a compiler's first error is
its cause). Each cause carries a short reason, so that a wrong pick can be debugged.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cibw_debug_tui.core.explain_rules import HINTS

MAX_CAUSES = 3
EXCERPT_LINES = 15
CONTEXT_AFTER = EXCERPT_LINES - 1
MAX_CANDIDATES = 64
MAX_RECOVERED = 3
COMPANION_DISTANCE = 12
MIN_CAUSE_SCORE = 40
MIN_COMPANION_SCORE = 60
SHOWN = 70  # characters of a marker line quoted in a reason

# A block of raw lines, and the cleaned text of its line i (negative: the previous block's
# last lines), None for a line that holds nothing to read.
Block = list[bytes]
TextAt = Callable[[int], str | None]


@dataclass(frozen=True)
class CauseLine:
    line: int  # 1-based, in the log as given
    text: str
    reason: str = ""  # why this line was chosen


@dataclass
class Explanation:
    category: str
    cause: list[CauseLine]
    excerpt: list[str]
    excerpt_start: int  # line number of excerpt[0]; 0 when there is no excerpt
    hint: str
    lines_read: int = 0
    recovered: list[CauseLine] = field(default_factory=list)  # errors the build went past

    @property
    def found(self) -> bool:
        return bool(self.cause)

    def to_json(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "cause": [{"line": c.line, "text": c.text, "reason": c.reason} for c in self.cause],
            "excerpt": self.excerpt,
            "excerpt_start": self.excerpt_start,
            "hint": self.hint,
            "lines_read": self.lines_read,
            "recovered": [
                {"line": c.line, "text": c.text, "reason": c.reason} for c in self.recovered
            ],
        }


@dataclass(frozen=True)
class Seen:
    """A line a rule scored, as the scanner saw it."""

    line: int
    text: str  # stripped, as a cause line
    line_text: str  # as indented in the log, for the excerpt
    category: str | None
    rule: str  # the rule's name
    hint: str | None
    score: int
    failure: bool  # the line itself says the build failed


@dataclass(order=True)
class _Candidate:
    sort_key: tuple[int, int]  # (score, -line): the heap's weakest first
    seen: Seen = field(compare=False)
    before: list[tuple[int, str]] = field(compare=False)
    after: list[tuple[int, str]] = field(compare=False, default_factory=list)
    closed: bool = field(compare=False, default=False)  # its step ended: no more lines after
    failed_at: tuple[int, str] | None = field(compare=False, default=None)
    recovered_at: tuple[int, str] | None = field(compare=False, default=None)


def _quote(marker: tuple[int, str]) -> str:
    number, text = marker
    return f"line {number}: {text[:SHOWN]}{'…' if len(text) > SHOWN else ''}"


class Ranker:
    """Keeps a bounded set of live candidates and ranks them at the end."""

    def __init__(self) -> None:
        self.live: list[_Candidate] = []  # a min-heap on (score, -line)
        self.pending: list[_Candidate] = []  # neither failed nor recovered yet
        self.open: list[_Candidate] = []  # still waiting for lines after them
        self.set_aside: list[_Candidate] = []  # the strongest recovered ones, for the reasons

    def add(
        self,
        seen: Seen,
        before: list[tuple[int, str]],
        block: Block,
        i: int,
        first: int,
        text_at: TextAt,
    ) -> None:
        candidate = _Candidate((seen.score, -seen.line), seen, before)
        if seen.failure:
            candidate.failed_at = (seen.line, seen.text)
        if len(self.live) < MAX_CANDIDATES:
            heapq.heappush(self.live, candidate)
        elif candidate > self.live[0]:
            self._forget(heapq.heapreplace(self.live, candidate))
        else:
            return
        if not seen.failure:
            self.pending.append(candidate)
        self._fill([candidate], block, i + 1, first, text_at)

    def _forget(self, candidate: _Candidate) -> None:
        for group in (self.open, self.pending):
            if candidate in group:
                group.remove(candidate)

    def failed(self, number: int, text: str) -> None:
        """A line said the build failed: what is pending is what it failed of."""
        for candidate in self.pending:
            candidate.failed_at = (number, text)
        self.pending.clear()

    def recovered(self, number: int, text: str) -> None:
        """A line said the build went on: what is pending did not stop it."""
        if not self.pending:
            return
        for candidate in self.pending:
            candidate.recovered_at = (number, text)
            self.live.remove(candidate)
            if candidate in self.open:
                self.open.remove(candidate)
        heapq.heapify(self.live)
        strongest = sorted([*self.set_aside, *self.pending], reverse=True)
        self.set_aside = strongest[:MAX_RECOVERED]
        self.pending.clear()

    def fill_open(self, block: Block, first: int, text_at: TextAt) -> None:
        if self.open:
            self._fill(list(self.open), block, 0, first, text_at)

    def _fill(
        self, candidates: list[_Candidate], block: Block, start: int, first: int, text_at: TextAt
    ) -> None:
        """Give candidates the lines after them, up to the next step's group."""
        for candidate in candidates:
            i = start
            while len(candidate.after) < CONTEXT_AFTER and i < len(block):
                if b"##[group]" in block[i][:80]:
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

    def result(self, lines_read: int) -> Explanation:
        recovered = [_recovered_line(c) for c in sorted(self.set_aside, reverse=True)]
        winners = [c for c in self.live if c.seen.category and c.seen.score >= MIN_CAUSE_SCORE]
        if not winners:
            winners = [c for c in self.live if c.seen.score >= MIN_CAUSE_SCORE]
        if not winners:
            return Explanation("unknown", [], [], 0, HINTS["unknown"], lines_read, recovered)
        winner = max(winners)
        category = winner.seen.category or "unknown"
        near = [
            c
            for c in self.live
            if c is not winner
            and abs(c.seen.line - winner.seen.line) <= COMPANION_DISTANCE
            and c.seen.score >= MIN_COMPANION_SCORE
            and c.seen.text != winner.seen.text
        ]
        near.sort(key=lambda c: (-c.seen.score, abs(c.seen.line - winner.seen.line)))
        chosen = [winner]
        for c in near:
            if len(chosen) == MAX_CAUSES:
                break
            if all(c.seen.text != other.seen.text for other in chosen):
                chosen.append(c)
        chosen.sort(key=lambda c: c.seen.line)
        causes = [
            CauseLine(
                c.seen.line,
                c.seen.text,
                self._reason(c) if c is winner else _companion_reason(c, winner),
            )
            for c in chosen
        ]
        excerpt, start = _excerpt(winner, min(c.seen.line for c in chosen))
        hint = winner.seen.hint or HINTS[category]
        return Explanation(category, causes, excerpt, start, hint, lines_read, recovered)

    def _reason(self, winner: _Candidate) -> str:
        seen = winner.seen
        parts = [f"{seen.rule} ({seen.category or 'no category'} rule, strength {seen.score})"]
        if winner.failed_at and winner.failed_at[0] != seen.line:
            parts.append(f"the build failed after it ({_quote(winner.failed_at)})")
        elif winner.failed_at:
            parts.append("the line says the build failed")
        else:
            parts.append("nothing after it recovered")
        passed = [c for c in self.set_aside if c.seen.score >= seen.score]
        if passed:
            top = passed[0]
            parts.append(
                f"a stronger error at line {top.seen.line} was recovered from "
                f"({_quote(top.recovered_at or (0, ''))})"
            )
        return "; ".join(parts)


def _companion_reason(candidate: _Candidate, winner: _Candidate) -> str:
    distance = candidate.seen.line - winner.seen.line
    where = "after" if distance > 0 else "before"
    return (
        f"{candidate.seen.rule} (strength {candidate.seen.score}), "
        f"{abs(distance)} line{'s' if abs(distance) != 1 else ''} {where} the main cause"
    )


def _recovered_line(candidate: _Candidate) -> CauseLine:
    reason = f"{candidate.seen.rule}; recovered ({_quote(candidate.recovered_at or (0, ''))})"
    return CauseLine(candidate.seen.line, candidate.seen.text, reason)


def _excerpt(winner: _Candidate, first_cause: int) -> tuple[list[str], int]:
    lines = [*winner.before, (winner.seen.line, winner.seen.line_text), *winner.after]
    start = max(lines[0][0], min(first_cause, winner.seen.line) - 5)
    window = [(n, t) for n, t in lines if n >= start][:EXCERPT_LINES]
    indent = min((len(t) - len(t.lstrip()) for _, t in window if t.strip()), default=0)
    return [t[indent:] for _, t in window], window[0][0]
