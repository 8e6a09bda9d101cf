"""Make screenshots/ from the real app in demo mode: SVG from Textual, PNG from rsvg-convert.

    python scripts/screenshots.py        # about a minute: the demo's runs play out live

Needs `rsvg-convert` for the PNGs (Debian/Ubuntu: apt-get install librsvg2-bin).
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cibw_debug_tui.ui.factory import make_app

OUT = Path(__file__).resolve().parent.parent / "screenshots"
SIZE = (160, 48)


async def until(pilot, predicate, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit("the demo did not reach the expected state in time")
        await pilot.pause(0.2)


def jobs_listed(app, words: str) -> bool:
    """The failed-runs screen lists something that says `words`."""
    found = app.screen.query("#runs-list")
    return bool(found) and any(words in str(o.prompt) for o in found.first().options)


def by_arch(app, arch: str):
    return next(s for s in app.sessions.values() if s.spec.arch == arch)


async def shoot() -> list[Path]:
    app, cleanup = make_app(demo=True)
    shots: list[Path] = []

    def save(name: str) -> None:
        shots.append(Path(app.save_screenshot(f"{name}.svg", path=str(OUT))))

    try:
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: len(app.sessions) == 3 and app.ready)
            linux, mac = by_arch(app, "aarch64"), by_arch(app, "universal2")
            await until(pilot, lambda: mac.open_connection() is not None)
            app.query_one("#sessions").select(mac.id)
            await pilot.pause(0.5)
            save("dashboard")
            await pilot.press("n")
            await until(pilot, lambda: app.screen.query("Input"))  # the form's text fields
            form = app.screen  # and the main build's settings, read through the API
            await until(pilot, lambda: form.panel is not None and form.panel.build is not None)
            await pilot.pause(0.3)
            save("dispatch-form")
            await pilot.press("escape")
            await until(pilot, lambda: linux.open_connection() is not None)
            app.query_one("#sessions").select(linux.id)
            await until(pilot, lambda: linux.failure is not None)  # read while the SSH is open
            await pilot.pause(1.2)
            save("ssh-session")
            # The failure explained, once its SSH session has ended (and says how).
            await until(pilot, lambda: linux.done)
            await pilot.pause(1.2)
            app.query_one("#right").scroll_home(animate=False)
            save("failure")
            # f: the repository's failed CI run, its failed jobs, and the form they fill.
            await pilot.press("f")
            await until(pilot, lambda: jobs_listed(app, "Build wheels"))
            await pilot.press("enter")  # the newest failed run
            await until(pilot, lambda: jobs_listed(app, "Build wheels on macos-13"))
            app.screen.query_one("#runs-list").highlighted = 1  # the one on a retired runner
            await pilot.pause(0.3)
            save("failed-jobs")
            await pilot.press("enter")
            form = lambda: app.screen.query("#form-origin") and app.screen.query("Input")  # noqa: E731
            await until(pilot, form)
            await pilot.pause(0.3)
            save("from-failed-run")
    finally:
        cleanup()
    return shots


def main() -> int:
    OUT.mkdir(exist_ok=True)
    converter = shutil.which("rsvg-convert")
    if converter is None:
        print("error: rsvg-convert is needed for the PNGs (apt-get install librsvg2-bin)")
        return 1
    for svg in asyncio.run(shoot()):
        to_png(converter, svg)
        print(f"wrote {svg.name} and {svg.with_suffix('.png').name}")
    return 0


def to_png(converter: str, svg: Path) -> None:
    """rsvg-convert drops the spaces that open a run of text (a step's indent, the gap before
    "closes in") unless the SVG asks to keep them; browsers keep them either way."""
    kept = svg.read_text(encoding="utf-8").replace("<svg ", '<svg xml:space="preserve" ', 1)
    with tempfile.NamedTemporaryFile("w", suffix=".svg", encoding="utf-8") as copy:
        copy.write(kept)
        copy.flush()
        png = svg.with_suffix(".png")
        subprocess.run([converter, "-w", "1600", copy.name, "-o", str(png)], check=True)


if __name__ == "__main__":
    sys.exit(main())
