"""A GitHub-compatible HTTP server for the demo and the tests: the real client talks to it.

It serves any OWNER/REPO as a repository whose default branch `main` holds the bundled debug
workflow, a typical wheel workflow and a `pyproject.toml` (contents.py), runs dispatched
workflows on a scaled clock (runs.py), and behaves like GitHub where a client can tell: ETags
and 304s, rate-limit headers and exhaustion, Link pagination, 401, 404, 410, 302s to signed
download URLs, URLs on the host the client asked (also through an HTTP proxy), check runs.
`--ghes` behaves like GitHub Enterprise Server 3.17-3.19. Real clients that we did not write
(the GitHub CLI, octokit.js) are tested against it.

Tests and benchmarks steer it through `/_sim/...` endpoints (no token), or in-process through
the methods of its state: inject faults, press "continue" in an SSH session, delete a run,
expire an artifact, read request counts.

The parts: state.py (what it knows), http.py (requests in, answers out), request.py (one
request: its token, paging and the host its URLs name), routes.py (what each endpoint answers),
checks.py (check runs), contents.py (the contents API), payloads.py (GitHub-shaped JSON),
quirks.py (where real GitHub is harder on clients), steering.py (the `/_sim/...` endpoints).
"""

from __future__ import annotations

import threading
from typing import Any

from cibw_debug_tui.simulator.http import Server
from cibw_debug_tui.simulator.state import SimulatedGitHub


class Simulator(SimulatedGitHub):
    """The simulated GitHub, served on 127.0.0.1 (`port` 0 picks a free one), in a background
    thread with `start()` or in this one with `serve_forever()`; `close()` ends either."""

    def __init__(self, *, port: int = 0, **state: Any):
        super().__init__(**state)
        self._server = Server(port, self)
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> Simulator:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="simulate-github", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def close(self) -> None:
        """Stop serving (from another thread than `serve_forever`'s) and free the port."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
