"""What the simulated GitHub answers to each API request (and to the `/_sim/...` steering
endpoints): one function per endpoint, returning (status, JSON body, headers) or raising
Reply. The HTTP plumbing (http.py) sends it; the JSON's shape is payloads.py's."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from datetime import datetime, timezone

from cibw_debug_tui.core.workflow_contract import WORKFLOW_PATH
from cibw_debug_tui.simulator import checks, ci, contents, payloads, published
from cibw_debug_tui.simulator.published import Artifact
from cibw_debug_tui.simulator.request import Answer, Request, error
from cibw_debug_tui.simulator.runs import Run, check_inputs, commit_of
from cibw_debug_tui.simulator.state import SimulatedGitHub
from cibw_debug_tui.simulator.steps import Job

GHES_MAX_INPUTS = 10
MAX_INPUTS_CHARS = 65_535
SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDemoKeyOfTheSimulatedUser0000000000000"


# -- finding things --------------------------------------------------------------------------


def _run(req: Request, repo: str, run_id: str) -> Run:
    run = req.sim.runs.get(int(run_id))
    if run is None or run.repo != repo or time.monotonic() < run.visible_at:
        raise error(404, "Not Found")
    return run


def _any_run(req: Request, repo: str, run_id: str) -> Run | ci.CiRun:
    """A debug workflow's run, or one of the repository's own CI runs."""
    wanted = int(run_id)
    found = next((r for r in req.sim.ci_runs(req.repo(repo)) if r.id == wanted), None)
    return found or _run(req, repo, run_id)


def find_artifact(sim: SimulatedGitHub, artifact_id: int) -> tuple[Run, Artifact] | None:
    now = sim.clock.now()
    for run in sim.runs.values():
        for artifact in published.artifacts(run, now):
            if artifact.id == artifact_id:
                artifact.expired = artifact_id in run.expired_ids
                return run, artifact
    return None


def _artifact(req: Request, repo: str, artifact_id: str) -> tuple[Run, Artifact]:
    found = find_artifact(req.sim, int(artifact_id))
    if found is None or found[0].repo != req.repo(repo):
        raise error(404, "Not Found")
    return found


def find_job(sim: SimulatedGitHub, job_id: int) -> tuple[Run, Job]:
    found = sim.find_job(job_id)
    if found is None:
        raise error(404, "Not Found")
    return found


def _workflow_paths(req: Request, repo: str) -> list[str]:
    """The repository's workflow files: the debug workflow (where it has it), and its CI's."""
    req.repo(repo)
    debug = [] if repo in req.sim.repos_without_workflow else [WORKFLOW_PATH]
    return [*debug, *ci.WORKFLOW_TEXTS]


def _workflow_path(req: Request, repo: str, wf: str) -> str:
    """The file of the workflow named by its file name or id; 404 when there is none."""
    for path in _workflow_paths(req, repo):
        if wf in (path.rsplit("/", 1)[-1], str(payloads.number_for(f"workflow:{repo}:{path}"))):
            return path
    raise error(404, "Not Found")


def _workflow_exists(req: Request, repo: str, wf: str) -> None:
    """The debug workflow, which is dispatched; 404 for another (its CI has no dispatch)."""
    if _workflow_path(req, repo, wf) != WORKFLOW_PATH:
        raise error(404, "Not Found")


def _workflow_title(req: Request, path: str) -> str:
    return req.sim.workflow_title if path == WORKFLOW_PATH else ci.TITLES[path]


# -- the API ---------------------------------------------------------------------------------


def get_user(req: Request) -> Answer:
    api, web = req.urls
    scopes = "" if req.token().startswith("github_pat_") else "repo, workflow"
    headers = {"X-OAuth-Scopes": scopes} if scopes else {}
    return 200, payloads.user(api, web, req.sim.login, private=True), headers


def get_keys(req: Request, login: str) -> Answer:
    if login in req.sim.users_without_keys:
        return 200, [], None
    return 200, [{"id": payloads.number_for("key:" + login, 8), "key": SSH_KEY}], None


def get_rate_limit(req: Request) -> Answer:
    headers = req.sim.rate_headers(req.token())
    core = {
        "limit": req.sim.rate_limit,
        "remaining": headers.get("x-ratelimit-remaining", req.sim.rate_limit),
        "reset": headers.get("x-ratelimit-reset", int(time.time()) + 3600),
        "used": headers.get("x-ratelimit-used", 0),
    }
    return 200, {"resources": {"core": core, "search": dict(core)}, "rate": core}, None


def get_repo(req: Request, repo: str) -> Answer:
    api, web = req.urls
    return 200, payloads.repository(api, web, req.repo(repo), full=True), None


def get_workflows(req: Request, repo: str) -> Answer:
    """The repository's workflows: the debug workflow, where the repository has it."""
    api, web = req.urls
    found = _workflow_paths(req, repo)
    chosen, links = req.paginate(found)
    body = {
        "total_count": len(found),
        "workflows": [
            payloads.workflow(api, web, repo, path, _workflow_title(req, path)) for path in chosen
        ],
    }
    return 200, body, links


