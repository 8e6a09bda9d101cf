"""The simulated GitHub's state: repositories, runs on a scaled clock (runs.py), injected
faults, each token's rate limit, signed download URLs, and the steering that tests use.

Everything here is shared by the server's threads: it is read and changed under `lock`.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import random
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from cibw_debug_tui.core import workflow_contract as contract
from cibw_debug_tui.simulator import SCENARIOS, ci, published
from cibw_debug_tui.simulator.published import CheckRun
from cibw_debug_tui.simulator.quirks import Quirks
from cibw_debug_tui.simulator.runs import Clock, Run
from cibw_debug_tui.simulator.steps import Job

SIGNED_URL_SECONDS = 60


@dataclass
class Fault:
    """One injected misbehaviour, applied to the next `count` API requests whose path `path`
    (a regular expression) is found in.

    "malformed" answers 200 with `body` once the request is done (a dispatch has started its
    run): by default JSON cut short, else any text (HTML, "", `{"jobs": null}`...). "status"
    answers `status` with `headers` (a 403 with `x-ratelimit-reset: soon`...) instead."""

    kind: str  # "status", "drop", "drop-after", "slow", "malformed", "unauthorized", "truncate"
    count: int = 1
    status: int = 502
    seconds: float = 0.0
    path: str = ""
    body: str = '{"total_count": 1, "workflow_runs": [{"id": '
    headers: dict[str, str] = field(default_factory=dict)


class RateLimited(Exception):
    """The token's requests are spent (or a test blocked them): answer with these."""

    def __init__(self, status: int, message: str, headers: dict[str, Any]):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers


