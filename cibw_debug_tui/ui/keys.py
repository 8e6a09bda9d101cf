"""Every key of the dashboard, with an id (users can remap it) and a description (the footer,
the help screen and the command palette show it)."""

from __future__ import annotations

from textual.binding import Binding, BindingType

BINDINGS: list[BindingType] = [
    Binding("n", "new_session", "New", id="new-session", tooltip="Dispatch a new session"),
    Binding("r", "rerun", "Rerun", id="rerun", tooltip="Dispatch the same parameters again"),
    Binding("R", "rerun_failed", "Rerun failed", id="rerun-failed",
            tooltip="Rerun the failed jobs of this run on GitHub"),
    Binding("x", "cancel_run", "Cancel run", id="cancel-run", tooltip="Cancel this run"),
    Binding("f", "from_failed_run", "Failed run", id="from-failed-run",
            tooltip="Start from a failed CI run: its failed job's runner, CPython and arch "
                    "in the form"),
    Binding("c", "copy_ssh", "Copy SSH", id="copy-ssh",
            tooltip="Copy the SSH command to the clipboard"),
    Binding("s", "step_in", "SSH in", id="step-in",
            tooltip="Connect to the runner's SSH session now (a new tmux window inside tmux)"),
    Binding("d", "download", "Download", id="download",
            tooltip="Download the highlighted artifact (the first until you pick one)"),
    Binding("D", "download_all", "Download all", id="download-all",
            tooltip="Download every artifact (logs, wheels) into the download folder"),
    Binding("o", "open_browser", "Open", id="open-browser",
            tooltip="Open the run, or the highlighted artifact, in the browser"),
    Binding("l", "full_log", "Full log", id="full-log",
            tooltip="The failed build's log at its cause, or the build job's log"),
    Binding("question_mark", "help", "Help", id="help", key_display="?",
            tooltip="Keys, what the status glyphs mean, what Tab reaches"),
    Binding("q", "quit", "Quit", id="quit"),
    *(
        Binding(str(n), f"select({n - 1})", f"Session {n}", show=False, id=f"select-{n}")
        for n in range(1, 10)
    ),
]  # fmt: skip

# Actions that need the GitHub client; until it is there (a moment after start) their keys
# are shown disabled.
NEEDS_CLIENT = {
    "rerun_failed", "cancel_run", "open_browser", "full_log", "download", "download_all",
    "from_failed_run",
}  # fmt: skip
