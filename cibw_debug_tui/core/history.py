"""Sessions and the last form values, kept across restarts in a YAML file.

The file is written as JSON, which YAML reads too (earlier versions wrote block YAML, and any
version reads what any other wrote): reading it needs no YAML parser, which takes longer to
import than the dashboard takes to show the history's sessions (bench/usable.py).

Writes go to a new temporary file that replaces the real one, so the file is never
half-written (files.py: the file is 0600, its folder 0700, no planted link is followed); two
instances merge their sessions under a lock instead of overwriting each other; a file that
cannot be read is kept aside (never silently dropped) and the reason is reported. No token is
ever stored here.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import asdict
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported when a session is read: a new user's first frame needs none
    from cibw_debug_tui.core.session import Session

VERSION = 1
KEEP = 200  # sessions kept, newest first
_NUMBER = (int, float)
_SESSION_TYPES: dict[str, type | tuple[type, ...]] = {
    "id": str, "api_url": str, "created_at": _NUMBER, "run_id": int, "html_url": str,
    "attempt": int, "status": str, "conclusion": str, "ended_at": _NUMBER, "note": str,
    "started_at": _NUMBER, "group": str,
}  # fmt: skip
_SESSION_FIELDS = tuple(_SESSION_TYPES)
# Fields added since version 1: written only when they hold a value.
_WHEN_SET = ("started_at", "group")
_SPEC_TYPES: dict[str, type | tuple[type, ...]] = {
    "repo": str, "runner": str, "python": str, "arch": str, "debug_mode": str, "ref": str,
    "session_timeout": int, "package_dir": str, "cibw_settings": str,
}  # fmt: skip


def history_path() -> Path:
    override = os.environ.get("CIBW_DEBUG_TUI_HISTORY")
    if override:
        return Path(override)
    from platformdirs import user_data_dir

    return Path(user_data_dir("cibw-debug-tui")) / "history.yaml"


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An advisory lock beside the file, where the platform has one."""
    from cibw_debug_tui.core.files import open_private  # with the first write, as tempfile

    handle = open_private(path.with_name(path.name + ".lock"))
    try:
        try:
            import fcntl
        except ImportError:  # Windows: the atomic replace alone keeps the file whole
            yield
            return
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        os.close(handle)


def _plain(value: object) -> object:
    """What YAML's safe dumper can write: an enum's value, not the enum."""
    return value.value if isinstance(value, Enum) else value


def session_to_dict(session: Session) -> dict[str, object]:
    data = {
        name: _plain(getattr(session, name))
        for name in _SESSION_FIELDS
        if name not in _WHEN_SET or getattr(session, name) is not None
    }
    data["spec"] = {name: _plain(value) for name, value in asdict(session.spec).items()}
    return data


def _checked(data: dict[str, Any], types: dict[str, type | tuple[type, ...]]) -> dict[str, Any]:
    """The fields of `data` named in `types` that are set, each of its type (ValueError when
    one is not: a damaged entry)."""
    values = {}
    for name, kind in types.items():
        value = data.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, kind):
            raise ValueError(f"{name} is {value!r}")
        values[name] = value
    return values


def session_from_dict(data: object) -> Session:
    """A session as written by any version of this tool; ValueError (or TypeError, KeyError)
    when it cannot be read."""
    if not isinstance(data, dict) or not isinstance(data.get("spec"), dict):
        raise ValueError("not a session")
    from cibw_debug_tui.core.session import Session, SessionSpec, session_status

    spec = SessionSpec(**_checked(data["spec"], _SPEC_TYPES))
    values = _checked(data, _SESSION_TYPES)
    status = session_status(values.pop("status", "dispatching"))
    return Session(spec=spec, status=status, **values)


def _parse(text: str) -> Any:
    """The file's data: JSON as this version writes it, else YAML as earlier ones did (with
    libyaml's loader when it is there, ten times faster). ValueError when it is neither."""
    if text.lstrip().startswith("{"):
        try:
            return json.loads(text)
        except (ValueError, RecursionError):
            pass  # YAML's flow style, or damaged: YAML says which
    import yaml  # only for a file written by an earlier version

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)
    except (yaml.YAMLError, RecursionError) as error:
        raise ValueError(f"not YAML: {error}") from None


def _newest_first(session: dict[str, Any]) -> float:
    created = session.get("created_at")
    return -created if isinstance(created, int | float) else 0.0


class History:
    """The history file; `warning` says what went wrong reading it, if anything did."""

    def __init__(self, path: Path | None = None, persist: bool = True):
        self.path = path or history_path()
        self.persist = persist
        self.warning: str | None = None
        self.last_form: dict[str, Any] = {}
        self.sessions: list[Session] = []

    def load(self) -> History:
        if not self.persist:
            return self
        data = self._read()
        form = data.get("last_form")
        self.last_form = form if isinstance(form, dict) else {}
        sessions = []
        for item in data.get("sessions") or []:
            try:
                sessions.append(session_from_dict(item))
            except (TypeError, KeyError, ValueError):
                self.warning = f"skipped a session in {self.path} that could not be read"
        self.sessions = sessions
        return self

    def _read(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as error:
            self.warning = f"cannot read {self.path}: {error.strerror}"
            return {}
        try:
            data = _parse(text)
            if data is None:
                return {}
            if not isinstance(data, dict) or not isinstance(data.get("sessions", []), list):
                raise ValueError("not a history file")
        except ValueError:
            kept = self.path.with_name(f"{self.path.name}.corrupt-{int(time.time())}")
            with contextlib.suppress(OSError):
                os.replace(self.path, kept)
            self.warning = (
                f"{self.path} was damaged; it was kept as {kept.name} and a new one started"
            )
            return {}
        return data

    def save(self) -> None:
        """Write sessions and the last form, merged with what another instance wrote."""
        if not self.persist:
            return
        with _locked(self.path):
            on_disk = self._read_quietly()
            mine = {s.id: session_to_dict(s) for s in self.sessions}
            others = [
                s
                for s in on_disk.get("sessions") or []
                if isinstance(s, dict) and s.get("id") not in mine
            ]
            merged = sorted([*mine.values(), *others], key=_newest_first)[:KEEP]
            data = {"version": VERSION, "last_form": self.last_form, "sessions": merged}
            text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"  # YAML reads it too
            from cibw_debug_tui.core.files import write_private

            write_private(self.path, text)

    def _read_quietly(self) -> dict[str, Any]:
        try:
            data = _parse(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def add(self, session: Session) -> None:
        self.sessions.insert(0, session)
        self.save()

    def remember_form(self, values: dict[str, Any]) -> None:
        self.last_form = {key: _plain(value) for key, value in values.items()}
        self.save()
