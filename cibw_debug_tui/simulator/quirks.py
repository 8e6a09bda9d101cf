"""Where real GitHub is harder on a client than a plain reading of its docs: behaviours a test
(or `/_sim/quirks`) turns on, each as harsh as GitHub can be, never kinder.

- `renamed`: a repository renamed or moved. Its old name answers 301 (GET) or 307 (any other
  method, body kept) to `/repositories/<id>/...`, as GitHub's do; the new name is only in the
  repository's own answer.
- `log_delay`: a finished job's log is not written for this many (real) seconds: the logs
  endpoint still redirects, and the storage answers 404.
- `run_lag`: a dispatched run is unknown (404, not listed) for this many real seconds.
- `cancel_seconds`: a cancel takes this many simulated seconds to take (the workflow's
  `always()` steps run); a force-cancel takes at once.
- `noise_every`: another workflow of the repository uploads an artifact every this many real
  seconds (the repository's artifact list changes, a counted 200 each time).
- `old_workflow` / `no_dispatch`: repositories whose copy of the debug workflow is older than
  this tool (it refuses the newer inputs), or has no `workflow_dispatch` trigger.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field, fields
from typing import Any

from cibw_debug_tui.simulator.payloads import number_for
from cibw_debug_tui.simulator.request import Reply, error

NOISE_ID_BASE = 5_100_000_001


@dataclass
class Quirks:
    renamed: dict[str, str] = field(default_factory=dict)  # old name -> new name
    log_delay: float = 0.0
    run_lag: float = 0.0
    cancel_seconds: float = 0.0
    noise_every: float = 0.0
    old_workflow: set[str] = field(default_factory=set)  # repositories
    no_dispatch: set[str] = field(default_factory=set)
    started: float = field(default_factory=time.time)  # for the noise's clock

    def change(self, values: dict[str, Any]) -> None:
        """Change the quirks named in `values` (ValueError for an unknown one)."""
        known = {f.name for f in fields(self)} - {"started"}
        for name, value in values.items():
            if name not in known:
                raise ValueError(f"no quirk {name!r}; choose from {', '.join(sorted(known))}")
            current = getattr(self, name)
            if isinstance(current, set):
                value = set(value)
            elif isinstance(current, dict):
                value = {**current, **value}
            else:
                value = float(value)
            setattr(self, name, value)
        if "noise_every" in values:
            self.started = time.time()

    # -- renamed repositories ------------------------------------------------------------------

    def new_name(self, name: str) -> str | None:
        """The repository's name now, when `name` is an old one (renames followed in turn)."""
        seen = set()
        current = name
        while current in self.renamed and current not in seen:
            seen.add(current)
            current = self.renamed[current]
        return current if current != name else None

    def redirect(self, method: str, path: str, query: str, api: str) -> None:
        """Raise GitHub's redirect when `path` names a repository by an old name."""
        match = re.match(r"/repos/([\w.-]+/[\w.-]+)(/.*)?\Z", path)
        if not match or self.new_name(match.group(1)) is None:
            return
        new = self.new_name(match.group(1)) or ""
        location = f"{api}/repositories/{number_for('repo:' + new)}{match.group(2) or ''}"
        location += f"?{query}" if query else ""
        status = 301 if method in ("GET", "HEAD") else 307
        reply = error(status, "Moved Permanently")
        reply.body["url"] = location
        reply.headers["Location"] = location
        raise reply

    def by_id(self, path: str, names: set[str]) -> str:
        """`/repositories/<id>/...` as `/repos/<name>/...`, `path` itself otherwise."""
        match = re.match(r"/repositories/(\d+)(/.*)?\Z", path)
        if not match:
            return path
        for name in names | set(self.renamed.values()):
            if number_for("repo:" + name) == int(match.group(1)):
                return f"/repos/{name}{match.group(2) or ''}"
        raise Reply(404, {"message": "Not Found", "status": "404"})

    # -- another workflow's artifacts ---------------------------------------------------------

    def noise(self) -> list[dict[str, Any]]:
        """The artifacts another workflow has uploaded so far (newest first), as GitHub lists
        them (trimmed to what the list holds)."""
        if not self.noise_every:
            return []
        count = int((time.time() - self.started) / self.noise_every)
        return [
            {"id": NOISE_ID_BASE + n, "name": f"coverage-{n}", "size_in_bytes": 4096,
             "expired": False, "workflow_run": {"id": 1000 + n}}
            for n in range(count, 0, -1)
        ]  # fmt: skip
