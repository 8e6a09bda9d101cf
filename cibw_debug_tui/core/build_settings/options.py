"""What cibuildwheel 4.2 reads, and what the debug workflow sets itself.

The debug build runs cibuildwheel 4.2 whatever the main build pins: a setting 4.2 refuses would
stop it, one it ignores changes nothing, and one the debug workflow fixes (the identifier, the
arch, verbosity) is shown as overridden rather than sent.
"""

from __future__ import annotations

import re
import shlex

from cibw_debug_tui.core.actions_expr import Unresolved

PLATFORMS = ("linux", "macos", "windows", "ios", "android", "pyodide")
SETTING_NAME = re.compile(r"CIBW_[A-Z0-9_]+")  # what the debug workflow accepts
IMAGE_SETTING = re.compile(r"CIBW_(MANY|MUSL)LINUX_[A-Z0-9_]+_IMAGE")

# What the debug workflow (workflow/cibuildwheel-debug.yml, its validate step) sets itself, or
# refuses in cibw-settings. A test holds this list to the workflow's own.
_ONE_BUILD = "the debug build builds exactly {identifier}"
_ARCH = "the debug build sets the architecture: {arch}"
_VERBOSE = "the debug build is as verbose as cibuildwheel can be (3)"
FIXED: dict[str, str] = {
    "CIBW_BUILD": _ONE_BUILD,
    "CIBW_SKIP": _ONE_BUILD,
    "CIBW_ARCHS": _ARCH,
    "CIBW_PLATFORM": "the debug build runs on {os_name}",
    "CIBW_OUTPUT_DIR": "the debug build writes its wheel to wheelhouse/ and uploads it",
    "CIBW_BUILD_VERBOSITY": _VERBOSE,
    "CIBW_DEBUG_TRACEBACK": "the debug build always prints full tracebacks",
    "CIBW_DEBUG_KEEP_CONTAINER": "the debug build keeps the Linux container for `docker exec`",
}
FIXED |= {f"CIBW_ARCHS_{p.upper()}": _ARCH for p in PLATFORMS}
FIXED |= {f"CIBW_BUILD_VERBOSITY_{p.upper()}": _VERBOSE for p in PLATFORMS}
FIXED_INPUTS = {  # the action's `with:` and the command line's options
    "only": _ONE_BUILD,
    "output-dir": FIXED["CIBW_OUTPUT_DIR"],
    "--only": _ONE_BUILD,
    "--output-dir": FIXED["CIBW_OUTPUT_DIR"],
    "--platform": FIXED["CIBW_PLATFORM"],
    "--archs": _ARCH,
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
_ENV_ONLY = {"CIBW_PLATFORM", "CIBW_OUTPUT_DIR", "CIBW_CACHE_PATH", "CIBW_ALLOW_EMPTY"}
_ENV_ONLY |= {"CIBW_PROJECT_REQUIRES_PYTHON", "CIBW_DEBUG_TRACEBACK", "CIBW_DEBUG_KEEP_CONTAINER"}
REMOVED = {
    "CIBW_FREE_THREADED_SUPPORT": "was removed in cibuildwheel 3 (free-threaded builds are on by "
    "default in 4.x); cibuildwheel 4.2 stops with a configuration error when it is set",
    "CIBW_PRERELEASE_PYTHONS": "was replaced by CIBW_ENABLE=cpython-prerelease in cibuildwheel 3; "
    "cibuildwheel 4.2 builds the 3.15 release candidates without it",
}
ENABLE_GROUPS = {"cpython-prerelease", "pypy", "pypy-eol", "graalpy", "pyodide-eol"}
ENABLE_GROUPS |= {"pyodide-prerelease", "all"}
RETIRED_IMAGES = {"manylinux1", "manylinux2010", "manylinux_2_24", "musllinux_1_1"}
# Commands: cibuildwheel joins a TOML list of them with " && ". Lists: split on whitespace.
COMMANDS = {"before-all", "before-build", "before-test", "test-command"}
COMMANDS |= {"repair-wheel-command", "audit-command"}
_SPACED = {"build", "skip", "test-skip", "enable", "archs", "environment", "environment-pass"}
_SPACED |= {"config-settings", "test-requires", "test-groups", "test-sources", "audit-requires"}
_SPACED |= {"xbuild-tools", "test-environment"}
# Environment variables that change how logs look, not what is built.
COSMETIC = {"FORCE_COLOR", "PY_COLORS", "CLICOLOR_FORCE", "TERM", "PYTHONUNBUFFERED"}
COSMETIC |= {"PIP_PROGRESS_BAR", "PIP_DISABLE_PIP_VERSION_CHECK", "PIP_NO_PYTHON_VERSION_WARNING"}
# The first word of a shell line that opens or closes a compound command.
_COMPOUND = {"if", "then", "else", "elif", "fi", "for", "while", "until", "do", "done"}
_COMPOUND |= {"case", "esac", "function", "{", "}", "(", ")"}


def split_name(name: str) -> tuple[str, str | None]:
    """`CIBW_BEFORE_ALL_LINUX` -> ("before-all", "linux"); `CIBW_TEST_COMMAND` ->
    ("test-command", None)."""
    base = name[len("CIBW_") :]
    for platform in PLATFORMS:
        if base.endswith(f"_{platform.upper()}"):
            return base[: -len(platform) - 1].lower().replace("_", "-"), platform
    return base.lower().replace("_", "-"), None


def known_name(name: str) -> bool:
    """Whether cibuildwheel 4.2 reads this environment variable (or once did: REMOVED)."""
    return (
        split_name(name)[0] in OPTIONS
        or name in _ENV_ONLY
        or name in REMOVED
        or bool(IMAGE_SETTING.fullmatch(name))
    )


def one_line(name: str, value: str) -> tuple[str, str]:
    """`value` on one line, as the debug workflow requires, and what was done, in words.
    Raises Unresolved (the reason) when joining the lines could change what it means."""
    if "\0" in value:
        raise Unresolved("contains a NUL character")
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    if "\n" not in text:
        return text, ""
    option = split_name(name)[0]
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if option in _SPACED:
        return " ".join(lines), f"{len(lines)} lines joined with spaces"
    if option not in COMMANDS:
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
    return " && ".join(logical), (
        f"{len(logical)} commands joined with && (as cibuildwheel joins a list)"
    )
