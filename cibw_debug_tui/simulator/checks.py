"""Check runs, as GitHub serves them: each job of a run is one, with the job's id, on the
run's commit; and a GitHub App's token (a job's GITHUB_TOKEN is one, `ghs_...`) can make
more and update them. What a running job writes in one a client reads at once with a
conditional GET, which artifacts do not allow on GHES (listed only once the run ends): the
GHES variant of the workflow publishes its SSH connections so (published.connection_checks)."""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from cibw_debug_tui.core import workflow_contract as contract
from cibw_debug_tui.simulator import payloads, published
from cibw_debug_tui.simulator.published import CheckRun
from cibw_debug_tui.simulator.request import Answer, Reply, Request, error
from cibw_debug_tui.simulator.runs import Run, commit_of
from cibw_debug_tui.simulator.steps import Job

APP_TOKEN_PREFIX = "ghs_"  # installation tokens, GITHUB_TOKEN among them
STATUSES = ("queued", "in_progress", "completed")
CONCLUSIONS = ("action_required", "cancelled", "failure", "neutral", "success", "skipped",
               "stale", "timed_out")  # fmt: skip
LEVELS = ("notice", "warning", "failure")
MAX_TEXT = 65535
MAX_ANNOTATIONS = 50  # per request; more come with further updates
_SHA = re.compile(r"[0-9a-f]{40}")


def _invalid(why: str) -> Reply:
    return error(422, f"Invalid request.\n\n{why}")


# -- a run's jobs as check runs ------------------------------------------------------------------


def _job_check(req: Request, run: Run, job: Job, now: float) -> CheckRun:
    api, web = req.urls
    shown = payloads.job(api, web, run, job, now)
    return CheckRun(
        job.id, run.repo, run.head_sha, job.name, shown["status"], shown["conclusion"],
        shown["started_at"], shown["completed_at"], annotations=_job_annotations(run, job, now),
        external_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"job:{job.id}")),
        page=f"{run.repo}/actions/runs/{run.id}/job/{job.id}", suite=run.id + 7,
    )  # fmt: skip


def _job_annotations(run: Run, job: Job, now: float) -> list[dict[str, Any]]:
    """What the runner reports as a failed step ends: its `##[error]` lines."""
    found = []
    for step in job.steps:
        if step.conclusion != "failure" or step.end is None or step.end > now:
            continue
        messages = ["Process completed with exit code 1."]
        if step.name == contract.CHECK_STEP and not run.combo.valid:
            messages.insert(0, run.combo.reason or "The combination is not valid.")
        found += [{"path": ".github", "start_line": 1, "end_line": 1, "title": "",
                   "annotation_level": "failure", "message": m} for m in messages]  # fmt: skip
    return found


def _find(req: Request, repo: str, ident: str) -> tuple[CheckRun, bool]:
    """The check run and whether it was made through the API (a job's is read-only)."""
    req.repo(repo)
    made = req.sim.check_runs.get(int(ident))
    if made is not None and made.repo == repo:
        return made, True
    now = req.sim.clock.now()
    for run in req.sim.runs.values():
        for check in published.connection_checks(run, now) if run.repo == repo else ():
            if check.id == int(ident):
                return check, False  # read-only here, as a run's jobs are
    job = req.sim.find_job(int(ident))
    if job is None or job[0].repo != repo:
        raise error(404, "Not Found")
    return _job_check(req, *job, req.sim.clock.now()), False


def _shown(req: Request, check: CheckRun) -> dict[str, Any]:
    api, web = req.urls
    return payloads.check_run(api, web, check)


def _writer(req: Request) -> None:
    if not req.token().startswith(APP_TOKEN_PREFIX):
        raise error(403, "You must authenticate via a GitHub App.")


# -- what a request may set ----------------------------------------------------------------------


def _text(body: dict[str, Any], key: str, limit: int = MAX_TEXT) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _invalid(f'"{key}" must be a string.')
    if len(value) > limit:
        raise _invalid(f'"{key}" is longer than {limit} characters.')
    return value


