"""The files of a project's main wheel build (its workflows and `pyproject.toml`), read through
the contents API on one ref or from a local checkout, and that build's settings for one
combination (build_settings does the reading of the texts).

What the API sends is hostile until checked: a name that is not a workflow file's, a file over
1 MB, content that is not base64 or not UTF-8, a folder of thousands of files is each a
problem in words (the file is left out), never a crash. Every request is conditional (the
transport's ETags): asking again for unchanged files costs no rate limit.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

from cibw_debug_tui.core.answers import GitHubError
from cibw_debug_tui.core.build_settings import BuildSettings, extract
from cibw_debug_tui.core.build_settings.documents import MAX_FILE_CHARS
from cibw_debug_tui.core.contents import read_file_content, read_folder
from cibw_debug_tui.core.matrix import Combination
from cibw_debug_tui.core.safe_text import one_line
from cibw_debug_tui.core.transport import Transport
from cibw_debug_tui.core.workflow_contract import (
    GHES_WORKFLOW_FILE,
    GHES_WORKFLOW_TITLE,
    WORKFLOW_FILE,
    WORKFLOW_TITLE,
)

WORKFLOWS = ".github/workflows"
MAX_WORKFLOW_FILES = 40  # the most read from one repository; a wheel build is among the first
AT_ONCE = 4  # files asked for at a time: a few round trips, not one per file
MAX_FILE_BYTES = MAX_FILE_CHARS  # the contents API's inline limit, and the parser's
ANSWER_LIMIT = 2 * MAX_FILE_BYTES  # a file's answer: base64 of 1 MB, in JSON
FOLDER_LIMIT = 1024 * 1024  # a folder's answer (GitHub lists at most 1,000 entries)
_WORKFLOW_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,99}\.ya?ml")
_DEBUG_WORKFLOW = re.compile(
    rf"^name:\s*['\"]?({re.escape(WORKFLOW_TITLE)}|{re.escape(GHES_WORKFLOW_TITLE)})['\"]?\s*$",
    re.MULTILINE,
)

ReadPyproject = Callable[[str], Awaitable[str | None]]


class BuildFiles:
    """The workflow texts of one repository at one ref (or of a local checkout), and its
    `pyproject.toml` files, read as a package folder asks for them."""

    def __init__(
        self, where: str, workflows: dict[str, str], problems: list[str], read: ReadPyproject
    ):
        self.where = where  # "octo/pkg at main", or a local path: for words
        self.workflows = workflows
        self.problems = problems  # files left out, and why
        self._read = read
        self._pyprojects: dict[str, str | None] = {}
        self._settings: dict[tuple[str, str, str], BuildSettings] = {}

    async def pyproject(self, folder: str) -> str | None:
        """The text of `folder`/pyproject.toml (None where there is none), read once."""
        if folder not in self._pyprojects:
            self._pyprojects[folder] = await self._read(folder)
        return self._pyprojects[folder]

    async def settings(self, combination: Combination) -> BuildSettings:
        """The main build's settings for `combination`, with the `pyproject.toml` of the
        package folder its cibuildwheel step builds. Worked out in a thread (a few large
        workflows take a tenth of a second: not on a dashboard's event loop), once for each
        combination."""
        key = (combination.runner, combination.python, combination.arch)
        if key not in self._settings:
            pyproject = await self.pyproject(".")
            result = await asyncio.to_thread(extract, self.workflows, combination, pyproject)
            if result.package_dir not in ("", "."):  # read again with that folder's
                pyproject = await self.pyproject(result.package_dir)
                result = await asyncio.to_thread(extract, self.workflows, combination, pyproject)
            self._settings[key] = result
        found = self._settings[key]
        return replace(found, problems=(*self.problems, *found.problems))


def _pyproject_path(folder: str) -> str:
    return "pyproject.toml" if folder in ("", ".") else f"{folder.strip('/')}/pyproject.toml"


def _is_debug_workflow(name: str, text: str) -> bool:
    """This tool's own workflow builds with cibuildwheel too: it is not the main build."""
    return name in (WORKFLOW_FILE, GHES_WORKFLOW_FILE) or bool(_DEBUG_WORKFLOW.search(text))


def file_text(path: str, encoding: str, content: str, size: int) -> str:
    """A file's text from the contents API; ValueError in words when it has none."""
    if encoding == "none" or size > MAX_FILE_BYTES:
        raise ValueError(f"{path} is over {MAX_FILE_BYTES // 1000:,} KB: not read")
    if encoding != "base64":
        raise ValueError(f"{path} came in an encoding this tool does not read ({encoding[:20]})")
    if len(content) > 2 * MAX_FILE_BYTES:
        raise ValueError(f"{path} is over {MAX_FILE_BYTES // 1000:,} KB: not read")
    try:
        data = base64.b64decode("".join(content.split()), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"{path} came as content that is not base64") from None
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"{path} is over {MAX_FILE_BYTES // 1000:,} KB: not read")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not UTF-8 text") from None


