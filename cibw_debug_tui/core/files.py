"""Files the tool writes (history, job logs, downloads): names built from outside data that
cannot leave their folder, temporary files nobody can have prepared, and owner-only modes.

- A name from the server (an artifact's name, a job's id) keeps letters, digits, `.`, `_` and
  `-`, and never starts with a dot: `../../x` becomes `_._.._x`. Ids must be whole numbers.
- A temporary file is a new one, created with O_CREAT|O_EXCL (`tempfile.mkstemp`) in the
  folder of the file it replaces: a symlink planted at a name the tool would use is never
  followed, and the final rename replaces a link rather than writing through it.
- Files are 0600 and the folders the tool makes 0700: logs and artifacts of a private
  repository are nobody else's business on a shared machine.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


def safe_file_name(text: str, limit: int = 120) -> str:
    """A file name made of `text` that stays in its folder and is not hidden."""
    name = _UNSAFE_NAME.sub("_", text)[:limit]
    if name.startswith("."):
        name = "_" + name[1:]
    return name or "_"


def whole_number(value: object) -> int:
    """An id from outside, as it may go into a path or a URL: a whole number, or ValueError."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{value!r} is not an id")
    return value


def private_folder(path: Path) -> Path:
    """`path`, made (0700) if it is not there yet."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def write_private(path: Path, text: str) -> None:
    """Replace `path` with `text` in one step (a reader sees the old file or the new one),
    through a new temporary file beside it; the file is 0600."""
    private_folder(path.parent)
    replace_with(path, text, 0o600)


def replace_with(path: Path, text: str, mode: int) -> None:
    """Replace `path` with `text` in one step, through a new temporary file beside it (in an
    existing folder); the file gets `mode`."""
    handle, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(partial, mode)  # mkstemp makes 0600; before a byte is written
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
    finally:
        Path(partial).unlink(missing_ok=True)


def open_private(path: Path) -> int:
    """A file descriptor for `path` (created 0600 when missing) that is never a symlink's
    target (O_NOFOLLOW where the platform has it): a link planted at the name is replaced by
    a file of ours."""
    private_folder(path.parent)
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        return os.open(path, flags, 0o600)
    except OSError:
        if not path.is_symlink():
            raise
    path.unlink()
    return os.open(path, flags | os.O_EXCL, 0o600)
