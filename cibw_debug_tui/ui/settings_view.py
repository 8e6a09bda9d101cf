"""What the dispatch form shows of the settings it sends, as plain functions: one row per setting
with where it comes from (the main build's workflow, or the form), the inherited ones that were
turned off still there to turn on again, and the notes under them (what the debug workflow sets
itself, what needs the person's attention, `[tool.cibuildwheel]`, what could not be decided).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, NamedTuple

from rich.text import Text

from cibw_debug_tui.core.safe_text import one_line

if TYPE_CHECKING:  # the form's first frame needs none of it
    from cibw_debug_tui.core.build_settings import BuildSettings, Source

FORM = "the form"
SHOWN = 60  # characters of a value in a row of an 80-column form; the edit field has it all


class Row(NamedTuple):
    name: str
    value: str
    source: str  # in words
    inherited: bool  # the main build has it (it can be turned off)
    on: bool  # sent
    replaced: str | None = None  # the main build's value the form's own replaced


def short(text: str, width: int = SHOWN) -> str:
    text = one_line(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def _file(path: str) -> str:
    """`wheels.yml` for `.github/workflows/wheels.yml`: the rows are narrow."""
    return path.rpartition("/")[2] or path


LEVELS = {"workflow": "workflow env", "job": "job env", "step": "step env", "with": "with:",
          "run": "command line"}  # fmt: skip


def where(source: Source) -> str:
    """A setting's source in a row: its level (the heading names the file and the job)."""
    return LEVELS.get(source.level, source.level)


def table_words(table: str) -> str:
    """`[tool.cibuildwheel.linux]` as `linux`, an override as `override #2`; "" for the top."""
    found = re.match(r"\[\[tool\.cibuildwheel\.overrides\]\] (#\d+)|\[tool\.cibuildwheel\.(\w+)\]",
                     table)  # fmt: skip
    if found is None:
        return ""
    return f"override {found.group(1)}" if found.group(1) else found.group(2)


def rows(build: BuildSettings | None, own: Mapping[str, str], off: Collection[str]) -> list[Row]:
    """The main build's settings in its order (those turned off too), then the form's own."""
    out: list[Row] = []
    inherited = build.settings if build else ()
    for s in inherited:
        if s.name in own:
            out.append(Row(s.name, own[s.name], FORM, True, s.name not in off, s.value))
        else:
            out.append(Row(s.name, s.value, where(s.source), True, s.name not in off))
    names = {s.name for s in inherited}
    out += [Row(n, v, FORM, False, True) for n, v in own.items() if n not in names]
    return out


def row_text(row: Row, highlighted: bool = False) -> Text:
    box = "[x]" if row.on else "[ ]"
    text = Text.assemble(
        (f"{box} ", "bold" if row.inherited else "dim"),
        (row.name, "bold" if row.on else "dim strike"),
        " = ",
        short(row.value),
    )
    came = row.source if row.replaced is None else f"{FORM}, not {short(row.replaced, 24)!r}"
    text.append(f"  ({came})", style="dim")
    if highlighted:
        text.stylize("reverse")
    return text


def heading(build: BuildSettings | None, read_from: str) -> Text:
    """Where the inherited settings come from, in one line."""
    if build is None:
        return Text(f"Settings: reading the main build at {one_line(read_from)}…", style="dim")
    chosen = build.chosen
    if chosen is None:
        return Text(f"Settings: no main build found in {one_line(read_from)}", style="yellow")
    return Text.assemble(
        ("Settings", "bold"),
        f" from {short(_file(chosen.file), 40)} job {short(chosen.job, 30)}",
        (f"  ({one_line(read_from)}; space: on/off, enter: edit)", "dim"),
    )


def notes(build: BuildSettings | None) -> Text:
    """What is not sent, and why; `[tool.cibuildwheel]`; what could not be decided."""
    text = Text()
    if build is None:
        return text
    lines: list[tuple[str, str]] = []
    if build.overridden:
        names = ", ".join(one_line(o.name) for o in build.overridden)
        lines.append((f"set by the debug workflow instead: {names}", "dim"))
    for a in build.attention:
        lines.append((f"⚠ {one_line(a.name)} not sent: {one_line(a.reason)}", "yellow"))
    if build.pyproject:
        lines.append((f"{build.pyproject_path} (cibuildwheel reads it on the runner):", "dim"))
        for o in build.pyproject:
            winner = one_line(o.superseded_by).split(" from ")[0]
            wins = f"; {winner} wins" if winner else ""
            table = table_words(o.table)
            came = f"{table}{wins}".lstrip("; ")
            came = f"  ({came})" if came else ""
            lines.append((f"· {one_line(o.name)} = {short(o.value, 40)}{came}", "dim"))
    lines += [(f"⚠ {one_line(p)}", "yellow") for p in build.problems]
    for number, (line, style) in enumerate(lines):
        text.append(("\n" if number else "") + line, style=style)
    return text
