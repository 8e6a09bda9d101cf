"""Find the steps of a repository's workflows that run cibuildwheel, and the one that builds a
given combination (runner, CPython, arch).

A workflow is data from outside: it is parsed with limits (size, aliases, matrix size) and every
`${{ }}` is evaluated by `actions_expr`, which refuses what is known only while a run goes on.
Each (job, matrix entry, cibuildwheel step) is a Candidate; `choose` ranks them: the ones that
build the identifier, then the closest selector, then the runner (same label, same image or its
replacement, same OS and CPU), then an unconditional step, a job or file named for wheels, and
the order of the files.
"""

from __future__ import annotations

import fnmatch
import itertools
import json
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cibw_debug_tui.core.actions_expr import (
    Unresolved,
    evaluate,
    evaluate_value,
    interpolate,
    literals,
    split_template,
    to_string,
)
from cibw_debug_tui.core.matrix import (
    ARCHES,
    OS_NAMES,
    PYTHONS_BY_TAG,
    RETIRED,
    RUNNERS_BY_LABEL,
    Combination,
)

MAX_FILE_CHARS = 1_000_000  # GitHub's contents API serves files up to 1 MB inline
MAX_YAML_NODES = 200_000  # after expanding aliases: more is a YAML bomb, not a workflow
MAX_MATRIX = 256  # GitHub runs at most 256 jobs per matrix
_ACTION = re.compile(r"(?:pypa|joerick)/cibuildwheel@(\S+)", re.IGNORECASE)
# cibuildwheel==2.22.0, cibuildwheel>=3.2.0,<4, cibuildwheel~=3.1 (in pip, pipx, uvx lines)
_PINNED = re.compile(r"cibuildwheel\s*((?:[=<>~!]=?\s*[0-9][0-9A-Za-z.*+-]*\s*,?\s*)+)")


class WorkflowError(ValueError):
    """A file this module cannot read, in words."""


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


# -- Reading the files ------------------------------------------------------------------------


def load_yaml(text: str, name: str = "the file") -> Any:
    """`text` parsed as one YAML document. Aliases are allowed (GitHub accepts anchors), but a
    document that expands to more than MAX_YAML_NODES nodes, or refers to itself, is refused."""
    import yaml

    if not isinstance(text, str):
        raise WorkflowError(f"{name} is not text")
    if len(text) > MAX_FILE_CHARS:
        raise WorkflowError(f"{name} has {len(text):,} characters, more than {MAX_FILE_CHARS:,}")
    loader = None
    try:
        loader = yaml.SafeLoader(text)  # reads (and may refuse) the first characters already
        node = loader.get_single_node()
        if node is None:
            return None
        _check_expansion(node, name)
        return loader.construct_document(node)
    except WorkflowError:
        raise
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = error.problem or error.context or "unreadable"
        raise WorkflowError(f"{name} is not valid YAML{where}: {what}") from None
    except yaml.YAMLError as error:
        raise WorkflowError(f"{name} is not valid YAML: {error}") from None
    except RecursionError:
        raise WorkflowError(f"{name} is nested too deeply to read") from None
    except (ValueError, TypeError, OverflowError) as error:  # a date like 2026-13-45
        raise WorkflowError(f"{name} has a value YAML cannot build: {error}") from None
    finally:
        if loader is not None:
            loader.dispose()


def _check_expansion(root: Any, name: str) -> None:
    import yaml

    sizes: dict[int, int] = {}
    visiting: set[int] = set()

    def size(node: Any) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in visiting:
            raise WorkflowError(f"{name} has an alias that refers to itself")
        visiting.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            children = node.value
        elif isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        else:
            children = []
        for child in children:
            total += size(child)
            if total > MAX_YAML_NODES:
                raise WorkflowError(
                    f"{name} expands to more than {MAX_YAML_NODES:,} values through its "
                    "aliases (a YAML bomb?)"
                )
        visiting.discard(key)
        sizes[key] = total
        return total

    size(root)


