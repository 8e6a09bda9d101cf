"""A setting as written in a workflow, where it was written, and its value for one matrix entry.

A value is kept as written (`${{ matrix.python }}-*`) until the entry is known, so that one
reading of the file serves every entry and a value that cannot be known shows what was written.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cibw_debug_tui.core.actions_expr import (
    Unresolved,
    evaluate,
    evaluate_value,
    interpolate,
    to_string,
    truthy,
)


@dataclass(frozen=True)
class Source:
    """Where a setting was written."""

    file: str  # the name the caller gave: ".github/workflows/wheels.yml", "pyproject.toml"
    level: str  # "workflow", "job", "step", "with", "run" or "pyproject"
    job: str = ""  # the job's id
    step: str = ""  # the step's name in quotes, or its number: "#3"
    table: str = ""  # pyproject: "[tool.cibuildwheel.linux]", an override and its select

    def __str__(self) -> str:
        if self.level == "pyproject":
            return f"{self.file} {self.table}"
        where = {
            "workflow": "workflow env",
            "job": "job env",
            "step": f"env of step {self.step}",
            "with": f"with: of step {self.step}",
            "run": f"run: of step {self.step}",
        }.get(self.level, self.level)
        job = f", job {self.job}" if self.job else ""
        return f"{self.file}{job}, {where}"


@dataclass(frozen=True)
class Value:
    """A setting as written somewhere (YAML's value, or text cut from a `run:` script)."""

    name: str
    raw: Any
    source: Source

    def written(self) -> str:
        return self.raw if isinstance(self.raw, str) else json.dumps(self.raw, default=str)

    def resolve(self, context: Mapping[str, Any]) -> str:
        """The text GitHub would pass for the entry in `context`; raises Unresolved."""
        if self.raw is None:
            return ""
        if isinstance(self.raw, str):
            return interpolate(self.raw, context)
        if isinstance(self.raw, (bool, int, float)):
            return to_string(self.raw)
        if isinstance(self.raw, (list, dict)):
            raise Unresolved("is a YAML list or mapping where GitHub expects text")
        return str(self.raw)  # a date: GitHub reads it as the text it is


def condition(raw: Any, context: Mapping[str, Any]) -> bool | None:
    """An `if:` as True, False, or None when it depends on the run."""
    if raw is None:
        return True
    if isinstance(raw, (bool, int, float)):
        return truthy(raw)
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    try:
        return truthy(evaluate_value(text, context) if "${{" in text else evaluate(text, context))
    except Unresolved:
        return None
