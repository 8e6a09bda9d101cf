"""A build's full log, with the cause lines marked: `g` goes to the cause, `/` searches (plain
text, any case), `n` and `N` go to the next and the previous match, which are highlighted."""

from __future__ import annotations

import bisect
import re
from collections import deque
from pathlib import Path

from rich.highlighter import Highlighter
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Log, Static

from cibw_debug_tui.core.explain import Explanation, clean_line

MAX_LINES = 50_000  # the end of a longer log, where failures are
CONTEXT = 5  # lines shown above a line gone to


class Matches(Highlighter):
    """Highlights what was searched for in every line drawn."""

    def __init__(self) -> None:
        self.pattern: re.Pattern[str] | None = None

    def highlight(self, text: Text) -> None:
        if self.pattern is not None:
            text.highlight_regex(self.pattern, style="black on yellow")


class LogScreen(Screen[None]):
    BINDINGS = [
        Binding("escape,q", "leave", "Back", id="close-log"),
        Binding("g", "to_cause", "Go to cause", id="log-cause"),
        Binding("slash", "search", "Search", id="log-search", key_display="/"),
        Binding("n", "next_match(1)", "Next", id="log-next"),
        Binding("N", "next_match(-1)", "Previous", id="log-previous"),
    ]

    def __init__(self, path: Path, result: Explanation | None) -> None:
        super().__init__()
        self.path = path
        self.result = result
        self.numbers: list[int] = []  # each line's number in the file
        self.texts: list[str] = []  # each line, lower-cased, for searching
        self.matches: list[int] = []  # rows holding what was searched for
        self.at: int | None = None  # the row gone to last
        self.highlighter = Matches()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Log(highlight=True, id="log")
        yield Input(placeholder="search the log, enter to go", id="log-find", compact=True)
        yield Static(id="log-where")
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"Log: {self.path.name}"
        log = self.query_one(Log)
        log.highlighter = self.highlighter
        self.query_one("#log-find").display = False
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
        self.texts = [text.lower() for _, text in lines]
        width = len(str(lines[-1][0])) if lines else 1
        log.write_lines(f"{'>' if n in causes else ' '}{n:>{width}} │ {text}" for n, text in lines)
        self.action_to_cause()

    def _go(self, row: int) -> None:
        self.at = row
        self.query_one(Log).scroll_to(y=max(0, row - CONTEXT), animate=False)

    def _say(self, words: str) -> None:
        self.query_one("#log-where", Static).update(words)

    def action_to_cause(self) -> None:
        if self.result and self.result.cause:
            self._go(bisect.bisect_left(self.numbers, self.result.cause[0].line))
            self._say(f"line {self.result.cause[0].line}: the cause")

    def action_search(self) -> None:
        find = self.query_one("#log-find", Input)
        find.display = True
        find.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        wanted = event.value.strip().lower()
        event.input.display = False
        self.query_one(Log).focus()
        self.highlighter.pattern = re.compile(re.escape(wanted), re.IGNORECASE) if wanted else None
        self.matches = [row for row, text in enumerate(self.texts) if wanted and wanted in text]
        log = self.query_one(Log)
        log.refresh_lines(0, log.line_count)  # drawn again, with the matches highlighted
        if not wanted:
            self._say("")
        elif not self.matches:
            self._say(f"“{event.value.strip()}” is not in the log")
        else:
            self.action_next_match(1)

    def action_next_match(self, step: int) -> None:
        """The next match after the row gone to last (the previous one for -1), round."""
        if not self.matches:
            self._say("nothing searched yet: / searches" if self.highlighter.pattern is None
                      else "no match")  # fmt: skip
            return
        at = -1 if self.at is None else self.at
        if step > 0:
            index = bisect.bisect_right(self.matches, at) % len(self.matches)
        else:
            index = (bisect.bisect_left(self.matches, at) - 1) % len(self.matches)
        row = self.matches[index]
        self._go(row)
        self._say(f"match {index + 1} of {len(self.matches)}: line {self.numbers[row]}")

    def action_leave(self) -> None:
        find = self.query_one("#log-find", Input)
        if find.display:  # escape first leaves the search
            find.display = False
            self.query_one(Log).focus()
            return
        self.app.pop_screen()
