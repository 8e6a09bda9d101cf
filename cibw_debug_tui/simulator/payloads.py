"""JSON bodies shaped like GitHub's (the tests check them against GitHub's OpenAPI description)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from cibw_debug_tui.core.workflow_contract import WORKFLOW_TITLE

if TYPE_CHECKING:
    from cibw_debug_tui.simulator.ci import CiRun
    from cibw_debug_tui.simulator.published import Artifact
    from cibw_debug_tui.simulator.runs import Run
    from cibw_debug_tui.simulator.state import CheckRun
    from cibw_debug_tui.simulator.steps import Job, Step

ACTIONS_APP_ID = 15368  # the GitHub Actions app: its jobs and its token's check runs are its

_REPO_URLS = (
    "archive_url/{archive_format}{/ref}",
    "assignees_url/assignees{/user}",
    "blobs_url/git/blobs{/sha}",
    "branches_url/branches{/branch}",
    "collaborators_url/collaborators{/collaborator}",
    "comments_url/comments{/number}",
    "commits_url/commits{/sha}",
    "compare_url/compare/{base}...{head}",
    "contents_url/contents/{+path}",
    "contributors_url/contributors",
    "deployments_url/deployments",
    "downloads_url/downloads",
    "events_url/events",
    "forks_url/forks",
    "git_commits_url/git/commits{/sha}",
    "git_refs_url/git/refs{/sha}",
    "git_tags_url/git/tags{/sha}",
    "hooks_url/hooks",
    "issue_comment_url/issues/comments{/number}",
    "issue_events_url/issues/events{/number}",
    "issues_url/issues{/number}",
    "keys_url/keys{/key_id}",
    "labels_url/labels{/name}",
    "languages_url/languages",
    "merges_url/merges",
    "milestones_url/milestones{/number}",
    "notifications_url/notifications{?since,all,participating}",
    "pulls_url/pulls{/number}",
    "releases_url/releases{/id}",
    "stargazers_url/stargazers",
    "statuses_url/statuses/{sha}",
    "subscribers_url/subscribers",
    "subscription_url/subscription",
    "tags_url/tags",
    "teams_url/teams",
    "trees_url/git/trees{/sha}",
)


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def number_for(text: str, digits: int = 9) -> int:
    """A stable id for a name, so the same repository keeps its id."""
    return int(hashlib.sha1(text.encode()).hexdigest(), 16) % 10**digits + 10**digits


def node_id(kind: str, number: int) -> str:
    return f"{kind}_kwDO{number:x}"


def user(api: str, web: str, login: str, private: bool = False) -> dict:
    uid = number_for("user:" + login, 7)
    base = f"{api}/users/{login}"
    data = {
        "login": login,
        "id": uid,
        "node_id": node_id("U", uid),
        "avatar_url": f"{web}/avatars/u/{uid}",
        "gravatar_id": "",
        "url": base,
        "html_url": f"{web}/{login}",
        "followers_url": f"{base}/followers",
        "following_url": f"{base}/following{{/other_user}}",
        "gists_url": f"{base}/gists{{/gist_id}}",
        "starred_url": f"{base}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{base}/subscriptions",
        "organizations_url": f"{base}/orgs",
        "repos_url": f"{base}/repos",
        "events_url": f"{base}/events{{/privacy}}",
        "received_events_url": f"{base}/received_events",
        "type": "User",
        "site_admin": False,
    }
    if private:
        data |= {
            "name": "Mona Octocat",
            "company": None,
            "blog": "",
            "location": None,
            "email": None,
            "hireable": None,
            "bio": None,
            "public_repos": 8,
            "public_gists": 1,
            "followers": 20,
            "following": 0,
            "created_at": "2011-01-25T18:44:36Z",
            "updated_at": "2026-11-01T10:00:00Z",
            "private_gists": 0,
            "total_private_repos": 2,
            "owned_private_repos": 2,
            "disk_usage": 10000,
            "collaborators": 0,
            "two_factor_authentication": True,
        }
    return data


def repository(api: str, web: str, full_name: str, full: bool = False) -> dict:
    owner, name = full_name.split("/")
    rid = number_for("repo:" + full_name)
    base = f"{api}/repos/{full_name}"
    data = {
        "id": rid,
        "node_id": node_id("R", rid),
        "name": name,
        "full_name": full_name,
        "private": False,
        "owner": user(api, web, owner),
        "html_url": f"{web}/{full_name}",
        "description": "A package with compiled extensions",
        "fork": False,
        "url": base,
    }
    for spec in _REPO_URLS:
        field, _, suffix = spec.partition("/")
        data[field] = f"{base}/{suffix}"
    if full:
        data |= {
            "clone_url": f"{web}/{full_name}.git",
            "git_url": f"git://example/{full_name}.git",
            "ssh_url": f"git@example:{full_name}.git",
            "svn_url": f"{web}/{full_name}",
            "mirror_url": None,
            "homepage": None,
            "language": "C",
            "forks": 3,
            "forks_count": 3,
            "stargazers_count": 42,
            "watchers": 42,
            "watchers_count": 42,
            "size": 1024,
            "default_branch": "main",
            "open_issues": 1,
            "open_issues_count": 1,
            "has_issues": True,
            "has_projects": True,
            "has_wiki": False,
            "has_pages": False,
            "has_discussions": False,
            "archived": False,
            "disabled": False,
            "license": None,
            "pushed_at": "2026-11-20T09:00:00Z",
            "created_at": "2020-01-01T00:00:00Z",
            "updated_at": "2026-11-20T09:00:00Z",
            "network_count": 3,
            "subscribers_count": 5,
            "permissions": {
                "admin": False,
                "maintain": True,
                "push": True,
                "triage": True,
                "pull": True,
            },
        }
    return data


def workflow(api: str, web: str, full_name: str, path: str, title: str = WORKFLOW_TITLE) -> dict:
    wid = number_for(f"workflow:{full_name}:{path}")
    return {
        "id": wid,
        "node_id": node_id("W", wid),
        "name": title,
        "path": path,
        "state": "active",
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
        "url": f"{api}/repos/{full_name}/actions/workflows/{wid}",
        "html_url": f"{web}/{full_name}/blob/main/{path}",
        "badge_url": f"{web}/{full_name}/workflows/debug/badge.svg",
    }


def head_commit(sha: str, when: datetime) -> dict:
    person = {"name": "Mona Octocat", "email": "mona@example.com"}
    return {
        "id": sha,
        "tree_id": hashlib.sha1(sha.encode()).hexdigest(),
        "message": "Build the extension",
        "timestamp": iso(when),
        "author": person,
        "committer": person,
    }


# -- runs, jobs, steps and artifacts -------------------------------------------------------------


def run(api: str, web: str, found: Run | CiRun, now: float) -> dict[str, Any]:
    status, conclusion = found.status(now)
    wf = workflow(api, web, found.repo, found.path, found.title)
    base = f"{api}/repos/{found.repo}/actions/runs/{found.id}"
    created = found.clock.moment(found.created)
    updated = found.clock.moment(found.last_change(now))
    repo = repository(api, web, found.repo)
    actor = user(api, web, found.actor)
    return {
        "id": found.id,
        "name": wf["name"],
        "node_id": node_id("WFR", found.id),
        "head_branch": found.ref,
        "head_sha": found.head_sha,
        "path": found.path,
        "display_title": found.display_title,
        "run_number": found.number,
        "run_attempt": found.attempt,
        "event": found.event,
        "status": status,
        "conclusion": conclusion,
        "workflow_id": wf["id"],
        "check_suite_id": found.id + 7,
        "url": base,
        "html_url": f"{web}/{found.repo}/actions/runs/{found.id}",
        "pull_requests": [],
        "created_at": iso(created),
        "updated_at": iso(updated),
        "run_started_at": iso(created),
        "actor": actor,
        "triggering_actor": actor,
        "jobs_url": f"{base}/jobs",
        "logs_url": f"{base}/logs",
        "check_suite_url": f"{api}/repos/{found.repo}/check-suites/{found.id + 7}",
        "artifacts_url": f"{base}/artifacts",
        "cancel_url": f"{base}/cancel",
        "rerun_url": f"{base}/rerun",
        "workflow_url": wf["url"],
        "head_commit": head_commit(found.head_sha, created),
        "repository": repo,
        "head_repository": repo,
    }


def step(
    found: Step, number: int, now: float, moment: Callable[[float], datetime]
) -> dict[str, Any]:
    if found.start is None or found.start > now:
        status = "completed" if found.conclusion in ("skipped", "cancelled") and now else "queued"
        if found.conclusion == "skipped" and found.start is None:
            return {
                "name": found.name,
                "status": "completed",
                "conclusion": "skipped",
                "number": number,
                "started_at": None,
                "completed_at": None,
            }
        return {
            "name": found.name,
            "status": "queued" if status == "queued" else status,
            "conclusion": None,
            "number": number,
            "started_at": None,
            "completed_at": None,
        }
    if found.end is None or now < found.end:
        return {
            "name": found.name,
            "status": "in_progress",
            "conclusion": None,
            "number": number,
            "started_at": iso(moment(found.start)),
            "completed_at": None,
        }
    return {
        "name": found.name,
        "status": "completed",
        "conclusion": found.conclusion,
        "number": number,
        "started_at": iso(moment(found.start)),
        "completed_at": iso(moment(found.end)),
    }


def job(api: str, web: str, found_run: Run | CiRun, found: Job, now: float) -> dict[str, Any]:
    moment = found_run.clock.moment
    if found.start is None or now < found.start:
        status, conclusion = "queued", None
        if found.conclusion in ("skipped", "cancelled") and found_run.status(now)[0] == "completed":
            status, conclusion = "completed", found.conclusion
    elif found.end is None or now < found.end:
        status, conclusion = "in_progress", None
    else:
        status, conclusion = "completed", found.conclusion
    started = found.start is not None and now >= found.start
    repo, run_id = found_run.repo, found_run.id
    return {
        "id": found.id,
        "run_id": run_id,
        "run_url": f"{api}/repos/{repo}/actions/runs/{run_id}",
        "run_attempt": found.attempt,
        "node_id": node_id("CR", found.id),
        "head_sha": found_run.head_sha,
        "head_branch": found_run.ref,
        "workflow_name": found_run.title,
        "url": f"{api}/repos/{repo}/actions/jobs/{found.id}",
        "html_url": f"{web}/{repo}/actions/runs/{run_id}/job/{found.id}",
        "status": status,
        "conclusion": conclusion,
        "created_at": iso(moment(found_run.created)),
        "started_at": iso(moment(found.start if started else found_run.created)),
        "completed_at": iso(moment(found.end)) if status == "completed" and found.end else None,
        "name": found.name,
        "steps": [step(s, i, now, moment) for i, s in enumerate(found.steps, 1)] if started else [],
        "check_run_url": f"{api}/repos/{repo}/check-runs/{found.id}",
        "labels": found.labels or [found_run.inputs["runner"]],
        "runner_id": 1 if started else None,
        "runner_name": found.runner_name if started else None,
        "runner_group_id": 2 if started else None,
        "runner_group_name": "GitHub Actions" if started else None,
    }


def artifact(api: str, found_run: Run, found: Artifact) -> dict[str, Any]:
    moment = found_run.clock.moment
    created = moment(found.created)
    expires = moment(found.created + 90 * 86400)
    repo = found_run.repo
    return {
        "id": found.id,
        "node_id": node_id("MDg", found.id),
        "name": found.name,
        "size_in_bytes": len(found.content),
        "url": f"{api}/repos/{repo}/actions/artifacts/{found.id}",
        "archive_download_url": f"{api}/repos/{repo}/actions/artifacts/{found.id}/zip",
        "expired": found.id in found_run.expired_ids,
        "created_at": iso(created),
        "updated_at": iso(created),
        "expires_at": iso(expires),
        "digest": "sha256:" + hashlib.sha256(found.content).hexdigest(),
        "workflow_run": {
            "id": found_run.id,
            "repository_id": number_for("repo:" + repo),
            "head_repository_id": number_for("repo:" + repo),
            "head_branch": found_run.ref,
            "head_sha": found_run.head_sha,
        },
    }


# -- check runs --------------------------------------------------------------------------------


def actions_app(api: str, web: str) -> dict[str, Any]:
    """The GitHub Actions app, which owns a run's jobs and the check runs its token makes."""
    return {
        "id": ACTIONS_APP_ID,
        "slug": "github-actions",
        "node_id": "MDM6QXBwMTUzNjg=",
        "owner": user(api, web, "github") | {"type": "Organization"},
        "name": "GitHub Actions",
        "description": "Automate your workflow from idea to production",
        "external_url": "https://help.github.com/en/actions",
        "html_url": f"{web}/apps/github-actions",
        "created_at": "2018-07-30T09:30:17Z",
        "updated_at": "2024-04-10T20:33:16Z",
        "permissions": {"actions": "write", "checks": "write", "metadata": "read"},
        "events": ["check_run", "check_suite", "push", "workflow_dispatch"],
    }


