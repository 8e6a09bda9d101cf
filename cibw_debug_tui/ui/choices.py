"""What the dispatch form offers and says, as plain functions: values made usable (a retired
runner's replacement, an arch under its platform's name), a runner's native arch, and what a
build will do with the extra settings given (CIBW_TEST_SKIP skips the tests it says it skips).
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import NamedTuple

from cibw_debug_tui.core import matrix
from cibw_debug_tui.core.workflow_contract import (
    AFTER_FAILURE,
    ALWAYS,
    BEFORE_BUILD,
    DEBUG_MODES,
    DEFAULT_DEBUG_MODE,
    DISABLED,
    extra_settings,
)

DEFAULTS = {
    "runner": "ubuntu-latest",
    "python": "cp312",
    "arch": "x86_64",
    "debug_mode": DEFAULT_DEBUG_MODE,
    "ref": "main",
    "session_timeout": "30",
    "package_dir": ".",
    "cibw_settings": "",
}
MODE_WORDS = {  # one line each, whole in an 80-column form
    AFTER_FAILURE: "if the build fails: an SSH session where it failed",
    BEFORE_BUILD: "an SSH session before the build, which waits for you",
    ALWAYS: "SSH sessions before the build, and if it fails",
    DISABLED: "no SSH session: a verbose build; logs and wheels kept",
}
BUILD_WORDS = {"native": "native build", "emulated": "emulated", "cross-compiled": "cross-compiled"}
TEST_WORDS = {"run": "tests run", "cannot run": "tests won't run"}
COSTS = {
    "emulated": "QEMU emulates every instruction of the build and its tests: expect it to "
    "take many times as long as a native build",
    "cross-compiled": "built for another CPU than the runner's",
}
TEST_COMMAND_SUFFIX = {"linux": "_LINUX", "macos": "_MACOS", "windows": "_WINDOWS"}


def native_arch(runner: str, python: str) -> str | None:
    """The arch `runner` builds on its own CPU (else the first it builds at all, else None)."""
    label = matrix.RUNNERS_BY_LABEL.get(runner)
    if label is None:
        return None
    valid = [c for c in (matrix.check(runner, python, a) for a in matrix.ARCHES[label.os])
             if c.valid]  # fmt: skip
    native = [c for c in valid if c.build == "native"]
    return (native or valid)[0].arch if valid else None


def arch_after_change(runner: str, python: str, current: str | None, runner_changed: bool) -> str:
    """The arch to show after the runner or CPython changed: the one chosen while it is still
    valid there (and, for a new runner, native there: macos-latest must not keep x86_64, a
    cross-compiled build, by accident), else the runner's native arch."""
    if current:
        combo = matrix.check(runner, python, current)
        if combo.valid and (combo.build == "native" or not runner_changed):
            return combo.arch
    return native_arch(runner, python) or current or ""


def usable_values(values: dict[str, object]) -> tuple[dict[str, str], list[str]]:
    """The form's values from these (last time's, the command line's), each one the form can
    show, and what had to change, in words. A retired runner becomes its named replacement,
    keeping the arch; an arch under another platform's name becomes this one's."""
    v = {**DEFAULTS, **{k: str(x) for k, x in values.items() if x is not None}}
    said: list[str] = []
    runner = v["runner"]
    if runner in matrix.RETIRED:
        date, replacement = matrix.RETIRED[runner]
        said.append(f"{runner} was retired on {date}: {replacement} is used instead")
        v["runner"] = replacement
    elif runner not in matrix.RUNNERS_BY_LABEL:
        said.append(f"{runner} is not a GitHub-hosted runner: {DEFAULTS['runner']} is used")
        v["runner"] = DEFAULTS["runner"]
    if v["python"] not in matrix.PYTHONS_BY_TAG:
        said.append(
            f"{v['python']} is not a CPython this tool builds: {DEFAULTS['python']} is used"
        )
        v["python"] = DEFAULTS["python"]
    if v["debug_mode"] not in DEBUG_MODES:
        v["debug_mode"] = DEFAULT_DEBUG_MODE
    asked = matrix.check(v["runner"], v["python"], v["arch"])
    if not asked.valid:
        os_name = matrix.RUNNERS_BY_LABEL[v["runner"]].os
        alias = matrix.ARCH_ALIASES.get(os_name, {}).get(v["arch"].lower())
        if alias and matrix.check(v["runner"], v["python"], alias).valid:
            said.append(asked.reason or "")
            v["arch"] = alias
        else:
            native = native_arch(v["runner"], v["python"]) or v["arch"]
            said.append(f"{asked.reason}: {native} is used instead")
            v["arch"] = native
    return v, said


class Preview(NamedTuple):
    """What the form says it will dispatch."""

    identifier: str
    words: str  # "native build, tests run"
    cost: str  # what an emulated or cross-compiled build costs; "" for a native one


def preview(combo: matrix.Combination, settings_text: str) -> Preview:
    """The build `combo` makes with these extra settings (InputError when the workflow would
    refuse them)."""
    settings = extra_settings(settings_text)
    tests = tests_with(combo, settings)
    words = f"{BUILD_WORDS.get(combo.build or '', combo.build or '')}, {tests}"
    return Preview(combo.identifier or "", words, COSTS.get(combo.build or "", ""))


def tests_with(combo: matrix.Combination, settings: dict[str, str]) -> str:
    """What happens to the tests: the matrix's word, unless the settings skip them."""
    identifier = combo.identifier or ""
    skip = settings.get("CIBW_TEST_SKIP", "")
    if any(fnmatchcase(identifier, pattern) for pattern in skip.split()):
        return "tests skipped (CIBW_TEST_SKIP)"
    suffix = TEST_COMMAND_SUFFIX.get(combo.os or "", "")
    for key in (f"CIBW_TEST_COMMAND{suffix}", "CIBW_TEST_COMMAND"):
        if key in settings:
            if not settings[key].strip():
                return f"no tests ({key} is empty)"
            break
    return TEST_WORDS.get(combo.tests or "", f"tests {combo.tests}")