def load_pyproject(text: str) -> dict:
    """`text` parsed as TOML (tomllib, or tomli before Python 3.11)."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    if not isinstance(text, str):
        raise WorkflowError("pyproject.toml is not text")
    if len(text) > MAX_FILE_CHARS:
        raise WorkflowError(
            f"pyproject.toml has {len(text):,} characters, more than {MAX_FILE_CHARS:,}"
        )
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise WorkflowError(f"pyproject.toml is not valid TOML: {error}") from None
    except RecursionError:
        raise WorkflowError("pyproject.toml is nested too deeply to read") from None


# -- Matrices ---------------------------------------------------------------------------------


def _subset(part: Any, whole: Any) -> bool:
    """GitHub matches an exclude entry, or an include's keys, partially inside objects."""
    if isinstance(part, dict) and isinstance(whole, dict):
        return all(k in whole and _subset(v, whole[k]) for k, v in part.items())
    return part == whole


def expand_matrix(matrix: Any) -> list[dict]:
    """The entries of a static `strategy.matrix`, in GitHub's order: the product of its lists,
    less `exclude`, then `include` merged in. Raises Unresolved when the matrix (or one of its
    lists) is computed while the workflow runs, WorkflowError when it is malformed or too big."""
    if matrix is None:
        return [{}]
    if isinstance(matrix, str):
        if "${{" in matrix:
            raise Unresolved(f"uses a matrix computed while the main build runs ({matrix.strip()})")
        raise WorkflowError("the matrix is text, not a mapping")
    if not isinstance(matrix, dict):
        raise WorkflowError("the matrix is not a mapping")
    axes: list[tuple[str, list]] = []
    for key, values in matrix.items():
        key = str(key)
        if key in ("include", "exclude"):
            continue
        if isinstance(values, str) and "${{" in values:
            raise Unresolved(
                f"uses matrix.{key}, computed while the main build runs ({values.strip()})"
            )
        if not isinstance(values, list):
            raise WorkflowError(f"matrix.{key} is not a list")
        axes.append((key, values))
    count = 1
    for _, values in axes:
        count *= len(values)
        if count > MAX_MATRIX * 16:
            break
    if count > MAX_MATRIX * 16:
        raise WorkflowError(f"the matrix has more than {MAX_MATRIX * 16} combinations")
    entries = [
        dict(zip([k for k, _ in axes], combo, strict=True))
        for combo in itertools.product(*[v for _, v in axes])
    ]
    if not axes:
        entries = []
    for name in ("exclude", "include"):
        part = matrix.get(name)
        if isinstance(part, str) and "${{" in part:
            raise Unresolved(
                f"uses matrix.{name}, computed while the main build runs ({part.strip()})"
            )
        if part is not None and not isinstance(part, list):
            raise WorkflowError(f"matrix.{name} is not a list")
    for rule in matrix.get("exclude") or []:
        if isinstance(rule, dict) and rule:
            rule = {str(k): v for k, v in rule.items()}
            entries = [e for e in entries if not _subset(rule, e)]
    # An include joins every original combination it does not contradict (GitHub's rule),
    # or else becomes a combination of its own; added combinations never merge.
    original = {k for k, _ in axes}
    added: list[dict] = []
    for extra in matrix.get("include") or []:
        if not isinstance(extra, dict):
            continue
        extra = {str(k): v for k, v in extra.items()}
        merged = False
        for entry in entries:
            if all(k not in original or _subset(v, entry.get(k)) for k, v in extra.items()):
                entry.update(extra)
                merged = True
        if not merged:
            added.append(dict(extra))
    entries += added
    if len(entries) > MAX_MATRIX:
        raise WorkflowError(
            f"the matrix has {len(entries)} entries, more than GitHub's {MAX_MATRIX}"
        )
    return entries or [{}]


# -- Which builds a configuration selects -----------------------------------------------------


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


def _native(os_name: str, cpu: str) -> str:
    return {
        ("linux", "x64"): "x86_64",
        ("linux", "arm64"): "aarch64",
        ("macos", "x64"): "x86_64",
        ("macos", "arm64"): "arm64",
        ("windows", "x64"): "AMD64",
        ("windows", "arm64"): "ARM64",
    }[os_name, cpu]


