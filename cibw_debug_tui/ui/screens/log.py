"""The full log of the failed job, with the cause lines marked."""

from __future__ import annotations

import bisect
from collections import deque
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, Log

from cibw_debug_tui.core.explain import Explanation, clean_line

MAX_LINES = 50_000  # the end of a longer log, where failures are


class LogScreen(Screen):
    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "Back", id="close-log"),
        Binding("g", "to_cause", "Go to cause", id="log-cause"),
    ]

    def __init__(self, path: Path, result: Explanation | None) -> None:
        super().__init__()
        self.path = path
        self.result = result
        self.numbers: list[int] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Log(highlight=False, id="log")
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"Log: {self.path.name}"
        log = self.query_one(Log)
        causes = {c.line for c in self.result.cause} if self.result else set()
        lines: deque[tuple[int, str]] = deque(maxlen=MAX_LINES)
        try:
            with open(self.path, "rb") as stream:
                for number, raw in enumerate(stream, start=1):
                    text = clean_line(raw)
                    if text is not None:
                        lines.append((number, text))
        except OSError as error:
            log.write_line(f"cannot read {self.path}: {error.strerror}")
            return
        self.numbers = [n for n, _ in lines]
        width = len(str(lines[-1][0])) if lines else 1
        log.write_lines(f"{'>' if n in causes else ' '}{n:>{width}} │ {text}" for n, text in lines)
        self.action_to_cause()

    def action_to_cause(self) -> None:
        if self.result and self.result.cause:
            row = bisect.bisect_left(self.numbers, self.result.cause[0].line)
            self.query_one(Log).scroll_to(y=max(0, row - 5), animate=False)