async def _api_file(github: Transport, repo: str, ref: str, path: str) -> str | None:
    """A file's text at `ref`, None when there is no such file; ValueError when it cannot be
    read."""
    url = f"/repos/{repo}/contents/{quote(path)}"
    try:
        found, _ = await github.get_json(url, read_file_content, {"ref": ref}, limit=ANSWER_LIMIT)
    except GitHubError as error:
        if error.status == 404:
            return None
        raise
    return file_text(path, found["encoding"], found["content"], found["size"])


def _refused(repo: str, ref: str, error: GitHubError) -> GitHubError:
    if error.status == 401:
        return error  # the token itself: nothing to do with the files
    if error.status == 403:
        return GitHubError(
            f"the token cannot read the files of {repo} (a fine-grained token needs Contents: "
            "read)",
            403,
        )
    return GitHubError(f"could not read the workflows of {repo} at {ref}: {error}", error.status)


def _file_reader(
    github: Transport, repo: str, ref: str, problems: list[str]
) -> Callable[[str], Awaitable[str | None]]:
    """Reads one file of `repo` at `ref`: None with the reason in `problems` when it cannot be
    used (too large, not text); GitHub's refusal raised in words."""

    async def read(path: str) -> str | None:
        try:
            return await _api_file(github, repo, ref, path)
        except ValueError as why:
            problems.append(str(why))
        except GitHubError as error:
            raise _refused(repo, ref, error) from None
        return None

    return read


async def read_build_files(github: Transport, repo: str, ref: str) -> BuildFiles:
    """The workflows of `repo` at `ref` (a branch, tag or commit) through the contents API.
    A repository (or ref) without `.github/workflows` has none: a problem, not an error.
    Raises GitHubError when GitHub refuses or cannot be reached."""
    problems: list[str] = []
    where = f"{repo} at {ref}"
    read = _file_reader(github, repo, ref, problems)

    async def read_pyproject(folder: str) -> str | None:
        return await read(_pyproject_path(folder))

    try:
        entries, _ = await github.get_json(
            f"/repos/{repo}/contents/{WORKFLOWS}", read_folder, {"ref": ref}, limit=FOLDER_LIMIT
        )
    except GitHubError as error:
        if error.status != 404:
            raise _refused(repo, ref, error) from None
        problems.append(f"{where} has no {WORKFLOWS} folder: no main build to take settings from")
        return BuildFiles(where, {}, problems, read_pyproject)
    names = []
    for entry in entries:
        name = entry["name"]
        if not name.endswith((".yml", ".yaml")) or name in (WORKFLOW_FILE, GHES_WORKFLOW_FILE):
            continue
        if entry["type"] != "file" or not _WORKFLOW_NAME.fullmatch(name):
            problems.append(f"left out {WORKFLOWS}/{one_line(name)[:100]!r}: not a workflow file")
        elif entry["size"] > MAX_FILE_BYTES:
            problems.append(f"left out {WORKFLOWS}/{name}: over {MAX_FILE_BYTES // 1000:,} KB")
        else:
            names.append(name)
    if len(names) > MAX_WORKFLOW_FILES:
        problems.append(
            f"{where} has {len(names)} workflow files; read the first {MAX_WORKFLOW_FILES}"
        )
    gate = asyncio.Semaphore(AT_ONCE)

    async def one(name: str) -> str | ValueError | None:
        async with gate:
            try:
                return await _api_file(github, repo, ref, f"{WORKFLOWS}/{name}")
            except ValueError as why:
                return why

    chosen = sorted(names)[:MAX_WORKFLOW_FILES]
    try:
        texts = await asyncio.gather(*(one(name) for name in chosen))
    except GitHubError as error:
        raise _refused(repo, ref, error) from None
    workflows: dict[str, str] = {}
    for name, text in zip(chosen, texts, strict=True):
        if isinstance(text, ValueError):
            problems.append(f"left out {text}")
        elif text is not None and not _is_debug_workflow(name, text):
            workflows[f"{WORKFLOWS}/{name}"] = text
    return BuildFiles(where, workflows, problems, read_pyproject)


