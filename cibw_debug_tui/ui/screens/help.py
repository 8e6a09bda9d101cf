"""`?`: this app's help: its keys, what the status glyphs mean, and what Tab reaches."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from cibw_debug_tui.ui.format import STATUS_ICONS, STATUS_MEANINGS
from cibw_debug_tui.ui.keys import BINDINGS

MORE_KEYS = (
    ("↑ ↓  1-9", "select a session (in the list; 1-9 from anywhere)"),
    ("enter", "on an artifact: download it"),
    ("tab", "the next pane (shift+tab: the one before)"),
    ("ctrl+p", "the command palette: every action and every session by name"),
    ("ctrl+s", "in the form: dispatch"),
    ("escape", "leave the form, the log or this help"),
)
TAB_REACHES = (
    "Tab moves the focus: the sessions list (↑ ↓ select, 1-9 jump), the panes on the right "
    "(↑ ↓ and the page keys scroll them), and the artifacts table (↑ ↓ highlight one: d or "
    "enter downloads it, o opens its page). In the log: / searches, n and N go to the next and "
    "the previous match, g goes back to the cause. In the form, after its fields: the main "
    "build's settings (↑ ↓ choose one, space turns it off or on, enter edits it)."
)
STEP_GLYPHS = "In the jobs pane: ● running, ✓ done, ✗ failed, ⊘ cancelled, – skipped, ◌ not yet."


def _keys() -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for binding in BINDINGS:
        if isinstance(binding, Binding) and binding.show:
            key = binding.key_display or binding.key
            table.add_row(key, binding.tooltip or binding.description)
    for key, words in MORE_KEYS:
        table.add_row(key, words)
    return table


def _glyphs() -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True)
    table.add_column()
    for key, words in STATUS_MEANINGS.items():
        glyph, _ = STATUS_ICONS[key]
        table.add_row(Text(glyph, style="bold"), words)
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,question_mark,q", "app.pop_screen", "Close", id="close-help"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(Text("cibw-debug-tui: keys", style="bold"))
            yield Static(_keys(), id="help-keys")
            yield Static(Text("What the status glyphs mean", style="bold"), classes="heading")
            yield Static(_glyphs(), id="help-glyphs")
            yield Static(STEP_GLYPHS, classes="explain")
            yield Static(Text("What Tab reaches", style="bold"), classes="heading")
            yield Static(TAB_REACHES, id="help-tab")
