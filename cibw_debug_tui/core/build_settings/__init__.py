"""The settings of a project's own wheel build, for the debug build of one combination.

A debug build that differs from the failing CI build reproduces nothing. `extract` reads the
texts of a repository's workflow files (and its `pyproject.toml`), finds the jobs that run
cibuildwheel, picks the one that builds the chosen combination (runner, CPython, arch) and works
out the `CIBW_*` settings that job gives cibuildwheel: workflow, job and step `env:`, the action's
`with:`, the command line of a `run:`. A `${{ matrix.X }}` is resolved when the matrix is static;
anything known only while the main build runs (secrets, variables, step outputs, the event...)
is never copied: it is listed as needing the person's attention, with the reason.

No network and no file access: the caller fetches the texts. Everything in them is hostile: bad
YAML, a YAML bomb, a huge file or a strange structure is a problem in words, never a crash.

The modules, in the order `extract` uses them: documents (parsing with limits), strategy (the
matrix), run_scripts and runners (reading a step and a job), candidates (every cibuildwheel step
for every entry), choice (the one that builds the combination), options and assembly (its
settings, sorted), pyproject (`[tool.cibuildwheel]`), doubts, result; workflow_input checks what
is sent.
"""

from cibw_debug_tui.core.build_settings.assembly import Attention, Overridden, Setting
from cibw_debug_tui.core.build_settings.documents import WorkflowError
from cibw_debug_tui.core.build_settings.options import FIXED, known_name, one_line
from cibw_debug_tui.core.build_settings.pyproject import PyprojectOption
from cibw_debug_tui.core.build_settings.result import BuildSettings, ChosenJob, extract
from cibw_debug_tui.core.build_settings.values import Source
from cibw_debug_tui.core.build_settings.workflow_input import (
    MAX_INPUTS_CHARS,
    PROTECTED,
    SettingsError,
    settings_input,
)

__all__ = [
    "FIXED",
    "MAX_INPUTS_CHARS",
    "PROTECTED",
    "Attention",
    "BuildSettings",
    "ChosenJob",
    "Overridden",
    "PyprojectOption",
    "Setting",
    "SettingsError",
    "Source",
    "WorkflowError",
    "extract",
    "known_name",
    "one_line",
    "settings_input",
]
