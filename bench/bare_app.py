"""The baseline for start-up: a bare Textual app (header, label, footer)."""

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Label


class Bare(App):
    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("Sessions")
        yield Footer()


if __name__ == "__main__":
    Bare().run()
