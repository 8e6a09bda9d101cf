"""The debug workflow shipped inside the package (a copy of workflow/cibuildwheel-debug.yml)."""

from __future__ import annotations

from functools import cache
from importlib import resources

from cibw_debug_tui.core.workflow_contract import WORKFLOW_FILE as WORKFLOW_NAME


def workflow_text() -> str:
    return (resources.files("cibw_debug_tui") / "workflow" / WORKFLOW_NAME).read_text("utf-8")


@cache
def workflow() -> dict:
    """The parsed workflow; PyYAML's `True` key for `on:` is renamed back."""
    import yaml

    data = yaml.safe_load(workflow_text())
    data["on"] = data.pop(True)
    return data


def dispatch_inputs() -> dict[str, dict]:
    return workflow()["on"]["workflow_dispatch"]["inputs"]
