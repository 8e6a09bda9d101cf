"""cibuildwheel's command line in a step's `run:` script: the settings it passes there.

`CIBW_BUILD=... python -m cibuildwheel --platform linux --output-dir w pkg/` sets settings as
much as an `env:` block does; `pip install cibuildwheel` and `cibuildwheel
--print-build-identifiers` build nothing.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

from cibw_debug_tui.core.actions_expr import Unresolved, split_template

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
_MARK = re.compile("\x00([0-9]+)\x00")


@dataclass
class Invocation:
    """cibuildwheel's command line in a `run:` script, `${{ }}` expressions as written."""

    assignments: dict[str, str] = field(default_factory=dict)  # NAME=value before the command
    options: dict[str, str] = field(default_factory=dict)  # --platform linux...
    flags: list[str] = field(default_factory=list)  # --prerelease-pythons...
    package_dir: str | None = None
    exports: dict[str, str] = field(default_factory=dict)  # `export CIBW_X=...` lines before it
    before: list[str] = field(default_factory=list)  # other commands before it in the script


def only_installs(script: str) -> bool:
    """A script that only installs tools (cibuildwheel...), echoes or sets shell options."""
    lines = [s for s in script.splitlines() if s.strip() and not s.strip().startswith("#")]
    return bool(lines) and all(_TRIVIAL.match(line) for line in lines)


def find_invocation(script: str) -> Invocation | None:
    """The first command in `script` that runs cibuildwheel to build wheels (not `pip install
    cibuildwheel`, not `cibuildwheel --print-build-identifiers`), or None."""
    masked, exprs = _mask(script)
    found = _find(masked)
    if found is None or not exprs:
        return found

    def written(text: str) -> str:
        return _MARK.sub(lambda m: "${{" + exprs[int(m.group(1))] + "}}", text)

    return Invocation(
        {k: written(v) for k, v in found.assignments.items()},
        {k: written(v) for k, v in found.options.items()},
        [written(flag) for flag in found.flags],
        None if found.package_dir is None else written(found.package_dir),
        {k: written(v) for k, v in found.exports.items()},
        [written(command) for command in found.before],
    )


def _mask(text: str) -> tuple[str, list[str]]:
    """`text` with each `${{ }}` replaced by a marker, so that shell parsing never sees the
    quotes and `||` inside expressions."""
    text = text.replace("\x00", "")
    try:
        pieces = split_template(text)
    except Unresolved:  # an unclosed ${{: GitHub refuses the workflow; read it as it is
        return text, []
    exprs: list[str] = []
    out: list[str] = []
    for is_expr, part in pieces:
        if is_expr:
            out.append(f"\x00{len(exprs)}\x00")
            exprs.append(part)
        else:
            out.append(part)
    return "".join(out), exprs


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
    if not before or before[-1] in _INVOKERS:
        return True
    return (
        len(before) >= 2
        and before[-2] in ("--from", "--spec")
        and before[0] in ("uvx", "uv", "pipx")
    )


def _find(script: str) -> Invocation | None:
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
                found = _parse(command, i) if _is_invocation(command, i) else None
                if found is not None:
                    found.exports = dict(exports)
                    found.before = before + [" ".join(c) for c in commands[:k] if c]
                    return found
        for word in words:  # a command line quoted for another shell: cmd //c "... cibuildwheel"
            if word != line and " " in word and "cibuildwheel" in word:
                found = _find(word)
                if found is not None:
                    found.before = before + found.before
                    return found
        if words and not _TRIVIAL.match(line):
            before.append(line.strip())
    return None


def _parse(words: list[str], at: int) -> Invocation | None:
    """The command line `words[at:]`, and the assignments before it."""
    found = Invocation()
    for word in words[:at]:
        m = _ASSIGNMENT.fullmatch(word)
        if not m:
            break
        found.assignments[m.group(1)] = m.group(2)
    args = iter(words[at + 1 :])
    for arg in args:
        if "<" in arg or ">" in arg:  # a redirection: the command line ends here
            break
        name, eq, value = arg.partition("=")
        if name in _WITH_VALUE:
            found.options[name] = value if eq else next(args, "")
        elif arg == "--print-build-identifiers":
            return None
        elif arg.startswith("-"):
            found.flags.append(arg)
        elif found.package_dir is None:
            found.package_dir = arg
    return found
