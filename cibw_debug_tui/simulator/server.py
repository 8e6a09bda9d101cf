"""A GitHub-compatible HTTP server for the demo and the tests: the real client talks to it.

It serves any OWNER/REPO as a repository whose default branch `main` holds the bundled debug
workflow, runs dispatched workflows on a scaled clock (runs.py), and behaves like GitHub where a
client can tell: ETags and 304s, rate-limit headers and exhaustion, Link pagination, 401, 404,
410, 302s to signed download URLs. `--ghes` behaves like GitHub Enterprise Server 3.17-3.19.

Tests and benchmarks steer it through `/_sim/...` endpoints (no token): inject faults, press
"continue" in an SSH session, delete a run, expire an artifact, read request counts.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import html
import itertools
import json
import random
import re
import secrets
import socket
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from cibw_debug_tui.core.workflow_contract import WORKFLOW_FILE
from cibw_debug_tui.simulator import SCENARIOS, payloads
from cibw_debug_tui.simulator.runs import Clock, Run, check_inputs

WORKFLOW_PATH = f".github/workflows/{WORKFLOW_FILE}"
DOCS = "https://docs.github.com/rest"
SIGNED_URL_SECONDS = 60
GHES_MAX_INPUTS = 10
SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDemoKeyOfTheSimulatedUser0000000000000"


@dataclass
class Fault:
    """One injected misbehaviour, applied to the next `count` API requests matching `path`."""

    kind: str  # "status", "drop", "drop-after", "slow", "malformed", "unauthorized", "truncate"
    count: int = 1
    status: int = 502
    seconds: float = 0.0
    path: str = ""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up is ordinary here; anything else gets one line, not a dump."""
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError | TimeoutError):
            print(f"simulate-github: {type(error).__name__}: {error}", file=sys.stderr)


class Simulator:
    """The simulated GitHub: state, and an HTTP server on 127.0.0.1 in a background thread."""

    def __init__(
        self,
        *,
        port: int = 0,
        speed: float = 1.0,
        scenario: str = "success",
        ghes: bool = False,
        login: str = "octocat",
        rate_limit: int = 5000,
        rate_window: float = 3600.0,
        missing_repos: tuple[str, ...] = (),
        repos_without_workflow: tuple[str, ...] = (),
        users_without_keys: tuple[str, ...] = ("nokeys",),
        seed: int | None = None,
    ):
        if scenario not in SCENARIOS:
            raise ValueError(f"unknown scenario {scenario!r}; choose one of {', '.join(SCENARIOS)}")
        self.clock = Clock(speed)
        self.rng = random.Random(seed)
        self.scenario = scenario
        self.ghes = ghes
        self.login = login
        self.rate_limit = rate_limit
        self.rate_window = rate_window
        self.missing_repos = set(missing_repos)
        self.repos_without_workflow = set(repos_without_workflow)
        self.users_without_keys = set(users_without_keys)
        self.revoked: set[str] = set()
        self.runs: dict[int, Run] = {}
        self.faults: list[Fault] = []
        self.lock = threading.RLock()
        self.requests = 0
        self.counted = 0
        self.by_path: dict[str, int] = {}
        self._rate: dict[str, tuple[float, int]] = {}  # token -> (window start, used)
        self._rate_blocked_until = 0.0
        self._rate_blocked_kind = ""
        self._run_ids = itertools.count(21_000_000_001)
        self._artifact_ids = itertools.count(4_100_000_001)
        self._run_numbers: dict[str, itertools.count] = {}
        self._secret = secrets.token_bytes(16)
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.simulator = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return self.base_url + ("/api/v3" if self.ghes else "")

    def start(self) -> Simulator:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="simulate-github", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- steering (also used in-process by tests) --------------------------------------------

    def inject(self, kind: str, **kwargs: Any) -> None:
        with self.lock:
            self.faults.append(Fault(kind, **kwargs))

    def rate_limit_for(self, seconds: float, kind: str = "primary") -> None:
        """Answer every API request with a rate-limit error for `seconds` (real time)."""
        with self.lock:
            self._rate_blocked_until = time.time() + seconds
            self._rate_blocked_kind = kind

    def continue_session(self, run_id: int, stage: str | None = None) -> bool:
        with self.lock:
            run = self.runs.get(run_id)
            return bool(run) and run.continue_session(self.clock.now(), stage)

    def delete_run(self, run_id: int) -> bool:
        with self.lock:
            return self.runs.pop(run_id, None) is not None

    def expire_artifact(self, artifact_id: int) -> bool:
        with self.lock:
            for run in self.runs.values():
                for artifact in run.artifacts(self.clock.now()):
                    if artifact.id == artifact_id:
                        run.expired_ids.add(artifact_id)
                        return True
        return False

    def stats(self) -> dict:
        with self.lock:
            return {
                "requests": self.requests,
                "counted": self.counted,
                "by_path": dict(self.by_path),
                "runs": len(self.runs),
            }

    # -- signed URLs -------------------------------------------------------------------------

    def sign(self, kind: str, ident: int) -> str:
        expires = int(time.time()) + SIGNED_URL_SECONDS
        message = f"{kind}:{ident}:{expires}".encode()
        signature = hmac.new(self._secret, message, hashlib.sha256).hexdigest()[:32]
        query = urlencode({"expires": expires, "sig": signature})
        return f"{self.base_url}/_sim/blob/{kind}/{ident}?{query}"

    def check_signature(self, kind: str, ident: int, query: dict) -> str | None:
        """None when the signed URL is good, else why not."""
        try:
            expires = int(query["expires"][0])
            signature = query["sig"][0]
        except (KeyError, ValueError, IndexError):
            return "missing signature"
        message = f"{kind}:{ident}:{expires}".encode()
        wanted = hmac.new(self._secret, message, hashlib.sha256).hexdigest()[:32]
        if not hmac.compare_digest(wanted, signature):
            return "bad signature"
        if time.time() > expires:
            return "expired"
        return None


