"""Hypothesis writes GitHub's answers: for every endpoint the client reads, hostile JSON (the
right shape with wrong values, wrong shapes, control characters, huge numbers), odd statuses
and headers, served over HTTP by the hostile look-alike. Whatever comes, the client returns a
checked record or its own GitHubError in words, never another exception; a watcher's poll
does the same, so no session is ever lost to an answer."""

import asyncio
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hostile_github import REPO, Answer, HostileGitHub
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cibw_debug_tui.core.config import Token
from cibw_debug_tui.core.connection import ConnectionFileError, parse_connection_zip
from cibw_debug_tui.core.github import GitHub, GitHubError
from cibw_debug_tui.core.session import Session, SessionSpec
from cibw_debug_tui.core.watcher import Watcher

SETTINGS = settings(max_examples=100, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])  # fmt: skip
hostile_text = st.lists(
    st.text(st.characters(codec="utf-8"), max_size=5)
    | st.sampled_from(["\x1b]52;c;eA==\x07", "\x9b", "\n", "[b]", "../", "\ud800"]),
    max_size=4,
).map("".join)
scalars = (
    st.none() | st.booleans() | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False) | hostile_text
)  # fmt: skip
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text, inner, max_size=3),
    max_leaves=10,
)


def shaped(fields: dict[str, st.SearchStrategy]) -> st.SearchStrategy:
    """An object with some of the fields an answer has, each right or hostile."""
    return st.fixed_dictionaries(
        {}, optional={name: right | json_values for name, right in fields.items()}
    )


ids = st.integers(1, 2**31)
step = shaped(
    {
        "name": hostile_text,
        "status": st.sampled_from(["completed", "in_progress"]),
        "conclusion": st.none() | hostile_text,
        "started_at": st.none() | hostile_text,
    }
)
job = shaped(
    {
        "id": ids,
        "name": hostile_text,
        "status": hostile_text,
        "run_attempt": ids,
        "steps": st.lists(step, max_size=3),
    }
)
run = shaped(
    {
        "id": ids,
        "status": st.sampled_from(["queued", "in_progress", "completed"]),
        "conclusion": st.none() | hostile_text,
        "run_attempt": ids,
        "html_url": hostile_text,
        "display_title": hostile_text,
    }
)
artifact = shaped(
    {
        "id": ids,
        "name": hostile_text,
        "size_in_bytes": st.integers(0, 2**40),
        "expired": st.booleans(),
        "workflow_run": shaped({"id": ids}),
    }
)
ANSWERS = {  # endpoint -> the answers hypothesis tries
    "user": shaped({"login": hostile_text}),
    "keys": st.lists(shaped({"id": ids, "key": hostile_text}), max_size=3),
    "repo": shaped({"full_name": hostile_text, "default_branch": hostile_text,
                    "permissions": shaped({"push": st.booleans()})}),
    "workflow": shaped({"id": ids, "path": hostile_text}),
    "run": run,
    "jobs": shaped({"total_count": ids, "jobs": st.lists(job, max_size=3)}),
    "artifacts": shaped({"artifacts": st.lists(artifact, max_size=3)}),
    "repo_artifacts": shaped({"artifacts": st.lists(artifact, max_size=3)}),
    "rate_limit": shaped({"resources": shaped({"core": shaped(
        {"limit": ids, "remaining": ids, "reset": ids})})}),
    "runs": shaped({"workflow_runs": st.lists(run, max_size=3)}),
    "dispatch": shaped({"workflow_run_id": ids, "html_url": hostile_text}),
}  # fmt: skip
bodies = st.one_of(
    json_values.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=200),
    st.sampled_from([b"", b"<html>Unicorn!</html>", b"[" * 50_000, b'{"a": 1e999999}']),
)
statuses = st.sampled_from([200, 200, 200, 201, 204, 301, 302, 304, 400, 401, 403, 404, 409,
                            410, 422, 429, 500, 502])  # fmt: skip
header_values = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=60)
headers = st.fixed_dictionaries({}, optional={
    "Link": header_values | st.just('<http://127.0.0.1:1/x>; rel="next"'),
    "Location": header_values | st.just("javascript:alert(1)") | st.just("file:///etc/passwd"),
    "x-ratelimit-remaining": header_values, "x-ratelimit-reset": header_values,
    "x-ratelimit-limit": header_values, "retry-after": header_values,
    "ETag": header_values, "x-oauth-scopes": header_values,
})  # fmt: skip


async def ask(github: GitHub, endpoint: str, tmp: Path) -> object:
    """The client's call that reads `endpoint`."""
    calls = {
        "user": lambda: github.user(),
        "keys": lambda: github.user_keys("octocat"),
        "repo": lambda: github.repo(REPO),
        "workflow": lambda: github.workflow(REPO),
        "run": lambda: github.run(REPO, 7),
        "jobs": lambda: github.jobs(REPO, 7),
        "artifacts": lambda: github.artifacts(REPO, 7),
        "repo_artifacts": lambda: github.repo_artifacts(REPO, "cibw-debug-ssh-x"),
        "rate_limit": lambda: github.rate_limit(),
        "runs": lambda: github.find_run(REPO, "s", datetime(2020, 1, 1, tzinfo=timezone.utc), 0),
        "dispatch": lambda: github.dispatch(REPO, "main", {}, "s"),
        "connection": lambda: github.artifact_bytes(REPO, 9),
        "log": lambda: github.job_log(REPO, 70, tmp / "job.log"),
    }
    return await calls[endpoint]()


