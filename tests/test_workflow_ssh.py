"""The SSH session helper the workflow writes and runs: who gets in, and what it publishes."""

import json
import time
from pathlib import Path

import pytest
from workflow_harness import load_workflow, run_script, step

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTestsOnly octocat@laptop"
SECRET = "sk-ant-FAKE-SECRET-0123456789"


def write_helper(tmp: Path) -> Path:
    """Run the real 'Write the SSH session helper' step; return the helper it wrote."""
    result = run_script(step("debug", "helper")["run"], {}, tmp)
    assert result.returncode == 0, result.stderr
    helper = tmp / "runner-temp" / "cibw-debug" / "ssh-session.sh"
    assert helper.exists()
    return helper


def run_helper(tmp: Path, *args: str, **env: str):
    helper = write_helper(tmp)
    base = {
        "ACTOR": "octocat",
        "GH_TOKEN": "ghs_faketoken",
        "IDENTIFIER": "cp312-manylinux_x86_64",
        "SESSION_TIMEOUT": "30",
    }
    return run_script(f'exec bash "{helper}" "$@"', {**base, **env}, tmp, list(args))


def connection(tmp: Path, stage: str) -> dict:
    path = tmp / "runner-temp" / "cibw-debug" / f"connection-{stage}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def test_open_publishes_the_connection_for_the_actors_keys_only(tmp_path):
    before = int(time.time())
    result = run_helper(tmp_path, "open", "before-build", FAKE_KEYS=KEY)
    assert result.returncode == 0, result.stderr
    data = connection(tmp_path, "before-build")
    assert data["status"] == "open" and data["format"] == 1
    assert data["stage"] == "before-build"
    assert data["ssh"] == "ssh FAKEtmateTOKEN123@nyc1.tmate.io"
    assert data["actor"] == "octocat"
    assert data["timeout_minutes"] == 30
    assert data["continue_command"] == f'touch "{tmp_path}/continue"'
    assert data["docker_exec"] is None
    opened = time.mktime(time.strptime(data["opened_at"], "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
    expires = time.mktime(time.strptime(data["expires_at"], "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
    assert before - 1 <= opened <= time.time() + 1
    assert expires - opened == 30 * 60
    # tmate was started with -a and exactly the actor's keys.
    state = tmp_path / "state"
    assert (state / "tmate-authorized-keys").read_text().strip() == KEY
    assert " -a " in (state / "tmate.log").read_text().splitlines()[0]
    assert "api users/octocat/keys" in (state / "gh.log").read_text()
    assert result.outputs["connection"].endswith("connection-before-build.json")
    assert "::notice title=SSH session open (before-build)::ssh FAKEtmate" in result.stdout


@pytest.mark.parametrize("keys", ["", "\n\n"])
def test_no_keys_on_the_profile_refuses_the_session(tmp_path, keys):
    result = run_helper(tmp_path, "open", "after-failure", FAKE_KEYS=keys)
    assert result.returncode == 1
    assert "::error title=SSH session refused::No public SSH keys on @octocat" in result.stdout
    data = connection(tmp_path, "after-failure")
    assert data["status"] == "refused" and data["ssh"] is None
    assert "github.com/settings/keys" in data["message"]
    assert not (tmp_path / "state" / "tmate.log").exists(), "tmate must never start"


def test_unreadable_keys_refuse_the_session(tmp_path):
    result = run_helper(tmp_path, "open", "before-build", FAKE_KEYS=KEY, FAKE_GH_FAIL="1")
    assert result.returncode == 1
    assert connection(tmp_path, "before-build")["status"] == "refused"
    assert "HTTP 502" in connection(tmp_path, "before-build")["message"]
    assert not (tmp_path / "state" / "tmate.log").exists()


def test_after_failure_on_linux_offers_docker_exec_into_the_kept_container(tmp_path):
    result = run_helper(
        tmp_path, "open", "after-failure", FAKE_KEYS=KEY, FAKE_CONTAINER="cibuildwheel-1a2b3c"
    )
    assert result.returncode == 0, result.stderr
    assert connection(tmp_path, "after-failure")["docker_exec"] == (
        "docker start cibuildwheel-1a2b3c >/dev/null && docker exec -it cibuildwheel-1a2b3c bash"
    )


def test_anthropic_key_reaches_the_session_but_is_never_written(tmp_path):
    result = run_helper(tmp_path, "open", "before-build", FAKE_KEYS=KEY, ANTHROPIC_API_KEY=SECRET)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "state" / "session-anthropic").exists()
    data = connection(tmp_path, "before-build")
    assert "ANTHROPIC_API_KEY is set" in data["claude"]
    for text in (result.stdout, result.stderr, json.dumps(data), result.env_file):
        assert SECRET not in text


def test_empty_anthropic_secret_is_not_passed_into_the_session(tmp_path):
    result = run_helper(tmp_path, "open", "before-build", FAKE_KEYS=KEY, ANTHROPIC_API_KEY="")
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "state" / "session-anthropic").exists()
    assert "claude login" in connection(tmp_path, "before-build")["claude"]


def test_wait_ends_when_the_continue_file_appears(tmp_path):
    assert run_helper(tmp_path, "open", "before-build", FAKE_KEYS=KEY).returncode == 0
    (tmp_path / "continue").touch()
    result = run_helper(tmp_path, "wait", "before-build")
    assert result.returncode == 0, result.stderr
    assert "Continue file found" in result.stdout
    assert not (tmp_path / "continue").exists(), "a stale file would end the next session at once"
    assert (tmp_path / "state" / "killed").exists()


def test_wait_ends_when_the_person_quits_tmate(tmp_path):
    assert run_helper(tmp_path, "open", "after-failure", FAKE_KEYS=KEY).returncode == 0
    (tmp_path / "state" / "session-closed").touch()
    result = run_helper(tmp_path, "wait", "after-failure")
    assert result.returncode == 0 and "session was closed" in result.stdout


def test_wait_ends_at_the_timeout(tmp_path):
    assert run_helper(tmp_path, "open", "after-failure", FAKE_KEYS=KEY).returncode == 0
    expires = tmp_path / "runner-temp" / "cibw-debug" / "expires-after-failure"
    assert int(expires.read_text()) - time.time() == pytest.approx(30 * 60, abs=5)
    expires.write_text(str(int(time.time()) - 1))
    result = run_helper(tmp_path, "wait", "after-failure")
    assert result.returncode == 0
    assert "::warning title=SSH session timed out::" in result.stdout
    assert (tmp_path / "state" / "killed").exists()


def test_open_removes_a_stale_continue_file(tmp_path):
    (tmp_path / "continue").touch()
    assert run_helper(tmp_path, "open", "after-failure", FAKE_KEYS=KEY).returncode == 0
    assert not (tmp_path / "continue").exists()


@pytest.mark.parametrize("stage", ["before", "after"])
def test_sessions_are_wired_for_the_dispatching_actor_with_timeouts(stage):
    steps = load_workflow()["jobs"]["debug"]["steps"]
    at = next(i for i, s in enumerate(steps) if s.get("id") == f"ssh-{stage}")
    opener, publish, waiter = steps[at : at + 3]
    assert opener["env"]["ACTOR"] == "${{ github.triggering_actor }}"
    assert "secrets.ANTHROPIC_API_KEY" in opener["env"]["ANTHROPIC_API_KEY"]
    # Published right after the session opens (and also when it was refused), before the wait.
    assert publish["uses"].startswith("actions/upload-artifact@")
    assert publish["if"] == f"always() && steps.ssh-{stage}.outcome != 'skipped'"
    assert publish["with"]["retention-days"] == 1
    assert waiter["run"].endswith(" wait " + opener["run"].split()[-1])
    assert waiter["timeout-minutes"] <= 61
    build = next(i for i, s in enumerate(steps) if s.get("id") == "build")
    assert (at < build) == (stage == "before")
    if stage == "after":
        assert "steps.build.outcome == 'failure'" in opener["if"]
