"""What the client reads from GitHub, checked at the boundary.

Every answer the tool uses goes through a reader here before anything else sees it: the reader
checks the shape each field needs (its type, whether it must be there) and builds a record of
the fields the tool uses, or raises `Unreadable` saying what is wrong ("jobs is null"). The
client turns that into its own error in words and asks again, as it does after a 502.

The records are TypedDicts: GitHub's JSON objects, trimmed to what is used, with the names
GitHub's documentation gives them. Statuses GitHub reports are kept apart from the tool's own
(session.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timezone
from enum import Enum
from typing import Any, TypedDict, TypeVar

T = TypeVar("T")


class Unreadable(ValueError):
    """An answer that does not have the shape the tool needs; the message says what is wrong."""


class RunStatus(str, Enum):
    """A workflow run's (or job's) status as GitHub reports it."""

    QUEUED = "queued"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    WAITING = "waiting"
    REQUESTED = "requested"
    PENDING = "pending"

    def __str__(self) -> str:
        return self.value


class Step(TypedDict):
    name: str
    status: str
    conclusion: str | None
    started_at: str | None
    completed_at: str | None


class Job(TypedDict):
    id: int
    name: str
    status: str
    conclusion: str | None
    run_attempt: int | None
    started_at: str | None
    completed_at: str | None
    steps: list[Step]


class Run(TypedDict):
    id: int
    status: RunStatus
    conclusion: str | None
    run_attempt: int
    html_url: str
    display_title: str
    run_started_at: str | None  # when this attempt started (ISO 8601, the server's clock)
    name: str  # its workflow's `name:`, which tells the GHES variant apart ("" when not given)
    head_sha: str  # the commit it runs ("" when not given)


class Artifact(TypedDict):
    id: int
    name: str
    size_in_bytes: int
    expired: bool
    workflow_run_id: int | None  # GitHub's `workflow_run.id`: the run that uploaded it


class DispatchDetails(TypedDict):
    """The answer to a dispatch sent with `return_run_details` (github.com since 2026)."""

    workflow_run_id: int
    html_url: str | None


class User(TypedDict):
    login: str


class SshKey(TypedDict):
    id: int
    key: str


class Repository(TypedDict):
    full_name: str
    default_branch: str
    can_push: bool | None  # `permissions.push`; None when GitHub does not say


class Workflow(TypedDict):
    id: int
    path: str
    name: str


class CheckRun(TypedDict):
    """A check run on a commit: the GHES variant publishes SSH connection files in them."""

    id: int
    name: str
    head_sha: str
    app_slug: str | None  # the GitHub App that made it ("github-actions" for a job's token)
    text: str | None  # `output.text`


class CoreRateLimit(TypedDict):
    limit: int
    remaining: int
    reset: int


# -- checking one field ----------------------------------------------------------------------


def _object(data: object, what: str) -> dict[str, Any]:
    if data is None:
        raise Unreadable(f"{what} is null")
    if not isinstance(data, dict):
        raise Unreadable(f"{what} is not an object")
    return data


def _list(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    if value is None:
        raise Unreadable(f"{key} is {'missing' if key not in data else 'null'}")
    if not isinstance(value, list):
        raise Unreadable(f"{key} is not a list")
    return value


def _int(data: dict[str, Any], key: str, *, positive: bool = True) -> int:
    value = data.get(key)
    if key not in data:
        raise Unreadable(f"{key} is missing")
    # bool is an int in Python, never in GitHub's answers
    if isinstance(value, bool) or not isinstance(value, int) or (positive and value < 1):
        raise Unreadable(f"{key} is {_shown(value)}, not a {'positive ' if positive else ''}number")
    return value


def _optional_int(data: dict[str, Any], key: str) -> int | None:
    return None if data.get(key) is None else _int(data, key)


def _str(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if key not in data:
        raise Unreadable(f"{key} is missing")
    if not isinstance(value, str):
        raise Unreadable(f"{key} is {_shown(value)}, not text")
    return value


def _optional_str(data: dict[str, Any], key: str) -> str | None:
    return None if data.get(key) is None else _str(data, key)


def _optional_bool(data: dict[str, Any], key: str) -> bool | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise Unreadable(f"{key} is {_shown(value)}, not true or false")
    return value


def _shown(value: object) -> str:
    """A value in an error message: its JSON kind, or a short quote of it."""
    if value is None:
        return "null"
    if isinstance(value, dict | list):
        return "an object" if isinstance(value, dict) else "a list"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _each(items: list[Any], what: str, read: Callable[[object], T]) -> list[T]:
    """Read every item of a list, saying which one was wrong."""
    records = []
    for index, item in enumerate(items):
        try:
            records.append(read(item))
        except Unreadable as error:
            raise Unreadable(f"{what}[{index}]: {error}") from None
    return records


def epoch_seconds(stamp: str | None) -> float | None:
    """An ISO 8601 time as GitHub writes it ("2026-11-26T15:00:00Z"), in epoch seconds; None
    when there is none or it cannot be read."""
    if not stamp:
        return None
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


# -- the readers -----------------------------------------------------------------------------


def read_step(data: object) -> Step:
    step = _object(data, "the step")
    return Step(
        name=_str(step, "name"),
        status=_str(step, "status"),
        conclusion=_optional_str(step, "conclusion"),
        started_at=_optional_str(step, "started_at"),
        completed_at=_optional_str(step, "completed_at"),
    )


def read_job(data: object) -> Job:
    job = _object(data, "the job")
    steps = [] if job.get("steps") is None else _list(job, "steps")
    return Job(
        id=_int(job, "id"),
        name=_str(job, "name"),
        status=_str(job, "status"),
        conclusion=_optional_str(job, "conclusion"),
        run_attempt=_optional_int(job, "run_attempt"),
        started_at=_optional_str(job, "started_at"),
        completed_at=_optional_str(job, "completed_at"),
        steps=_each(steps, "steps", read_step),
    )


def read_jobs(data: object) -> list[Job]:
    """`GET /repos/{repo}/actions/runs/{id}/jobs`."""
    return _each(_list(_object(data, "the answer"), "jobs"), "jobs", read_job)


def read_run(data: object) -> Run:
    """`GET /repos/{repo}/actions/runs/{id}`, and each run of a list."""
    run = _object(data, "the run")
    status = _str(run, "status")
    try:
        known = RunStatus(status)
    except ValueError:
        raise Unreadable(f"status is {_shown(status)}, not a run status") from None
    return Run(
        id=_int(run, "id"),
        status=known,
        conclusion=_optional_str(run, "conclusion"),
        run_attempt=_optional_int(run, "run_attempt") or 1,
        html_url=_str(run, "html_url"),
        display_title=_optional_str(run, "display_title") or "",
        run_started_at=_optional_str(run, "run_started_at"),
        name=_optional_str(run, "name") or "",
        head_sha=_commit(run, "head_sha"),
    )


_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


def _commit(data: dict[str, Any], key: str) -> str:
    """A commit's SHA, as it may go into a URL (`/commits/{sha}/check-runs`); "" when not
    given."""
    sha = _optional_str(data, key) or ""
    if sha and not _SHA.fullmatch(sha):
        raise Unreadable(f"{key} is {_shown(sha)}, not a commit")
    return sha


def read_runs(data: object) -> list[Run]:
    """A page of `GET /repos/{repo}/actions/workflows/{file}/runs`."""
    answer = _object(data, "the answer")
    return _each(_list(answer, "workflow_runs"), "workflow_runs", read_run)


def read_artifact(data: object) -> Artifact:
    artifact = _object(data, "the artifact")
    run = artifact.get("workflow_run")
    run_id = None if run is None else _optional_int(_object(run, "workflow_run"), "id")
    return Artifact(
        id=_int(artifact, "id"),
        name=_str(artifact, "name"),
        size_in_bytes=_int(artifact, "size_in_bytes", positive=False),
        expired=bool(_optional_bool(artifact, "expired")),
        workflow_run_id=run_id,
    )


def read_artifacts(data: object) -> list[Artifact]:
    """`GET .../artifacts`, of a run or of the repository."""
    answer = _object(data, "the answer")
    return _each(_list(answer, "artifacts"), "artifacts", read_artifact)


def read_dispatch_details(data: object) -> DispatchDetails:
    answer = _object(data, "the answer")
    return DispatchDetails(
        workflow_run_id=_int(answer, "workflow_run_id"),
        html_url=_optional_str(answer, "html_url"),
    )


_LOGIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?")


def read_user(data: object) -> User:
    """`GET /user`. The login goes into URLs (`/users/{login}/keys`): a GitHub login or
    nothing."""
    login = _str(_object(data, "the user"), "login")
    if not _LOGIN.fullmatch(login):
        raise Unreadable(f"login is {_shown(login)}, not a GitHub login")
    return User(login=login)


def read_key(data: object) -> SshKey:
    key = _object(data, "the key")
    return SshKey(id=_int(key, "id"), key=_str(key, "key"))


def read_keys(data: object) -> list[SshKey]:
    """`GET /users/{login}/keys`."""
    if not isinstance(data, list):
        raise Unreadable(f"the list of keys is {_shown(data)}")
    return _each(data, "keys", read_key)


def read_repository(data: object) -> Repository:
    repo = _object(data, "the repository")
    permissions = repo.get("permissions")
    if permissions is not None:
        permissions = _object(permissions, "permissions")
    push = None if permissions is None else _optional_bool(permissions, "push")
    return Repository(
        full_name=_str(repo, "full_name"),
        default_branch=_optional_str(repo, "default_branch") or "main",
        can_push=push,
    )


def read_workflow(data: object) -> Workflow:
    workflow = _object(data, "the workflow")
    return Workflow(
        id=_int(workflow, "id"),
        path=_str(workflow, "path"),
        name=_optional_str(workflow, "name") or "",
    )


def read_check_run(data: object) -> CheckRun:
    check = _object(data, "the check run")
    app = check.get("app")
    output = check.get("output")
    return CheckRun(
        id=_int(check, "id"),
        name=_str(check, "name"),
        head_sha=_str(check, "head_sha"),
        app_slug=None if app is None else _optional_str(_object(app, "app"), "slug"),
        text=None if output is None else _optional_str(_object(output, "output"), "text"),
    )


def read_check_runs(data: object) -> list[CheckRun]:
    """`GET /repos/{repo}/commits/{ref}/check-runs`."""
    answer = _object(data, "the answer")
    return _each(_list(answer, "check_runs"), "check_runs", read_check_run)


def read_rate_limit(data: object) -> CoreRateLimit:
    resources = _object(_object(data, "the answer").get("resources"), "resources")
    core = _object(resources.get("core"), "resources.core")
    return CoreRateLimit(
        limit=_int(core, "limit", positive=False),
        remaining=_int(core, "remaining", positive=False),
        reset=_int(core, "reset", positive=False),
    )


# -- the repository's own CI (where `dispatch --from-run` starts) ------------------------------


class CiJob(TypedDict):
    """A job of any workflow's run, with what tells its runner."""

    id: int
    name: str
    status: str
    conclusion: str | None
    labels: list[str]  # `runs-on`'s labels: the runner, for a GitHub-hosted one


