"""The chosen step's environment and inputs, sorted: what is sent to the debug build, what the
debug workflow overrides, what belongs to another platform and what needs the person's attention.

A value known only while the main build runs, one cibuildwheel 4.2 would refuse, or one whose
lines cannot be joined safely is never sent: it is named, with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from cibw_debug_tui.core.actions_expr import Unresolved
from cibw_debug_tui.core.build_settings.candidates import Candidate
from cibw_debug_tui.core.build_settings.options import (
    COSMETIC,
    ENABLE_GROUPS,
    FIXED,
    FIXED_INPUTS,
    IMAGE_SETTING,
    REMOVED,
    RETIRED_IMAGES,
    SETTING_NAME,
    known_name,
    one_line,
    split_name,
)
from cibw_debug_tui.core.build_settings.values import Source, Value, condition
from cibw_debug_tui.core.matrix import OS_NAMES, Combination

_PACKAGE_DIR = re.compile(r"[A-Za-z0-9._][A-Za-z0-9._/-]*")  # what the debug workflow accepts
_SDIST = (".tar.gz", ".tgz", ".zip", ".tar.bz2", ".tar.xz")
NOT_CIBW = (
    "is in the main build's environment, but the debug workflow passes CIBW_* settings only "
    "(CIBW_ENVIRONMENT or CIBW_ENVIRONMENT_PASS_LINUX can carry it)"
)


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


@dataclass
class Assembly:
    """The chosen step's settings, sorted."""

    settings: list[Setting] = field(default_factory=list)
    overridden: list[Overridden] = field(default_factory=list)
    attention: list[Attention] = field(default_factory=list)
    other_platforms: list[Setting] = field(default_factory=list)
    package_dir: str = "."

    def attend(self, name: str, reason: str, value: Value) -> None:
        self.attention.append(Attention(name, reason, value.source, value.written()))


def assemble(c: Candidate, combo: Combination) -> Assembly:
    """The chosen step's settings, for the combination."""
    out = Assembly()
    facts = {
        "identifier": combo.identifier,
        "arch": combo.arch,
        "os_name": OS_NAMES[combo.os or "linux"],
    }
    for name, value in c.values.items():
        if name.upper().startswith("CIBW_"):
            _classify(name, value, c, combo, facts, out)
        elif name not in COSMETIC and _nonempty(value, c):
            out.attend(name, NOT_CIBW, value)
    enable = _inputs(c, facts, out)
    if "--prerelease-pythons" in c.flags:
        source = Source(c.file, "run", c.job, c.step)
        reason = REMOVED["CIBW_PRERELEASE_PYTHONS"]
        out.attention.append(Attention("--prerelease-pythons", reason, source))
    _enable(out, c, enable)
    _run_time_env(out, c)
    return out