def get_workflow(req: Request, repo: str, wf: str) -> Answer:
    path = _workflow_path(req, repo, wf)
    api, web = req.urls
    return 200, payloads.workflow(api, web, repo, path, _workflow_title(req, path)), None


def post_dispatch(req: Request, repo: str, wf: str) -> Answer:
    _workflow_exists(req, repo, wf)
    body = req.body()
    ghes = req.sim.ghes
    if not isinstance(body, dict) or not isinstance(body.get("ref"), str):
        raise error(422, 'Invalid request.\n\n"ref" wasn\'t supplied.')
    if "return_run_details" in body and ghes:
        raise error(422, 'Invalid request.\n\n"return_run_details" is not a permitted key.')
    raw_inputs = body.get("inputs") or {}
    if len(json.dumps(raw_inputs)) > MAX_INPUTS_CHARS:
        raise error(422, f"inputs are too large: at most {MAX_INPUTS_CHARS} characters")
    if ghes and isinstance(raw_inputs, dict) and len(raw_inputs) > GHES_MAX_INPUTS:
        raise error(422, f"you may only define up to {GHES_MAX_INPUTS} `inputs`")
    if commit_of(repo, body["ref"]) is None:
        raise error(422, f"No ref found for: {body['ref']}")
    if repo in req.sim.quirks.no_dispatch:
        raise error(422, "Workflow does not have 'workflow_dispatch' trigger")
    if repo in req.sim.quirks.old_workflow and "cibw-settings" in (raw_inputs or {}):
        raise error(422, 'Unexpected inputs provided: ["cibw-settings"]')  # an older copy
    inputs, why = check_inputs(raw_inputs)
    if why or inputs is None:
        raise error(422, why or "Invalid inputs")
    run = req.sim.new_run(repo, body["ref"], inputs)
    if body.get("return_run_details") is True:
        api, web = req.urls
        return (
            200,
            {
                "workflow_run_id": run.id,
                "run_url": f"{api}/repos/{repo}/actions/runs/{run.id}",
                "html_url": f"{web}/{repo}/actions/runs/{run.id}",
            },
            None,
        )
    return 204, None, None


def get_runs(req: Request, repo: str, wf: str | None = None) -> Answer:
    path = None if wf is None else _workflow_path(req, repo, wf)
    req.repo(repo)
    sim = req.sim
    now = sim.clock.now()
    event = req.query.get("event", [None])[0]
    created = req.query.get("created", [None])[0]
    since = None
    if created and created.startswith(">="):
        try:
            since = datetime.strptime(created[2:], "%Y-%m-%dT%H:%M:%SZ").replace(
                tzinfo=timezone.utc
            )
        except ValueError:
            raise error(422, "Invalid created filter") from None
    status = req.query.get("status", [None])[0]
    api, web = req.urls
    with sim.lock:
        every: list[Run | ci.CiRun] = [*sim.runs.values(), *sim.ci_runs(repo)]
        runs = [
            r
            for r in sorted(every, key=lambda r: -r.created)
            if r.repo == repo
            and time.monotonic() >= r.visible_at
            and (path is None or r.path == path)
            and (event is None or r.event == event)
            and (since is None or r.clock.moment(r.created) >= since)
            and (status is None or status in r.status(now))
        ]
        chosen, links = req.paginate(runs)
        body = {
            "total_count": len(runs),
            "workflow_runs": [payloads.run(api, web, r, now) for r in chosen],
        }
    return 200, body, links


