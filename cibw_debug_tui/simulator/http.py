"""The simulated GitHub's HTTP plumbing: read a request, apply the injected fault, count it
against the rate limit, ask routes.py for the answer, add ETags (and answer 304s), send it.
Also the signed download URLs' bytes and the web pages that links point to."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import html
import json
import re
import socket
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cibw_debug_tui.simulator import published, routes, steering
from cibw_debug_tui.simulator.request import Reply, Request, error, origin
from cibw_debug_tui.simulator.state import RateLimited, SimulatedGitHub

_WEB_PAGE = re.compile(
    r"/(?P<repo>[\w.-]+/[\w.-]+)/actions/runs/(?P<run>\d+)(?:/artifacts/(?P<artifact>\d+))?"
)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, state: SimulatedGitHub):
        super().__init__(("127.0.0.1", port), Handler)
        self.state = state

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up is ordinary here; anything else gets one line, not a dump."""
        failure = sys.exc_info()[1]
        if not isinstance(failure, ConnectionError | TimeoutError):
            print(f"simulate-github: {type(failure).__name__}: {failure}", file=sys.stderr)


class Handler(BaseHTTPRequestHandler):
    server: Server
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
    def sim(self) -> SimulatedGitHub:
        return self.server.state

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The `Date` header: the simulated clock's time, as GitHub's is its own."""
        return super().date_time_string(self.sim.clock.now() if timestamp is None else timestamp)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _read_body(self) -> bytes:
        """The whole request body, read first so that an early answer leaves the connection
        clean."""
        try:
            length = int(self.headers.get("content-length") or 0)
        except ValueError:
            length = 0
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, status: int, body: Any = None, headers: dict[str, Any] | None = None) -> None:
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

    def _drop(self) -> None:
        """Close the connection without an answer, as a flaky network does."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _handle(self, method: str) -> None:
        raw_body = self._read_body()
        url = urlsplit(self.path)
        path = url.path
        asked = origin(self.path, self.headers, self.sim.base_url)
        query = parse_qs(url.query)
        req = Request(self.sim, method, path, query, self.headers, raw_body, path, asked)
        web = None if path.startswith("/repositories/") else _WEB_PAGE.fullmatch(path)
        try:
            if web and method == "GET":
                self._web_page(web)
            elif path.startswith("/_sim/"):
                blob = re.fullmatch(r"/_sim/blob/(\w+)/(\d+)", path)
                if blob and method == "GET":
                    self._blob(blob.group(1), int(blob.group(2)), req.query)
                else:
                    self._send(*steering.control(req))
            else:
                self._api(req)
        except Reply as reply:
            self._send(reply.status, reply.body, reply.headers)
        except ConnectionError:
            pass

    def _web_page(self, match: re.Match[str]) -> None:
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

    def _api(self, req: Request) -> None:
        sim = self.sim
        if sim.ghes:
            if not req.path.startswith("/api/v3/"):
                raise error(404, "Not Found")
            req.path = req.path[len("/api/v3") :]
        fault = sim.take_fault(req.path)
        if fault and fault.kind == "slow":
            time.sleep(fault.seconds)
        if fault and fault.kind == "drop":
            self._drop()
            return
        sim.count_request(req.path)
        if fault and fault.kind == "status":
            reply = error(fault.status, "Server Error")
            reply.headers.update(fault.headers)
            raise reply
        token = req.token()
        try:
            rate_headers = sim.spend(token, req.path)
        except RateLimited as limited:
            with sim.lock:
                sim.limited += 1
            body = {"message": limited.message, "status": str(limited.status)}
            raise Reply(limited.status, body, limited.headers) from None
        if fault and fault.kind == "unauthorized":
            raise error(401, "Bad credentials")
        api = req.origin + ("/api/v3" if sim.ghes else "")
        sim.quirks.redirect(req.method, req.path, urlsplit(self.path).query, api)
        req.path = sim.quirks.by_id(req.path, sim.repo_names())
        status, body, extra = routes.answer(req)
        headers = {**rate_headers, **(extra or {})}
        if fault and fault.kind == "drop-after":
            self._drop()  # it happened, but the answer is lost
            return
        if fault and fault.kind == "malformed":
            type_ = {"Content-Type": "application/json; charset=utf-8"}
            self._send(200, fault.body.encode(), {**headers, **type_, **fault.headers})
            return
        if req.method == "GET" and status == 200 and not isinstance(body, bytes):
            data = json.dumps(body, sort_keys=True).encode()
            etag = 'W/"' + hashlib.sha256(data).hexdigest()[:40] + '"'
            headers["ETag"] = etag
            if self.headers.get("If-None-Match") == etag:
                sim.refund(token)  # a 304 is free
                headers.update(sim.rate_headers(token))
                self._send(304, None, headers)
                return
        with sim.lock:
            sim.counted += 1
            sim.counted_by_path[req.path] = sim.counted_by_path.get(req.path, 0) + 1
        self._send(status, body, headers)

    def _blob(self, kind: str, ident: int, query: dict[str, list[str]]) -> None:
        """The bytes behind a signed download URL (an artifact's zip, a job's log)."""
        sim = self.sim
        why = sim.check_signature(kind, ident, query)
        if why:
            raise Reply(410 if why == "expired" else 403, f"<Error>{why}</Error>".encode())
        with sim.lock:
            if kind == "artifact":
                found = routes.find_artifact(sim, ident)
                if found is None:
                    raise Reply(404, b"<Error>BlobNotFound</Error>")
                data = found[1].content
                ctype = "application/zip"
            elif kind == "runlog":
                run = sim.runs.get(ident)
                if run is None:
                    raise Reply(404, b"<Error>BlobNotFound</Error>")
                data = published.run_logs_zip(run, sim.clock.now())
                ctype = "application/zip"
            elif kind == "cilog":
                found_ci = sim.find_ci_job(ident)
                if found_ci is None:
                    raise Reply(404, b"<Error>BlobNotFound</Error>")
                data = found_ci[0].logs[ident].encode()
                ctype = "text/plain; charset=utf-8"
            else:
                run, job = routes.find_job(sim, ident)
                if not sim.log_written(run, job):  # the logs endpoint redirected all the same
                    raise Reply(404, b"<Error>BlobNotFound</Error>")
                data = published.job_log(run, job).encode()
                ctype = "text/plain; charset=utf-8"
        headers = {"Content-Type": ctype}
        if kind == "log" and "gzip" in self.headers.get("Accept-Encoding", ""):
            # As storage may: Content-Length counts the bytes sent, not the log's.
            data, headers["Content-Encoding"] = gzip.compress(data), "gzip"
        fault = sim.take_fault(f"/_sim/blob/{kind}/{ident}")
        if fault and fault.kind == "truncate":
            self.send_response(200)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self._drop()
            return
        self._send(200, data, headers)
