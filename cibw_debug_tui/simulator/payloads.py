"""JSON bodies shaped like GitHub's (the tests check them against GitHub's OpenAPI description)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone

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


def workflow(api: str, web: str, full_name: str, path: str) -> dict:
    wid = number_for(f"workflow:{full_name}:{path}")
    return {
        "id": wid,
        "node_id": node_id("W", wid),
        "name": "Debug cibuildwheel with SSH",
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
