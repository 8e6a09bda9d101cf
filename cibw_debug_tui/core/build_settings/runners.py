"""How well a job's `runs-on` fits the runner of the combination being debugged.

The debug build runs on a GitHub-hosted runner; the main build may name the same label, an alias
of the same image, a retired label, a self-hosted one or an expression. The closer the runner,
the more likely its settings are the ones that failed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cibw_debug_tui.core.actions_expr import (
    Unresolved,
    evaluate_value,
    literals,
    split_template,
    to_string,
)
from cibw_debug_tui.core.matrix import OS_NAMES, RETIRED, RUNNERS, RUNNERS_BY_LABEL, Combination

_IMAGES = {r.label: r.note[2:] for r in RUNNERS if r.note.startswith("= ")}  # ubuntu-latest...


@dataclass(frozen=True)
class RunsOn:
    """A job's `runs-on` measured against the combination's runner."""

    score: int | None  # 3 same label, 2 same image, 1 same OS and CPU, 0 same OS; None: another
    text: str  # the labels as resolved, or the expression as written
    note: str = ""  # how it differs, in words

    @property
    def cpu(self) -> str | None:
        """The runner's CPU ("x64", "arm64") when a label says."""
        return next((cpu for label in self.text.split(", ") if (cpu := os_of(label)[1])), None)


def runner_context(combo: Combination) -> dict[str, str]:
    """The `runner` context the main build sees on the combination's runner."""
    cpu = RUNNERS_BY_LABEL[combo.runner].cpu
    return {"os": OS_NAMES[combo.os or "linux"], "arch": "ARM64" if cpu == "arm64" else "X64"}


def os_of(label: str) -> tuple[str | None, str | None]:
    """(os, cpu) of a runner label: known, retired (as its replacement) or guessed from the name."""
    known = RUNNERS_BY_LABEL.get(RETIRED[label][1] if label in RETIRED else label)
    if known:
        return known.os, known.cpu
    lowered = label.lower()
    cpu = "arm64" if "arm" in lowered or "aarch64" in lowered else None
    for os_name, hint in (
        ("linux", r"ubuntu|linux"),
        ("macos", r"macos|osx|darwin|\bmac\b"),
        ("windows", r"windows|\bwin\b|\bwin\d"),
    ):
        if re.search(hint, lowered):
            return os_name, cpu
    return None, None


def _match(labels: list[str], combo: Combination) -> tuple[int | None, str]:
    """The best (score, note) of `labels` for the combination's runner."""
    host = RUNNERS_BY_LABEL[combo.runner]
    best: tuple[int | None, str] = (None, "")
    for label in labels:
        if label == combo.runner:
            return 3, ""
        if _IMAGES.get(label, label) == _IMAGES.get(combo.runner, combo.runner):
            score, note = 2, f"{label} is the same image as {combo.runner}"
        elif label in RETIRED and RETIRED[label][1] == combo.runner:
            score, note = 2, f"{label} was retired; {combo.runner} replaces it"
        else:
            os_name, cpu = os_of(label)
            if os_name != host.os:
                continue
            score, note = int(cpu == host.cpu), f"runs on {label}, not {combo.runner}"
        if best[0] is None or score > best[0]:
            best = (score, note)
    if best[0] is None and labels and all(os_of(label)[0] is None for label in labels):
        return 0, f"runs on {', '.join(labels)}, a runner this tool does not know"
    return best


def runs_on(job: dict[str, Any], context: Mapping[str, Any], combo: Combination) -> RunsOn:
    """A job's `runs-on` for the matrix entry in `context`. An expression that cannot be
    evaluated is measured by the labels it may choose, and scores at most 1."""
    raw = job.get("runs-on")
    if isinstance(raw, dict):
        raw = raw.get("labels")
    labels: list[str] = []
    for item in raw if isinstance(raw, list) else [raw]:
        if not isinstance(item, str):
            continue
        try:
            value = evaluate_value(item, context)
        except Unresolved as why:
            guesses = [g for text in _expressions(item) for g in literals(text) if os_of(g)[0]]
            score = _match(guesses, combo)[0] if guesses else 0
            if score is None:
                return RunsOn(None, item.strip())
            choice = f"; it may choose {', '.join(dict.fromkeys(guesses))}" if guesses else ""
            return RunsOn(min(score, 1), item.strip(), f"runs-on {why}{choice}")
        labels.extend(to_string(v) for v in (value if isinstance(value, list) else [value]))
    if not labels:
        return RunsOn(0, "", "the job names no runner")
    score, note = _match(labels, combo)
    return RunsOn(score, ", ".join(labels), note)


def _expressions(text: str) -> list[str]:
    try:
        return [part for is_expr, part in split_template(text) if is_expr]
    except Unresolved:
        return []
