"""Why the debug build may still differ from the main one, in words.

Settings are not all of a build: steps before cibuildwheel, commands before it in its own
script, another cibuildwheel version, or other jobs that fit as well can each make the failure
the debug build reproduces a different one.
"""

from __future__ import annotations

import re

from cibw_debug_tui.core.build_settings.assembly import Assembly, assemble
from cibw_debug_tui.core.build_settings.candidates import Candidate, runs_cibuildwheel
from cibw_debug_tui.core.build_settings.run_scripts import only_installs
from cibw_debug_tui.core.build_settings.values import condition
from cibw_debug_tui.core.matrix import Combination
from cibw_debug_tui.core.workflow_contract import CIBUILDWHEEL_VERSION

_ROUTINE_ACTIONS = re.compile(
    r"(actions/(checkout|setup-python|cache|download-artifact|upload-artifact)"
    r"|docker/setup-qemu-action|astral-sh/setup-uv)@",
    re.IGNORECASE,
)


def older_than_4(version: str) -> bool:
    """Whether a pinned version ("v2.23.3", "3.4.1") or range (">=3.2,<4", "~=3.1") of
    cibuildwheel is sure to be older than 4.x."""
    exact = re.fullmatch(r"v?([0-9]+)(\.[0-9A-Za-z.*+-]*)?", version)
    if exact:
        return int(exact.group(1)) < 4
    below = re.search(r"<(=?)([0-9]+)((?:\.[0-9]+)*)", version)
    if below:
        major, exactly_4 = int(below.group(2)), not below.group(3).strip(".0")
        return major < 4 or (major == 4 and not below.group(1) and exactly_4)
    compatible = re.search(r"~=([0-9]+)\.", version)
    return bool(compatible and int(compatible.group(1)) < 4)


def preparation(c: Candidate) -> list[str]:
    """The steps before cibuildwheel that the debug workflow has no equivalent of (checkout,
    Python, QEMU and installing cibuildwheel are left out)."""
    steps = []
    for label, step in c.earlier:
        uses, run = step.get("uses"), step.get("run")
        if isinstance(uses, str) and _ROUTINE_ACTIONS.match(uses.strip()):
            continue
        if (isinstance(run, str) and only_installs(run)) or runs_cibuildwheel(step):
            continue  # installing cibuildwheel, or another (conditional) build
        if condition(step.get("if"), c.context) is not False:
            steps.append(label)
    return steps


def _some(items: list[str], shown: int = 3) -> str:
    more = f" and {len(items) - shown} more" if len(items) > shown else ""
    return "; ".join(items[:shown]) + more


def doubts(
    best: Candidate, ties: list[Candidate], assembly: Assembly, combo: Combination
) -> list[str]:
    """Why the debug build of `best` (its settings: `assembly`) may differ from the main one."""
    found = []
    if best.matrix_note:
        found.append(f"{best.file} job {best.job}: {best.matrix_note}")
    if best.selected is False:
        found.append(f"no cibuildwheel job builds {combo.identifier}: {best.selected_note}")
    different = [t.label() for t in ties if assemble(t, combo).settings != assembly.settings]
    if different:
        found.append(
            f"{len(different) + 1} jobs or matrix entries fit equally well and give different "
            f"settings; chose {best.label()}, not {_some(different)}"
        )
    steps = preparation(best)
    if steps:
        found.append(
            "the main build runs steps before cibuildwheel that the debug build does not: "
            + ", ".join(steps)
        )
    if best.run_before:
        found.append(
            f"step {best.step} runs commands before cibuildwheel that the debug build does not: "
            + _some([command[:50] for command in best.run_before])
        )
    if best.pinned and older_than_4(best.pinned):
        found.append(
            f"the main build runs cibuildwheel {best.pinned}; the debug build runs "
            f"{CIBUILDWHEEL_VERSION}, whose defaults and options differ"
        )
    return found