def arch_selected(value: str, combo: Combination, host_cpu: str | None = None) -> bool | None:
    """Whether a CIBW_ARCHS value builds the combination's arch, on a runner with `host_cpu`
    (the combination's own by default); None for a word this module does not know."""
    cpu = host_cpu or RUNNERS_BY_LABEL[combo.runner].cpu
    native = _native(combo.os or "linux", cpu)
    thirty_two = {("linux", "x86_64"): "i686", ("windows", "AMD64"): "x86"}.get((combo.os, native))
    keywords = {
        "native": {native},
        "auto": {native} | ({thirty_two} if thirty_two else set()),
        "auto64": {native},
        "auto32": {thirty_two} if thirty_two else set(),
        "all": set(ARCHES[combo.os or "linux"]),
    }
    chosen: set[str] = set()
    for word in re.split(r"[\s,]+", value.strip()):
        if not word:
            continue
        lowered = word.lower()
        if lowered in keywords:
            chosen |= keywords[lowered]
        elif any(lowered == a.lower() for a in ARCHES[combo.os or "linux"]):
            chosen.add(word)
        elif not re.fullmatch(r"[A-Za-z0-9_]+", word):
            return None
    if not chosen and not value.strip():
        chosen = keywords["auto"]
    return combo.arch.lower() in {a.lower() for a in chosen}


# -- Finding cibuildwheel in a step -----------------------------------------------------------

_INVOKERS = {"-m", "run", "uvx", "exec", "time", "sudo", "nice", "env", "--"}
_WITH_VALUE = {"--output-dir", "--platform", "--archs", "--only", "--config-file", "--enable"}
# Lines of a script that prepare nothing for the build.
_TRIVIAL = re.compile(
    r"\s*(set\s+[-+]\w+|echo\b(?!.*>>)|export\s+CIBW_|(python3?|py)(\.exe)?\s+(-V|--version)\s*$"
    r"|((python3?(\.exe)?|py)\s+-m\s+)?(pip|pipx|uv(\s+pip|\s+tool)?)\s+install\b)"
)
_SEPARATORS = {"&&", "||", ";", "|", "&", "|&", ";;"}
_ASSIGNMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=(.*)", re.DOTALL)
_CIBW_TOKEN = re.compile(r"(?:.*[/\\])?cibuildwheel(?:\.exe)?(?:\[[^\]]*\])?(?:[=<>~!@].*)?")


@dataclass
class Invocation:
    """cibuildwheel's command line in a `run:` script."""

    assignments: dict[str, str] = field(default_factory=dict)  # NAME=value before the command
    options: dict[str, str] = field(default_factory=dict)  # --platform linux...
    flags: list[str] = field(default_factory=list)  # --prerelease-pythons...
    package_dir: str | None = None
    exports: dict[str, str] = field(default_factory=dict)  # `export CIBW_X=...` lines before it
    before: list[str] = field(default_factory=list)  # other commands before it in the script


def _shell_words(line: str) -> list[str]:
    lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        return list(lexer)
    except ValueError:  # unbalanced quotes: good enough for finding the command
        return line.split()


def _is_invocation(words: list[str], i: int) -> bool:
    if not _CIBW_TOKEN.fullmatch(words[i]):
        return False
    before = words[:i]
    while before and _ASSIGNMENT.fullmatch(before[0]):
        before = before[1:]
    if not before:
        return True
    if before[-1] in _INVOKERS:
        return True
    return (
        len(before) >= 2
        and before[-2] in ("--from", "--spec")
        and before[0] in ("uvx", "uv", "pipx")
    )


def find_invocation(script: str) -> Invocation | None:
    """The first command in `script` that runs cibuildwheel to build wheels (not `pip install
    cibuildwheel`, not `cibuildwheel --print-build-identifiers`), or None."""
    exports: dict[str, str] = {}
    before: list[str] = []
    for line in script.replace("\\\r\n", " ").replace("\\\n", " ").splitlines():
        words = _shell_words(line)
        if len(words) >= 2 and words[0] == "export":
            for word in words[1:]:
                m = _ASSIGNMENT.fullmatch(word)
                if m and m.group(1).startswith("CIBW_"):
                    exports[m.group(1)] = m.group(2)
        commands: list[list[str]] = [[]]
        for word in words:
            if word in _SEPARATORS:
                commands.append([])
            else:
                commands[-1].append(word)
        for k, command in enumerate(commands):
            for i in range(len(command)):
                if _is_invocation(command, i):
                    found = _parse_invocation(command, i)
                    if found is not None:
                        found.exports = dict(exports)
                        found.before = before + [" ".join(c) for c in commands[:k] if c]
                        return found
        for word in words:  # a command line quoted for another shell: cmd //c "... cibuildwheel"
            if word != line and " " in word and "cibuildwheel" in word:
                found = find_invocation(word)
                if found is not None:
                    found.before = before + found.before
                    return found
        if words and not _TRIVIAL.match(line):
            before.append(line.strip())
    return None


