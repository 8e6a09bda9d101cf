"""The settings of a project's own wheel build, for the debug build of one combination.

A debug build that differs from the failing CI build reproduces nothing. This module reads the
texts of a repository's workflow files (and its `pyproject.toml`), finds the jobs that run
cibuildwheel, picks the one that builds the chosen combination (runner, CPython, arch) and works
out the `CIBW_*` settings that job gives cibuildwheel: workflow, job and step `env:`, the action's
`with:`, the command line of a `run:`. A `${{ matrix.X }}` is resolved when the matrix is static;
anything known only while the main build runs (secrets, variables, step outputs, the event...)
is never copied: it is listed as needing the person's attention, with the reason.

No network and no file access: the caller fetches the texts. Everything in them is hostile: bad
YAML, a YAML bomb, a huge file or a strange structure is a problem in words, never a crash.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cibw_debug_tui.core.actions_expr import Unresolved
from cibw_debug_tui.core.matrix import OS_NAMES, PYTHONS_BY_TAG, RUNNERS_BY_LABEL, Combination
from cibw_debug_tui.core.wheel_jobs import (
    Candidate,
    Source,
    Value,
    WorkflowError,
    as_selector,
    choose,
    condition,
    load_pyproject,
    older_than_4,
    preparation,
    scan,
    selects,
    why_chosen,
)

MAX_INPUTS_CHARS = 65_535  # GitHub's limit on a dispatch's inputs payload
PLATFORMS = ("linux", "macos", "windows", "ios", "android", "pyodide")
_SUFFIXES = tuple(f"_{p.upper()}" for p in PLATFORMS)
_NAME = re.compile(r"CIBW_[A-Z0-9_]+")
_PACKAGE_DIR = re.compile(r"[A-Za-z0-9._][A-Za-z0-9._/-]*")  # what the debug workflow accepts

# What the debug workflow (workflow/cibuildwheel-debug.yml, its validate step) sets itself, or
# refuses in cibw-settings. A test holds this list to the workflow's own.
_ONE_BUILD = "the debug build builds exactly {identifier}"
FIXED: dict[str, str] = {
    "CIBW_BUILD": _ONE_BUILD,
    "CIBW_SKIP": _ONE_BUILD,
    "CIBW_ARCHS": "the debug build sets the architecture: {arch}",
    "CIBW_PLATFORM": "the debug build runs on {os_name}",
    "CIBW_OUTPUT_DIR": "the debug build writes its wheel to wheelhouse/ and uploads it",
    "CIBW_BUILD_VERBOSITY": "the debug build is as verbose as cibuildwheel can be (3)",
    "CIBW_DEBUG_TRACEBACK": "the debug build always prints full tracebacks",
    "CIBW_DEBUG_KEEP_CONTAINER": "the debug build keeps the Linux container for `docker exec`",
}
for _platform in PLATFORMS:
    FIXED[f"CIBW_ARCHS_{_platform.upper()}"] = FIXED["CIBW_ARCHS"]
    FIXED[f"CIBW_BUILD_VERBOSITY_{_platform.upper()}"] = FIXED["CIBW_BUILD_VERBOSITY"]
_FIXED_INPUTS = {  # the action's `with:` and the command line's options
    "only": _ONE_BUILD,
    "output-dir": FIXED["CIBW_OUTPUT_DIR"],
    "--only": _ONE_BUILD,
    "--output-dir": FIXED["CIBW_OUTPUT_DIR"],
    "--platform": FIXED["CIBW_PLATFORM"],
    "--archs": FIXED["CIBW_ARCHS"],
}

# cibuildwheel 4.2's options (resources/defaults.toml) and its environment-only settings.
OPTIONS = frozenset(
    {"build", "skip", "test-skip", "enable", "archs", "audit-requires", "audit-command"}
    | {"build-frontend", "config-settings", "dependency-versions", "environment"}
    | {"environment-pass", "build-verbosity", "before-all", "before-build", "xbuild-tools"}
    | {"repair-wheel-command", "test-command", "before-test", "test-sources", "test-requires"}
    | {"test-extras", "test-groups", "test-environment", "test-runtime", "container-engine"}
    | {"pyodide-version", "xbuild-files"}
)
_ENV_ONLY = {
    "CIBW_PLATFORM",
    "CIBW_OUTPUT_DIR",
    "CIBW_CACHE_PATH",
    "CIBW_ALLOW_EMPTY",
    "CIBW_PROJECT_REQUIRES_PYTHON",
    "CIBW_DEBUG_TRACEBACK",
    "CIBW_DEBUG_KEEP_CONTAINER",
}
_IMAGE = re.compile(r"CIBW_(MANY|MUSL)LINUX_[A-Z0-9_]+_IMAGE")
REMOVED = {
    "CIBW_FREE_THREADED_SUPPORT": "was removed in cibuildwheel 3 (free-threaded builds are on by "
    "default in 4.x); cibuildwheel 4.2 stops with a configuration error when it is set",
    "CIBW_PRERELEASE_PYTHONS": "was replaced by CIBW_ENABLE=cpython-prerelease in cibuildwheel 3; "
    "the debug build enables pre-releases itself when it builds one",
}
ENABLE_GROUPS = {"cpython-prerelease", "pypy", "pypy-eol", "graalpy", "pyodide-eol"}
ENABLE_GROUPS |= {"pyodide-prerelease", "all"}
_RETIRED_IMAGES = {"manylinux1", "manylinux2010", "manylinux_2_24", "musllinux_1_1"}
# Commands: cibuildwheel joins a TOML list of them with " && ". Lists: split on whitespace.
_COMMANDS = {"before-all", "before-build", "before-test", "test-command"}
_COMMANDS |= {"repair-wheel-command", "audit-command"}
_SPACED = {"build", "skip", "test-skip", "enable", "archs", "environment", "environment-pass"}
_SPACED |= {"config-settings", "test-requires", "test-groups", "test-sources", "audit-requires"}
_SPACED |= {"xbuild-tools", "test-environment"}
# Environment variables that change how logs look, not what is built.
_COSMETIC = {"FORCE_COLOR", "PY_COLORS", "CLICOLOR_FORCE", "TERM", "PYTHONUNBUFFERED"}
_COSMETIC |= {"PIP_PROGRESS_BAR", "PIP_DISABLE_PIP_VERSION_CHECK", "PIP_NO_PYTHON_VERSION_WARNING"}


class SettingsError(ValueError):
    """Settings the debug workflow would refuse, in words (too large, a bad name...)."""


@dataclass(frozen=True)
class Setting:
    """A setting sent to the debug build."""

    name: str
    value: str
    source: Source
    written: str = ""  # the text in the file when it differs from the value (an expression)
    note: str = ""  # what was done to it ("3 lines joined with &&")


@dataclass(frozen=True)
class Overridden:
    """A setting of the main build that the debug workflow replaces with its own."""

    name: str
    value: str  # as resolved, or as written when it cannot be resolved
    reason: str
    source: Source


@dataclass(frozen=True)
class Attention:
    """A setting that is not sent and needs the person's attention."""

    name: str
    reason: str
    source: Source
    written: str = ""


