"""The log explainer's figures on the failure corpus, with their targets (issue 16).

    python bench/explain_figures.py              # the tuning part
    python bench/explain_figures.py --held-out   # the held-out part too (evaluate it last)

Every fragment is set in real build output that recovered from errors (tests/explain_harness.py)
in three placements and three log formats; a fragment counts as found when a line it marks is
among the reported causes. Prints the corpus size, a table per part, and a confusion table of
categories (rows: the marked category; columns: the explainer's, over all variants).
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from explain_harness import FORMATS, PLACEMENTS, explain, hit, load_index

from cibw_debug_tui.core.explain import CATEGORIES

CAUSE_TARGET, CATEGORY_TARGET = 0.90, 0.85
SHORT = {
    "compile": "comp", "link": "link", "auditwheel": "audw", "delocate": "delo", "msvc": "msvc",
    "test": "test", "config": "conf", "build-dependency": "bdep", "rust": "rust",
    "emulation": "emul", "unknown": "unkn",
}  # fmt: skip


def sizes(entries: list[dict]) -> None:
    for part in ("tuning", "held-out"):
        mine = [e for e in entries if e["split"] == part]
        categories = Counter(e["category_name"] for e in mine)
        platforms = Counter(e["platform"] for e in mine)
        print(f"{part}: {len(mine)} fragments")
        print("  by category: " + ", ".join(f"{c} {categories[c]}" for c in CATEGORIES[:-1]))
        print("  by platform: " + ", ".join(f"{p} {n}" for p, n in sorted(platforms.items())))


def figures(entries: list[dict], part: str) -> bool:
    """Print the table for one part; True when every variant meets both targets."""
    print(f"\n{part} part ({len(entries)} fragments): cause found / category right")
    print(f"  {'placement':<10}" + "".join(f"{fmt:>16}" for fmt in FORMATS))
    confusion: Counter[tuple[str, str]] = Counter()
    misses: Counter[str] = Counter()
    ok = True
    for placement in PLACEMENTS:
        row = f"  {placement:<10}"
        for fmt in FORMATS:
            found = right = 0
            for entry in entries:
                result, _ = explain(entry, placement, fmt)
                got = hit(entry, [c.text for c in result.cause])
                found += got
                right += result.category == entry["category_name"]
                confusion[entry["category_name"], result.category] += 1
                if not got or result.category != entry["category_name"]:
                    misses[f"{entry['file']} -> {result.category}"] += 1
            cause, category = found / len(entries), right / len(entries)
            ok &= cause >= CAUSE_TARGET and category >= CATEGORY_TARGET
            row += f"{cause:>9.0%} / {category:>4.0%}"
        print(row)
    print(f"  targets: cause >= {CAUSE_TARGET:.0%}, category >= {CATEGORY_TARGET:.0%}: ", end="")
    print("met" if ok else "MISSED")
    print("  confusion (rows: marked, columns: explained), variants counted:")
    used = [c for c in CATEGORIES if any(c in key for key in confusion)]
    print("    " + " " * 17 + "".join(f"{SHORT[c]:>5}" for c in used))
    for actual in used:
        if not any(a == actual for a, _ in confusion):
            continue
        cells = "".join(f"{confusion[actual, got] or '.':>5}" for got in used)
        print(f"    {actual:<17}{cells}")
    if misses:
        print("  misses (variants of 9):")
        for miss, count in sorted(misses.items()):
            print(f"    {count} {miss}")
    return ok


def main() -> int:
    entries = load_index()
    sizes(entries)
    ok = figures([e for e in entries if e["split"] == "tuning"], "tuning")
    if "--held-out" in sys.argv[1:]:
        ok &= figures([e for e in entries if e["split"] == "held-out"], "held-out")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
