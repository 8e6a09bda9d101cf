"""The run's artifacts: name, size, link. `d` (from anywhere) or enter (in the table) downloads
the highlighted one, `D` all of them, with progress, into the download folder."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, ProgressBar, Static

from cibw_debug_tui.core.safe_text import one_line
from cibw_debug_tui.core.session import Session
from cibw_debug_tui.core.units import size
from cibw_debug_tui.core.workflow_contract import SSH_ARTIFACT_PREFIX

if TYPE_CHECKING:
    from cibw_debug_tui.core.github import GitHub
    from cibw_debug_tui.core.models import Artifact


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

    def __init__(self, download_dir: Path, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.border_title = "Artifacts"
        self.github: GitHub | None = None  # the app's client, once it has one
        self.download_dir = download_dir
        self.session: Session | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="artifacts-note")
        yield ArtifactTable(cursor_type="row", id="artifact-table")
        yield ProgressBar(total=1, id="download-progress", show_eta=False)  # see finished()

    def on_mount(self) -> None:
        table = self.query_one(ArtifactTable)
        table.add_columns("name", "size", "page")

    def show(self, session: Session | None) -> None:
        self.session = session
        table = self.query_one(ArtifactTable)
        note = self.query_one("#artifacts-note", Static)
        artifacts = session.artifacts if session else []
        keys = [str(a["id"]) for a in artifacts]
        if keys != [str(k.value) for k in table.rows]:
            table.clear()
            for artifact in artifacts:  # Text: a DataTable reads a str cell as markup
                page = self.link(artifact).split("://", 1)[-1].split("/", 1)[-1]
                table.add_row(
                    Text(one_line(artifact["name"])),
                    Text(size(artifact["size_in_bytes"])),
                    Text(one_line(page)),
                    key=str(artifact["id"]),
                )
        table.display = bool(artifacts)
        if artifacts:
            note.update("d downloads the highlighted one · D all · o opens its page")
        elif session and session.done:
            note.update("No artifacts.")
        else:
            note.update("Logs and wheels appear here when the job uploads them.")

    def link(self, artifact: Artifact) -> str:
        """The artifact's page on GitHub."""
        session = self.session
        if self.github is None or session is None or session.run_id is None:
            return ""
        return self.github.artifact_web_url(session.spec.repo, session.run_id, artifact["id"])

    def highlighted(self) -> Artifact | None:
        table = self.query_one(ArtifactTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self._artifact(int(key)) if key is not None else None

    def _artifact(self, artifact_id: int) -> Artifact | None:
        artifacts = self.session.artifacts if self.session else []
        return next((a for a in artifacts if a["id"] == artifact_id), None)

    def downloadable(self) -> list[Artifact]:
        """The artifacts worth downloading: not expired, not an SSH connection file."""
        artifacts = self.session.artifacts if self.session else []
        return [
            a
            for a in artifacts
            if not a.get("expired") and not a["name"].startswith(SSH_ARTIFACT_PREFIX)
        ]

    def on_artifact_table_download(self, event: ArtifactTable.Download) -> None:
        artifact = self._artifact(event.artifact_id)
        if artifact:
            self.download([artifact])

    def download(self, artifacts: list[Artifact]) -> None:
        if self.session and self.github:
            self._download(self.github, self.session.spec.repo, artifacts)

    @work(group="download", exclusive=True, exit_on_error=False)
    async def _download(self, github: GitHub, repo: str, artifacts: list[Artifact]) -> None:
        """One after the other, each with its progress; a failure is said and the rest go on."""
        from cibw_debug_tui.core.github import GitHubError

        saved = []
        for artifact in artifacts:
            self.progress(0, artifact["size_in_bytes"])
            try:
                path = await github.download_artifact(
                    repo, artifact, self.download_dir, self.progress
                )
            except GitHubError as error:
                self.notify(f"Download of {artifact['name']} failed: {error}", severity="error",
                            timeout=10)  # fmt: skip
                continue
            except OSError as error:
                self.notify(f"Cannot save into {self.download_dir}: {error.strerror}",
                            severity="error")  # fmt: skip
                break
            finally:
                self.finished()
            saved.append(path)
        if len(saved) == 1:
            self.notify(f"Saved {saved[0]}", title="Downloaded")
        elif saved:
            self.notify(f"Saved {len(saved)} artifacts in {self.download_dir}", title="Downloaded")

    def progress(self, done: int, total: int | None) -> None:
        self.set_class(True, "-downloading")
        bar = self.query_one(ProgressBar)
        bar.update(total=total, progress=done)

    def finished(self) -> None:
        self.set_class(False, "-downloading")
        # A bar without a total animates 15 times a second, hidden or not: give it one.
        self.query_one(ProgressBar).update(total=1, progress=0)
