"""The debug workflow shipped inside the package (copies of workflow/cibuildwheel-debug.yml and
of its GitHub Enterprise Server variant, cibuildwheel-debug-ghes.yml)."""

from __future__ import annotations

from functools import cache
from importlib import resources

from cibw_debug_tui.core.workflow_contract import GHES, GHES_WORKFLOW_FILE, GITHUB_COM
from cibw_debug_tui.core.workflow_contract import WORKFLOW_FILE as WORKFLOW_NAME

FILES = {GITHUB_COM: WORKFLOW_NAME, GHES: GHES_WORKFLOW_FILE}  # variant -> bundled file


def workflow_text(variant: str = GITHUB_COM) -> str:
    return (resources.files("cibw_debug_tui") / "workflow" / FILES[variant]).read_text("utf-8")


@cache
def workflow(variant: str = GITHUB_COM) -> dict:
    """The parsed workflow; PyYAML's `True` key for `on:` is renamed back."""
    import yaml

    data = yaml.safe_load(workflow_text(variant))
    data["on"] = data.pop(True)
    return data


def dispatch_inputs() -> dict[str, dict]:
    return workflow()["on"]["workflow_dispatch"]["inputs"]