@pytest.fixture(scope="module")
def gh():
    with HostileGitHub() as server:
        yield server


@pytest.fixture
def run(gh):
    """Runs a coroutine function with one client on one event loop, as the dashboard keeps
    one for hours (and making a client costs more than an answer)."""
    loop = asyncio.new_event_loop()
    github = GitHub(gh.api_url, Token("ghp_fuzz", "test"), retries=0, max_rate_wait=0,
                    find_timeout=0, request_deadline=5)  # fmt: skip
    yield lambda call: loop.run_until_complete(call(github))
    loop.run_until_complete(github.aclose())
    loop.close()


def answer_everything(gh: HostileGitHub, answer: Answer) -> None:
    gh.routes.clear()
    gh.on("GET", ".*", answer)
    gh.on("POST", ".*", answer)


def record_or_words(run, endpoint: str, tmp: Path) -> None:
    async def go(github: GitHub) -> None:
        try:
            await ask(github, endpoint, tmp)
        except GitHubError as error:
            assert str(error)

    run(go)


@pytest.mark.parametrize("endpoint", list(ANSWERS))
def test_any_json_answer_is_a_record_or_words(gh, run, tmp_path, endpoint):
    @SETTINGS
    @given(body=ANSWERS[endpoint] | json_values, status=st.sampled_from([200, 200, 200, 422]))
    def check(body, status):
        answer_everything(gh, Answer(status, body))
        record_or_words(run, endpoint, tmp_path)

    check()


@pytest.mark.parametrize("endpoint", [*ANSWERS, "connection", "log"])
def test_any_status_body_and_headers_are_a_record_or_words(gh, run, tmp_path, endpoint):
    @SETTINGS
    @given(status=statuses, body=bodies, extra=headers)
    def check(status, body, extra):
        answer_everything(gh, Answer(status, body, headers=extra))
        record_or_words(run, endpoint, tmp_path)

    check()


def test_a_watchers_poll_survives_any_answer(gh, run, tmp_path):
    """The watcher's round (jobs, run, artifacts, connection files, the failed job's log)
    over hostile answers: a GitHubError at worst, which the watcher says and waits out."""
    jobs_then_more = st.fixed_dictionaries({
        "jobs": ANSWERS["jobs"], "run": ANSWERS["run"], "artifacts": ANSWERS["artifacts"],
        "blob": st.binary(max_size=300),
    })  # fmt: skip

    @SETTINGS
    @given(answers=jobs_then_more)
    def check(answers):
        gh.routes.clear()
        gh.on("GET", r".*/runs/7/jobs", answers["jobs"])
        gh.on("GET", r".*/runs/7", answers["run"])
        gh.on("GET", r".*/runs/7/artifacts", answers["artifacts"])
        gh.on("GET", r".*/zip|.*/logs", Answer(302, headers={"Location": f"{gh.api_url}/b"}))
        gh.on("GET", "/b", Answer(body=answers["blob"]))
        spec = SessionSpec(REPO, "ubuntu-latest", "cp312", "x86_64", "always")
        session = Session("s1", spec, gh.api_url, run_id=7, status="in_progress")

        async def go(github: GitHub) -> None:
            watcher = Watcher(github, session, log_dir=tmp_path / "logs")
            try:
                await watcher.poll_once()
            except GitHubError as error:
                assert str(error)

        run(go)

    check()


@SETTINGS
@given(blob=st.binary(max_size=400))
def test_any_connection_artifact_is_a_connection_or_words(blob):
    try:
        parse_connection_zip(blob)
    except ConnectionFileError as error:
        assert str(error)


# Found by the tests above: answers httpx itself cannot read, each once for every endpoint.
UNREADABLE_TO_HTTPX = {
    "redirect-to-javascript": Answer(301, b"", headers={"Location": "javascript:alert(1)"}),
    "redirect-without-location": Answer(302, b""),
    "redirect-to-plain-http": Answer(302, b"", headers={"Location": "http://evil.example/x"}),
    "gzip-that-is-not": Answer(200, b"\x1f\x8bnot gzip", headers={"Content-Encoding": "gzip"}),
}


@pytest.mark.parametrize("answer", UNREADABLE_TO_HTTPX, ids=list(UNREADABLE_TO_HTTPX))
def test_answers_httpx_cannot_read_are_words(gh, run, tmp_path, answer):
    answer_everything(gh, UNREADABLE_TO_HTTPX[answer])
    for endpoint in [*ANSWERS, "connection", "log"]:
        record_or_words(run, endpoint, tmp_path)
