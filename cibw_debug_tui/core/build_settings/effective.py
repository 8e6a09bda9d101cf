"""What the debug build is sent: the main build's settings, less the ones the person turned off,
with the person's own (the form's field, `--cibw-settings`) over them, each with where it comes
from; and all of it as plain data for `dispatch --json`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from cibw_debug_tui.core.build_settings.result import BuildSettings
from cibw_debug_tui.core.build_settings.workflow_input import SettingsError


@dataclass(frozen=True)
class Effective:
    """One setting sent to the debug build."""

    name: str
    value: str
    source: str  # in words: "wheels.yml, job build_wheels, env of step ...", "the form"
    inherited: bool  # from the main build
    replaces: str | None = None  # the main build's value that the person's own replaced
    note: str = ""


def parse_own(text: str, what: str = "CIBW settings") -> dict[str, str]:
    """The person's own settings: a JSON object of CIBW_* names and text values ("" for none).
    SettingsError in words otherwise (the names and values are checked when sent)."""
    if not text.strip():
        return {}
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):
        raise SettingsError(f'{what} must be JSON, e.g. {{"CIBW_TEST_SKIP": "*"}}') from None
    if not isinstance(parsed, dict) or not all(isinstance(k, str) for k in parsed):
        raise SettingsError(f"{what} must be a JSON object of CIBW_* names")
    if not all(isinstance(v, str) for v in parsed.values()):
        raise SettingsError(f"{what}: each value must be text (in quotes)")
    return parsed


def effective(
    build: BuildSettings | None,
    own: Mapping[str, str],
    off: Iterable[str] = (),
    own_source: str = "the form",
) -> list[Effective]:
    """The settings sent, the main build's first (in its order), then the person's new ones."""
    dropped = set(off)
    out: list[Effective] = []
    inherited = [s for s in (build.settings if build else ()) if s.name not in dropped]
    for s in inherited:
        if s.name in own:
            out.append(Effective(s.name, own[s.name], own_source, False, s.value))
        else:
            out.append(Effective(s.name, s.value, str(s.source), True, note=s.note))
    names = {s.name for s in inherited}
    out += [Effective(n, v, own_source, False) for n, v in own.items() if n not in names]
    return out


def values(settings: Iterable[Effective]) -> dict[str, str]:
    return {s.name: s.value for s in settings}


def _plain(record: Any) -> dict[str, Any]:
    """A record as JSON's kind of data, its source in words."""
    data = asdict(record)
    if "source" in data and not isinstance(record.source, str):
        data["source"] = str(record.source)
    return data


def report(
    build: BuildSettings | None, settings: list[Effective], off: Iterable[str] = ()
) -> dict[str, Any]:
    """Everything shown before a dispatch, as plain data (`dispatch --json`'s first event)."""
    data: dict[str, Any] = {
        "cibw_settings": values(settings),
        "settings": [asdict(s) for s in settings],
        "turned_off": sorted(set(off)),
    }
    if build is None:
        return data
    chosen = None if build.chosen is None else asdict(build.chosen)
    if chosen is not None:
        chosen["matrix"] = dict(build.chosen.matrix) if build.chosen else {}
    return data | {
        "identifier": build.identifier,
        "main_build": chosen,
        "package_dir": build.package_dir,
        "overridden": [_plain(o) for o in build.overridden],
        "attention": [_plain(a) for a in build.attention],
        "other_platforms": [s.name for s in build.other_platforms],
        "pyproject_file": build.pyproject_path,
        "pyproject": [asdict(o) for o in build.pyproject],
        "others": list(build.others),
        "problems": list(build.problems),
    }
