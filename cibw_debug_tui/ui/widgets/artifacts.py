"""The run's artifacts: name, size, link; enter downloads the highlighted one with progress."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, ProgressBar, Static

from cibw_debug_tui.core.session import Session

if TYPE_CHECKING:
    from cibw_debug_tui.core.models import Artifact
from cibw_debug_tui.ui.format import size


class ArtifactTable(DataTable):
    BINDINGS = [
        Binding("enter", "download", "Download", id="download-artifact"),
    ]

    class Download(Message):
        def __init__(self, artifact_id: int) -> None:
            super().__init__()
            self.artifact_id = artifact_id

    def action_download(self) -> None:
        if self.row_count:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
            if key is not None:
                self.post_message(self.Download(int(key)))


class ArtifactsPane(Vertical):
    DEFAULT_CSS = """
    ArtifactsPane { height: auto; }
    ArtifactsPane ArtifactTable { height: auto; max-height: 8; }
    ArtifactsPane ProgressBar { display: none; }
    ArtifactsPane.-downloading ProgressBar { display: block; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.border_title = "Artifacts"
        self.web_url = ""

    def compose(self) -> ComposeResult:
        yield Static(id="artifacts-note")
        yield ArtifactTable(cursor_type="row", id="artifact-table")
        yield ProgressBar(total=1, id="download-progress", show_eta=False)  # see finished()

    def on_mount(self) -> None:
        table = self.query_one(ArtifactTable)
        table.add_columns("name", "size", "page")

    def show(self, session: Session | None, link: Callable[[Artifact], str]) -> None:
        table = self.query_one(ArtifactTable)
        note = self.query_one("#artifacts-note", Static)
        artifacts = session.artifacts if session else []
        keys = [str(a["id"]) for a in artifacts]
        if keys != [str(k.value) for k in table.rows]:
            table.clear()
            for artifact in artifacts:
                table.add_row(
                    artifact["name"],
                    size(artifact["size_in_bytes"]),
                    link(artifact).split("://", 1)[-1].split("/", 1)[-1],
                    key=str(artifact["id"]),
                )
        table.display = bool(artifacts)
        if artifacts:
            note.update("enter downloads · o opens the page")
        elif session and session.done:
            note.update("No artifacts.")
        else:
            note.update("Logs and wheels appear here when the job uploads them.")

    def highlighted(self) -> int | None:
        table = self.query_one(ArtifactTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return int(key) if key is not None else None

    def progress(self, done: int, total: int | None) -> None:
        self.set_class(True, "-downloading")
        bar = self.query_one(ProgressBar)
        bar.update(total=total, progress=done)

    def finished(self) -> None:
        self.set_class(False, "-downloading")
        # A bar without a total animates 15 times a second, hidden or not: give it one.
        self.query_one(ProgressBar).update(total=1, progress=0)
