"""Where the API URL, the token and the repository come from, and clear words when they don't."""

import re
import subprocess

import pytest

from cibw_debug_tui.core import config


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for name in ("GH_TOKEN", "GITHUB_TOKEN", "GH_HOST", "GH_ENTERPRISE_TOKEN",
                 "GITHUB_ENTERPRISE_TOKEN"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CIBW_DEBUG_TUI_CONFIG", str(tmp_path / "config.yaml"))
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # no `gh` here


def test_api_url_order(monkeypatch):
    assert config.api_url_from(None, {}) == "https://api.github.com"
    assert config.api_url_from(None, {"api_url": "https://ghe.example/api/v3/"}) == (
        "https://ghe.example/api/v3"
    )
    monkeypatch.setenv("GH_HOST", "ghe.corp")
    assert config.api_url_from(None, {"api_url": "https://x/api/v3"}) == "https://ghe.corp/api/v3"
    assert config.api_url_from("http://127.0.0.1:9/", {}) == "http://127.0.0.1:9"
    with pytest.raises(config.ConfigError, match="not an API URL"):
        config.api_url_from("ftp://x", {})


def test_web_url_follows_the_api_url():
    assert config.web_url("https://api.github.com") == "https://github.com"
    assert config.web_url("https://ghe.corp/api/v3") == "https://ghe.corp"
    assert config.web_url("http://127.0.0.1:8765") == "http://127.0.0.1:8765"


def test_token_order(monkeypatch, tmp_path):
    with pytest.raises(config.ConfigError, match=r"GH_TOKEN.*gh auth login"):
        config.resolve_token("https://api.github.com", {})
    assert config.resolve_token("https://api.github.com", {"token": "c"}).value == "c"
    monkeypatch.setenv("GITHUB_TOKEN", "b")
    assert config.resolve_token("https://api.github.com", {"token": "c"}).source == "GITHUB_TOKEN"
    monkeypatch.setenv("GH_TOKEN", "a")
    assert config.resolve_token("https://api.github.com", {}).value == "a"
    monkeypatch.setenv("GH_ENTERPRISE_TOKEN", "e")
    assert config.resolve_token("https://ghe.corp/api/v3", {}).value == "e"
    assert config.resolve_token("https://api.github.com", {}).value == "a"


def test_gh_auth_token_is_used_when_installed(monkeypatch, tmp_path):
    fake = tmp_path / "bin" / "gh"
    fake.parent.mkdir()
    fake.write_text('#!/bin/sh\n[ "$1 $2" = "auth token" ] && echo gho_fromgh\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:/usr/bin:/bin")
    token = config.resolve_token("https://api.github.com", {})
    assert (token.value, token.source) == ("gho_fromgh", "gh auth token")
    assert "gho_fromgh" not in repr(token)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("repo: [unclosed", "not valid YAML (line 1)"),
        ("- a\n- b\n", "must be a mapping"),
        ("colour: blue\n", "unknown setting 'colour'"),
        ("repo: 12\n", "repo must be a string"),
    ],
)
def test_config_file_errors_name_the_file(tmp_path, text, words):
    path = tmp_path / "config.yaml"
    path.write_text(text)
    with pytest.raises(config.ConfigError, match=re.escape(words)) as error:
        config.load_config(path)
    assert str(path) in str(error.value)


def test_unreadable_config_is_a_clear_error(tmp_path):
    path = tmp_path / "config.yaml"
    path.mkdir()
    with pytest.raises(config.ConfigError, match="cannot read"):
        config.load_config(path)


def test_missing_config_is_empty(tmp_path):
    assert config.load_config(tmp_path / "nope.yaml") == {}


@pytest.mark.parametrize(
    "name", ["a b", "owner", "owner/", "/name", "o/n/x", "-o/n", "o/n.git", "", "o/.."]
)
def test_bad_repository_names(name):
    with pytest.raises(config.ConfigError, match="not a repository name"):
        config.validate_repo(name)


@pytest.mark.parametrize(
    ("remote", "repo"),
    [
        ("git@github.com:pypa/cibuildwheel.git", "pypa/cibuildwheel"),
        ("https://github.com/pypa/cibuildwheel", "pypa/cibuildwheel"),
        ("https://user@ghe.corp/team/pkg.git", "team/pkg"),
        ("ssh://git@github.com/o/n.git", "o/n"),
    ],
)
def test_repository_from_the_checkouts_remote(tmp_path, remote, repo):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "remote", "add", "origin", remote], check=True)
    assert config.repo_from(None, {}, tmp_path) == repo
    assert config.repo_from("x/y", {}, tmp_path) == "x/y"


def test_repository_from_config_when_not_in_a_checkout(tmp_path):
    assert config.repo_from(None, {"repo": "a/b"}, tmp_path) == "a/b"
    with pytest.raises(config.ConfigError, match="which repository"):
        config.repo_from(None, {}, tmp_path)