@dataclass(frozen=True)
class PyprojectOption:
    """One effective `[tool.cibuildwheel]` option, for display: cibuildwheel applies it on the
    runner by itself."""

    name: str  # "before-all"
    value: str  # as cibuildwheel would see it, lists joined
    table: str  # "[tool.cibuildwheel.linux]", "[[tool.cibuildwheel.overrides]] #2 (select ...)"
    superseded_by: str = ""  # an environment setting that wins over it, in words


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
        return (
            "pyproject.toml"
            if self.package_dir in ("", ".")
            else f"{self.package_dir}/pyproject.toml"
        )


# -- The settings of the chosen step ----------------------------------------------------------


def _option_of(name: str) -> str:
    """`CIBW_BEFORE_ALL_LINUX` -> `before-all`."""
    base = name[len("CIBW_") :]
    for suffix in _SUFFIXES:
        if base.endswith(suffix):
            base = base[: -len(suffix)]
            break
    return base.lower().replace("_", "-")


def _platform_suffix(name: str) -> str | None:
    for platform, suffix in zip(PLATFORMS, _SUFFIXES, strict=True):
        if name.endswith(suffix) and name != f"CIBW{suffix}":
            return platform
    return None


def known_name(name: str) -> bool:
    """Whether cibuildwheel 4.2 reads this environment variable (or once did: REMOVED)."""
    return (
        _option_of(name) in OPTIONS
        or name in _ENV_ONLY
        or name in REMOVED
        or bool(_IMAGE.fullmatch(name))
    )


_COMPOUND = {"if", "then", "else", "elif", "fi", "for", "while", "until", "do", "done"}
_COMPOUND |= {"case", "esac", "function", "{", "}", "(", ")"}


