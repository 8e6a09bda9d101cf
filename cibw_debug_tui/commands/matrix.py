"""`cibw-debug-tui matrix`: which (runner, CPython, arch) combinations cibuildwheel can build,
as a table or JSON; with all three given, check that one (exit 2 with the reason if refused)."""

from __future__ import annotations

import argparse
import json
import sys

from cibw_debug_tui.core import matrix


def run(args: argparse.Namespace) -> int:
    if args.runner and args.python and args.arch:
        combo = matrix.check(args.runner, args.python, args.arch)
        if args.json:
            print(json.dumps(combo.to_json(), indent=2))
        elif combo.valid:
            print(f"{combo.identifier}: {combo.build} build on {combo.runner}, tests {combo.tests}")
            for key, value in combo.settings.items():
                print(f"  {key}={value}")
        if not combo.valid:
            print(f"error: {combo.reason}", file=sys.stderr)
            return 2
        return 0

    combos = [
        c
        for c in matrix.all_combinations()
        if (not args.runner or c.runner == args.runner)
        and (not args.python or c.python == args.python)
        and (not args.arch or c.arch.lower() == args.arch.lower())
    ]
    if not combos:
        for label in filter(None, [args.runner]):
            if label not in matrix.RUNNERS_BY_LABEL:
                print(f"error: {matrix.check(label, 'cp312', 'x86_64').reason}", file=sys.stderr)
                return 2
        print("error: nothing in the matrix matches those filters", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps([c.to_json() for c in combos], indent=1))
    else:
        print(format_matrix(combos))
    return 0


def format_matrix(combos: list[matrix.Combination]) -> str:
    """One line per (runner, arch): how it builds, and which CPython identifiers it covers."""
    rows: dict[tuple[str, str], list[matrix.Combination]] = {}
    for c in combos:
        rows.setdefault((c.runner, c.arch), []).append(c)
    header = ("RUNNER", "CPU", "ARCH", "BUILD", "TESTS", "IDENTIFIERS / WHY NOT")
    table = [header]
    for (runner, arch), group in rows.items():
        host = matrix.RUNNERS_BY_LABEL[runner]
        valid = [c for c in group if c.valid]
        if valid:
            first, last = valid[0].identifier or "", valid[-1].identifier or ""
            what = first if len(valid) == 1 else f"{first} .. {last.split('-')[0]}"
            build, tests = valid[0].build or "", valid[0].tests or ""
            table.append((runner, host.cpu, arch, build, tests, what))
        else:
            table.append((runner, host.cpu, arch, "-", "-", group[0].reason or ""))
    widths = [max(len(row[i]) for row in table) for i in range(len(header) - 1)]
    lines = []
    for i, row in enumerate(table):
        if i > 1 and row[0] == table[i - 1][0]:
            row = ("", "", *row[2:])  # the runner is named once, on its first row
        elif i > 1:
            lines.append("")
        cells = [c.ljust(w) for c, w in zip(row, widths, strict=False)]
        lines.append("  ".join([*cells, row[-1]]))
    notes = [f"  {r.label}: {r.note}" for r in matrix.RUNNERS if r.note]
    prerelease = [p.tag for p in matrix.PYTHONS if p.prerelease]
    retired = [f"  {label}: retired {d}, use {new}" for label, (d, new) in matrix.RETIRED.items()]
    return "\n".join(
        [
            *lines,
            "",
            f"CPython: {' '.join(p.tag for p in matrix.PYTHONS)}"
            f" ({', '.join(prerelease)}: release candidates)",
            "Runner notes:",
            *notes,
            "Retired labels (never offered):",
            *retired,
        ]
    )
