"""Every key of the dashboard, with an id (users can remap it) and a description (the footer,
the help panel and the command palette show it)."""

from __future__ import annotations

from textual.binding import Binding, BindingType

BINDINGS: list[BindingType] = [
    Binding("n", "new_session", "New", id="new-session", tooltip="Dispatch a new session"),
    Binding("r", "rerun", "Rerun", id="rerun", tooltip="Dispatch the same parameters again"),
    Binding("R", "rerun_failed", "Rerun failed", id="rerun-failed",
            tooltip="Rerun the failed jobs of this run on GitHub"),
    Binding("x", "cancel_run", "Cancel run", id="cancel-run", tooltip="Cancel this run"),
    Binding("c", "copy_ssh", "Copy SSH", id="copy-ssh",
            tooltip="Copy the SSH command to the clipboard"),
    Binding("o", "open_browser", "Open", id="open-browser",
            tooltip="Open the run, or the highlighted artifact, in the browser"),
    Binding("l", "full_log", "Full log", id="full-log", tooltip="The failed job's full log"),
    Binding("question_mark", "toggle_help", "Help", id="help"),
    Binding("q", "quit", "Quit", id="quit"),
    *(
        Binding(str(n), f"select({n - 1})", f"Session {n}", show=False, id=f"select-{n}")
        for n in range(1, 10)
    ),
]  # fmt: skip

# Actions that need the backend; until it is there their keys are shown disabled.
NEEDS_BACKEND = {
    "new_session", "rerun", "rerun_failed", "cancel_run", "copy_ssh", "open_browser", "full_log",
    "select",
}  # fmt: skip