def _parse_invocation(words: list[str], at: int) -> Invocation | None:
    found = Invocation()
    for word in words[:at]:
        m = _ASSIGNMENT.fullmatch(word)
        if not m:
            break
        found.assignments[m.group(1)] = m.group(2)
    args = words[at + 1 :]
    i = 0
    while i < len(args):
        arg = args[i]
        if "<" in arg or ">" in arg:  # a redirection: the command line ends here
            break
        name, eq, value = arg.partition("=")
        if name in _WITH_VALUE:
            if not eq:
                i += 1
                value = args[i] if i < len(args) else ""
            found.options[name] = value
        elif arg == "--print-build-identifiers":
            return None
        elif arg.startswith("-"):
            found.flags.append(arg)
        elif found.package_dir is None:
            found.package_dir = arg
        i += 1
    return found


def _action_ref(step: dict) -> str | None:
    uses = step.get("uses")
    if isinstance(uses, str):
        m = _ACTION.fullmatch(uses.strip())
        if m:
            return m.group(1)
    return None


# -- Resolving values for one matrix entry ----------------------------------------------------

_MARK = re.compile("\x00([0-9]+)\x00")


def _mask(text: str) -> tuple[str, list[str]]:
    """`text` with each `${{ }}` replaced by a marker, so that shell parsing never sees the
    quotes and `||` inside expressions; the expressions are evaluated later, per entry."""
    try:
        pieces = split_template(text.replace("\x00", ""))
    except Unresolved:
        return text.replace("\x00", ""), []
    exprs: list[str] = []
    out: list[str] = []
    for is_expr, part in pieces:
        if is_expr:
            out.append(f"\x00{len(exprs)}\x00")
            exprs.append(part)
        else:
            out.append(part)
    return "".join(out), exprs


def _unmask(text: str, exprs: list[str], context: Mapping[str, Any]) -> str:
    return _MARK.sub(lambda m: to_string(evaluate(exprs[int(m.group(1))], context)), text)


def _written(text: str, exprs: list[str]) -> str:
    return _MARK.sub(lambda m: "${{" + exprs[int(m.group(1))] + "}}", text)


def resolve(raw: Any, context: Mapping[str, Any]) -> str:
    """A YAML value of `env:` or `with:` as the string GitHub would pass; raises Unresolved."""
    if raw is None:
        return ""
    if isinstance(raw, (bool, int, float)):
        return to_string(raw)
    if isinstance(raw, str):
        return interpolate(raw, context)
    if isinstance(raw, (list, dict)):
        raise Unresolved("is a YAML list or mapping where GitHub expects text")
    return str(raw)  # a date: GitHub reads it as the text it is


def condition(raw: Any, context: Mapping[str, Any]) -> bool | None:
    """An `if:` as True, False, or None when it depends on the run."""
    if raw is None:
        return True
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)):
        return raw != 0
    if not isinstance(raw, str):
        return None
    try:
        text = raw.strip()
        value = evaluate_value(text, context) if "${{" in text else evaluate(text, context)
    except Unresolved:
        return None
    return value not in (None, False, 0, "")


@dataclass
class Value:
    """A setting as written somewhere, before it is resolved for an entry."""

    name: str
    raw: Any
    source: Source
    exprs: list[str] | None = None  # set for text cut from a run: script (masked)

    def written(self) -> str:
        if self.exprs is not None:
            return _written(str(self.raw), self.exprs)
        return self.raw if isinstance(self.raw, str) else json.dumps(self.raw, default=str)

    def resolve(self, context: Mapping[str, Any]) -> str:
        if self.exprs is not None:
            return _unmask(str(self.raw), self.exprs, context)
        return resolve(self.raw, context)


# -- Candidates: (job, matrix entry, cibuildwheel step) ----------------------------------------


