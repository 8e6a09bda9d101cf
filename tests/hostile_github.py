"""A hostile GitHub look-alike on loopback, for the tests of what the tool does with answers it
must not trust (tests/test_hostile*.py). Not the simulator: this one plays no runs, it answers
exactly what a test tells it, however wrong: names full of escape sequences and markup, links
to other hosts, bodies that trickle one byte at a time or never end, connection files that
smuggle a shell command. It records every request (with its headers) so that tests can see
where the token went.

    with HostileGitHub() as gh:
        gh.on("GET", r"/repos/o/p/actions/runs/7", {"id": 7, ...})
        gh.on("GET", r"/slow", Answer(chunks=[b"{"] * 100, every=5))

`World` fills in a whole run (jobs, artifacts, SSH connection files, the failed job's log) for
the dashboard and `dispatch --watch`; with `checks=True`, a run of the GHES variant, whose
connection files are in check runs on its commit (`check_runs` makes them as hostile as asked).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import socket
import threading
import time
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from cibw_debug_tui.core import workflow_contract as contract

REPO = "octo/pkg"
RUN_ID = 7
SHA = "0123456789abcdef0123456789abcdef01234567"


@dataclass
class Answer:
    status: int = 200
    body: Any = b""  # bytes or str as they are; anything else as JSON
    headers: dict[str, str] = field(default_factory=dict)
    chunks: Iterable[bytes] | None = None  # sent with chunked encoding, one write each
    every: float = 0.0  # seconds before each chunk: a trickle

    def payload(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    body: bytes
    port: int
    query: str = ""

    def param(self, name: str) -> str:
        return parse_qs(self.query).get(name, [""])[0]


Route = tuple[str, re.Pattern[str], Callable[[Seen], Answer]]


class HostileGitHub:
    def __init__(self) -> None:
        self.routes: list[Route] = []
        self.seen: list[Seen] = []
        self.sent_bytes = 0  # body bytes written, for answers that never end
        self._lock = threading.Lock()
        self.server = _Server(self)
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def on(self, method: str, path: str, answer: Answer | Callable[[Seen], Answer] | Any) -> None:
        """Answer requests whose path (without the query) matches `path` in full. The latest
        route wins; `answer` is an Answer, a function of the request, or a JSON body."""
        if not callable(answer):
            answer = answer if isinstance(answer, Answer) else Answer(body=answer)
            fixed = answer
            answer = lambda seen: fixed  # noqa: E731
        self.routes.insert(0, (method, re.compile(path), answer))

    def requests(self, path: str = "") -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if re.search(path, s.path)]

    def start(self) -> HostileGitHub:
        self._thread.start()
        return self

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> HostileGitHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def answer_for(self, seen: Seen) -> Answer:
        with self._lock:
            self.seen.append(seen)
        for method, pattern, answer in self.routes:
            if method == seen.method and pattern.fullmatch(seen.path):
                return answer(seen)
        return Answer(404, {"message": "Not Found"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, owner: HostileGitHub):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.owner = owner

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hang up on purpose here


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "GitHub.com"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        with contextlib.suppress(OSError, AttributeError):  # answer at once, as GitHub does
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        path, _, query = self.path.partition("?")
        owner = self.server.owner
        answer = owner.answer_for(Seen(method, path, headers, body, owner.port, query))
        self.send_response_only(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        try:
            if answer.chunks is None:
                payload = answer.payload()
                if "content-type" not in {k.lower() for k in answer.headers}:
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                return
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.flush()
            for chunk in answer.chunks:
                if answer.every:
                    time.sleep(answer.every)
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
                with owner._lock:
                    owner.sent_bytes += len(chunk)
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


# -- a whole run, for the dashboard and `dispatch --watch` -------------------------------------


def zipped(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


def connection(stage: str = "after-failure", **fields: Any) -> dict[str, Any]:
    """A connection file as the workflow writes it, with `fields` changed."""
    name = REPO.split("/")[1]
    workspace = f"/home/runner/work/{name}/{name}"
    container = "cibuildwheel-0123456789ab"
    return {
        "format": 1,
        "status": "open",
        "stage": stage,
        "message": f"SSH session open ({stage}) for @octocat's keys",
        "actor": "octocat",
        "identifier": "cp312-manylinux_x86_64",
        "runner_os": "Linux",
        "ssh": "ssh aBcD3fGh1jKlMnOpQrStUvWxY@nyc1.tmate.io",
        "opened_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "timeout_minutes": 30,
        "expires_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 1800)),
        "continue_file": f"{workspace}/continue",
        "continue_command": f'touch "{workspace}/continue"',
        "docker_exec": f"docker start {container} >/dev/null && docker exec -it {container} bash",
        "rebuild": "cibw-rebuild  # build cp312-manylinux_x86_64 again, keeping the build folder",
        "claude": "claude  # Claude Code; run `claude login` (no ANTHROPIC_API_KEY secret)",
        **fields,
    }


@dataclass
class World:
    """One run of the debug workflow as a hostile GitHub tells it: `polls` answers to the jobs
    while the run is in progress, then it is completed with `conclusion`."""

    gh: HostileGitHub
    job_name: str = "cp312-manylinux_x86_64 on ubuntu-latest"
    step_names: tuple[str, ...] = ("Build cp312-manylinux_x86_64 with cibuildwheel",)
    artifact_names: tuple[str, ...] = ()
    connections: dict[str, dict[str, Any]] = field(default_factory=dict)  # by stage
    log: bytes = b"error: something failed\n"
    conclusion: str = "failure"
    html_url: str = ""
    job_id: Any = None  # the run's id times ten
    polls: int = 3
    run_id: int = RUN_ID
    jobs_asked: int = 0
    checks: bool = False  # the GHES variant: connection files in check runs, not artifacts
    check_runs: Callable[[Seen], Answer] | None = None  # the commit's check runs, if not these

    def check_run(self, stage: str, text: str | None = None, app: Any = "github-actions",
                  name: str | None = None) -> dict[str, Any]:  # fmt: skip
        """The check run the GHES variant makes for `stage`, with its connection file (or
        `text`) as its output."""
        start, end = contract.CHECK_RUN_JSON
        if text is None:
            text = start + json.dumps(self.connections[stage], indent=2) + end
        return {"id": self.run_id * 100 + contract.STAGES.index(stage), "head_sha": SHA,
                "name": name or contract.ssh_check_run(self.run_id, stage, 1),
                "status": "completed", "conclusion": "neutral", "app": {"slug": app},
                "output": {"title": stage, "text": text}}  # fmt: skip

    def published(self, seen: Seen) -> Answer:
        """The commit's check runs of the name asked for, as the GHES variant makes them."""
        found = [self.check_run(stage) for stage in self.connections]
        named = [c for c in found if c["name"] == seen.param("check_name")]
        return Answer(body={"total_count": len(named), "check_runs": named})

    def install(self) -> World:
        gh, repo, run = self.gh, REPO, self.run_id
        self.job_id = run * 10 if self.job_id is None else self.job_id
        base = f"/repos/{repo}/actions"
        self.html_url = self.html_url or f"{gh.api_url}/{repo}/actions/runs/{run}"
        gh.on("POST", f"{base}/workflows/cibuildwheel-debug.yml/dispatches",
              Answer(200, {"workflow_run_id": run, "html_url": self.html_url}))  # fmt: skip
        gh.on("GET", f"{base}/runs/{run}", lambda seen: Answer(body=self.run()))
        gh.on("GET", f"{base}/runs/{run}/jobs", lambda seen: Answer(body=self.jobs(True)))
        gh.on("GET", f"{base}/runs/{run}/artifacts", lambda seen: Answer(body=self.artifacts()))
        gh.on("GET", f"{base}/artifacts", lambda seen: Answer(body=self.artifacts()))
        if self.checks:
            gh.on("GET", f"/repos/{repo}/commits/{SHA}/check-runs",
                  self.check_runs or self.published)  # fmt: skip
        for index, stage in enumerate(self.connections):
            aid = self.run_id * 100 + index
            blob = zipped(f"connection-{stage}.json", json.dumps(self.connections[stage]).encode())
            gh.on("GET", f"{base}/artifacts/{aid}/zip",
                  Answer(302, headers={"Location": f"{gh.api_url}/_blob/{aid}"}))  # fmt: skip
            gh.on("GET", f"/_blob/{aid}", Answer(body=blob, headers={"Content-Type": "zip"}))
        blob = f"/_blob/log-{run}"
        gh.on("GET", rf"{base}/jobs/{re.escape(str(self.job_id))}/logs",
              Answer(302, headers={"Location": f"{gh.api_url}{blob}"}))  # fmt: skip
        gh.on("GET", blob, Answer(body=self.log, headers={"Content-Type": "text/plain"}))
        return self

    @property
    def finished(self) -> bool:
        return self.jobs_asked > self.polls

    def run(self) -> dict[str, Any]:
        done = self.finished
        variant = {"name": contract.GHES_WORKFLOW_TITLE, "head_sha": SHA} if self.checks else {}
        return {"id": self.run_id, "status": "completed" if done else "in_progress",
                "conclusion": self.conclusion if done else None, "run_attempt": 1,
                "html_url": self.html_url, "display_title": "debug", **variant}  # fmt: skip

    def jobs(self, counting: bool = False) -> dict[str, Any]:
        if counting:
            self.jobs_asked += 1
        done = self.finished
        steps = [
            {"name": name, "status": "completed" if done else "in_progress",
             "conclusion": ("failure" if done else None), "started_at": None,
             "completed_at": None}
            for name in self.step_names
        ]  # fmt: skip
        stages = {"before-build": "before the build", "after-failure": "after the failure"}
        steps += [
            {"name": f"Publish the SSH connection ({stages[stage]})", "status": "completed",
             "conclusion": "success", "started_at": None, "completed_at": None}
            for stage in self.connections
        ]  # fmt: skip
        job = {"id": self.job_id, "name": self.job_name,
               "status": "completed" if done else "in_progress",
               "conclusion": "failure" if done else None, "run_attempt": 1,
               "started_at": None, "completed_at": None, "steps": steps}  # fmt: skip
        return {"total_count": 1, "jobs": [job]}

    def artifacts(self) -> dict[str, Any]:
        stages = [] if self.checks else list(self.connections)
        found = [
            {"id": self.run_id * 100 + i, "name": f"cibw-debug-ssh-{stage}-attempt-1",
             "size_in_bytes": 600,
             "expired": False, "workflow_run": {"id": self.run_id}}
            for i, stage in enumerate(stages)
        ]  # fmt: skip
        found += [
            {"id": self.run_id * 100 + 50 + i, "name": name, "size_in_bytes": 1234,
             "expired": False,
             "workflow_run": {"id": self.run_id}}
            for i, name in enumerate(self.artifact_names)
        ]  # fmt: skip
        return {"total_count": len(found), "artifacts": found}
