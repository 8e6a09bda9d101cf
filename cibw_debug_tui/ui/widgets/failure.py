"""After a failure: what kind it is, the lines that explain it, an excerpt, the usual fix."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.text import Text
from textual.widgets import Static

from cibw_debug_tui.core.safe_text import one_line
from cibw_debug_tui.core.session import Session


class FailurePane(Static):
    """Shown only once a run has failed and its log has been read."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.border_title = "Failure"

    def show(self, session: Session | None) -> None:
        result = session.failure if session else None
        self.display = result is not None
        if result is None:
            return
        from cibw_debug_tui.core.explain import CATEGORY_TITLES  # loaded with the first failure

        causes = {c.line for c in result.cause}
        width = len(str(result.excerpt_start + len(result.excerpt)))
        excerpt = [  # clean_line made the log's lines safe; one_line keeps them one line each
            Text.assemble(
                (f"{n:>{width}} ", "dim"),
                (one_line(line), "bold red" if n in causes else ""),
                no_wrap=True,
                overflow="ellipsis",
            )
            for n, line in enumerate(result.excerpt, start=result.excerpt_start)
        ]
        title = Text.assemble(
            (result.category, "bold red"), " · ", CATEGORY_TITLES.get(result.category, "")
        )
        self.update(
            Group(
                title,
                *(Text(f"line {c.line}: {one_line(c.text)}", style="bold") for c in result.cause),
                Text(""),
                *excerpt,
                Text(""),
                Text.assemble(("hint  ", "bold"), result.hint),
                Text("press l for the full log", style="dim italic"),
            )
        )