@dataclass
class Candidate:
    file: str
    job: str
    step_index: int
    step: str
    entry: dict
    context: dict
    values: dict[str, Value]  # CIBW_* and other environment, the winner of each name
    inputs: dict[str, Value]  # with: and command-line options ("package-dir", "--platform")
    flags: list[str]
    action_ref: str | None
    runner: str = ""
    runner_score: int = 0
    runner_note: str = ""
    selected: bool | None = None
    selected_note: str = ""
    condition: bool | None = True
    order: int = 0
    matrix_note: str = ""
    pinned: str = ""
    earlier: list[tuple[str, dict]] = field(default_factory=list)  # the job's steps before it
    closeness: int = 0  # how much of the identifier its selector names, when it builds others
    host_cpu: str | None = None  # of the job's runner, when known
    run_before: list[str] = field(default_factory=list)  # commands before it in its own step

    def label(self) -> str:
        entry = ", ".join(f"{k}={json.dumps(v, default=str)}" for k, v in self.entry.items())
        where = f"{self.file} job {self.job}"
        return f"{where} ({entry})" if entry else where

    def rank(self) -> tuple:
        chosen = {True: 2, None: 1, False: 0}
        wheelish = "wheel" in f"{self.file} {self.job}".lower()
        return (
            chosen[self.selected],
            self.closeness,
            self.runner_score,
            chosen[self.condition],
            wheelish,
            -self.order,
        )


def _step_label(step: dict, index: int) -> str:
    """A step as a person finds it in the file: its name, else its number and what it does."""
    name = step.get("name")
    if isinstance(name, str) and name.strip():
        return f'"{name.strip()}"'
    what = step.get("uses") or step.get("run")
    first = what.strip().splitlines()[0] if isinstance(what, str) and what.strip() else ""
    return f"#{index + 1} ({first[:40]})" if first else f"#{index + 1}"


def _runner_context(combo: Combination) -> dict:
    cpu = RUNNERS_BY_LABEL[combo.runner].cpu
    return {"os": OS_NAMES[combo.os or "linux"], "arch": "ARM64" if cpu == "arm64" else "X64"}


def _os_of(label: str) -> tuple[str | None, str | None]:
    """(os, cpu) of a runner label: known, retired (as its replacement) or guessed from the name."""
    known = RUNNERS_BY_LABEL.get(RETIRED[label][1] if label in RETIRED else label)
    if known:
        return known.os, known.cpu
    lowered = label.lower()
    cpu = "arm64" if "arm" in lowered or "aarch64" in lowered else None
    for os_name, hint in (
        ("linux", r"ubuntu|linux"),
        ("macos", r"macos|osx|darwin|\bmac\b"),
        ("windows", r"windows|\bwin\b|\bwin\d"),
    ):
        if re.search(hint, lowered):
            return os_name, cpu
    return None, None


def _same_runner(label: str, runner: str) -> bool:
    """Whether two labels name the same image (ubuntu-latest = ubuntu-24.04...)."""
    aliases = {r.label: r.note[2:] for r in RUNNERS_BY_LABEL.values() if r.note.startswith("= ")}
    return aliases.get(label, label) == aliases.get(runner, runner)


def _match_runner(labels: list[str], combo: Combination) -> tuple[int | None, str]:
    """How well runner labels fit the combination's runner: 3 the same label, 2 the same image
    or its replacement, 1 the same OS and CPU, 0 the same OS; None another OS."""
    host = RUNNERS_BY_LABEL[combo.runner]
    best: tuple[int | None, str] = (None, "")
    for label in labels:
        if label == combo.runner:
            return 3, ""
        if _same_runner(label, combo.runner):
            score, note = 2, f"{label} is the same image as {combo.runner}"
        elif label in RETIRED and RETIRED[label][1] == combo.runner:
            score, note = 2, f"{label} was retired; {combo.runner} replaces it"
        else:
            os_name, cpu = _os_of(label)
            if os_name is None:
                continue
            if os_name != host.os:
                continue
            score = 1 if cpu == host.cpu else 0
            note = f"runs on {label}, not {combo.runner}"
        if best[0] is None or score > best[0]:
            best = (score, note)
    if best[0] is None and labels and all(_os_of(label)[0] is None for label in labels):
        return 0, f"runs on {', '.join(labels)}, a runner this tool does not know"
    return best