class SimulatedGitHub:
    """What the simulated GitHub knows; the server (server.py) answers from it."""

    def __init__(
        self,
        *,
        speed: float = 1.0,
        scenario: str = "success",
        ghes: bool = False,
        variant: str | None = None,
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
        # The debug workflow its repositories hold: by default the variant `install-workflow`
        # writes for this server (GHES's on GHES); the other one, to see what it does there.
        self.variant = variant or (contract.GHES if ghes else contract.GITHUB_COM)
        if self.variant not in (contract.GITHUB_COM, contract.GHES):
            raise ValueError(f"unknown workflow variant {variant!r}")
        self.login = login
        self.rate_limit = rate_limit
        self.rate_window = rate_window
        self.missing_repos = set(missing_repos)
        self.repos_without_workflow = set(repos_without_workflow)
        self.users_without_keys = set(users_without_keys)
        # repo -> path -> text: the files a repository holds instead of contents.py's own
        self.repo_files: dict[str, dict[str, str | bytes]] = {}
        self.revoked: set[str] = set()
        self.runs: dict[int, Run] = {}
        self._ci: dict[str, list[ci.CiRun]] = {}  # each repository's own CI, once seen
        self.check_runs: dict[int, CheckRun] = {}
        self.faults: list[Fault] = []
        self.quirks = Quirks()  # how real GitHub is harder on a client (quirks.py)
        self.lock = threading.RLock()
        self.requests = 0
        self.counted = 0
        self.by_path: dict[str, int] = {}
        self.counted_by_path: dict[str, int] = {}  # answers that count against the limit
        self.contents_refs: dict[str, int] = {}  # the refs the contents API was asked at
        self.limited = 0  # answers that said the rate limit was reached
        self._rate: dict[str, tuple[float, int]] = {}  # token -> (window start, used)
        self._rate_blocked_until = 0.0
        self._rate_blocked_kind = ""
        self._run_ids = itertools.count(21_000_000_001)
        self._artifact_ids = itertools.count(4_100_000_001)
        self.check_run_ids = itertools.count(31_000_000_001)  # jobs' ids are far above these
        self._run_numbers: dict[str, itertools.count[int]] = {}
        self._secret = secrets.token_bytes(16)
        self.base_url = ""  # where the server listens, once it does (server.py)

    @property
    def api_url(self) -> str:
        return self.base_url + ("/api/v3" if self.ghes else "")

    @property
    def workflow_title(self) -> str:
        """The debug workflow's name, as its repositories' variant has it."""
        ghes = self.variant == contract.GHES
        return contract.GHES_WORKFLOW_TITLE if ghes else contract.WORKFLOW_TITLE

    # -- steering (also used in-process by tests) --------------------------------------------

    def inject(self, kind: str, **kwargs: Any) -> None:
        with self.lock:
            self.faults.append(Fault(kind, **kwargs))

    def take_fault(self, path: str) -> Fault | None:
        """The first fault for this path, used once more."""
        with self.lock:
            for fault in self.faults:
                if re.search(fault.path, path):
                    fault.count -= 1
                    if fault.count <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def rate_limit_for(self, seconds: float, kind: str = "primary") -> None:
        """Answer every API request with a rate-limit error for `seconds` (real time)."""
        with self.lock:
            self._rate_blocked_until = time.time() + seconds
            self._rate_blocked_kind = kind

    def rename(self, old: str, new: str) -> None:
        """Rename (or transfer) a repository: its runs go with it, its old name redirects."""
        with self.lock:
            self.quirks.renamed[old] = new
            for run in self.runs.values():
                if run.repo == old:
                    run.repo = new

    def repo_names(self) -> set[str]:
        with self.lock:
            return {run.repo for run in self.runs.values()}

    def continue_session(self, run_id: int, stage: str | None = None) -> bool:
        with self.lock:
            run = self.runs.get(run_id)
            return run is not None and run.continue_session(self.clock.now(), stage)

    def delete_run(self, run_id: int) -> bool:
        with self.lock:
            return self.runs.pop(run_id, None) is not None

    def expire_artifact(self, artifact_id: int) -> bool:
        with self.lock:
            for run in self.runs.values():
                for artifact in published.artifacts(run, self.clock.now()):
                    if artifact.id == artifact_id:
                        run.expired_ids.add(artifact_id)
                        return True
        return False

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {
                "requests": self.requests,
                "counted": self.counted,
                "by_path": dict(self.by_path),
                "counted_by_path": dict(self.counted_by_path),
                "contents_refs": dict(self.contents_refs),
                "limited": self.limited,
                "runs": len(self.runs),
            }

    # -- runs --------------------------------------------------------------------------------

    def new_run(self, repo: str, ref: str, inputs: dict[str, str]) -> Run:
        """A dispatched run, starting now."""
        with self.lock:
            run_id = next(self._run_ids)
            numbers = self._run_numbers.setdefault(repo, itertools.count(1))
            run = Run(run_id, next(numbers), repo, ref, inputs, self.login, self.scenario,
                      self.clock.now(), self.clock, self._artifact_ids, self.rng,
                      variant=self.variant, on_ghes=self.ghes)  # fmt: skip
            run.visible_at = time.monotonic() + self.quirks.run_lag
            group = inputs.get("session-id")
            earlier = [r for r in self.runs.values() if group and r.repo == repo
                       and r.inputs.get("session-id") == group
                       and r.status(self.clock.now())[0] != "completed"]  # fmt: skip
            run.after = max(earlier, key=lambda r: r.id) if earlier else None
            self.runs[run_id] = run
            return run

    def ci_runs(self, repo: str) -> list[ci.CiRun]:
        """The repository's own CI runs (ci.py), newest first: made the first time it is seen."""
        with self.lock:
            if repo not in self._ci:
                self._ci[repo] = ci.ci_runs(repo, self.clock)
            return self._ci[repo]

    def find_ci_job(self, job_id: int) -> tuple[ci.CiRun, Job] | None:
        """A job of a CI run of a repository seen so far, and its run."""
        with self.lock:
            for runs in self._ci.values():
                for run in runs:
                    for job in run.jobs_:
                        if job.id == job_id:
                            return run, job
        return None

    def find_job(self, job_id: int) -> tuple[Run, Job] | None:
        """The job with this id (its run's current attempt), and its run."""
        with self.lock:
            for run in self.runs.values():
                run.plan()
                for job in (*run.kept, run.validate, run.debug):
                    if job.id == job_id:
                        return run, job
        return None

    def log_written(self, run: Run, job: Job) -> bool:
        """Whether the job's log is in storage yet: `quirks.log_delay` real seconds after
        the job ended."""
        if job.end is None:
            return False
        return time.monotonic() >= run.clock.monotonic(job.end) + self.quirks.log_delay

    # -- the rate limit ----------------------------------------------------------------------

    def count_request(self, path: str) -> None:
        with self.lock:
            self.requests += 1
            self.by_path[path] = self.by_path.get(path, 0) + 1

    def rate_headers(self, token: str) -> dict[str, Any]:
        if self.ghes:
            return {}
        with self.lock:
            start, used = self._rate.get(token, (time.time(), 0))
        return {
            "x-ratelimit-limit": self.rate_limit,
            "x-ratelimit-remaining": max(0, self.rate_limit - used),
            "x-ratelimit-used": used,
            "x-ratelimit-reset": int(start + self.rate_window),
            "x-ratelimit-resource": "core",
        }

    def refund(self, token: str) -> None:
        """A 304 is free: give back what `spend` took (nothing on GHES: no rate limit there)."""
        with self.lock:
            if token in self._rate:
                start, used = self._rate[token]
                self._rate[token] = (start, max(0, used - 1))

    def spend(self, token: str, path: str) -> dict[str, Any]:
        """Count this request against the token's limit and return the rate headers; raise
        RateLimited when it is spent."""
        if self.ghes:
            return {}
        now = time.time()
        with self.lock:
            if now < self._rate_blocked_until:
                wait = int(self._rate_blocked_until - now) + 1
                if self._rate_blocked_kind == "secondary":
                    raise RateLimited(429, "You have exceeded a secondary rate limit.",
                                      {"retry-after": wait})  # fmt: skip
                headers = self.rate_headers(token) | {
                    "x-ratelimit-remaining": 0,
                    "x-ratelimit-reset": int(self._rate_blocked_until) + 1,
                }
                raise RateLimited(403, "API rate limit exceeded", headers)
            start, used = self._rate.get(token, (now, 0))
            if now >= start + self.rate_window:
                start, used = now, 0
            if path == "/rate_limit":
                self._rate[token] = (start, used)
                return self.rate_headers(token)
            if used >= self.rate_limit:
                self._rate[token] = (start, used)
                raise RateLimited(403, "API rate limit exceeded for user ID 1.",
                                  self.rate_headers(token))  # fmt: skip
            self._rate[token] = (start, used + 1)
            return self.rate_headers(token)

    # -- signed URLs -------------------------------------------------------------------------

    def sign(self, kind: str, ident: int, origin: str = "") -> str:
        """A download URL for `kind` `ident` on `origin` (the host the client asked; by default
        the address the server listens on), good for a minute."""
        expires = int(time.time()) + SIGNED_URL_SECONDS
        message = f"{kind}:{ident}:{expires}".encode()
        signature = hmac.new(self._secret, message, hashlib.sha256).hexdigest()[:32]
        query = urlencode({"expires": expires, "sig": signature})
        return f"{origin or self.base_url}/_sim/blob/{kind}/{ident}?{query}"

    def check_signature(self, kind: str, ident: int, query: dict[str, list[str]]) -> str | None:
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
