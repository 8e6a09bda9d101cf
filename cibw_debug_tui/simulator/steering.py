"""The simulator's steering endpoints, `/_sim/...` (no token): what tests and benchmarks do to
a running simulated GitHub (faults, quirks, the scenario, continue, delete, expire, stats)."""

from __future__ import annotations

import re

from cibw_debug_tui.simulator import SCENARIOS
from cibw_debug_tui.simulator.request import Answer, Request, error


def control(req: Request) -> Answer:
    """The steering endpoints (no token): faults, scenario, continue, delete, expire, stats."""
    sim, path = req.sim, req.path
    body = req.body() if req.method == "POST" else None
    if path == "/_sim/stats":
        return 200, sim.stats(), None
    if path == "/_sim/faults" and req.method == "POST":
        if not isinstance(body, dict) or "kind" not in body:
            raise error(422, "a fault needs a kind")
        if body["kind"] == "rate-limit":
            sim.rate_limit_for(float(body.get("seconds", 5)), body.get("limit", "primary"))
        else:
            sim.inject(**body)
        return 201, {"ok": True}, None
    if path == "/_sim/quirks" and req.method == "POST":
        if not isinstance(body, dict):
            raise error(422, "quirks are an object")
        renamed = body.pop("renamed", {})
        skew = body.pop("clock_skew", 0)  # seconds the server's clock is ahead of the real time
        if isinstance(skew, int | float):
            sim.clock.shift(float(skew))
        try:
            with sim.lock:
                sim.quirks.change(body)
        except (TypeError, ValueError) as why:
            raise error(422, str(why)) from None
        for old, new in dict(renamed).items():
            sim.rename(str(old), str(new))
        return 200, {"ok": True}, None
    if path == "/_sim/scenario" and req.method == "POST":
        scenario = (body or {}).get("scenario")
        if scenario not in SCENARIOS:
            raise error(422, f"scenario must be one of {', '.join(SCENARIOS)}")
        sim.scenario = scenario
        return 200, {"scenario": scenario}, None
    match = re.fullmatch(r"/_sim/runs/(\d+)/(continue|delete)", path)
    if match and req.method == "POST":
        run_id = int(match.group(1))
        if match.group(2) == "delete":
            ok = sim.delete_run(run_id)
        else:
            ok = sim.continue_session(run_id, (body or {}).get("stage"))
        return 200 if ok else 409, {"ok": ok}, None
    match = re.fullmatch(r"/_sim/artifacts/(\d+)/expire", path)
    if match and req.method == "POST":
        ok = sim.expire_artifact(int(match.group(1)))
        return 200 if ok else 404, {"ok": ok}, None
    if path == "/_sim/tokens/revoke" and req.method == "POST":
        sim.revoked.add(str((body or {}).get("token", "")))
        return 200, {"ok": True}, None
    raise error(404, "Not Found")