def _inputs(c: Candidate, facts: dict[str, str | None], out: Assembly) -> list[str]:
    """The action's `with:` and the command line's options; returns the groups of --enable."""
    enable: list[str] = []
    for key, value in c.inputs.items():
        try:
            text, problem = value.resolve(c.context).strip(), ""
        except Unresolved as why:
            text, problem = None, f"its value {why}"
        if key in FIXED_INPUTS:
            shown = value.written() if text is None else text
            reason = FIXED_INPUTS[key].format(**facts)
            out.overridden.append(Overridden(key, shown, reason, value.source))
        elif text is None:
            out.attend(key, problem, value)
        elif key == "package-dir":
            text = text.rstrip("/") or "."
            inside = _PACKAGE_DIR.fullmatch(text) and "/../" not in f"/{text}/"
            if inside and not text.endswith(_SDIST):
                out.package_dir = text
            else:
                out.attend(
                    key,
                    f"{text!r} is not a directory of the repository (an sdist?): the debug "
                    "workflow builds from a directory of the checkout",
                    value,
                )
        elif key in ("config-file", "--config-file") and text:
            out.attend(
                key,
                f"the main build reads its configuration from {text}; the debug workflow "
                "reads {package}/pyproject.toml",
                value,
            )
        elif key == "extras" and text:
            out.attend(
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
    name: str,
    value: Value,
    c: Candidate,
    combo: Combination,
    facts: dict[str, str | None],
    out: Assembly,
) -> None:
    """Sends one CIBW_* setting, or says why not."""
    written = value.written()
    try:
        resolved, problem = value.resolve(c.context), ""
    except Unresolved as why:
        resolved, problem = None, f"its value {why}"
    if name in FIXED:
        shown = written if resolved is None else resolved
        out.overridden.append(Overridden(name, shown, FIXED[name].format(**facts), value.source))
        return
    if not SETTING_NAME.fullmatch(name):
        upper = name.upper()
        out.attend(
            name,
            f"has lower-case letters: cibuildwheel reads {upper}, so the main build ignores it"
            if SETTING_NAME.fullmatch(upper)
            else "is not a name the debug workflow accepts (CIBW_ and capitals, digits, _)",
            value,
        )
        return
    option, platform = split_name(name)
    image = bool(IMAGE_SETTING.fullmatch(name))
    if (platform and platform != combo.os) or (image and combo.os != "linux"):
        out.other_platforms.append(Setting(name, resolved or "", value.source, written))
        return
    if name in REMOVED or resolved is None:
        out.attend(name, REMOVED.get(name, problem), value)
        return
    if image and not resolved.strip():
        return  # cibuildwheel ignores an empty image setting: it changes nothing
    try:
        text, note = one_line(name, resolved)
    except Unresolved as why:
        out.attend(name, f"its value {why}", value)
        return
    if option in ("test-command", "before-build") and ("{python}" in text or "{pip}" in text):
        reason = "uses {python} or {pip}, which cibuildwheel 3 removed: use python and pip"
        out.attend(name, reason, value)
    elif image and text.strip() in RETIRED_IMAGES:
        reason = f"names the image {text.strip()}, which cibuildwheel 4.2 no longer builds on"
        out.attend(name, reason, value)
    else:
        if not known_name(name):
            unknown = "cibuildwheel 4.2 has no such option and ignores it"
            note = f"{note}; {unknown}" if note else unknown
        shown = written if written != text else ""
        out.settings.append(Setting(name, text, value.source, shown, note))


def _enable(out: Assembly, c: Candidate, extra: list[str]) -> None:
    """CIBW_ENABLE keeps only the groups cibuildwheel 4.2 knows. The debug build needs none of
    its own: cibuildwheel 4.2 builds the 3.15 release candidates by default."""
    current = next((s for s in out.settings if s.name == "CIBW_ENABLE"), None)
    if current is None and not extra:
        return
    words = list(dict.fromkeys((current.value.split() if current else []) + extra))
    kept = [w for w in words if w.lower() in ENABLE_GROUPS]
    dropped = [w for w in words if w.lower() not in ENABLE_GROUPS]
    notes = []
    if dropped:
        notes.append(f"left out {' '.join(dropped)}, which cibuildwheel 4.2 does not know")
    source = current.source if current else Source(c.file, "run", c.job, c.step)
    out.settings = [s for s in out.settings if s.name != "CIBW_ENABLE"]
    if kept:
        note = "; ".join(filter(None, [current.note if current else "", *notes]))
        written = current.written if current else ""
        out.settings.append(Setting("CIBW_ENABLE", " ".join(kept), source, written, note))
    else:
        reason = "; ".join(notes) + ": nothing is left to send"
        out.attention.append(Attention("CIBW_ENABLE", reason, source))


def _run_time_env(out: Assembly, c: Candidate) -> None:
    """CIBW_* settings an earlier step writes to $GITHUB_ENV: known only while it runs."""
    for label, step in c.earlier:
        run = step.get("run")
        if not isinstance(run, str) or "GITHUB_ENV" not in run:
            continue
        if condition(step.get("if"), c.context) is False:
            continue
        for name in dict.fromkeys(re.findall(r"\b(CIBW_[A-Za-z0-9_]+)\s*=", run)):
            if known_name(name.upper()):
                reason = f"is written to $GITHUB_ENV by step {label} while the main build runs"
                out.attention.append(Attention(name, reason, Source(c.file, "run", c.job, label)))
