"""`cibw-debug-tui explain-log`: the kind of failure of a build log, its cause lines, an excerpt
and the usual fix (exit 0 when a cause was found, 3 when not)."""

from __future__ import annotations

import argparse
import json
import sys

from cibw_debug_tui.commands import CommandError
from cibw_debug_tui.core import explain
from cibw_debug_tui.core.safe_text import terminal_safe


def run(args: argparse.Namespace) -> int:
    if args.file == "-":
        result = explain.explain_stream(sys.stdin.buffer)
    else:
        try:
            with open(args.file, "rb") as stream:
                result = explain.explain_stream(stream)
        except OSError as error:
            raise CommandError(f"cannot read {args.file}: {error.strerror or error}") from None
    # The log's lines are made safe for a terminal as they are read (explain.clean_line);
    # the whole is checked once more where it is printed.
    if args.json:
        print(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    else:
        print(terminal_safe(format_explanation(result), multiline=True))
    return 0 if result.found else 3


def format_explanation(result: explain.Explanation) -> str:
    """What a person reads first: the kind of failure, the cause lines, an excerpt, the fix."""
    if not result.found:
        return f"No cause found in {result.lines_read} lines.\nHint: {result.hint}"
    width = len(str(result.excerpt_start + len(result.excerpt) - 1))
    cause_lines = {c.line for c in result.cause}
    excerpt = [
        f"{'>' if n in cause_lines else ' '} {n:>{width}} | {text}"
        for n, text in enumerate(result.excerpt, start=result.excerpt_start)
    ]
    return "\n".join(
        [
            f"Category: {result.category} ({explain.CATEGORY_TITLES[result.category]})",
            "Cause:",
            *(f"  line {c.line}: {c.text}" for c in result.cause),
            *(f"Why: {c.reason}" for c in result.cause if "the main cause" not in c.reason),
            "Excerpt:",
            *excerpt,
            f"Hint: {result.hint}",
        ]
    )
