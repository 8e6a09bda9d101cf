"""The contents API (`GET /repos/{repo}/contents/{path}?ref=`), as GitHub serves it: a folder
is a list of entries, a file an object with its bytes in base64, a file over 1 MB an object
with no content (`encoding: none`), a path or ref that is not there a 404.

Every repository holds the workflows of its CI (ci.py: the "Build wheels" workflow of
data/build-wheels.yml, whose failed run it seeds and whose settings the debug build takes,
and a "Tests" workflow), the debug workflow of its variant (unless it is one without it), and
a `pyproject.toml` with a `[tool.cibuildwheel]` table. Tests give a repository other files
through `SimulatedGitHub.repo_files`.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import quote, unquote

from cibw_debug_tui import bundled
from cibw_debug_tui.core.workflow_contract import WORKFLOW_PATH
from cibw_debug_tui.simulator import ci
from cibw_debug_tui.simulator.request import Answer, Request, error
from cibw_debug_tui.simulator.runs import commit_of

WHEELS_PATH = ci.WHEELS_PATH
INLINE_LIMIT = 1024 * 1024  # larger files come without their content
_SHA = re.compile(r"[0-9a-f]{40}")


@cache
def _data(name: str) -> bytes:
    return (resources.files("cibw_debug_tui.simulator") / "data" / name).read_bytes()


def files_of(req: Request, repo: str) -> dict[str, bytes]:
    """Path -> bytes of every file the repository holds (on every ref)."""
    given = req.sim.repo_files.get(repo)
    if given is not None:
        return {path: t.encode() if isinstance(t, str) else t for path, t in given.items()}
    found = {path: text.encode() for path, text in ci.WORKFLOW_TEXTS.items()}
    if repo not in req.sim.repos_without_workflow:
        found[WORKFLOW_PATH] = bundled.workflow_text(req.sim.variant).encode()
    return {**found, "pyproject.toml": _data("pyproject.toml")}


def _git_sha(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _entry(req: Request, repo: str, ref: str, path: str, data: bytes | None) -> dict[str, Any]:
    api, web = req.urls
    kind = "dir" if data is None else "file"
    sha = _git_sha(data if data is not None else path.encode())
    quoted = quote(path)
    links = {
        "url": f"{api}/repos/{repo}/contents/{quoted}?ref={quote(ref)}",
        "html_url": f"{web}/{repo}/{'tree' if data is None else 'blob'}/{ref}/{quoted}",
        "git_url": f"{api}/repos/{repo}/git/{'trees' if data is None else 'blobs'}/{sha}",
    }
    return {
        "type": kind,
        "name": path.rpartition("/")[2],
        "path": path,
        "sha": sha,
        "size": 0 if data is None else len(data),
        **links,
        "download_url": None if data is None else f"{web}/{repo}/raw/{ref}/{quoted}",
        "_links": {"self": links["url"], "git": links["git_url"], "html": links["html_url"]},
    }


def get_contents(req: Request, repo: str, path: str = "") -> Answer:
    req.repo(repo)
    ref = req.query.get("ref", ["main"])[0]
    if not _SHA.fullmatch(ref) and commit_of(repo, ref) is None:
        raise error(404, f"No commit found for the ref {ref}")
    with req.sim.lock:
        req.sim.contents_refs[ref] = req.sim.contents_refs.get(ref, 0) + 1
    path = unquote(path).strip("/")
    files = files_of(req, repo)
    if path in files:
        data = files[path]
        body = _entry(req, repo, ref, path, data)
        inline = len(data) <= INLINE_LIMIT
        body["encoding"] = "base64" if inline else "none"
        body["content"] = base64.encodebytes(data).decode() if inline else ""
        return 200, body, None
    prefix = f"{path}/" if path else ""
    children: dict[str, bytes | None] = {}
    for name, data in files.items():
        if name.startswith(prefix):
            head, sep, _ = name[len(prefix) :].partition("/")
            children[prefix + head] = None if sep else data
    if not children:
        raise error(404, "Not Found")
    listing = [_entry(req, repo, ref, p, d) for p, d in sorted(children.items())]
    return 200, listing, None


_REPO = r"/repos/(?P<repo>[\w.-]+/[\w.-]+)"
TABLE: list[tuple[str, str, Callable[..., Answer]]] = [
    ("GET", _REPO + r"/contents", get_contents),
    ("GET", _REPO + r"/contents/(?P<path>[^?#]+)", get_contents),
]