def _stamp(body: dict[str, Any], key: str) -> str | None:
    value = _text(body, key)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _invalid(f'"{key}" is not an ISO 8601 date-time.') from None
    if moment.tzinfo is None:
        raise _invalid(f'"{key}" has no time zone.')
    return payloads.iso(moment)


def _annotation(given: object) -> dict[str, Any]:
    if not isinstance(given, dict):
        raise _invalid("Each annotation must be an object.")
    for key in ("path", "message", "annotation_level"):
        if not isinstance(given.get(key), str):
            raise _invalid(f"An annotation's \"{key}\" wasn't supplied.")
    if given["annotation_level"] not in LEVELS:
        raise _invalid(f"annotation_level must be one of {', '.join(LEVELS)}.")
    for key in ("start_line", "end_line", "start_column", "end_column"):
        value = given.get(key)
        required = key in ("start_line", "end_line")
        if (value is not None or required) and (type(value) is not int or value < 1):
            raise _invalid(f'An annotation\'s "{key}" must be a positive integer.')
    for key in ("title", "raw_details"):
        if given.get(key) is not None and not isinstance(given[key], str):
            raise _invalid(f'An annotation\'s "{key}" must be a string.')
    keys = ("path", "start_line", "end_line", "start_column", "end_column",
            "annotation_level", "title", "message", "raw_details")  # fmt: skip
    return {key: given[key] for key in keys if given.get(key) is not None}


def _apply(check: CheckRun, body: dict[str, Any], now: str) -> None:
    """Set what `body` gives, as GitHub does: a conclusion completes the check run."""
    check.name = _text(body, "name", 255) or check.name
    check.details_url = _text(body, "details_url") or check.details_url
    check.external_id = _text(body, "external_id") or check.external_id
    check.started_at = _stamp(body, "started_at") or check.started_at
    status = _text(body, "status")
    if status is not None and status not in STATUSES:
        raise _invalid(f"status must be one of {', '.join(STATUSES)}.")
    conclusion = _text(body, "conclusion")
    if conclusion is not None and conclusion not in CONCLUSIONS:
        raise _invalid(f"conclusion must be one of {', '.join(CONCLUSIONS)}.")
    completed_at = _stamp(body, "completed_at")
    if conclusion is None and (status == "completed" or completed_at) and not check.conclusion:
        raise _invalid('"conclusion" wasn\'t supplied: a completed check run needs one.')
    if conclusion is not None or completed_at is not None or status == "completed":
        check.status, check.conclusion = "completed", conclusion or check.conclusion
        check.completed_at = completed_at or check.completed_at or now
    elif status is not None:
        check.status = status
    output = body.get("output")
    if output is None:
        return
    if not isinstance(output, dict) or not isinstance(output.get("summary"), str):
        raise _invalid('"output" needs a "summary" (and a "title" when creating).')
    notes = output.get("annotations") or []
    if not isinstance(notes, list) or len(notes) > MAX_ANNOTATIONS:
        raise _invalid(f"At most {MAX_ANNOTATIONS} annotations per request.")
    added = [_annotation(note) for note in notes]
    check.title = _text(output, "title", 255) or check.title
    check.summary = _text(output, "summary")
    check.text = _text(output, "text") if "text" in output else check.text
    check.annotations += added


# -- the endpoints -------------------------------------------------------------------------------


def post_check_run(req: Request, repo: str) -> Answer:
    req.repo(repo)
    _writer(req)
    body = req.body()
    if not isinstance(body, dict):
        raise _invalid("The body must be a JSON object.")
    for key in ("name", "head_sha"):
        if not isinstance(body.get(key), str) or not body[key]:
            raise _invalid(f'"{key}" wasn\'t supplied.')
    if not _SHA.fullmatch(body["head_sha"]):
        raise error(422, f"No commit found for SHA: {body['head_sha']}")
    output = body.get("output")
    if isinstance(output, dict) and not isinstance(output.get("title"), str):
        raise _invalid('"output" needs a "title" and a "summary".')
    sim = req.sim
    with sim.lock:
        now = payloads.iso(sim.clock.moment())
        check = CheckRun(next(sim.check_run_ids), repo, body["head_sha"], body["name"],
                         started_at=now)  # fmt: skip
        _apply(check, body, now)
        sim.check_runs[check.id] = check
        return 201, _shown(req, check), None