_WEB_PAGE = re.compile(
    r"/(?P<repo>[\w.-]+/[\w.-]+)/actions/runs/(?P<run>\d+)(?:/artifacts/(?P<artifact>\d+))?"
)
_REPO = r"/repos/(?P<repo>[\w.-]+/[\w.-]+)"
_WORKFLOW = _REPO + r"/actions/workflows/(?P<wf>[\w.-]+)"
_RUN = _REPO + r"/actions/runs/(?P<run>\d+)"
_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    (method, re.compile(pattern + r"\Z"), handler)
    for method, pattern, handler in [
        ("GET", r"/user", "get_user"),
        ("GET", r"/users/(?P<login>[\w-]+)/keys", "get_keys"),
        ("GET", r"/rate_limit", "get_rate_limit"),
        ("GET", _REPO, "get_repo"),
        ("GET", _WORKFLOW, "get_workflow"),
        ("POST", _WORKFLOW + "/dispatches", "post_dispatch"),
        ("GET", _WORKFLOW + "/runs", "get_runs"),
        ("GET", _REPO + "/actions/runs", "get_runs"),
        ("GET", _RUN, "get_run"),
        ("DELETE", _RUN, "delete_run"),
        ("GET", _RUN + "/jobs", "get_jobs"),
        ("GET", _RUN + "/artifacts", "get_artifacts"),
        ("POST", _RUN + "/rerun", "post_rerun"),
        ("POST", _RUN + "/rerun-failed-jobs", "post_rerun_failed"),
        ("POST", _RUN + "/cancel", "post_cancel"),
        ("POST", _RUN + "/force-cancel", "post_force_cancel"),
        ("GET", _REPO + r"/actions/jobs/(?P<job>\d+)/logs", "get_job_logs"),
        ("GET", _REPO + r"/actions/artifacts", "get_repo_artifacts"),
        ("GET", _REPO + r"/actions/artifacts/(?P<artifact>\d+)/zip", "get_artifact_zip"),
    ]
]


class _Reply(Exception):
    """Raised by a handler to answer at once."""

    def __init__(self, status: int, body: Any = None, headers: dict | None = None):
        self.status, self.body, self.headers = status, body, headers or {}


def _error(status: int, message: str) -> _Reply:
    return _Reply(status, {"message": message, "documentation_url": DOCS, "status": str(status)})


