"""The contents API's answers (a folder, a file), checked at the boundary as models.py checks
the others: the shape each field needs, or Unreadable saying what is wrong. Decoding a file's
content is the caller's (core/main_build.py): a file that does not decode is no reason to ask
again."""

from __future__ import annotations

from typing import TypedDict

from cibw_debug_tui.core.models import (
    Unreadable,
    _each,
    _int,
    _object,
    _optional_str,
    _shown,
    _str,
)


class ContentEntry(TypedDict):
    """One entry of a folder in the contents API."""

    type: str  # "file", "dir", "symlink", "submodule"
    name: str
    path: str
    sha: str
    size: int


class FileContent(TypedDict):
    """A file in the contents API: its bytes in base64, or no content (`encoding` "none") when
    it is over 1 MB."""

    path: str
    sha: str
    size: int
    encoding: str
    content: str


def read_content_entry(data: object) -> ContentEntry:
    entry = _object(data, "the entry")
    return ContentEntry(
        type=_str(entry, "type"),
        name=_str(entry, "name"),
        path=_str(entry, "path"),
        sha=_str(entry, "sha"),
        size=_int(entry, "size", positive=False),
    )


def read_folder(data: object) -> list[ContentEntry]:
    """`GET /repos/{repo}/contents/{folder}`: a list of entries (a file's object is not one)."""
    if isinstance(data, dict) and "type" in data:
        raise Unreadable(f"it is a {_shown(data.get('type'))}, not a folder")
    if not isinstance(data, list):
        raise Unreadable("the folder is not a list")
    return _each(data, "the folder", read_content_entry)


def read_file_content(data: object) -> FileContent:
    """`GET /repos/{repo}/contents/{file}`: the shape only; decoding the content is the
    caller's (a file that does not decode is no reason to ask again)."""
    found = _object(data, "the file")
    if found.get("type") != "file":
        raise Unreadable(f"it is a {_shown(found.get('type'))}, not a file")
    return FileContent(
        path=_str(found, "path"),
        sha=_str(found, "sha"),
        size=_int(found, "size", positive=False),
        encoding=_optional_str(found, "encoding") or "none",
        content=_optional_str(found, "content") or "",
    )