def _runs_on(
    job: dict, context: Mapping[str, Any], combo: Combination
) -> tuple[int | None, str, str]:
    """(score, runner as text, note) for a job's `runs-on`."""
    raw = job.get("runs-on")
    if isinstance(raw, dict):
        raw = raw.get("labels")
    items = raw if isinstance(raw, list) else [raw]
    labels: list[str] = []
    for item in items:
        if not isinstance(item, str):
            continue
        try:
            value = evaluate_value(item, context)
        except Unresolved as why:
            guesses = [g for text in _expressions(item) for g in literals(text) if _os_of(g)[0]]
            score, note = _match_runner(guesses, combo) if guesses else (0, "")
            if score is None:
                return None, item.strip(), ""
            choice = f"; it may choose {', '.join(dict.fromkeys(guesses))}" if guesses else ""
            return min(score, 1), item.strip(), f"runs-on {why}{choice}"
        labels.extend(to_string(v) for v in (value if isinstance(value, list) else [value]))
    if not labels:
        return 0, "", "the job names no runner"
    score, note = _match_runner(labels, combo)
    return score, ", ".join(labels), note


def _expressions(text: str) -> list[str]:
    try:
        return [part for is_expr, part in split_template(text) if is_expr]
    except Unresolved:
        return []


def _env_of(block: Any) -> dict[str, Any]:
    return {str(k): v for k, v in block.items()} if isinstance(block, dict) else {}


def scan(
    workflows: Mapping[str, str], combo: Combination, problems: list[str]
) -> tuple[list[Candidate], list[tuple[str, str, str]]]:
    """Every cibuildwheel step of every job and matrix entry that could build on the
    combination's OS, and the jobs left out, in words."""
    candidates: list[Candidate] = []
    left_out: list[tuple[str, str, str]] = []  # (file, job, why not), in words
    runner = _runner_context(combo)
    order = 0
    for name, text in workflows.items():
        try:
            doc = load_yaml(text, name)
        except WorkflowError as error:
            problems.append(str(error))
            continue
        if not isinstance(doc, dict):
            if doc is not None:
                problems.append(f"{name} is not a workflow (its top level is not a mapping)")
            continue
        jobs = doc.get("jobs")
        if not isinstance(jobs, dict):
            continue
        workflow_env = _env_of(doc.get("env"))
        for job_id, job in jobs.items():
            job_id = str(job_id)
            if not isinstance(job, dict) or not isinstance(job.get("steps"), list):
                continue
            steps = [s if isinstance(s, dict) else {} for s in job["steps"]]
            found = [(i, s) for i, s in enumerate(steps) if _runs_cibuildwheel(s)]
            if not found:
                continue
            dynamic: Unresolved | None = None
            strategy = job.get("strategy")
            try:
                entries = expand_matrix(
                    strategy.get("matrix") if isinstance(strategy, dict) else None
                )
            except Unresolved as why:
                entries, dynamic = [{}], why
            except WorkflowError as error:
                problems.append(f"{name} job {job_id}: {error}")
                entries, dynamic = [{}], Unresolved(str(error))
            job_env = _env_of(job.get("env"))
            for entry in entries:
                context = {"matrix": dynamic or entry, "runner": runner}
                where = f"{name} job {job_id}"
                if condition(job.get("if"), context) is False:
                    left_out.append((name, job_id, f"{where}: its if: is false here"))
                    continue
                score, runs_on, note = _runs_on(job, context, combo)
                if score is None:
                    left_out.append((name, job_id, f"{where}: runs on {runs_on or 'another OS'}"))
                    continue
                for index, step in found:
                    order += 1
                    candidate = _candidate(
                        name,
                        text,
                        job_id,
                        steps,
                        index,
                        step,
                        entry,
                        context,
                        (workflow_env, job_env),
                    )
                    candidate.order = order
                    candidate.runner, candidate.runner_score, candidate.runner_note = (
                        runs_on,
                        score,
                        note,
                    )
                    candidate.host_cpu = next(
                        (_os_of(label)[1] for label in runs_on.split(", ") if _os_of(label)[1]),
                        None,
                    )
                    candidate.matrix_note = str(dynamic) if dynamic else ""
                    candidate.condition = condition(step.get("if"), context)
                    if candidate.condition is False:
                        continue
                    candidates.append(candidate)
    return candidates, left_out


def _runs_cibuildwheel(step: dict) -> bool:
    if _action_ref(step):
        return True
    run = step.get("run")
    return (
        isinstance(run, str)
        and "cibuildwheel" in run
        and find_invocation(_mask(run)[0]) is not None
    )


