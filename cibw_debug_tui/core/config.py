"""Where the tool talks to (API URL), as whom (token), and its settings file.

The config file is YAML in the platformdirs config folder (`cibw-debug-tui/config.yaml`):

    api_url: https://github.example.com/api/v3   # optional; GHES or the simulator
    repo: owner/name                              # optional default repository
    token: ghp_...                                # optional; for api_url's host only
    download_dir: ~/Downloads/cibw-debug          # optional
    tmate_hosts: [tmate.example.com]              # optional; self-hosted tmate servers

Errors in it are reported as one line naming the file, never a traceback.

A token goes only to the host it is for, as with the GitHub CLI: GH_TOKEN and GITHUB_TOKEN
to github.com (and its `*.ghe.com` tenancies), GH_ENTERPRISE_TOKEN and GITHUB_ENTERPRISE_TOKEN
(or `gh auth token --hostname HOST`) to any other host, the config file's token to the config
file's API URL; an API on this machine (the simulator) may get any of them. Plain http:// is
refused for any host but this machine: the token would cross the network unencrypted.
"""

from __future__ import annotations

import ipaddress
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
KNOWN_KEYS = {"api_url", "repo", "token", "download_dir", "tmate_hosts", "notifications"}
REPO_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}")
HOST_NAME = re.compile(r"(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
GITHUB_COM_VARIABLES = ("GH_TOKEN", "GITHUB_TOKEN")
ENTERPRISE_VARIABLES = ("GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN")


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
        if key == "tmate_hosts":
            data[key] = _tmate_hosts(path, value)
        elif key == "notifications":
            if value not in (None, True, False, "on", "off"):
                raise ConfigError(f"{path}: notifications must be on or off")
            data[key] = value in (None, True, "on")
        elif value is not None and not isinstance(value, str):
            raise ConfigError(f"{path}: {key} must be a string")
    return data


def _tmate_hosts(path: Path, value: object) -> list[str]:
    """`tmate_hosts:`, the self-hosted tmate servers whose SSH commands are trusted besides
    tmate.io's: a list of host names."""
    hosts = [] if value is None else value
    if not isinstance(hosts, list):
        raise ConfigError(f"{path}: tmate_hosts must be a list of host names, e.g. [tmate.corp]")
    checked = []
    for host in hosts:
        if not isinstance(host, str) or not HOST_NAME.fullmatch(host.strip().lower()):
            raise ConfigError(f"{path}: tmate_hosts: {host!r} is not a host name")
        checked.append(host.strip().lower())
    return checked


def tmate_hosts(config: dict[str, Any]) -> tuple[str, ...]:
    """The self-hosted tmate servers the config file names (checked by load_config)."""
    return tuple(config.get("tmate_hosts") or ())


def validate_repo(repo: str) -> str:
    if not REPO_NAME.fullmatch(repo or "") or repo.endswith((".git", "/.", "/..")):
        raise ConfigError(f'"{repo}" is not a repository name; use OWNER/NAME, e.g. pypa/wheel')
    return repo


def is_loopback(host: str | None) -> bool:
    """Whether a host name is this machine: localhost, 127.0.0.0/8 or ::1."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def normalise_api_url(url: str) -> str:
    url = url.strip().rstrip("/")
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError for a port that is not a number
    except ValueError:
        parts = urlsplit("")
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host:
        raise ConfigError(
            f'"{url}" is not an API URL; use https://HOST/api/v3 or {DEFAULT_API_URL}'
        )
    if parts.scheme == "http" and not is_loopback(host):
        raise ConfigError(
            f'"{url}" is plain http: the token would cross the network unencrypted; use '
            f"https://{parts.netloc}{parts.path} (http:// is for a server on this machine, "
            "such as the simulator)"
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


def takes_github_com_tokens(api_url: str) -> bool:
    """github.com and its data-residency tenancies (`*.ghe.com`), as for the GitHub CLI."""
    host = urlsplit(api_url).hostname or ""
    return host in ("api.github.com", "github.com") or host.endswith(".ghe.com")


def check_token(value: str, source: str) -> str:
    """A token as it can be sent: printable ASCII without spaces. Anything else (a space, a
    line break or a zero-width space copied with it) is refused in words naming the kind of
    character, never the token."""
    for position, char in enumerate(value, start=1):
        if "!" <= char <= "~":
            continue
        if char == " ":
            what = "a space"
        elif char in "\r\n":
            what = "a line break"
        elif char.isascii() or "\x80" <= char <= "\x9f":
            what = "a control character"
        else:
            what = f"U+{ord(char):04X}"
        raise ConfigError(
            f"the token from {source} holds {what} (character {position} of {len(value)}), "
            "which cannot be part of a token; copy the token again"
        )
    return value


def _gh_auth_token(api_url: str) -> str | None:
    gh = shutil.which("gh")
    if not gh:
        return None
    args = [gh, "auth", "token"]
    if not takes_github_com_tokens(api_url):
        args += ["--hostname", urlsplit(api_url).netloc]
    try:
        proc = subprocess.run(args, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    token = proc.stdout.strip()
    return token if proc.returncode == 0 and token else None


def _same_api(one: str, other: str) -> bool:
    """Whether two API URLs have one origin (scheme, host, port)."""
    a, b = urlsplit(one), urlsplit(other)
    ports = {"http": 80, "https": 443}
    return (a.scheme, a.hostname, a.port or ports.get(a.scheme)) == (
        b.scheme,
        b.hostname,
        b.port or ports.get(b.scheme),
    )


def resolve_token(api_url: str, config: dict[str, Any]) -> Token:
    """The token for `api_url`'s host, the first of: its variables (GH_TOKEN, GITHUB_TOKEN for
    github.com; GH_ENTERPRISE_TOKEN, GITHUB_ENTERPRISE_TOKEN for another host; all four for
    this machine), `gh auth token` (for that host), the config file's token (when the config
    file's API URL is this one). A github.com token is never sent to another host."""
    host = urlsplit(api_url).hostname or api_url
    local = is_loopback(host)
    if takes_github_com_tokens(api_url):
        names: tuple[str, ...] = GITHUB_COM_VARIABLES
    elif local:
        names = (*ENTERPRISE_VARIABLES, *GITHUB_COM_VARIABLES)
    else:
        names = ENTERPRISE_VARIABLES
    for name in names:
        value = os.environ.get(name, "").strip()
        if value:
            return Token(check_token(value, name), name)
    from_gh = _gh_auth_token(api_url)
    if from_gh:
        return Token(check_token(from_gh, "gh auth token"), "gh auth token")
    configured = config.get("token")
    if configured:
        its_api = normalise_api_url(config.get("api_url") or DEFAULT_API_URL)
        if local or _same_api(its_api, api_url):
            return Token(check_token(configured.strip(), str(config_path())), str(config_path()))
    unused = [n for n in GITHUB_COM_VARIABLES if os.environ.get(n, "").strip()]
    if unused and names == ENTERPRISE_VARIABLES:
        raise ConfigError(
            f"{unused[0]} is a token for github.com and is not sent to {host}: set "
            f"GH_ENTERPRISE_TOKEN, run `gh auth login --hostname {host}`, or put api_url: "
            f"and token: for {host} in {config_path()}"
        )
    if configured:
        raise ConfigError(
            f"the token in {config_path()} is for {config.get('api_url') or DEFAULT_API_URL}, "
            f"not {api_url}: set GH_ENTERPRISE_TOKEN or run `gh auth login --hostname {host}`"
        )
    enterprise = names == ENTERPRISE_VARIABLES
    raise ConfigError(
        f"no GitHub token for {host}: set {names[0] if enterprise else 'GH_TOKEN'}, run "
        f"`gh auth login{' --hostname ' + host if enterprise else ''}`, "
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