def one_line(name: str, value: str) -> tuple[str, str]:
    """`value` on one line, as the debug workflow requires, and what was done, in words.
    Raises Unresolved (the reason) when joining the lines could change what it means."""
    if "\0" in value:
        raise Unresolved("contains a NUL character")
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    if "\n" not in text:
        return text, ""
    option = _option_of(name)
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if option in _SPACED:
        return " ".join(lines), f"{len(lines)} lines joined with spaces"
    if option not in _COMMANDS:
        raise Unresolved(f"spans {len(lines)} lines; the debug workflow takes one-line values")
    logical: list[str] = []
    pending = ""
    for line in (raw.strip() for raw in text.split("\n")):
        if not line or (line.startswith("#") and not pending):
            continue
        if line.endswith("\\"):  # a continued line
            pending += line[:-1].rstrip() + " "
        elif line.endswith(("&&", "||", "|")):  # an operator waiting for its right side
            pending += line + " "
        else:
            logical.append(pending + line)
            pending = ""
    if pending:
        logical.append(pending.strip())
    for line in logical:
        try:
            words = shlex.split(line)
            commented = len(logical) > 1 and shlex.split(line, comments=True) != words
        except ValueError:
            words, commented = [], True
        if (
            not words
            or commented  # a comment would swallow the commands joined after it
            or words[0] in _COMPOUND
            or "<<" in line
            or line.endswith(("&&", "||", "|", "\\", "{", "(", ";;", " do", " then", ";"))
        ):
            raise Unresolved(
                f"is a script of {len(lines)} lines with shell syntax that cannot be joined "
                "safely; the debug workflow takes one-line values (move it to a script)"
            )
    if len(logical) == 1:
        return logical[0], "its continued lines joined"
    return " && ".join(
        logical
    ), f"{len(logical)} commands joined with && (as cibuildwheel joins a list)"


@dataclass
class _Assembly:
    settings: list[Setting] = field(default_factory=list)
    overridden: list[Overridden] = field(default_factory=list)
    attention: list[Attention] = field(default_factory=list)
    other_platforms: list[Setting] = field(default_factory=list)
    package_dir: str = "."


def _attend(out: _Assembly, name: str, reason: str, value: Value) -> None:
    out.attention.append(Attention(name, reason, value.source, value.written()))


def _assemble(c: Candidate, combo: Combination) -> _Assembly:
    """The chosen step's environment and inputs, sorted into what is sent, what the debug
    workflow overrides and what needs the person's attention."""
    out = _Assembly()
    facts = {
        "identifier": combo.identifier,
        "arch": combo.arch,
        "os_name": OS_NAMES[combo.os or "linux"],
    }
    for name, value in c.values.items():
        if name.upper().startswith("CIBW_"):
            _classify(name, value, c, combo, facts, out)
        elif name not in _COSMETIC and _nonempty(value, c):
            _attend(out, name, NOT_CIBW, value)
    enable = _inputs(c, facts, out)
    if "--prerelease-pythons" in c.flags:
        out.attention.append(
            Attention(
                "--prerelease-pythons",
                REMOVED["CIBW_PRERELEASE_PYTHONS"],
                Source(c.file, "run", c.job, c.step),
            )
        )
    _enable(out, c, combo, enable)
    _run_time_env(out, c)
    return out


NOT_CIBW = (
    "is in the main build's environment, but the debug workflow passes CIBW_* settings only "
    "(CIBW_ENVIRONMENT or CIBW_ENVIRONMENT_PASS_LINUX can carry it)"
)


def _inputs(c: Candidate, facts: dict, out: _Assembly) -> list[str]:
    """The action's `with:` and the command line's options; returns the groups of --enable."""
    enable: list[str] = []
    for key, value in c.inputs.items():
        try:
            text = value.resolve(c.context).strip()
        except Unresolved as why:
            if key in _FIXED_INPUTS:
                reason = _FIXED_INPUTS[key].format(**facts)
                out.overridden.append(Overridden(key, value.written(), reason, value.source))
            else:
                _attend(out, key, f"its value {why}", value)
            continue
        if key in _FIXED_INPUTS:
            reason = _FIXED_INPUTS[key].format(**facts)
            out.overridden.append(Overridden(key, text, reason, value.source))
        elif key == "package-dir":
            text = text.rstrip("/") or "."
            sdist = text.endswith((".tar.gz", ".tgz", ".zip", ".tar.bz2", ".tar.xz"))
            if _PACKAGE_DIR.fullmatch(text) and "/../" not in f"/{text}/" and not sdist:
                out.package_dir = text
            else:
                _attend(
                    out,
                    key,
                    f"{text!r} is not a directory of the repository (an sdist?): the debug "
                    "workflow builds from a directory of the checkout",
                    value,
                )
        elif key in ("config-file", "--config-file") and text:
            _attend(
                out,
                key,
                f"the main build reads its configuration from {text}; the debug workflow "
                "reads {package}/pyproject.toml",
                value,
            )
        elif key == "extras" and text:
            _attend(
                out,
                key,
                f"the main build installs cibuildwheel[{text}]; the debug workflow installs "
                "cibuildwheel without extras",
                value,
            )
        elif key == "--enable":
            enable.extend(text.split())
    return enable


