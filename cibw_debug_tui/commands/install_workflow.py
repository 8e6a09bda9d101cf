"""`cibw-debug-tui install-workflow`: copy the bundled workflow into a checkout, never replacing
a changed file without --force."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from cibw_debug_tui import bundled
from cibw_debug_tui.commands import CommandError
from cibw_debug_tui.core.files import replace_with
from cibw_debug_tui.core.workflow_contract import WORKFLOW_PATH


def run(args: argparse.Namespace) -> int:
    root = Path(args.path)
    if not root.is_dir():
        raise CommandError(f"{root} is not a folder; give the root of your repository's checkout")
    target = root / WORKFLOW_PATH
    text = bundled.workflow_text()
    if target.exists():
        try:
            current = target.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"cannot read {target}: {error}") from None
        if current == text:
            print(f"{target} is already the bundled workflow")
            return 0
        if not args.force:
            print(
                f"error: {target} differs from the bundled workflow; not replacing it.\n"
                "Compare them, or run again with --force (the current file is kept as .bak).",
                file=sys.stderr,
            )
            return 1
        backup = target.with_suffix(target.suffix + ".bak")
        shutil.copy2(target, backup)
        print(f"kept the previous file as {backup}")
    target.parent.mkdir(parents=True, exist_ok=True)
    replace_with(target, text, 0o644)  # through a new temporary file, never a planted link
    print(f"wrote {target}")
    print(
        "next: commit it and push to your default branch, e.g.\n"
        f"  git add {target} && git commit -m 'Add the cibuildwheel debug workflow' && git push"
    )
    return 0