def get_run(req: Request, repo: str, run: str) -> Answer:
    api, web = req.urls
    with req.sim.lock:
        found = _any_run(req, repo, run)
        return 200, payloads.run(api, web, found, req.sim.clock.now()), None


def delete_run(req: Request, repo: str, run: str) -> Answer:
    with req.sim.lock:
        found = _run(req, req.repo(repo), run)
        req.sim.runs.pop(found.id, None)
    return 204, None, None


def get_jobs(req: Request, repo: str, run: str) -> Answer:
    api, web = req.urls
    with req.sim.lock:
        found = _any_run(req, repo, run)
        now = req.sim.clock.now()
        jobs = found.jobs(now)
        chosen, links = req.paginate(jobs)
        body = {
            "total_count": len(jobs),
            "jobs": [payloads.job(api, web, found, job, now) for job in chosen],
        }
    return 200, body, links


def get_artifacts(req: Request, repo: str, run: str) -> Answer:
    api, _ = req.urls
    with req.sim.lock:
        found = _run(req, req.repo(repo), run)
        artifacts = published.artifacts(found, req.sim.clock.now())
        chosen, links = req.paginate(artifacts)
        body = {
            "total_count": len(artifacts),
            "artifacts": [payloads.artifact(api, found, a) for a in chosen],
        }
    return 200, body, links


def get_repo_artifacts(req: Request, repo: str) -> Answer:
    """Every run's artifacts in the repository, newest first, as GitHub lists them."""
    api, _ = req.urls
    with req.sim.lock:
        req.repo(repo)
        now = req.sim.clock.now()
        name = req.query.get("name", [None])[0]
        found = [(run, a) for run in req.sim.runs.values() if run.repo == repo
                 for a in published.artifacts(run, now) if name in (None, a.name)]  # fmt: skip
        found.sort(key=lambda pair: (pair[1].created, pair[1].id), reverse=True)
        listed = [payloads.artifact(api, run, a) for run, a in found]
        # Other workflows' uploads (quirks.noise_every), the newest of all.
        listed = [a for a in req.sim.quirks.noise() if name in (None, a["name"])] + listed
        chosen, links = req.paginate(listed)
        body = {"total_count": len(listed), "artifacts": chosen}
    return 200, body, links


def get_artifact(req: Request, repo: str, artifact: str) -> Answer:
    api, _ = req.urls
    with req.sim.lock:
        return 200, payloads.artifact(api, *_artifact(req, repo, artifact)), None


def get_artifact_zip(req: Request, repo: str, artifact: str) -> Answer:
    with req.sim.lock:
        _, found = _artifact(req, repo, artifact)
        if found.expired:
            raise error(410, "Artifact has expired")
    return 302, None, {"Location": req.sim.sign("artifact", found.id, req.origin)}


def get_job(req: Request, repo: str, job: str) -> Answer:
    api, web = req.urls
    with req.sim.lock:
        req.sim.ci_runs(req.repo(repo))
        run, found = req.sim.find_ci_job(int(job)) or find_job(req.sim, int(job))
        if run.repo != req.repo(repo):
            raise error(404, "Not Found")
        return 200, payloads.job(api, web, run, found, req.sim.clock.now()), None


def get_job_logs(req: Request, repo: str, job: str) -> Answer:
    with req.sim.lock:
        in_ci = req.sim.find_ci_job(int(job)) if req.sim.ci_runs(req.repo(repo)) else None
        if in_ci is not None:
            if in_ci[0].repo != repo:
                raise error(404, "Not Found")
            return 302, None, {"Location": req.sim.sign("cilog", in_ci[1].id, req.origin)}
        _, found = find_job(req.sim, int(job))
        if found.end is None or req.sim.clock.now() < found.end:
            raise error(404, "Not Found")  # GitHub serves logs only once the job is done
    return 302, None, {"Location": req.sim.sign("log", found.id, req.origin)}


