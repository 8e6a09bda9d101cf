"""Which candidate builds the combination: cibuildwheel's selectors, then the ranking.

The candidates that build the identifier come first, then the closest selector, then the runner
(same label, same image or its replacement, same OS and CPU), then an unconditional step, a job
or file named for wheels, and the order of the files.
"""

from __future__ import annotations

import fnmatch
import re
from typing import Any

from cibw_debug_tui.core.actions_expr import Unresolved
from cibw_debug_tui.core.build_settings.candidates import Candidate
from cibw_debug_tui.core.matrix import ARCHES, PYTHONS_BY_TAG, RUNNERS_BY_LABEL, Combination

_NATIVE = {  # (os, runner cpu) -> cibuildwheel's name of the native arch
    ("linux", "x64"): "x86_64",
    ("linux", "arm64"): "aarch64",
    ("macos", "x64"): "x86_64",
    ("macos", "arm64"): "arm64",
    ("windows", "x64"): "AMD64",
    ("windows", "arm64"): "ARM64",
}
_THIRTY_TWO = {("linux", "x86_64"): "i686", ("windows", "AMD64"): "x86"}
_PLATFORM_TAGS = (  # the start of an identifier's platform tag -> cibuildwheel's platform
    ("manylinux", "linux"),
    ("musllinux", "linux"),
    ("macosx", "macos"),
    ("win", "windows"),
    ("android", "android"),
    ("ios", "ios"),
    ("pyodide", "pyodide"),
)