async def read_run_build_files(github: Transport, repo: str, sha: str, path: str) -> BuildFiles:
    """The one workflow file a failed run ran (`path`, checked by core/from_run.py) at the
    run's commit `sha`, and `pyproject.toml` there: the settings that build had, not the
    branch's of today. Raises GitHubError when GitHub refuses or cannot be reached."""
    problems: list[str] = []
    where = f"{path.rpartition('/')[2]} at {sha[:7]}"
    read = _file_reader(github, repo, sha, problems)

    text = await read(path)
    if text is None and not problems:
        problems.append(f"{repo} has no {path} at {sha[:7]}: no main build to take settings from")
    workflows = {path: text} if text is not None else {}
    return BuildFiles(where, workflows, problems, lambda folder: read(_pyproject_path(folder)))


def local_build_files(path: Path) -> BuildFiles:
    """A local workflow file (or a folder of them): the main build as it is on this machine.
    The checkout it belongs to (above `.github/workflows`, or the current folder) gives the
    `pyproject.toml`. Raises ValueError in words when `path` cannot be read."""
    problems: list[str] = []
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in (".yml", ".yaml") and p.is_file())
        if not files:
            raise ValueError(f"{path} holds no .yml or .yaml file")
    elif path.is_file():
        files = [path]
    else:
        raise ValueError(f"{path} is not a file or a folder")
    workflows: dict[str, str] = {}
    for file in files[:MAX_WORKFLOW_FILES]:
        try:
            if file.stat().st_size > MAX_FILE_BYTES:
                raise ValueError(f"{file} is over {MAX_FILE_BYTES // 1000:,} KB")
            text = file.read_text("utf-8")
        except (OSError, UnicodeDecodeError, ValueError) as error:
            if len(files) == 1:
                raise ValueError(f"cannot read {file}: {error}") from None
            problems.append(f"left out {file}: {error}")
            continue
        if len(files) == 1 or not _is_debug_workflow(file.name, text):
            name = file.name if file.parent.name != "workflows" else f"{WORKFLOWS}/{file.name}"
            workflows[name] = text
    folder = path if path.is_dir() else path.parent
    parts = folder.resolve().parts
    root = Path(*parts[:-2]) if parts[-2:] == (".github", "workflows") else Path.cwd()

    async def read_pyproject(package: str) -> str | None:
        candidate = (root / _pyproject_path(package)).resolve()
        if not candidate.is_relative_to(root.resolve()) or not candidate.is_file():
            return None
        try:
            if candidate.stat().st_size > MAX_FILE_BYTES:
                raise ValueError("over 1,000 KB")
            return candidate.read_text("utf-8")
        except (OSError, UnicodeDecodeError, ValueError) as error:
            problems.append(f"cannot read {candidate}: {error}")
            return None

    return BuildFiles(str(path), workflows, problems, read_pyproject)
