"""A job's static `strategy.matrix` expanded into its entries, as GitHub does.

The entry that builds the chosen combination is the one whose `${{ matrix.X }}` values are used;
a matrix computed while the workflow runs (`fromJSON(needs...)`) has no entries to choose from.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

from cibw_debug_tui.core.actions_expr import Unresolved
from cibw_debug_tui.core.build_settings.documents import WorkflowError

MAX_MATRIX = 256  # GitHub runs at most 256 jobs per matrix


def _listed(value: Any, name: str) -> list[Any]:
    """A list of the matrix, or the reason it is not one."""
    if isinstance(value, str) and "${{" in value:
        raise Unresolved(f"uses {name}, computed while the main build runs ({value.strip()})")
    if not isinstance(value, list):
        raise WorkflowError(f"{name} is not a list")
    return value


def _subset(part: Any, whole: Any) -> bool:
    """GitHub matches an exclude entry, or an include's keys, partially inside objects."""
    if isinstance(part, dict) and isinstance(whole, dict):
        return all(k in whole and _subset(v, whole[k]) for k, v in part.items())
    return bool(part == whole)


def expand_matrix(matrix: Any) -> list[dict[str, Any]]:
    """The entries of a static `strategy.matrix`, in GitHub's order: the product of its lists,
    less `exclude`, then `include` merged in. Raises Unresolved when the matrix (or one of its
    lists) is computed while the workflow runs, WorkflowError when it is malformed or too big."""
    if matrix is None:
        return [{}]
    if isinstance(matrix, str) and "${{" in matrix:
        raise Unresolved(f"uses a matrix computed while the main build runs ({matrix.strip()})")
    if not isinstance(matrix, dict):
        raise WorkflowError("the matrix is not a mapping")
    axes = {
        str(key): _listed(values, f"matrix.{key}")
        for key, values in matrix.items()
        if key not in ("include", "exclude")
    }
    if math.prod(len(values) for values in axes.values()) > MAX_MATRIX * 16:
        raise WorkflowError(f"the matrix has more than {MAX_MATRIX * 16} combinations")
    entries = [dict(zip(axes, combo, strict=True)) for combo in itertools.product(*axes.values())]
    entries = entries if axes else []
    for rule in _listed(matrix.get("exclude") or [], "matrix.exclude"):
        if isinstance(rule, dict) and rule:
            rule = {str(k): v for k, v in rule.items()}
            entries = [e for e in entries if not _subset(rule, e)]
    # An include joins every original combination it does not contradict (GitHub's rule),
    # or else becomes a combination of its own; added combinations never merge.
    added: list[dict[str, Any]] = []
    for extra in _listed(matrix.get("include") or [], "matrix.include"):
        if not isinstance(extra, dict):
            continue
        extra = {str(k): v for k, v in extra.items()}
        fits = [
            entry
            for entry in entries
            if all(k not in axes or _subset(v, entry.get(k)) for k, v in extra.items())
        ]
        for entry in fits:
            entry.update(extra)
        if not fits:
            added.append(extra)
    entries += added
    if len(entries) > MAX_MATRIX:
        raise WorkflowError(
            f"the matrix has {len(entries)} entries, more than GitHub's {MAX_MATRIX}"
        )
    return entries or [{}]