def _braces(pattern: str, limit: int = 256) -> list[str]:
    """`cp3{12,13}*` -> [`cp312*`, `cp313*`], as cibuildwheel expands its selectors."""
    start = pattern.find("{")
    if start < 0:
        return [pattern]
    depth = 0
    parts: list[str] = []
    last = start + 1
    for i in range(start, len(pattern)):
        c = pattern[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                parts.append(pattern[last:i])
                head, tail = pattern[:start], pattern[i + 1 :]
                out: list[str] = []
                for part in parts:
                    for rest in _braces(part + tail, limit):
                        out.append(head + rest)
                        if len(out) >= limit:
                            return out
                return out
        elif c == "," and depth == 1:
            parts.append(pattern[last:i])
            last = i + 1
    return [pattern]  # an unclosed brace is a literal


def selects(patterns: str, identifier: str) -> bool:
    """Whether a space-separated cibuildwheel selector (`cp31?-* *-musllinux*`) matches."""
    return any(
        fnmatch.fnmatchcase(identifier, expanded)
        for pattern in patterns.split()
        for expanded in _braces(pattern)
    )


def as_selector(value: Any) -> str:
    """A selector from pyproject.toml (a string or a list of them) as one string."""
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return "" if value is None else str(value)


def arch_selected(value: str, combo: Combination, host_cpu: str | None = None) -> bool | None:
    """Whether a CIBW_ARCHS value builds the combination's arch, on a runner with `host_cpu`
    (the combination's own by default); None for a word this module does not know."""
    os_name = combo.os or "linux"
    native = _NATIVE[os_name, host_cpu or RUNNERS_BY_LABEL[combo.runner].cpu]
    thirty_two = {_THIRTY_TWO[os_name, native]} if (os_name, native) in _THIRTY_TWO else set()
    keywords = {
        "native": {native},
        "auto": {native} | thirty_two,
        "auto64": {native},
        "auto32": thirty_two,
        "all": set(ARCHES[os_name]),
    }
    chosen: set[str] = set()
    for word in re.split(r"[\s,]+", value.strip()):
        if not word:
            continue
        lowered = word.lower()
        if lowered in keywords:
            chosen |= keywords[lowered]
        elif any(lowered == a.lower() for a in ARCHES[os_name]):
            chosen.add(word)
        elif not re.fullmatch(r"[A-Za-z0-9_]+", word):
            return None
    if not chosen and not value.strip():
        chosen = keywords["auto"]
    return combo.arch.lower() in {a.lower() for a in chosen}


def _platform_of(c: Candidate) -> str | None:
    """The platform a step builds for ("" for the runner's own), None when unknown."""
    only = c.inputs.get("only") or c.inputs.get("--only")
    platform = c.inputs.get("--platform") or c.values.get("CIBW_PLATFORM")
    try:
        built = only.resolve(c.context).strip() if only else ""
        if built:
            tag = built.partition("-")[2]
            return next((p for start, p in _PLATFORM_TAGS if tag.startswith(start)), "")
        return platform.resolve(c.context).strip().lower() if platform else ""
    except Unresolved:
        return None


def _selection(
    c: Candidate, combo: Combination, config: dict[str, Any]
) -> tuple[bool | None, str, int]:
    """Whether this step's configuration builds the identifier, why not, and how close it
    comes (how much of the identifier its selectors name)."""
    ident = combo.identifier or ""
    tag = ident.partition("-")[2]
    unknown: list[str] = []

    def get(*names: str) -> tuple[str, str | None] | None:
        """(name, value) of the first setting given; value None when it is not known."""
        for name in names:
            value = c.inputs.get(name) or c.values.get(name)
            if value is None:
                continue
            try:
                return name, value.resolve(c.context)
            except Unresolved:
                unknown.append(name)
                return name, None
        return None

    only = get("only", "--only")
    if only and only[1] and only[1].strip():
        built = only[1].strip()
        chosen = 2 if built == ident else int(built.endswith(f"-{tag}"))
        return chosen == 2, "" if chosen == 2 else f"it builds only {built}", chosen + 3
    os_name = combo.os or "linux"
    build_name, build = get("CIBW_BUILD") or ("build", as_selector(config.get("build")))
    skip_name, skip = get("CIBW_SKIP") or ("skip", as_selector(config.get("skip")))
    archs_name, archs = get("--archs", f"CIBW_ARCHS_{os_name.upper()}", "CIBW_ARCHS") or ("", "")
    if archs == "":  # not given, or empty: cibuildwheel ignores an empty CIBW_ARCHS
        table = config.get(os_name)
        table = table if isinstance(table, dict) and "archs" in table else config
        archs_name, archs = "archs", as_selector(table.get("archs")) or "auto"

    why: list[str] = []
    chosen = 2  # 2: selects the identifier; 1: selects its platform with another CPython
    if build and build.strip() and not selects(build, ident):
        chosen = int(any(selects(build, f"{py}-{tag}") for py in PYTHONS_BY_TAG))
        why.append(f"{build_name} = {build.strip()!r} does not select {ident}")
    skipped = wrong_arch = sliced = False
    if skip and selects(skip, ident):
        skipped = True
        why.append(f"{skip_name} = {skip.strip()!r} skips {ident}")
    if archs is not None and arch_selected(archs, combo, c.runs_on.cpu) is False:
        wrong_arch = True
        why.append(f"{archs_name} = {archs.strip()!r} does not build {combo.arch}")
        # A universal2 wheel holds the arm64 and x86_64 slices: closer than another arch.
        sliced = os_name == "macos" and "universal2" in archs.lower().split()
    closeness = chosen + (not skipped) + (0 if wrong_arch else 2) + sliced
    if why:
        return False, "; ".join(why), closeness
    if unknown:
        return None, f"{', '.join(unknown)} is known only while the main build runs", closeness
    return True, "", closeness


def choose(
    candidates: list[Candidate],
    combo: Combination,
    config: dict[str, Any],
    left_out: list[tuple[str, str, str]],
) -> tuple[Candidate | None, list[Candidate], list[str]]:
    """The best candidate, the ones as good as it, and each other job with why not it."""
    usable: list[Candidate] = []
    left_out = list(left_out)
    for c in candidates:
        platform = _platform_of(c)
        if platform not in (None, "", "auto", combo.os):
            left_out.append((c.file, c.job, f"{c.file} job {c.job}: builds for {platform}"))
            continue
        c.selected, c.selected_note, c.closeness = _selection(c, combo, config)
        usable.append(c)
    usable.sort(key=Candidate.rank, reverse=True)  # stable: the first in the files wins a tie
    if not usable:
        return None, [], _others(left_out)
    best = usable[0]
    ties = [c for c in usable[1:] if c.rank() == best.rank()]
    less = [(c.file, c.job, f"{c.file} job {c.job}: {_why_not(c, best)}") for c in usable[1:]]
    return best, ties, _others(less + left_out, chosen=(best.file, best.job))


def _why_not(c: Candidate, best: Candidate) -> str:
    if c.selected is False:
        return c.selected_note
    if (c.runs_on.score or 0) < (best.runs_on.score or 0):
        return f"runs on {c.runs_on.text or 'an unknown runner'}"
    return "fits less well"


def _others(reasons: list[tuple[str, str, str]], chosen: tuple[str, str] = ("", "")) -> list[str]:
    """The first reason given for each job other than the chosen one."""
    others: dict[tuple[str, str], str] = {}
    for file, job, why in reasons:
        if (file, job) != chosen:
            others.setdefault((file, job), why)
    return list(others.values())


def why_chosen(c: Candidate, combo: Combination) -> str:
    ident = combo.identifier
    if c.selected is True:
        parts = [f"it builds {ident}"]
    elif c.selected is None:
        parts = [f"it may build {ident} ({c.selected_note})"]
    else:
        parts = [f"no cibuildwheel job builds {ident}; this one comes closest ({c.selected_note})"]
    if c.runs_on.score == 3:
        parts.append(f"on {combo.runner}")
    elif c.runs_on.note:
        parts.append(c.runs_on.note)
    if c.condition is None:
        parts.append("its step runs only under a condition decided while the main build runs")
    return "; ".join(parts)
