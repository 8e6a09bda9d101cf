"""Where the tool talks to (API URL), as whom (token), and its settings file.

The config file is YAML in the platformdirs config folder (`cibw-debug-tui/config.yaml`):

    api_url: https://github.example.com/api/v3   # optional; GHES or the simulator
    repo: owner/name                              # optional default repository
    token: ghp_...                                # optional; prefer GH_TOKEN or `gh auth login`
    download_dir: ~/Downloads/cibw-debug          # optional

Errors in it are reported as one line naming the file, never a traceback.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

DEFAULT_API_URL = "https://api.github.com"
APP_NAME = "cibw-debug-tui"
KNOWN_KEYS = {"api_url", "repo", "token", "download_dir"}
REPO_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}")


class ConfigError(Exception):
    """A setting the user must fix; the message names where it came from."""


def log_dir() -> Path:
    """Where failed jobs' logs are saved: the platform's cache folder, never the checkout the
    person runs the tool in (a log there would dirty `git status`)."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir(APP_NAME)) / "logs"


def download_dir(config: dict[str, Any]) -> Path:
    """Where artifacts go: `download_dir:` in the config file, else the platform's downloads."""
    configured = config.get("download_dir")
    if configured:
        return Path(os.path.expanduser(configured))
    from platformdirs import user_downloads_dir

    return Path(user_downloads_dir()) / APP_NAME


def config_path() -> Path:
    override = os.environ.get("CIBW_DEBUG_TUI_CONFIG")
    if override:
        return Path(override)
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME)) / "config.yaml"


def load_config(path: Path | None = None) -> dict[str, Any]:
    """The config file as a dict ({} when absent)."""
    path = path or config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror or error}") from None
    import yaml  # only when there is a file: it is slow to import

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise ConfigError(f"{path} is not valid YAML{where}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must be a mapping of settings, such as 'repo: owner/name'")
    unknown = set(data) - KNOWN_KEYS
    if unknown:
        raise ConfigError(
            f"{path}: unknown setting {sorted(unknown)[0]!r} "
            f"(known: {', '.join(sorted(KNOWN_KEYS))})"
        )
    for key, value in data.items():
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"{path}: {key} must be a string")
    return data


def validate_repo(repo: str) -> str:
    if not REPO_NAME.fullmatch(repo or "") or repo.endswith((".git", "/.", "/..")):
        raise ConfigError(f'"{repo}" is not a repository name; use OWNER/NAME, e.g. pypa/wheel')
    return repo


def normalise_api_url(url: str) -> str:
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f'"{url}" is not an API URL; use https://HOST/api/v3 or {DEFAULT_API_URL}'
        )
    return url


def api_url_from(flag: str | None, config: dict[str, Any]) -> str:
    """--api-url, then GH_HOST (GitHub CLI's convention), then the config file, then github.com."""
    if flag:
        return normalise_api_url(flag)
    host = os.environ.get("GH_HOST", "").strip()
    if host and host not in ("github.com", "api.github.com"):
        return normalise_api_url(f"https://{host}/api/v3")
    if config.get("api_url"):
        return normalise_api_url(config["api_url"])
    return DEFAULT_API_URL


def is_github_com(api_url: str) -> bool:
    return api_url == DEFAULT_API_URL


def web_url(api_url: str) -> str:
    """The web host that goes with an API URL: github.com, a GHES host, or the simulator."""
    if is_github_com(api_url):
        return "https://github.com"
    return api_url.removesuffix("/api/v3")


@dataclass(frozen=True)
class Token:
    value: str
    source: str  # where it came from, for messages (never the value)

    def __repr__(self) -> str:  # keep it out of tracebacks and logs
        return f"Token(source={self.source!r})"


def _gh_auth_token(api_url: str) -> str | None:
    gh = shutil.which("gh")
    if not gh:
        return None
    args = [gh, "auth", "token"]
    if not is_github_com(api_url):
        args += ["--hostname", urlsplit(api_url).netloc]
    try:
        proc = subprocess.run(args, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    token = proc.stdout.strip()
    return token if proc.returncode == 0 and token else None


def resolve_token(api_url: str, config: dict[str, Any]) -> Token:
    """GH_TOKEN, GITHUB_TOKEN (GH_ENTERPRISE_TOKEN for GHES), `gh auth token`, the config file."""
    names = ["GH_TOKEN", "GITHUB_TOKEN"]
    if not is_github_com(api_url):
        names = ["GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN", *names]
    for name in names:
        value = os.environ.get(name, "").strip()
        if value:
            return Token(value, name)
    from_gh = _gh_auth_token(api_url)
    if from_gh:
        return Token(from_gh, "gh auth token")
    if config.get("token"):
        return Token(config["token"].strip(), str(config_path()))
    raise ConfigError(
        f"no GitHub token: set GH_TOKEN (or {names[0]}), run `gh auth login`, "
        f"or add 'token:' to {config_path()}"
    )


_REMOTE = re.compile(
    r"(?:git@|ssh://git@|https?://)(?:[^@/]+@)?([^:/]+)[:/]([^/]+/[^/]+?)(?:\.git)?/?$"
)


def repo_from_git(cwd: Path | None = None) -> str | None:
    """OWNER/NAME of the `origin` remote of the git checkout at `cwd`, if it is on a GitHub."""
    git = shutil.which("git")
    if not git:
        return None
    try:
        proc = subprocess.run(
            [git, "remote", "get-url", "origin"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = _REMOTE.match(proc.stdout.strip()) if proc.returncode == 0 else None
    return match.group(2) if match else None


def repo_from(flag: str | None, config: dict[str, Any], cwd: Path | None = None) -> str:
    """--repo, then the current checkout's GitHub remote, then the config file."""
    repo = flag or repo_from_git(cwd) or config.get("repo")
    if not repo:
        raise ConfigError(
            "which repository? pass --repo OWNER/NAME, run inside a clone of it, "
            f"or add 'repo:' to {config_path()}"
        )
    return validate_repo(repo)