def patch_check_run(req: Request, repo: str, check: str) -> Answer:
    _writer(req)
    body = req.body()
    if not isinstance(body, dict):
        raise _invalid("The body must be a JSON object.")
    with req.sim.lock:
        found, made = _find(req, repo, check)
        if not made:  # the simulator keeps a run's own jobs read-only
            raise error(403, "Resource not accessible by integration")
        changed = dataclasses.replace(found, annotations=list(found.annotations))
        _apply(changed, body, payloads.iso(req.sim.clock.moment()))
        req.sim.check_runs[found.id] = changed  # all or nothing: a 422 changes nothing
        return 200, _shown(req, changed), None


def get_check_run(req: Request, repo: str, check: str) -> Answer:
    with req.sim.lock:
        return 200, _shown(req, _find(req, repo, check)[0]), None


def get_annotations(req: Request, repo: str, check: str) -> Answer:
    if req.token().startswith("github_pat_"):
        raise error(403, "Resource not accessible by personal access token")
    _, web = req.urls
    with req.sim.lock:
        found = _find(req, repo, check)[0]
        chosen, links = req.paginate(found.annotations)
        body = [payloads.annotation(web, found, note) for note in chosen]
    return 200, body, links


def get_commit_check_runs(req: Request, repo: str, ref: str) -> Answer:
    """A commit's check runs, newest first; `filter=latest` (the default) keeps the newest of
    each name, `check_name`, `status` and `app_id` narrow them."""
    req.repo(repo)
    sha = ref if _SHA.fullmatch(ref) else commit_of(repo, re.sub(r"^(heads|tags)/", "", ref))
    if sha is None:
        raise error(422, f"No commit found for SHA: {ref}")
    arg = {key: values[0] for key, values in req.query.items()}
    if arg.get("filter", "latest") not in ("latest", "all"):
        raise _invalid("filter must be latest or all.")
    sim = req.sim
    with sim.lock:
        now = sim.clock.now()
        found = [c for c in sim.check_runs.values() if c.repo == repo and c.head_sha == sha]
        for run in sim.runs.values():
            if run.repo == repo and run.head_sha == sha:
                found += [_job_check(req, run, job, now) for job in run.jobs(now)]
                found += published.connection_checks(run, now)
        found.sort(key=lambda c: c.id, reverse=True)
        if arg.get("filter", "latest") == "latest":
            newest: dict[str, CheckRun] = {}
            for c in found:
                newest.setdefault(c.name, c)
            found = list(newest.values())
        found = [
            c for c in found
            if arg.get("check_name", c.name) == c.name and arg.get("status", c.status) == c.status
        ]  # fmt: skip
        if arg.get("app_id", str(payloads.ACTIONS_APP_ID)) != str(payloads.ACTIONS_APP_ID):
            found = []
        chosen, links = req.paginate(found)
        body = {"total_count": len(found), "check_runs": [_shown(req, c) for c in chosen]}
    return 200, body, links


_REPO = r"/repos/(?P<repo>[\w.-]+/[\w.-]+)"
_CHECK = _REPO + r"/check-runs/(?P<check>\d+)"
TABLE: list[tuple[str, str, Callable[..., Answer]]] = [
    ("POST", _REPO + "/check-runs", post_check_run),
    ("GET", _CHECK, get_check_run),
    ("PATCH", _CHECK, patch_check_run),
    ("GET", _CHECK + "/annotations", get_annotations),
    ("GET", _REPO + r"/commits/(?P<ref>[\w./-]+)/check-runs", get_commit_check_runs),
]