def get_run_logs(req: Request, repo: str, run: str) -> Answer:
    with req.sim.lock:
        found = _run(req, req.repo(repo), run)
        if found.status(req.sim.clock.now())[0] != "completed":
            raise error(404, "Not Found")  # as for a job's logs: once the run is done
    return 302, None, {"Location": req.sim.sign("runlog", found.id, req.origin)}


def _act(req: Request, repo: str, run: str, action: Callable[[Run, float], Answer]) -> Answer:
    with req.sim.lock:
        found = _run(req, req.repo(repo), run)
        return action(found, req.sim.clock.now())


def post_rerun(req: Request, repo: str, run: str, failed_only: bool = False) -> Answer:
    def rerun(found: Run, now: float) -> Answer:
        if found.status(now)[0] != "completed":
            raise error(403, "This workflow run is not completed")
        if failed_only and found.conclusion() == "success":
            raise error(403, "This workflow run has no failed jobs")
        found.start_attempt(now, rerun_failed=failed_only)
        return 201, {}, None

    return _act(req, repo, run, rerun)


def post_rerun_failed(req: Request, repo: str, run: str) -> Answer:
    return post_rerun(req, repo, run, failed_only=True)


def post_cancel(req: Request, repo: str, run: str, force: bool = False) -> Answer:
    def cancel(found: Run, now: float) -> Answer:
        if not found.cancel(now, force, req.sim.quirks.cancel_seconds):
            raise error(409, "Cannot cancel a workflow run that is completed.")
        return 202, {}, None

    return _act(req, repo, run, cancel)


def post_force_cancel(req: Request, repo: str, run: str) -> Answer:
    return post_cancel(req, repo, run, force=True)


_REPO = r"/repos/(?P<repo>[\w.-]+/[\w.-]+)"
_WORKFLOW = _REPO + r"/actions/workflows/(?P<wf>[\w.-]+)"
_RUN = _REPO + r"/actions/runs/(?P<run>\d+)"
_TABLE: list[tuple[str, str, Callable[..., Answer]]] = [
    ("GET", r"/user", get_user),
    ("GET", r"/users/(?P<login>[\w-]+)/keys", get_keys),
    ("GET", r"/rate_limit", get_rate_limit),
    ("GET", _REPO, get_repo),
    ("GET", _REPO + "/actions/workflows", get_workflows),
    ("GET", _WORKFLOW, get_workflow),
    ("POST", _WORKFLOW + "/dispatches", post_dispatch),
    ("GET", _WORKFLOW + "/runs", get_runs),
    ("GET", _REPO + "/actions/runs", get_runs),
    ("GET", _RUN, get_run),
    ("DELETE", _RUN, delete_run),
    ("GET", _RUN + "/jobs", get_jobs),
    ("GET", _RUN + "/artifacts", get_artifacts),
    ("GET", _RUN + "/logs", get_run_logs),
    ("POST", _RUN + "/rerun", post_rerun),
    ("POST", _RUN + "/rerun-failed-jobs", post_rerun_failed),
    ("POST", _RUN + "/cancel", post_cancel),
    ("POST", _RUN + "/force-cancel", post_force_cancel),
    ("GET", _REPO + r"/actions/jobs/(?P<job>\d+)", get_job),
    ("GET", _REPO + r"/actions/jobs/(?P<job>\d+)/logs", get_job_logs),
    ("GET", _REPO + r"/actions/artifacts", get_repo_artifacts),
    ("GET", _REPO + r"/actions/artifacts/(?P<artifact>\d+)", get_artifact),
    ("GET", _REPO + r"/actions/artifacts/(?P<artifact>\d+)/zip", get_artifact_zip),
]
_TABLE += checks.TABLE + contents.TABLE
ROUTES = [(method, re.compile(pattern + r"\Z"), handler) for method, pattern, handler in _TABLE]


def answer(req: Request) -> Answer:
    """The API's answer to `req` (raises Reply for errors)."""
    for method, pattern, handler in ROUTES:
        if method == req.method and (match := pattern.match(req.path)):
            return handler(req, **match.groupdict())
    raise error(404, "Not Found")
