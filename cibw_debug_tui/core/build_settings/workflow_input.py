"""The settings as the debug workflow's `cibw-settings` input, checked as the workflow checks it.

A refusal here comes before any request, with the reason: the workflow would refuse the same
settings after a dispatch, and GitHub a payload over its limit.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from cibw_debug_tui.core.build_settings.options import SETTING_NAME
from cibw_debug_tui.core.workflow_contract import PROTECTED_SETTINGS

MAX_INPUTS_CHARS = 65_535  # GitHub's limit on a dispatch's inputs payload
# What the workflow's validate step refuses in cibw-settings: it runs the contract module.
PROTECTED = PROTECTED_SETTINGS


class SettingsError(ValueError):
    """Settings the debug workflow would refuse, in words (too large, a bad name...)."""


def settings_input(settings: Mapping[str, str], inputs: Mapping[str, str] | None = None) -> str:
    """`settings` as the debug workflow's `cibw-settings` input (a JSON object, or "" for
    none). Raises SettingsError, with the reason, for what the workflow would refuse and for a
    payload that would take the dispatch's inputs (`inputs`, the others) over 65,535 characters."""
    for name, value in settings.items():
        if not isinstance(name, str) or not SETTING_NAME.fullmatch(name):
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