def check_run(api: str, web: str, found: CheckRun) -> dict[str, Any]:
    url = f"{api}/repos/{found.repo}/check-runs/{found.id}"
    page = f"{web}/{found.page or f'{found.repo}/runs/{found.id}'}"
    return {
        "id": found.id,
        "head_sha": found.head_sha,
        "node_id": node_id("CR", found.id),
        "external_id": found.external_id,
        "url": url,
        "html_url": page,
        "details_url": found.details_url or page,
        "status": found.status,
        "conclusion": found.conclusion,
        "started_at": found.started_at,
        "completed_at": found.completed_at,
        "output": {
            "title": found.title,
            "summary": found.summary,
            "text": found.text,
            "annotations_count": len(found.annotations),
            "annotations_url": f"{url}/annotations",
        },
        "name": found.name,
        "check_suite": {"id": found.suite or number_for(f"suite:{found.repo}:{found.head_sha}")},
        "app": actions_app(api, web),
        "pull_requests": [],
    }


def annotation(web: str, found: CheckRun, given: dict[str, Any]) -> dict[str, Any]:
    path = given["path"]
    return {
        "path": path,
        "blob_href": f"{web}/{found.repo}/blob/{found.head_sha}/{path}",
        "start_line": given["start_line"],
        "end_line": given["end_line"],
        "start_column": given.get("start_column"),
        "end_column": given.get("end_column"),
        "annotation_level": given["annotation_level"],
        "title": given.get("title", ""),
        "message": given["message"],
        "raw_details": given.get("raw_details", ""),
    }
