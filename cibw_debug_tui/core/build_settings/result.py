"""The answer for one combination: the chosen job, its sorted settings, `[tool.cibuildwheel]`
and what could not be decided; and `extract`, which works it out from the files' texts."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from cibw_debug_tui.core.build_settings.assembly import (
    Assembly,
    Attention,
    Overridden,
    Setting,
    assemble,
)
from cibw_debug_tui.core.build_settings.candidates import scan
from cibw_debug_tui.core.build_settings.choice import choose, why_chosen
from cibw_debug_tui.core.build_settings.doubts import doubts
from cibw_debug_tui.core.build_settings.pyproject import (
    PyprojectOption,
    pyproject_options,
    read_config,
)
from cibw_debug_tui.core.matrix import RUNNERS_BY_LABEL, Combination


@dataclass(frozen=True)
class ChosenJob:
    """The step whose settings are used, and why it was chosen, in words."""

    file: str
    job: str
    step: str
    runner: str  # runs-on as resolved, or as written
    matrix: tuple[tuple[str, str], ...]  # the matrix entry: (key, value as JSON)
    why: str
    cibuildwheel: str = ""  # the version the main build pins, when it says


@dataclass(frozen=True)
class BuildSettings:
    """Everything the form and the CLI show before a dispatch. `problems` says what could not be
    decided (no job builds the identifier, several fit, a file could not be read...)."""

    identifier: str
    chosen: ChosenJob | None
    settings: tuple[Setting, ...] = ()
    overridden: tuple[Overridden, ...] = ()
    attention: tuple[Attention, ...] = ()
    other_platforms: tuple[Setting, ...] = ()  # CIBW_*_MACOS on a Linux build...
    pyproject: tuple[PyprojectOption, ...] = ()
    package_dir: str = "."
    others: tuple[str, ...] = ()  # the other cibuildwheel jobs, and why not them
    problems: tuple[str, ...] = ()

    @property
    def values(self) -> dict[str, str]:
        """The settings to send: name -> value."""
        return {s.name: s.value for s in self.settings}

    @property
    def pyproject_path(self) -> str:
        """Where cibuildwheel reads `[tool.cibuildwheel]` for this build."""
        if self.package_dir in ("", "."):
            return "pyproject.toml"
        return f"{self.package_dir}/pyproject.toml"


def extract(
    workflows: Mapping[str, str], combination: Combination, pyproject: str | None = None
) -> BuildSettings:
    """The main build's settings for `combination`, from the texts of the repository's
    workflow files (name -> YAML) and, optionally, of the `pyproject.toml` at the package
    directory (see BuildSettings.pyproject_path)."""
    identifier = combination.identifier or ""
    if not combination.valid or not identifier or combination.runner not in RUNNERS_BY_LABEL:
        reason = combination.reason or "the combination is not valid"
        return BuildSettings(identifier=identifier, chosen=None, problems=(reason,))
    problems: list[str] = []
    config = read_config(pyproject, problems)
    candidates, left_out = scan(workflows, combination, problems)
    best, ties, others = choose(candidates, combination, config, left_out)
    assembly, chosen = Assembly(), None
    if best is None:
        if not any("cibuildwheel" in str(text) for text in workflows.values()):
            problems.append("no workflow runs cibuildwheel")
        else:
            problems.append(f"no cibuildwheel job can build on {combination.runner}")
    else:
        assembly = assemble(best, combination)
        problems += doubts(best, ties, assembly, combination)
        entry = tuple((str(k), json.dumps(v, default=str)) for k, v in best.entry.items())
        why = why_chosen(best, combination)
        chosen = ChosenJob(
            best.file, best.job, best.step, best.runs_on.text, entry, why, best.pinned
        )
    return BuildSettings(
        identifier=identifier,
        chosen=chosen,
        settings=tuple(assembly.settings),
        overridden=tuple(assembly.overridden),
        attention=tuple(assembly.attention),
        other_platforms=tuple(assembly.other_platforms),
        pyproject=tuple(pyproject_options(config, combination, assembly, problems)),
        package_dir=assembly.package_dir,
        others=tuple(others),
        problems=tuple(problems),
    )