class _Handler(BaseHTTPRequestHandler):
    server_version = "GitHub.com"
    sys_version = ""
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def setup(self) -> None:
        super().setup()
        # Answer at once: without these, small writes wait out delayed ACKs (40 ms each).
        with contextlib.suppress(OSError, AttributeError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)

    @property
    def sim(self) -> Simulator:
        return self.server.simulator  # type: ignore[attr-defined]

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    # -- plumbing ----------------------------------------------------------------------------

    def _read_body(self) -> None:
        """Read the whole request body first, so an early answer leaves the connection clean."""
        try:
            length = int(self.headers.get("content-length") or 0)
        except ValueError:
            length = 0
        self._raw_body = self.rfile.read(length) if length > 0 else b""

    def _body(self) -> Any:
        raw = self._raw_body
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise _error(400, "Problems parsing JSON") from None

    def _send(self, status: int, body: Any = None, headers: dict | None = None) -> None:
        data = b""
        if isinstance(body, bytes):
            data = body
        elif body is not None:
            data = json.dumps(body).encode()
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, str(value))
        if body is not None and not isinstance(body, bytes):
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data and self.command != "HEAD":
            self.wfile.write(data)

    def _handle(self, method: str) -> None:
        self._read_body()
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        path = url.path
        web = _WEB_PAGE.fullmatch(path)
        if web and method == "GET":
            self._web_page(web)
            return
        if path.startswith("/_sim/"):
            try:
                self._control(method, path, query)
            except _Reply as reply:
                self._send(reply.status, reply.body, reply.headers)
            return
        try:
            self._api(method, path, query)
        except _Reply as reply:
            self._send(reply.status, reply.body, reply.headers)
        except ConnectionError:
            pass

    def _web_page(self, match: re.Match) -> None:
        """What `o` opens in the demo: the run (or artifact) page of the simulated GitHub."""
        repo, run_id, artifact = match.group("repo"), match.group("run"), match.group("artifact")
        with self.sim.lock:
            run = self.sim.runs.get(int(run_id))
            status = " / ".join(filter(None, run.status(self.sim.clock.now()))) if run else "gone"
            title = run.display_title if run else f"run {run_id}"
        what = f"artifact {artifact} of " if artifact else ""
        body = (
            "<!doctype html><meta charset=utf-8><title>simulated GitHub</title>"
            f"<h1>{html.escape(repo)}</h1><p>This is the simulated GitHub of cibw-debug-tui "
            f"--demo: {what}{html.escape(title)} ({html.escape(status)}).</p>"
        )
        self._send(200, body.encode(), {"Content-Type": "text/html; charset=utf-8"})

    def _take_fault(self, path: str) -> Fault | None:
        with self.sim.lock:
            for fault in self.sim.faults:
                if fault.path in path:
                    fault.count -= 1
                    if fault.count <= 0:
                        self.sim.faults.remove(fault)
                    return fault
        return None

    def _drop(self) -> None:
        """Close the connection without an answer, as a flaky network does."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _api(self, method: str, path: str, query: dict) -> None:
        sim = self.sim
        if sim.ghes:
            if not path.startswith("/api/v3/"):
                raise _error(404, "Not Found")
            path = path[len("/api/v3") :]
        fault = self._take_fault(path)
        if fault and fault.kind == "slow":
            time.sleep(fault.seconds)
        if fault and fault.kind == "drop":
            self._drop()
            return
        with sim.lock:
            sim.requests += 1
            sim.by_path[path] = sim.by_path.get(path, 0) + 1
        if fault and fault.kind == "status":
            raise _error(fault.status, "Server Error")
        token = self._token()
        rate_headers = self._rate(token, path)
        if fault and fault.kind == "unauthorized":
            raise _error(401, "Bad credentials")
        route = next(
            ((handler, match) for m, pattern, handler in _ROUTES
             if m == method and (match := pattern.match(path))),
            None,
        )  # fmt: skip
        if route is None:
            raise _error(404, "Not Found")
        handler, match = route
        status, body, headers = getattr(self, handler)(query=query, **match.groupdict())
        headers = {**rate_headers, **(headers or {})}
        if fault and fault.kind == "drop-after":
            self._drop()  # it happened, but the answer is lost
            return
        if fault and fault.kind == "malformed":
            self._send(200, b'{"total_count": 1, "workflow_runs": [{"id": ', headers)
            return
        if method == "GET" and status == 200 and not isinstance(body, bytes):
            data = json.dumps(body, sort_keys=True).encode()
            etag = 'W/"' + hashlib.sha256(data).hexdigest()[:40] + '"'
            headers["ETag"] = etag
            if self.headers.get("If-None-Match") == etag:
                with sim.lock:  # a 304 is free: give back what _rate took
                    self._refund(token)
                    headers.update(self._rate_headers(token))
                self._send(304, None, headers)
                return
        with sim.lock:
            sim.counted += 1
        self._send(status, body, headers)

    def _token(self) -> str:
        auth = self.headers.get("Authorization", "")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() not in ("bearer", "token") or not token.strip():
            raise _error(401, "Requires authentication")
        token = token.strip()
        if token in self.sim.revoked or token.startswith("revoked"):
            raise _error(401, "Bad credentials")
        return token

    def _rate_headers(self, token: str) -> dict:
        sim = self.sim
        if sim.ghes:
            return {}
        start, used = sim._rate.get(token, (time.time(), 0))
        return {
            "x-ratelimit-limit": sim.rate_limit,
            "x-ratelimit-remaining": max(0, sim.rate_limit - used),
            "x-ratelimit-used": used,
            "x-ratelimit-reset": int(start + sim.rate_window),
            "x-ratelimit-resource": "core",
        }

    def _refund(self, token: str) -> None:
        start, used = self.sim._rate[token]
        self.sim._rate[token] = (start, max(0, used - 1))

    def _rate(self, token: str, path: str) -> dict:
        """Count this request against the token's limit; answer 403/429 when it is spent."""
        sim = self.sim
        if sim.ghes:
            return {}
        now = time.time()
        with sim.lock:
            if now < sim._rate_blocked_until:
                wait = int(sim._rate_blocked_until - now) + 1
                if sim._rate_blocked_kind == "secondary":
                    raise _Reply(
                        429,
                        {"message": "You have exceeded a secondary rate limit.", "status": "429"},
                        {"retry-after": wait},
                    )
                headers = self._rate_headers(token) | {
                    "x-ratelimit-remaining": 0,
                    "x-ratelimit-reset": int(sim._rate_blocked_until) + 1,
                }
                raise _Reply(403, {"message": "API rate limit exceeded", "status": "403"}, headers)
            start, used = sim._rate.get(token, (now, 0))
            if now >= start + sim.rate_window:
                start, used = now, 0
            if path == "/rate_limit":
                sim._rate[token] = (start, used)
                return self._rate_headers(token)
            if used >= sim.rate_limit:
                sim._rate[token] = (start, used)
                raise _Reply(
                    403,
                    {"message": "API rate limit exceeded for user ID 1.", "status": "403"},
                    self._rate_headers(token),
                )
            sim._rate[token] = (start, used + 1)
            return self._rate_headers(token)

    # -- control -----------------------------------------------------------------------------

    def _control(self, method: str, path: str, query: dict) -> None:
        sim = self.sim
        match = re.fullmatch(r"/_sim/blob/(\w+)/(\d+)", path)
        if match and method == "GET":
            self._blob(match.group(1), int(match.group(2)), query)
            return
        body = self._body() if method == "POST" else None
        if path == "/_sim/stats":
            raise _Reply(200, sim.stats())
        if path == "/_sim/faults" and method == "POST":
            if not isinstance(body, dict) or "kind" not in body:
                raise _error(422, "a fault needs a kind")
            if body["kind"] == "rate-limit":
                sim.rate_limit_for(float(body.get("seconds", 5)), body.get("limit", "primary"))
            else:
                sim.inject(**body)
            raise _Reply(201, {"ok": True})
        if path == "/_sim/scenario" and method == "POST":
            scenario = (body or {}).get("scenario")
            if scenario not in SCENARIOS:
                raise _error(422, f"scenario must be one of {', '.join(SCENARIOS)}")
            sim.scenario = scenario
            raise _Reply(200, {"scenario": scenario})
        match = re.fullmatch(r"/_sim/runs/(\d+)/(continue|delete)", path)
        if match and method == "POST":
            run_id = int(match.group(1))
            if match.group(2) == "delete":
                ok = sim.delete_run(run_id)
            else:
                ok = sim.continue_session(run_id, (body or {}).get("stage"))
            raise _Reply(200 if ok else 409, {"ok": ok})
        match = re.fullmatch(r"/_sim/artifacts/(\d+)/expire", path)
        if match and method == "POST":
            ok = sim.expire_artifact(int(match.group(1)))
            raise _Reply(200 if ok else 404, {"ok": ok})
        match = re.fullmatch(r"/_sim/tokens/revoke", path)
        if match and method == "POST":
            sim.revoked.add(str((body or {}).get("token", "")))
            raise _Reply(200, {"ok": True})
        raise _error(404, "Not Found")

    def _blob(self, kind: str, ident: int, query: dict) -> None:
        sim = self.sim
        why = sim.check_signature(kind, ident, query)
        if why:
            raise _Reply(410 if why == "expired" else 403, f"<Error>{why}</Error>".encode())
        with sim.lock:
            if kind == "artifact":
                artifact = self._find_artifact(ident)
                if artifact is None:
                    raise _Reply(404, b"<Error>BlobNotFound</Error>")
                data = artifact.content
                ctype = "application/zip"
            else:
                run, job = self._find_job(ident)
                data = run.job_log(job).encode()
                ctype = "text/plain; charset=utf-8"
        fault = self._take_fault(f"/_sim/blob/{kind}/{ident}")
        if fault and fault.kind == "truncate":
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self._drop()
            return
        self._send(200, data, {"Content-Type": ctype})

    # -- helpers -----------------------------------------------------------------------------

    def _repo(self, repo: str) -> str:
        if repo in self.sim.missing_repos:
            raise _error(404, "Not Found")
        return repo

    def _run(self, repo: str, run_id: str) -> Run:
        run = self.sim.runs.get(int(run_id))
        if run is None or run.repo != repo:
            raise _error(404, "Not Found")
        return run

    def _find_artifact(self, artifact_id: int):
        now = self.sim.clock.now()
        for run in self.sim.runs.values():
            for artifact in run.artifacts(now):
                if artifact.id == artifact_id:
                    artifact.expired = artifact_id in run.expired_ids
                    return artifact
        return None

    def _find_job(self, job_id: int):
        for run in self.sim.runs.values():
            run.plan()
            for job in (run.validate, run.debug):
                if job.id == job_id:
                    return run, job
        raise _error(404, "Not Found")

    @property
    def _urls(self) -> tuple[str, str]:
        return self.sim.api_url, self.sim.base_url

    # -- API handlers: each returns (status, body, headers) ----------------------------------

    def get_user(self, query: dict) -> tuple:
        api, web = self._urls
        token = self._token()
        scopes = "" if token.startswith("github_pat_") else "repo, workflow"
        headers = {"X-OAuth-Scopes": scopes} if scopes else {}
        return 200, payloads.user(api, web, self.sim.login, private=True), headers

    def get_keys(self, query: dict, login: str) -> tuple:
        if login in self.sim.users_without_keys:
            return 200, [], None
        return 200, [{"id": payloads.number_for("key:" + login, 8), "key": SSH_KEY}], None

    def get_rate_limit(self, query: dict) -> tuple:
        token = self._token()
        headers = self._rate_headers(token)
        core = {
            "limit": self.sim.rate_limit,
            "remaining": headers.get("x-ratelimit-remaining", self.sim.rate_limit),
            "reset": headers.get("x-ratelimit-reset", int(time.time()) + 3600),
            "used": headers.get("x-ratelimit-used", 0),
        }
        return 200, {"resources": {"core": core, "search": dict(core)}, "rate": core}, None

    def get_repo(self, query: dict, repo: str) -> tuple:
        api, web = self._urls
        return 200, payloads.repository(api, web, self._repo(repo), full=True), None

    def _workflow_exists(self, repo: str, wf: str) -> None:
        self._repo(repo)
        names = {
            WORKFLOW_FILE,
            str(payloads.number_for(f"workflow:{repo}:{WORKFLOW_PATH}")),
        }
        if repo in self.sim.repos_without_workflow or wf not in names:
            raise _error(404, "Not Found")

    def get_workflow(self, query: dict, repo: str, wf: str) -> tuple:
        self._workflow_exists(repo, wf)
        api, web = self._urls
        return 200, payloads.workflow(api, web, repo, WORKFLOW_PATH), None

    def post_dispatch(self, query: dict, repo: str, wf: str) -> tuple:
        self._workflow_exists(repo, wf)
        body = self._body()
        if not isinstance(body, dict) or not isinstance(body.get("ref"), str):
            raise _error(422, 'Invalid request.\n\n"ref" wasn\'t supplied.')
        if "return_run_details" in body and self.sim.ghes:
            raise _error(422, 'Invalid request.\n\n"return_run_details" is not a permitted key.')
        raw_inputs = body.get("inputs") or {}
        if self.sim.ghes and isinstance(raw_inputs, dict) and len(raw_inputs) > GHES_MAX_INPUTS:
            raise _error(422, f"you may only define up to {GHES_MAX_INPUTS} `inputs`")
        if body["ref"] not in ("main", "develop") and not body["ref"].startswith("v"):
            raise _error(422, f"No ref found for: {body['ref']}")
        inputs, why = check_inputs(raw_inputs)
        if why:
            raise _error(422, why)
        sim = self.sim
        with sim.lock:
            run_id = next(sim._run_ids)
            numbers = sim._run_numbers.setdefault(repo, itertools.count(1))
            run = Run(
                run_id,
                next(numbers),
                repo,
                body["ref"],
                inputs,
                sim.login,
                sim.scenario,
                sim.clock.now(),
                sim.clock,
                sim._artifact_ids,
                sim.rng,
            )
            sim.runs[run_id] = run
        if body.get("return_run_details") is True:
            api, web = self._urls
            return (
                200,
                {
                    "workflow_run_id": run_id,
                    "run_url": f"{api}/repos/{repo}/actions/runs/{run_id}",
                    "html_url": f"{web}/{repo}/actions/runs/{run_id}",
                },
                None,
            )
        return 204, None, None

    def _run_json(self, run: Run, now: float) -> dict:
        api, web = self._urls
        status, conclusion = run.status(now)
        wf = payloads.workflow(api, web, run.repo, WORKFLOW_PATH)
        base = f"{api}/repos/{run.repo}/actions/runs/{run.id}"
        created = run.clock.moment(run.created)
        updated = run.clock.moment(run.last_change(now))
        repo = payloads.repository(api, web, run.repo)
        actor = payloads.user(api, web, run.actor)
        return {
            "id": run.id,
            "name": wf["name"],
            "node_id": payloads.node_id("WFR", run.id),
            "head_branch": run.ref,
            "head_sha": run.head_sha,
            "path": WORKFLOW_PATH,
            "display_title": run.display_title,
            "run_number": run.number,
            "run_attempt": run.attempt,
            "event": "workflow_dispatch",
            "status": status,
            "conclusion": conclusion,
            "workflow_id": wf["id"],
            "check_suite_id": run.id + 7,
            "url": base,
            "html_url": f"{web}/{run.repo}/actions/runs/{run.id}",
            "pull_requests": [],
            "created_at": payloads.iso(created),
            "updated_at": payloads.iso(updated),
            "run_started_at": payloads.iso(created),
            "actor": actor,
            "triggering_actor": actor,
            "jobs_url": f"{base}/jobs",
            "logs_url": f"{base}/logs",
            "check_suite_url": f"{api}/repos/{run.repo}/check-suites/{run.id + 7}",
            "artifacts_url": f"{base}/artifacts",
            "cancel_url": f"{base}/cancel",
            "rerun_url": f"{base}/rerun",
            "workflow_url": wf["url"],
            "head_commit": payloads.head_commit(run.head_sha, created),
            "repository": repo,
            "head_repository": repo,
        }

    def get_runs(self, query: dict, repo: str, wf: str | None = None) -> tuple:
        if wf is not None:
            self._workflow_exists(repo, wf)
        else:
            self._repo(repo)
        sim = self.sim
        now = sim.clock.now()
        event = query.get("event", [None])[0]
        created = query.get("created", [None])[0]
        since = None
        if created and created.startswith(">="):
            try:
                since = datetime.strptime(created[2:], "%Y-%m-%dT%H:%M:%SZ").replace(
                    tzinfo=timezone.utc
                )
            except ValueError:
                raise _error(422, "Invalid created filter") from None
        with sim.lock:
            runs = [
                r
                for r in sorted(sim.runs.values(), key=lambda r: -r.id)
                if r.repo == repo
                and (event in (None, "workflow_dispatch"))
                and (since is None or r.clock.moment(r.created) >= since)
            ]
            page, per_page = self._page(query)
            chosen = runs[(page - 1) * per_page : page * per_page]
            body = {
                "total_count": len(runs),
                "workflow_runs": [self._run_json(r, now) for r in chosen],
            }
        return 200, body, self._link(query, page, per_page, len(runs))

    def _page(self, query: dict) -> tuple[int, int]:
        try:
            page = max(1, int(query.get("page", ["1"])[0]))
            per_page = min(100, max(1, int(query.get("per_page", ["30"])[0])))
        except ValueError:
            raise _error(422, "Invalid page or per_page") from None
        return page, per_page

    def _link(self, query: dict, page: int, per_page: int, total: int) -> dict:
        last = max(1, -(-total // per_page))
        if last <= 1:
            return {}
        url = urlsplit(self.path)

        def page_url(n: int) -> str:
            params = {k: v[0] for k, v in query.items()} | {"page": n, "per_page": per_page}
            return f"{self.sim.base_url}{url.path}?{urlencode(params)}"

        links = []
        if page < last:
            links += [f'<{page_url(page + 1)}>; rel="next"', f'<{page_url(last)}>; rel="last"']
        if page > 1:
            links += [f'<{page_url(1)}>; rel="first"', f'<{page_url(page - 1)}>; rel="prev"']
        return {"Link": ", ".join(links)}

    def get_run(self, query: dict, repo: str, run: str) -> tuple:
        with self.sim.lock:
            found = self._run(self._repo(repo), run)
            return 200, self._run_json(found, self.sim.clock.now()), None

    def delete_run(self, query: dict, repo: str, run: str) -> tuple:
        with self.sim.lock:
            found = self._run(self._repo(repo), run)
            self.sim.runs.pop(found.id, None)
        return 204, None, None

    def _step_json(self, step, number: int, now: float) -> dict:
        if step.start is None or step.start > now:
            status = (
                "completed" if step.conclusion in ("skipped", "cancelled") and now else "queued"
            )
            if step.conclusion == "skipped" and step.start is None:
                return {
                    "name": step.name,
                    "status": "completed",
                    "conclusion": "skipped",
                    "number": number,
                    "started_at": None,
                    "completed_at": None,
                }
            return {
                "name": step.name,
                "status": "queued" if status == "queued" else status,
                "conclusion": None,
                "number": number,
                "started_at": None,
                "completed_at": None,
            }
        moment = self.sim.clock.moment
        if now < step.end:
            return {
                "name": step.name,
                "status": "in_progress",
                "conclusion": None,
                "number": number,
                "started_at": payloads.iso(moment(step.start)),
                "completed_at": None,
            }
        return {
            "name": step.name,
            "status": "completed",
            "conclusion": step.conclusion,
            "number": number,
            "started_at": payloads.iso(moment(step.start)),
            "completed_at": payloads.iso(moment(step.end)),
        }

    def _job_json(self, run: Run, job, now: float) -> dict:
        api, web = self._urls
        moment = self.sim.clock.moment
        if job.start is None or now < job.start:
            status, conclusion = "queued", None
            if job.conclusion in ("skipped", "cancelled") and run.status(now)[0] == "completed":
                status, conclusion = "completed", job.conclusion
        elif now < job.end:
            status, conclusion = "in_progress", None
        else:
            status, conclusion = "completed", job.conclusion
        started = job.start is not None and now >= job.start
        return {
            "id": job.id,
            "run_id": run.id,
            "run_url": f"{api}/repos/{run.repo}/actions/runs/{run.id}",
            "run_attempt": run.attempt,
            "node_id": payloads.node_id("CR", job.id),
            "head_sha": run.head_sha,
            "head_branch": run.ref,
            "workflow_name": "Debug cibuildwheel with SSH",
            "url": f"{api}/repos/{run.repo}/actions/jobs/{job.id}",
            "html_url": f"{web}/{run.repo}/actions/runs/{run.id}/job/{job.id}",
            "status": status,
            "conclusion": conclusion,
            "created_at": payloads.iso(moment(run.created)),
            "started_at": payloads.iso(moment(job.start if started else run.created)),
            "completed_at": payloads.iso(moment(job.end))
            if status == "completed" and job.end
            else None,
            "name": job.name,
            "steps": [self._step_json(step, i, now) for i, step in enumerate(job.steps, 1)]
            if started
            else [],
            "check_run_url": f"{api}/repos/{run.repo}/check-runs/{job.id}",
            "labels": job.labels or [run.inputs["runner"]],
            "runner_id": 1 if started else None,
            "runner_name": job.runner_name if started else None,
            "runner_group_id": 2 if started else None,
            "runner_group_name": "GitHub Actions" if started else None,
        }

    def get_jobs(self, query: dict, repo: str, run: str) -> tuple:
        with self.sim.lock:
            found = self._run(self._repo(repo), run)
            now = self.sim.clock.now()
            found.plan()
            jobs = [self._job_json(found, found.validate, now)]
            if found.validate.end is not None and now >= found.validate.end:
                jobs.append(self._job_json(found, found.debug, now))
        return 200, {"total_count": len(jobs), "jobs": jobs}, None

    def _artifact_json(self, run: Run, artifact) -> dict:
        api, _ = self._urls
        created = self.sim.clock.moment(artifact.created)
        expires = self.sim.clock.moment(artifact.created + 90 * 86400)
        expired = artifact.id in run.expired_ids
        return {
            "id": artifact.id,
            "node_id": payloads.node_id("MDg", artifact.id),
            "name": artifact.name,
            "size_in_bytes": len(artifact.content),
            "url": f"{api}/repos/{run.repo}/actions/artifacts/{artifact.id}",
            "archive_download_url": f"{api}/repos/{run.repo}/actions/artifacts/{artifact.id}/zip",
            "expired": expired,
            "created_at": payloads.iso(created),
            "updated_at": payloads.iso(created),
            "expires_at": payloads.iso(expires),
            "digest": "sha256:" + hashlib.sha256(artifact.content).hexdigest(),
            "workflow_run": {
                "id": run.id,
                "repository_id": payloads.number_for("repo:" + run.repo),
                "head_repository_id": payloads.number_for("repo:" + run.repo),
                "head_branch": run.ref,
                "head_sha": run.head_sha,
            },
        }

    def get_artifacts(self, query: dict, repo: str, run: str) -> tuple:
        with self.sim.lock:
            found = self._run(self._repo(repo), run)
            artifacts = found.artifacts(self.sim.clock.now())
            page, per_page = self._page(query)
            chosen = artifacts[(page - 1) * per_page : page * per_page]
            body = {
                "total_count": len(artifacts),
                "artifacts": [self._artifact_json(found, a) for a in chosen],
            }
        return 200, body, self._link(query, page, per_page, len(artifacts))

    def get_repo_artifacts(self, query: dict, repo: str) -> tuple:
        """Every run's artifacts in the repository, newest first, as GitHub lists them."""
        with self.sim.lock:
            self._repo(repo)
            now = self.sim.clock.now()
            found = [(run, a) for run in self.sim.runs.values() if run.repo == repo
                     for a in run.artifacts(now)]  # fmt: skip
            found.sort(key=lambda pair: (pair[1].created, pair[1].id), reverse=True)
            page, per_page = self._page(query)
            chosen = found[(page - 1) * per_page : page * per_page]
            body = {
                "total_count": len(found),
                "artifacts": [self._artifact_json(run, a) for run, a in chosen],
            }
        return 200, body, self._link(query, page, per_page, len(found))

    def get_artifact_zip(self, query: dict, repo: str, artifact: str) -> tuple:
        with self.sim.lock:
            self._repo(repo)
            found = self._find_artifact(int(artifact))
            if found is None:
                raise _error(404, "Not Found")
            if found.expired:
                raise _error(410, "Artifact has expired")
        return 302, None, {"Location": self.sim.sign("artifact", found.id)}

    def get_job_logs(self, query: dict, repo: str, job: str) -> tuple:
        with self.sim.lock:
            self._repo(repo)
            _, found = self._find_job(int(job))
            now = self.sim.clock.now()
            if found.end is None or now < found.end:
                raise _error(404, "Not Found")  # GitHub serves logs only once the job is done
        return 302, None, {"Location": self.sim.sign("log", found.id)}

    def _act(self, repo: str, run: str, action) -> tuple:
        with self.sim.lock:
            found = self._run(self._repo(repo), run)
            return action(found, self.sim.clock.now())

    def post_rerun(self, query: dict, repo: str, run: str, failed_only: bool = False) -> tuple:
        def rerun(found: Run, now: float) -> tuple:
            if found.status(now)[0] != "completed":
                raise _error(403, "This workflow run is not completed")
            if failed_only and found.conclusion() == "success":
                raise _error(403, "This workflow run has no failed jobs")
            found.start_attempt(now, rerun_failed=failed_only)
            return 201, {}, None

        return self._act(repo, run, rerun)

    def post_rerun_failed(self, query: dict, repo: str, run: str) -> tuple:
        return self.post_rerun(query, repo, run, failed_only=True)

    def post_cancel(self, query: dict, repo: str, run: str, force: bool = False) -> tuple:
        def cancel(found: Run, now: float) -> tuple:
            if not found.cancel(now, force):
                raise _error(409, "Cannot cancel a workflow run that is completed.")
            return 202, {}, None

        return self._act(repo, run, cancel)

    def post_force_cancel(self, query: dict, repo: str, run: str) -> tuple:
        return self.post_cancel(query, repo, run, force=True)