class CiRun(TypedDict):
    """A run of any of the repository's workflows."""

    id: int
    name: str
    path: str  # its workflow file, e.g. ".github/workflows/wheels.yml" ("" when not given)
    status: str
    conclusion: str | None
    html_url: str
    head_branch: str
    display_title: str
    created_at: str


def read_ci_job(data: object) -> CiJob:
    job = _object(data, "the job")
    labels = [] if job.get("labels") is None else _list(job, "labels")
    if not all(isinstance(label, str) for label in labels):
        raise Unreadable("labels holds something that is not text")
    return CiJob(
        id=_int(job, "id"),
        name=_str(job, "name"),
        status=_str(job, "status"),
        conclusion=_optional_str(job, "conclusion"),
        labels=labels,
    )


def read_ci_jobs(data: object) -> list[CiJob]:
    """`GET /repos/{repo}/actions/runs/{id}/jobs`, with each job's labels."""
    return _each(_list(_object(data, "the answer"), "jobs"), "jobs", read_ci_job)


def read_ci_run(data: object) -> CiRun:
    run = _object(data, "the run")
    return CiRun(
        id=_int(run, "id"),
        name=_optional_str(run, "name") or "",
        path=_optional_str(run, "path") or "",
        status=_str(run, "status"),
        conclusion=_optional_str(run, "conclusion"),
        html_url=_str(run, "html_url"),
        head_branch=_optional_str(run, "head_branch") or "",
        display_title=_optional_str(run, "display_title") or "",
        created_at=_optional_str(run, "created_at") or "",
    )


def read_ci_runs(data: object) -> list[CiRun]:
    """A page of `GET /repos/{repo}/actions/runs`."""
    answer = _object(data, "the answer")
    return _each(_list(answer, "workflow_runs"), "workflow_runs", read_ci_run)


def read_file_text(data: object, limit: int = 1 << 20) -> str:
    """`GET /repos/{repo}/contents/{path}` of a file: its text (base64 as GitHub sends it)."""
    import base64
    import binascii

    answer = _object(data, "the answer")
    if answer.get("type") != "file" or answer.get("encoding") != "base64":
        raise Unreadable("the contents are not a base64 file")
    content = _str(answer, "content")
    if len(content) > limit * 4 // 3 + 4096:
        raise Unreadable("the file is too large")
    try:
        return base64.b64decode(content.replace("\n", ""), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise Unreadable("the file's contents are not base64 UTF-8 text") from None