def _nonempty(value: Value, c: Candidate) -> bool:
    """An environment variable set to nothing for this entry sets nothing worth a look."""
    try:
        return value.resolve(c.context) != ""
    except Unresolved:
        return True


def _classify(
    name: str, value: Value, c: Candidate, combo: Combination, facts: dict, out: _Assembly
) -> None:
    def attention(reason: str) -> None:
        _attend(out, name, reason, value)

    written = value.written()
    try:
        resolved = value.resolve(c.context)
    except Unresolved as why:
        resolved = None
        problem = f"its value {why}"
    if name in FIXED:
        shown = resolved if resolved is not None else written
        out.overridden.append(Overridden(name, shown, FIXED[name].format(**facts), value.source))
        return
    if not _NAME.fullmatch(name):
        upper = name.upper()
        attention(
            f"has lower-case letters: cibuildwheel reads {upper}, so the main build ignores it"
            if _NAME.fullmatch(upper)
            else "is not a name the debug workflow accepts (CIBW_ and capitals, digits, _)"
        )
        return
    platform = _platform_suffix(name)
    if (platform and platform != combo.os) or (_IMAGE.fullmatch(name) and combo.os != "linux"):
        out.other_platforms.append(Setting(name, resolved or "", value.source, written))
        return
    if name in REMOVED:
        attention(REMOVED[name])
        return
    if resolved is None:
        attention(problem)
        return
    if _IMAGE.fullmatch(name) and not resolved.strip():
        return  # cibuildwheel ignores an empty image setting: it changes nothing
    try:
        text, note = one_line(name, resolved)
    except Unresolved as why:
        attention(f"its value {why}")
        return
    option = _option_of(name)
    if option in ("test-command", "before-build") and ("{python}" in text or "{pip}" in text):
        attention("uses {python} or {pip}, which cibuildwheel 3 removed: use python and pip")
        return
    if _IMAGE.fullmatch(name) and text.strip() in _RETIRED_IMAGES:
        attention(f"names the image {text.strip()}, which cibuildwheel 4.2 no longer builds on")
        return
    if not known_name(name):
        note = "; ".join(filter(None, [note, "cibuildwheel 4.2 has no such option and ignores it"]))
    shown = written if written != text else ""
    out.settings.append(Setting(name, text, value.source, shown, note))


def _enable(out: _Assembly, c: Candidate, combo: Combination, extra: list[str]) -> None:
    """CIBW_ENABLE keeps only the groups cibuildwheel 4.2 knows, and keeps the pre-release the
    debug build needs: the setting sent replaces the workflow's own."""
    current = next((s for s in out.settings if s.name == "CIBW_ENABLE"), None)
    if current is None and not extra:
        return  # the debug workflow enables what it needs itself
    words = (current.value.split() if current else []) + extra
    kept = [w for w in dict.fromkeys(words) if w.lower() in ENABLE_GROUPS]
    notes = []
    dropped = [w for w in dict.fromkeys(words) if w.lower() not in ENABLE_GROUPS]
    if dropped:
        notes.append(f"left out {' '.join(dropped)}, which cibuildwheel 4.2 does not know")
    py = PYTHONS_BY_TAG.get(combo.python)
    if py and py.prerelease and not {"cpython-prerelease", "all"} & {w.lower() for w in kept}:
        kept.append("cpython-prerelease")
        notes.append("added cpython-prerelease, which the debug build needs")
    source = current.source if current else Source(c.file, "run", c.job, c.step)
    out.settings = [s for s in out.settings if s.name != "CIBW_ENABLE"]
    if kept:
        note = "; ".join(filter(None, [current.note if current else "", *notes]))
        written = current.written if current else ""
        out.settings.append(Setting("CIBW_ENABLE", " ".join(kept), source, written, note))
    else:
        out.attention.append(
            Attention("CIBW_ENABLE", "; ".join(notes) + ": nothing is left to send", source)
        )


