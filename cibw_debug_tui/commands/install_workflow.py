"""`cibw-debug-tui install-workflow`: copy the bundled workflow into a checkout, never replacing
a changed file without --force. GitHub Enterprise Server gets the workflow's GHES variant
(chosen by the API URL, or by --variant), installed under the same name."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from cibw_debug_tui import bundled
from cibw_debug_tui.commands import CommandError
from cibw_debug_tui.core import config
from cibw_debug_tui.core.channels import variant_for
from cibw_debug_tui.core.files import replace_with
from cibw_debug_tui.core.workflow_contract import GHES, GITHUB_COM, WORKFLOW_PATH

DESCRIBED = {
    GITHUB_COM: "the github.com workflow: SSH connections in artifacts",
    GHES: "the GitHub Enterprise Server variant: SSH connections in check runs",
}


# What a variant's runs lose on the other kind of server.
MISPLACED = {
    GITHUB_COM: "GitHub Enterprise Server refuses upload-artifact v4+, so runs of this workflow "
    "there publish no SSH connection, logs or wheels",
    GHES: "github.com refuses upload-artifact v3 (since 2025-01-30), so runs of this variant "
    "there upload no logs or wheels (their SSH connections still arrive)",
}


def _variant(args: argparse.Namespace) -> tuple[str, str, str | None]:
    """The variant to install, why it is that one, and a warning when it does not suit the
    server the API URL names."""
    try:
        api_url = config.api_url_from(args.api_url, config.load_config())
    except config.ConfigError as error:
        if args.variant == "auto":
            raise CommandError(str(error)) from None
        return args.variant, "as asked", None  # the config file was not needed
    if args.variant == "auto":
        return variant_for(api_url), f"for {api_url}", None
    suits = variant_for(api_url) == args.variant
    return args.variant, "as asked", None if suits else f"{api_url}: {MISPLACED[args.variant]}"


def run(args: argparse.Namespace) -> int:
    root = Path(args.path)
    if not root.is_dir():
        raise CommandError(f"{root} is not a folder; give the root of your repository's checkout")
    variant, why, warning = _variant(args)
    target = root / WORKFLOW_PATH
    text = bundled.workflow_text(variant)
    if target.exists():
        try:
            current = target.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"cannot read {target}: {error}") from None
        if current == text:
            print(f"{target} is already the bundled workflow ({DESCRIBED[variant]})")
            return 0
        other = next(v for v in DESCRIBED if v != variant)
        what = (
            f"it is {DESCRIBED[other]}"
            if current == bundled.workflow_text(other)
            else "it differs from the bundled workflow"
        )
        if not args.force:
            print(
                f"error: {target}: {what}; not replacing it with {DESCRIBED[variant]} "
                f"({why}).\n"
                "Compare them, or run again with --force (the current file is kept as .bak).",
                file=sys.stderr,
            )
            return 1
        backup = target.with_suffix(target.suffix + ".bak")
        shutil.copy2(target, backup)
        print(f"kept the previous file as {backup}")
    target.parent.mkdir(parents=True, exist_ok=True)
    replace_with(target, text, 0o644)  # through a new temporary file, never a planted link
    print(f"wrote {target}: {DESCRIBED[variant]} ({why})")
    if warning:
        print(f"note: {warning}")
    print(
        "next: commit it and push to your default branch, e.g.\n"
        f"  git add {target} && git commit -m 'Add the cibuildwheel debug workflow' && git push"
    )
    return 0
