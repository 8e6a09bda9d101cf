"""The `[tool.cibuildwheel]` table of `pyproject.toml`, for display.

cibuildwheel reads it on the runner by itself, so nothing of it is sent; the person sees which
options apply to the identifier (top level, the OS's table, the overrides that select it) and
which setting of the workflow or of the debug workflow wins over each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cibw_debug_tui.core.build_settings.assembly import Assembly
from cibw_debug_tui.core.build_settings.choice import as_selector, selects
from cibw_debug_tui.core.build_settings.documents import WorkflowError, load_pyproject
from cibw_debug_tui.core.build_settings.options import COMMANDS, PLATFORMS
from cibw_debug_tui.core.matrix import Combination


@dataclass(frozen=True)
class PyprojectOption:
    """One effective `[tool.cibuildwheel]` option."""

    name: str  # "before-all"
    value: str  # as cibuildwheel would see it, lists joined
    table: str  # "[tool.cibuildwheel.linux]", "[[tool.cibuildwheel.overrides]] #2 (select ...)"
    superseded_by: str = ""  # an environment setting that wins over it, in words


def read_config(text: str | None, problems: list[str]) -> dict[str, Any]:
    """The `[tool.cibuildwheel]` table of a `pyproject.toml` text; {} when there is none."""
    if text is None:
        return {}
    try:
        tool = load_pyproject(text).get("tool")
    except WorkflowError as error:
        problems.append(str(error))
        return {}
    found = tool.get("cibuildwheel") if isinstance(tool, dict) else None
    return found if isinstance(found, dict) else {}


def _display(option: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        sep = " && " if option in COMMANDS else ("," if option == "test-extras" else " ")
        return sep.join(_display(option, v) for v in value)
    if isinstance(value, dict):
        if option in ("environment", "test-environment"):
            return " ".join(f'{k}="{_display(option, v)}"' for k, v in value.items())
        return " ".join(f"{k}={_display(option, v)}" for k, v in value.items())
    return str(value)


def _tables(config: dict[str, Any], combo: Combination) -> list[tuple[str, dict[str, Any]]]:
    """The tables that apply to the identifier, in cibuildwheel's order, with their names."""
    tables: list[tuple[str, dict[str, Any]]] = [("[tool.cibuildwheel]", config)]
    platform_table = config.get(combo.os or "linux")
    if isinstance(platform_table, dict):
        tables.append((f"[tool.cibuildwheel.{combo.os}]", platform_table))
    overrides = config.get("overrides")
    for number, override in enumerate(overrides if isinstance(overrides, list) else [], 1):
        select = as_selector(override.get("select")) if isinstance(override, dict) else ""
        if select and selects(select, combo.identifier or ""):
            tables.append(
                (f"[[tool.cibuildwheel.overrides]] #{number} (select = {select!r})", override)
            )
    return tables


def pyproject_options(
    config: dict[str, Any], combo: Combination, assembly: Assembly, problems: list[str]
) -> list[PyprojectOption]:
    """The options `[tool.cibuildwheel]` gives this identifier, and what wins over each."""
    effective: dict[str, tuple[str, str]] = {}  # option -> (value, table)
    for table, options in _tables(config, combo):
        inherit = options.get("inherit") if table.startswith("[[") else None
        for option, value in options.items():
            if option in PLATFORMS or option in ("overrides", "select", "inherit"):
                continue
            shown = _display(option, value)
            rule = inherit.get(option) if isinstance(inherit, dict) else None
            if rule in ("append", "prepend") and option in effective:
                sep = " && " if option in COMMANDS else " "
                before = effective[option][0]
                shown = f"{before}{sep}{shown}" if rule == "append" else f"{shown}{sep}{before}"
                table = f"{table}, {rule}ed"
            effective[option] = (shown, table)
    sent = {s.name: s for s in assembly.settings}
    fixed = {o.name for o in assembly.overridden}
    out: list[PyprojectOption] = []
    for option, (value, table) in effective.items():
        env = "CIBW_" + option.upper().replace("-", "_")
        names = (f"{env}_{(combo.os or '').upper()}", env)
        winner = next((sent[n] for n in names if n in sent), None)
        if winner:
            by = f"{winner.name} from {winner.source}"
        elif option in ("build", "archs", "build-verbosity") or any(n in fixed for n in names):
            by = "the debug workflow"
        else:
            by = ""
        out.append(PyprojectOption(option, value, table, by))
    skip = effective.get("skip")
    if skip and selects(skip[0], combo.identifier or ""):
        problems.append(
            f"pyproject.toml's skip = {skip[0]!r} ({skip[1]}) skips {combo.identifier}: "
            "the debug build would build nothing"
        )
    return out