def _run_time_env(out: _Assembly, c: Candidate) -> None:
    """CIBW_* settings an earlier step writes to $GITHUB_ENV: known only while it runs."""
    for label, step in c.earlier:
        run = step.get("run")
        if not isinstance(run, str) or "GITHUB_ENV" not in run:
            continue
        if condition(step.get("if"), c.context) is False:
            continue
        names = re.findall(r"\b(CIBW_[A-Za-z0-9_]+)\s*=", run)
        for name in dict.fromkeys(names):
            if known_name(name.upper()):
                out.attention.append(
                    Attention(
                        name,
                        f"is written to $GITHUB_ENV by step {label} while the main build runs",
                        Source(c.file, "run", c.job, label),
                    )
                )


# -- pyproject.toml, for display --------------------------------------------------------------


def _display(option: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        sep = " && " if option in _COMMANDS else ("," if option == "test-extras" else " ")
        return sep.join(_display(option, v) for v in value)
    if isinstance(value, dict):
        if option in ("environment", "test-environment"):
            return " ".join(f'{k}="{_display(option, v)}"' for k, v in value.items())
        return " ".join(f"{k}={_display(option, v)}" for k, v in value.items())
    return str(value)


def _pyproject_options(
    config: dict, combo: Combination, assembly: _Assembly, problems: list[str]
) -> list[PyprojectOption]:
    """The options `[tool.cibuildwheel]` gives this identifier (top level, the OS's table, the
    overrides that select it, in cibuildwheel's order), and what wins over each."""
    ident = combo.identifier or ""
    tables: list[tuple[str, dict]] = [("[tool.cibuildwheel]", config)]
    platform_table = config.get(combo.os or "linux")
    if isinstance(platform_table, dict):
        tables.append((f"[tool.cibuildwheel.{combo.os}]", platform_table))
    overrides = config.get("overrides")
    for number, override in enumerate(overrides if isinstance(overrides, list) else [], 1):
        if not isinstance(override, dict):
            continue
        select = as_selector(override.get("select"))
        if select and selects(select, ident):
            tables.append(
                (f"[[tool.cibuildwheel.overrides]] #{number} (select = {select!r})", override)
            )
    effective: dict[str, tuple[str, str]] = {}
    for table, options in tables:
        inherit = options.get("inherit") if table.startswith("[[") else None
        for option, value in options.items():
            if option in PLATFORMS or option in ("overrides", "select", "inherit"):
                continue
            shown = _display(option, value)
            rule = inherit.get(option) if isinstance(inherit, dict) else None
            if rule in ("append", "prepend") and option in effective:
                sep = " && " if option in _COMMANDS else " "
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
    if skip and selects(skip[0], ident):
        problems.append(
            f"pyproject.toml's skip = {skip[0]!r} ({skip[1]}) skips {ident}: "
            "the debug build would build nothing"
        )
    return out


# -- The whole answer -------------------------------------------------------------------------


def extract(
    workflows: Mapping[str, str], combination: Combination, pyproject: str | None = None
) -> BuildSettings:
    """The main build's settings for `combination`, from the texts of the repository's
    workflow files (name -> YAML) and, optionally, of the `pyproject.toml` at the package
    directory (see BuildSettings.pyproject_path)."""
    if (
        not combination.valid
        or not combination.identifier
        or combination.runner not in RUNNERS_BY_LABEL
    ):
        reason = combination.reason or "the combination is not valid"
        return BuildSettings(
            identifier=combination.identifier or "", chosen=None, problems=(reason,)
        )
    problems: list[str] = []
    config: dict = {}
    if pyproject is not None:
        try:
            tool = load_pyproject(pyproject).get("tool")
            found = tool.get("cibuildwheel") if isinstance(tool, dict) else None
            config = found if isinstance(found, dict) else {}
        except WorkflowError as error:
            problems.append(str(error))
    candidates, left_out = scan(workflows, combination, problems)
    best, ties, others = choose(candidates, combination, config, left_out)
    if best is None:
        if not any("cibuildwheel" in str(text) for text in workflows.values()):
            problems.append("no workflow runs cibuildwheel")
        else:
            problems.append(f"no cibuildwheel job can build on {combination.runner}")
        return BuildSettings(
            identifier=combination.identifier,
            chosen=None,
            pyproject=tuple(_pyproject_options(config, combination, _Assembly(), problems)),
            others=tuple(others),
            problems=tuple(problems),
        )
    assembly = _assemble(best, combination)
    problems += _doubts(best, ties, assembly, combination)
    entry = tuple((str(k), json.dumps(v, default=str)) for k, v in best.entry.items())
    chosen = ChosenJob(
        best.file,
        best.job,
        best.step,
        best.runner,
        entry,
        why_chosen(best, combination),
        best.pinned,
    )
    return BuildSettings(
        identifier=combination.identifier,
        chosen=chosen,
        settings=tuple(assembly.settings),
        overridden=tuple(assembly.overridden),
        attention=tuple(assembly.attention),
        other_platforms=tuple(assembly.other_platforms),
        pyproject=tuple(_pyproject_options(config, combination, assembly, problems)),
        package_dir=assembly.package_dir,
        others=tuple(others),
        problems=tuple(problems),
    )


def _doubts(
    best: Candidate, ties: list[Candidate], assembly: _Assembly, combination: Combination
) -> list[str]:
    """Why the debug build may still differ from the main one, in words."""
    doubts = []
    if best.matrix_note:
        doubts.append(f"{best.file} job {best.job}: {best.matrix_note}")
    if best.selected is False:
        doubts.append(f"no cibuildwheel job builds {combination.identifier}: {best.selected_note}")
    different = [t for t in ties if _assemble(t, combination).settings != assembly.settings]
    if different:
        doubts.append(
            f"{len(different) + 1} jobs or matrix entries fit equally well and give different "
            f"settings; chose {best.label()}, not "
            + "; ".join(t.label() for t in different[:3])
            + (f" and {len(different) - 3} more" if len(different) > 3 else "")
        )
    steps = preparation(best)
    if steps:
        doubts.append(
            "the main build runs steps before cibuildwheel that the debug build does not: "
            + ", ".join(steps)
        )
    if best.run_before:
        shown = "; ".join(command[:50] for command in best.run_before[:3])
        more = f" and {len(best.run_before) - 3} more" if len(best.run_before) > 3 else ""
        doubts.append(
            f"step {best.step} runs commands before cibuildwheel that the debug build does not: "
            f"{shown}{more}"
        )
    if best.pinned and older_than_4(best.pinned):
        doubts.append(
            f"the main build runs cibuildwheel {best.pinned}; the debug build runs 4.2.0, "
            "whose defaults and options differ"
        )
    return doubts


# -- The debug workflow's cibw-settings input -------------------------------------------------

# What the workflow's validate step refuses in cibw-settings (a test reads the workflow).
PROTECTED = frozenset(
    {"CIBW_BUILD", "CIBW_SKIP", "CIBW_ARCHS", "CIBW_ARCHS_LINUX", "CIBW_ARCHS_MACOS"}
    | {"CIBW_ARCHS_WINDOWS", "CIBW_PLATFORM", "CIBW_OUTPUT_DIR", "CIBW_BUILD_VERBOSITY"}
)


def settings_input(settings: Mapping[str, str], inputs: Mapping[str, str] | None = None) -> str:
    """`settings` as the debug workflow's `cibw-settings` input (a JSON object, or "" for
    none). Raises SettingsError, with the reason, for what the workflow would refuse and for a
    payload that would take the dispatch's inputs (`inputs`, the others) over 65,535 characters."""
    for name, value in settings.items():
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise SettingsError(f"{name!r} is not a CIBW_* name (capitals, digits and _)")
        if name in PROTECTED:
            raise SettingsError(f"the debug workflow sets {name} itself")
        if not isinstance(value, str):
            raise SettingsError(f"the value of {name} must be text")
        if any(c in value for c in "\r\n\0"):
            raise SettingsError(f"the value of {name} must be on one line")
    text = json.dumps(dict(settings), ensure_ascii=False) if settings else ""
    payload = {**(inputs or {}), "cibw-settings": text}
    size = len(json.dumps(payload))  # escapes count: an upper bound of what GitHub counts
    if size > MAX_INPUTS_CHARS:
        largest = sorted(settings.items(), key=lambda kv: len(kv[1]), reverse=True)[:3]
        names = ", ".join(f"{k} ({len(v):,} characters)" for k, v in largest)
        raise SettingsError(
            f"the settings make the dispatch inputs {size:,} characters long; GitHub accepts at "
            f"most {MAX_INPUTS_CHARS:,}. The largest: {names}"
        )
    return text