def _candidate(
    file: str,
    text: str,
    job: str,
    steps: list[dict],
    index: int,
    step: dict,
    entry: dict,
    context: dict,
    envs: tuple[dict, dict],
) -> Candidate:
    label = _step_label(step, index)
    values: dict[str, Value] = {}
    for level, env in (("workflow", envs[0]), ("job", envs[1]), ("step", _env_of(step.get("env")))):
        for key, raw in env.items():
            values[key] = Value(
                key, raw, Source(file, level, "" if level == "workflow" else job, label)
            )
    inputs: dict[str, Value] = {}
    flags: list[str] = []
    before: list[str] = []
    ref = _action_ref(step)
    if ref:
        for key, raw in _env_of(step.get("with")).items():
            inputs[key] = Value(key, raw, Source(file, "with", job, label))
    else:
        masked, exprs = _mask(str(step.get("run")))
        call = find_invocation(masked) or Invocation()
        run = Source(file, "run", job, label)
        for key, raw in {**call.exports, **call.assignments}.items():
            values[key] = Value(key, raw, run, exprs)
        for key, raw in call.options.items():
            inputs[key] = Value(key, raw, run, exprs)
        if call.package_dir is not None:
            inputs["package-dir"] = Value("package-dir", call.package_dir, run, exprs)
        flags = call.flags
        before = [_written(command, exprs) for command in call.before]
    candidate = Candidate(file, job, index, label, entry, context, values, inputs, flags, ref)
    candidate.pinned = _pinned_version(text, ref, steps[: index + 1])
    candidate.earlier = [(_step_label(s, i), s) for i, s in enumerate(steps[:index])]
    candidate.run_before = before
    return candidate


def _pinned_version(text: str, ref: str | None, steps: list[dict]) -> str:
    if ref:
        if re.fullmatch(r"[0-9a-f]{40}", ref):
            m = re.search(re.escape(ref) + r"\s*#\s*(v?[0-9][^\s]*)", text)
            return m.group(1) if m else ref[:12]
        return ref
    for step in reversed(steps):
        run = step.get("run")
        m = _PINNED.search(run) if isinstance(run, str) else None
        if m:
            spec = re.sub(r"\s+", "", m.group(1)).rstrip(",")
            return spec[2:] if spec.startswith("==") else spec
    return ""


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


# -- Choosing the job that builds the combination ---------------------------------------------


def _config_value(config: dict, combo: Combination, option: str) -> Any:
    table = config.get(combo.os or "linux")
    if isinstance(table, dict) and option in table:
        return table[option]
    return config.get(option)


