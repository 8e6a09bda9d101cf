"""Many combinations at once: which versions fail is a matrix question.

From one runner and several CPythons and arches, the valid combinations to dispatch (one
session each), the ones refused with their reasons, and a name for the group the sessions
share in the list ("cp39-cp314 on macos-15"). More than MAX_SESSIONS in one go is refused:
each session is a run on a runner, and the request budget is shared by all of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cibw_debug_tui.core import matrix

MAX_SESSIONS = 20


@dataclass(frozen=True)
class Batch:
    runner: str
    combinations: tuple[matrix.Combination, ...]  # valid ones, to dispatch
    refused: tuple[matrix.Combination, ...]
    problem: str = ""  # why nothing is dispatched

    @property
    def name(self) -> str:
        return group_name(self.runner, self.combinations)


def _python_order(tag: str) -> int:
    tags = [p.tag for p in matrix.PYTHONS]
    return tags.index(tag) if tag in tags else len(tags)


def plan(runner: str, pythons: Iterable[str], arches: Iterable[str]) -> Batch:
    """One combination per (python, arch), in the matrix's order, valid ones apart."""
    pythons = sorted(dict.fromkeys(pythons), key=_python_order)
    arches = list(dict.fromkeys(arches))
    if not pythons or not arches:
        return Batch(runner, (), (), "choose at least one CPython and one arch")
    checked = [matrix.check(runner, python, arch) for python in pythons for arch in arches]
    valid = tuple(c for c in checked if c.valid)
    refused = tuple(c for c in checked if not c.valid)
    if not valid:
        reason = refused[0].reason if refused else "nothing to build"
        return Batch(runner, (), refused, f"no valid combination: {reason}")
    if len(valid) > MAX_SESSIONS:
        return Batch(
            runner, valid, refused,
            f"{len(valid)} sessions in one go is too many (at most {MAX_SESSIONS}): each is a "
            "run on its own runner, and they share one request budget; choose fewer",
        )  # fmt: skip
    return Batch(runner, valid, refused)


def group_name(runner: str, combinations: Iterable[matrix.Combination]) -> str:
    """`cp39-cp314 on macos-15`, with the arches when there are several or they are not
    the runner's only one: `cp312 x86_64+i686 on ubuntu-latest`."""
    combos = list(combinations)
    pythons = sorted({c.python for c in combos}, key=_python_order)
    arches = list(dict.fromkeys(c.arch for c in combos))
    span = pythons[0] if len(pythons) == 1 else f"{pythons[0]}-{pythons[-1]}"
    if len(arches) > 1:
        span += " " + "+".join(arches)
    return f"{span} on {runner}"


def tally(conclusions: Iterable[str | None]) -> str:
    """`6 sessions: 4 ✓ 2 ✗` (and `1 running` for those not over)."""
    done = list(conclusions)
    good = sum(1 for c in done if c == "success")
    bad = sum(1 for c in done if c is not None and c != "success")
    going = len(done) - good - bad
    parts = [f"{good} ✓"] if good else []
    parts += [f"{bad} ✗"] if bad else []
    parts += [f"{going} running"] if going else []
    return f"{len(done)} session{'s' if len(done) != 1 else ''}: {' '.join(parts)}"
