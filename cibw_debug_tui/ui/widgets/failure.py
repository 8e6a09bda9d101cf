"""After a failure: what kind it is, the lines that explain it, an excerpt, the usual fix."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.widgets import Static

from cibw_debug_tui.core.session import Session

TITLES = {
    "compile": "compile error",
    "link": "linker error",
    "auditwheel": "auditwheel could not repair the wheel",
    "delocate": "delocate could not repair the wheel",
    "msvc": "Windows compiler or toolchain problem",
    "test": "the tests failed or crashed",
    "config": "cibuildwheel configuration error",
    "build-dependency": "a build dependency is missing",
    "rust": "Rust toolchain or build script failure",
    "emulation": "a crash under QEMU emulation",
    "unknown": "no known failure pattern",
}


class FailurePane(Static):
    """Shown only once a run has failed and its log has been read."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.border_title = "Failure"

    def show(self, session: Session | None) -> None:
        result = session.failure if session else None
        self.display = result is not None
        if result is None:
            return
        causes = {c.line for c in result.cause}
        width = len(str(result.excerpt_start + len(result.excerpt)))
        excerpt = [
            Text.assemble(
                (f"{n:>{width}} ", "dim"),
                (line, "bold red" if n in causes else ""),
                no_wrap=True,
                overflow="ellipsis",
            )
            for n, line in enumerate(result.excerpt, start=result.excerpt_start)
        ]
        title = Text.assemble((result.category, "bold red"), " · ", TITLES.get(result.category, ""))
        self.update(
            Group(
                title,
                *(Text(f"line {c.line}: {c.text}", style="bold") for c in result.cause),
                Text(""),
                *excerpt,
                Text(""),
                Text.assemble(("hint  ", "bold"), result.hint),
                Text("press l for the full log", style="dim italic"),
            )
        )