def as_selector(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return "" if value is None else str(value)


def _identifier_platform(identifier: str) -> str:
    tag = identifier.partition("-")[2]
    for prefix, platform in (
        ("manylinux", "linux"),
        ("musllinux", "linux"),
        ("macosx", "macos"),
        ("win", "windows"),
        ("android", "android"),
        ("ios", "ios"),
        ("pyodide", "pyodide"),
    ):
        if tag.startswith(prefix):
            return platform
    return ""


def _platform_of(c: Candidate) -> str | None:
    """The platform a step builds for ("" for the runner's own), None when unknown."""
    only = c.inputs.get("only") or c.inputs.get("--only")
    value = c.inputs.get("--platform") or c.values.get("CIBW_PLATFORM")
    try:
        if only is not None and only.resolve(c.context).strip():
            return _identifier_platform(only.resolve(c.context).strip())
        return value.resolve(c.context).strip().lower() if value else ""
    except Unresolved:
        return None


def _selection(c: Candidate, combo: Combination, config: dict) -> tuple[bool | None, str]:
    """Whether this step's configuration builds the identifier, and why not."""
    ident = combo.identifier or ""
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
    build = get("CIBW_BUILD") or ("build", as_selector(config.get("build")))
    skip = get("CIBW_SKIP") or ("skip", as_selector(config.get("skip")))
    archs = get("--archs", f"CIBW_ARCHS_{(combo.os or '').upper()}", "CIBW_ARCHS")
    if archs is None or archs[1] == "":  # an empty CIBW_ARCHS is ignored
        archs = ("archs", as_selector(_config_value(config, combo, "archs")) or "auto")
    tag = ident.partition("-")[2]

    def picks(selector: str) -> int:
        """2: selects the identifier; 1: selects its platform with another CPython."""
        if selects(selector, ident):
            return 2
        return int(any(selects(selector, f"{py}-{tag}") for py in PYTHONS_BY_TAG))

    why: list[str] = []
    if only and only[1] and only[1].strip():
        chosen = 2 if only[1].strip() == ident else int(only[1].strip().endswith(f"-{tag}"))
        if chosen < 2:
            why.append(f"it builds only {only[1].strip()}")
        c.closeness = chosen + 3
        return (not why), "; ".join(why)
    chosen = picks(build[1]) if build[1] and build[1].strip() else 2
    if chosen < 2:
        why.append(f"{build[0]} = {build[1].strip()!r} does not select {ident}")
    skipped = bool(skip[1]) and selects(skip[1], ident)
    if skipped:
        why.append(f"{skip[0]} = {skip[1].strip()!r} skips {ident}")
    wrong_arch = archs[1] is not None and arch_selected(archs[1], combo, c.host_cpu) is False
    # A universal2 wheel holds the arm64 and x86_64 slices: closer than another arch.
    sliced = wrong_arch and combo.os == "macos" and "universal2" in archs[1].lower().split()
    if wrong_arch:
        why.append(f"{archs[0]} = {archs[1].strip()!r} does not build {combo.arch}")
    c.closeness = chosen + (not skipped) + (0 if wrong_arch else 2) + sliced
    if why:
        return False, "; ".join(why)
    if unknown:
        return None, f"{', '.join(unknown)} is known only while the main build runs"
    return True, ""


def choose(
    candidates: list[Candidate],
    combo: Combination,
    config: dict,
    left_out: list[tuple[str, str, str]],
) -> tuple[Candidate | None, list[Candidate], list[str]]:
    """The best candidate, the ones as good as it, and each other job with why not it."""
    usable: list[Candidate] = []
    for c in candidates:
        platform = _platform_of(c)
        if platform not in (None, "", "auto", combo.os):
            left_out.append((c.file, c.job, f"{c.file} job {c.job}: builds for {platform}"))
            continue
        c.selected, c.selected_note = _selection(c, combo, config)
        usable.append(c)
    usable.sort(key=Candidate.rank, reverse=True)
    best = usable[0] if usable else None
    ties = [c for c in usable[1:] if best and c.rank()[:5] == best.rank()[:5]]
    others: dict[tuple[str, str], str] = {}
    if best:
        others[best.file, best.job] = ""
        for c in usable[1:]:
            if c.selected is False:
                why = c.selected_note
            elif c.runner_score < best.runner_score:
                why = f"runs on {c.runner or 'an unknown runner'}"
            else:
                why = "fits less well"
            others.setdefault((c.file, c.job), f"{c.file} job {c.job}: {why}")
    for file, job, why in left_out:
        others.setdefault((file, job), why)
    return best, ties, [why for why in others.values() if why]


def why_chosen(c: Candidate, combo: Combination) -> str:
    ident = combo.identifier
    parts = []
    if c.selected is True:
        parts.append(f"it builds {ident}")
    elif c.selected is None:
        parts.append(f"it may build {ident} ({c.selected_note})")
    else:
        parts.append(
            f"no cibuildwheel job builds {ident}; this one comes closest ({c.selected_note})"
        )
    if c.runner_score == 3:
        parts.append(f"on {combo.runner}")
    elif c.runner_note:
        parts.append(c.runner_note)
    if c.condition is None:
        parts.append("its step runs only under a condition decided while the main build runs")
    return "; ".join(parts)


_ROUTINE_ACTIONS = re.compile(
    r"(actions/(checkout|setup-python|cache|download-artifact|upload-artifact)"
    r"|docker/setup-qemu-action|astral-sh/setup-uv)@",
    re.IGNORECASE,
)


def _only_installs(run: str) -> bool:
    """A script that only installs tools (cibuildwheel...), echoes or sets shell options."""
    lines = [line for line in run.splitlines() if line.strip() and not line.strip().startswith("#")]
    return bool(lines) and all(_TRIVIAL.match(line) for line in lines)


def preparation(c: Candidate) -> list[str]:
    """The steps before cibuildwheel that the debug workflow has no equivalent of (checkout,
    Python, QEMU and installing cibuildwheel are left out)."""
    steps = []
    for label, step in c.earlier:
        uses, run = step.get("uses"), step.get("run")
        if isinstance(uses, str) and _ROUTINE_ACTIONS.match(uses.strip()):
            continue
        if (isinstance(run, str) and _only_installs(run)) or _runs_cibuildwheel(step):
            continue  # installing cibuildwheel, or another (conditional) build
        if condition(step.get("if"), c.context) is not False:
            steps.append(label)
    return steps
