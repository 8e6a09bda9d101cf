"""The headless commands, run as a user runs them: the installed command, as subprocesses,
against `cibw-debug-tui simulate-github` on a loopback port."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from cibw_debug_tui import bundled
from cibw_debug_tui.simulator.server import Simulator

pytestmark = pytest.mark.e2e

COMMAND = str(Path(sys.executable).parent / "cibw-debug-tui")
TOKEN = "ghp_commandtest000000000000000000000000"
DISPATCH = ["dispatch", "--repo", "octo/pkg", "--runner", "ubuntu-latest", "--python", "cp312"]


def env(tmp_path: Path, **extra: str) -> dict:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("GH_TOKEN", "GITHUB_TOKEN", "GH_HOST", "GH_ENTERPRISE_TOKEN")
    }
    return {
        **clean,
        "HOME": str(tmp_path),
        "CIBW_DEBUG_TUI_CONFIG": str(tmp_path / "no-config.yaml"),
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        **extra,
    }


def run(tmp_path, *args, token=TOKEN, timeout=120, **extra) -> subprocess.CompletedProcess:
    variables = env(tmp_path, **({"GH_TOKEN": token} if token else {}), **extra)
    return subprocess.run(
        [COMMAND, *args],
        capture_output=True,
        text=True,
        env=variables,
        cwd=tmp_path,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def served(tmp_path):
    """`cibw-debug-tui simulate-github` as its own process; yields its API URL."""
    proc = subprocess.Popen(
        [COMMAND, "simulate-github", "--port", "0", "--speed", "300"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(tmp_path),
    )
    first = proc.stdout.readline()
    match = re.search(r"at (http://127\.0\.0\.1:\d+)", first)
    assert match, first + proc.stderr.read()
    yield match.group(1)
    proc.terminate()
    proc.wait(timeout=10)


def set_scenario(url: str, scenario: str) -> None:
    httpx.post(f"{url}/_sim/scenario", json={"scenario": scenario}).raise_for_status()


def stats(url: str) -> dict:
    return httpx.get(f"{url}/_sim/stats").json()


def test_dispatch_watch_success_exits_0(served, tmp_path):
    proc = run(tmp_path, *DISPATCH, "--arch", "x86_64", "--debug-mode", "disabled",
               "--watch", "--api-url", served)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert f"{served}/octo/pkg/actions/runs/" in proc.stdout
    assert "completed: success" in proc.stdout
    summary = proc.stdout.split("] success after ", 1)[1]
    assert re.search(r"cibw-debug-wheels-cp312-manylinux_x86_64-attempt-1 \(\d\.\d MB\)", summary)
    assert "download them: GH_HOST=" in summary


def test_dispatch_watch_failure_prints_ssh_and_the_cause_and_exits_1(served, tmp_path):
    set_scenario(served, "build-failure")
    proc = run(tmp_path, *DISPATCH, "--arch", "x86_64", "--watch", "--api-url", served,
               "--log-dir", str(tmp_path))  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    assert re.search(r"^ssh \w+@\w+\.tmate\.io$", proc.stdout, re.M)
    assert "failure (compile)" in proc.stdout and "ffi.h" in proc.stdout
    assert "completed: failure" in proc.stdout
    assert list(tmp_path.glob("octo_pkg-*.log"))
    # every step, though the simulator runs 300 times faster than the polls: the build step
    # starts and fails between two of them
    assert re.search(r"\] ✗ Build cp312-manylinux_x86_64 with cibuildwheel \(00:45\)$",
                     proc.stdout, re.M)  # fmt: skip
    assert "] queued\n" in proc.stdout
    assert "SSH session (after the failure) ended: let go on after 03:" in proc.stdout
    summary = proc.stdout.split("] failure after ", 1)[1]
    assert "cibw-debug-logs-cp312-manylinux_x86_64-attempt-1 (1.1 KB)" in summary
    port = served.rsplit(":", 1)[1]
    assert f"download them: GH_HOST=127.0.0.1:{port} gh run download " in summary


def test_dispatch_watch_says_an_ssh_session_timed_out_and_what_to_download(served, tmp_path):
    set_scenario(served, "ssh-timeout")
    proc = run(tmp_path, *DISPATCH, "--arch", "x86_64", "--watch", "--api-url", served,
               "--session-timeout", "1", "--json", "--log-dir", str(tmp_path))  # fmt: skip
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    (ended,) = [e for e in events if e["event"] == "ssh-ended"]
    assert ended["why"] == "timed out" and ended["stage"] == "after-failure"
    assert 60 <= ended["seconds"] <= 80  # its 1-minute limit, and the simulator's setup
    summary = events[-1]
    assert summary["event"] == "summary" and summary["conclusion"] == "failure"
    assert summary["download_command"].endswith(f"gh run download {events[1]['run_id']} "
                                                "--repo octo/pkg")  # fmt: skip
    assert {"name": "cibw-debug-buildlog-attempt-1", "size_in_bytes": 833} in summary["artifacts"]


def test_dispatch_watch_says_how_long_a_run_waits_for_a_runner_and_why_it_may(served, tmp_path):
    """A run no runner takes used to print one line, then nothing until it was cancelled."""
    set_scenario(served, "never-picked-up")
    proc = subprocess.Popen(
        [COMMAND, *DISPATCH, "--arch", "x86_64", "--runner", "ubuntu-24.04-arm", "--arch",
         "aarch64", "--watch", "--api-url", served],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=env(tmp_path, GH_TOKEN=TOKEN), cwd=tmp_path,
    )  # fmt: skip
    lines = []
    try:
        for line in proc.stdout:
            lines.append(line)
            if "ubuntu-24.04-arm is a runner this repository may use" in line:
                break
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
    said = "".join(lines)
    assert "] queued\n" in said
    assert re.search(r"still waiting for a runner after \d\d:\d\d: a run waits this long", said)


def test_dispatch_watch_json_is_one_event_per_line(served, tmp_path):
    set_scenario(served, "cancelled")
    proc = run(tmp_path, *DISPATCH, "--arch", "x86_64", "--watch", "--json", "--api-url", served)
    assert proc.returncode == 1
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    kinds = [e["event"] for e in events]
    assert kinds[:2] == ["settings", "dispatched"] and isinstance(events[1]["run_id"], int)
    assert events[2] == {**events[2], "event": "status", "status": "queued"}
    assert events[-2] == {**events[-2], "event": "status", "conclusion": "cancelled"}
    assert events[-1] == {**events[-1], "event": "summary", "conclusion": "cancelled"}
    steps = [e for e in events if e["event"] == "step"]
    assert {"status": "completed", "conclusion": "cancelled"}.items() <= steps[-1].items() or any(
        e["conclusion"] == "cancelled" for e in steps
    )


def test_invalid_combination_is_refused_before_any_request(served, tmp_path):
    proc = run(tmp_path, *DISPATCH, "--arch", "arm64", "--api-url", served)
    assert proc.returncode == 2
    assert proc.stderr == (
        'error: Linux calls this architecture aarch64: use arch "aarch64" on ubuntu-latest\n'
    )
    assert stats(served)["requests"] == 0


def test_missing_token_names_where_tokens_come_from(served, tmp_path):
    proc = run(tmp_path, *DISPATCH, "--arch", "x86_64", "--api-url", served, token=None)
    assert proc.returncode == 2
    assert "GH_TOKEN" in proc.stderr and "gh auth login" in proc.stderr
    assert proc.stderr.count("\n") == 1


def test_revoked_token_is_one_line_and_no_traceback(served, tmp_path):
    proc = run(tmp_path, *DISPATCH, "--arch", "x86_64", "--api-url", served, token="revoked-1")
    assert proc.returncode == 1
    assert "refused the token" in proc.stderr and "Traceback" not in proc.stderr


def test_bad_repository_name_is_a_usage_error(served, tmp_path):
    proc = run(tmp_path, "dispatch", "--repo", "not a repo", "--runner", "ubuntu-latest",
               "--python", "cp312", "--arch", "x86_64", "--api-url", served)  # fmt: skip
    assert proc.returncode == 2 and "is not a repository name" in proc.stderr


def test_dispatch_on_ghes(tmp_path):
    with Simulator(speed=300, ghes=True) as ghes:
        proc = run(tmp_path, *DISPATCH, "--arch", "x86_64", "--api-url", ghes.api_url)
        assert proc.returncode == 0, proc.stderr
        assert len(ghes.runs) == 1
        assert proc.stdout.strip().endswith(f"/octo/pkg/actions/runs/{next(iter(ghes.runs))}")


def test_doctor_all_good(served, tmp_path):
    proc = run(tmp_path, "doctor", "--repo", "octo/pkg", "--api-url", served)
    assert proc.returncode == 0, proc.stdout
    lines = proc.stdout.splitlines()
    assert lines[0] == f"Checking {served} and octo/pkg"
    assert all(line.startswith("✓") for line in lines[1:])
    assert any("SSH key" in line for line in lines)
    assert any("debug workflow present on main" in line for line in lines)
    assert TOKEN not in proc.stdout


def test_doctor_says_how_to_fix_what_fails(tmp_path):
    with Simulator(login="nokeys", repos_without_workflow=("octo/bare",)) as sim:
        proc = run(tmp_path, "doctor", "--repo", "octo/bare", "--api-url", sim.api_url)
    assert proc.returncode == 1
    assert "✗ no SSH keys on @nokeys's profile" in proc.stdout
    assert "fix: add one at https://github.com/settings/keys" in proc.stdout
    assert "✗ debug workflow missing" in proc.stdout
    assert "fix: run `cibw-debug-tui install-workflow`" in proc.stdout


def test_doctor_says_which_channel_the_workflow_uses_and_that_the_token_reads_it(tmp_path):
    with Simulator(speed=300, ghes=True) as ghes:
        proc = run(tmp_path, "doctor", "--repo", "octo/pkg", "--api-url", ghes.api_url)
    assert proc.returncode == 0, proc.stdout
    assert "✓ SSH connections arrive in check runs; the token can read them" in proc.stdout


def test_doctor_on_ghes_flags_the_github_com_workflow(tmp_path):
    with Simulator(speed=300, ghes=True, variant="github.com") as ghes:
        proc = run(tmp_path, "doctor", "--repo", "octo/pkg", "--api-url", ghes.api_url)
    assert proc.returncode == 1
    assert "✗ the workflow is the github.com workflow: SSH connections in artifacts: GitHub " \
        "Enterprise Server refuses upload-artifact v4+" in proc.stdout  # fmt: skip
    assert "fix: `cibw-debug-tui install-workflow --force` writes the one for this server" in (
        proc.stdout
    )
    assert "✓ SSH connections arrive in check runs" in proc.stdout  # GHES: what could come


def test_doctor_says_when_the_token_cannot_read_the_check_runs(tmp_path):
    with Simulator(speed=300, ghes=True) as ghes:
        ghes.inject("status", status=403, path="/check-runs", count=5)
        proc = run(tmp_path, "doctor", "--repo", "octo/pkg", "--api-url", ghes.api_url)
    assert proc.returncode == 1
    assert "✗ SSH connections arrive in check runs, which the token cannot read: forbidden" in (
        proc.stdout
    )
    assert "fix: a fine-grained token needs Checks: read on octo/pkg" in proc.stdout


def test_install_workflow_writes_the_variant_for_the_server(tmp_path):
    target = tmp_path / ".github" / "workflows" / "cibuildwheel-debug.yml"
    api = "https://ghes.example.com/api/v3"
    ghes = run(tmp_path, "install-workflow", str(tmp_path), "--api-url", api)
    assert ghes.returncode == 0, ghes.stderr
    assert target.read_text() == bundled.workflow_text("ghes")
    assert f"the GitHub Enterprise Server variant: SSH connections in check runs (for {api})" in (
        ghes.stdout
    )
    by_host = run(tmp_path, "install-workflow", str(tmp_path), GH_HOST="ghes.example.com")
    assert by_host.returncode == 0 and "already" in by_host.stdout
    other = run(tmp_path, "install-workflow", str(tmp_path))  # api.github.com
    assert other.returncode == 1
    assert "it is the GitHub Enterprise Server variant" in other.stderr
    assert "not replacing it with the github.com workflow" in other.stderr
    assert target.read_text() == bundled.workflow_text("ghes")
    forced = run(tmp_path, "install-workflow", str(tmp_path), "--force", "--variant", "ghes")
    assert forced.returncode == 0 and "already" in forced.stdout
    target.unlink()
    misplaced = run(tmp_path, "install-workflow", str(tmp_path), "--variant", "ghes")
    assert misplaced.returncode == 0 and target.read_text() == bundled.workflow_text("ghes")
    assert "note: https://api.github.com: github.com refuses upload-artifact v3" in (
        misplaced.stdout
    )


def test_install_workflow_never_overwrites_a_changed_file_silently(tmp_path):
    target = tmp_path / ".github" / "workflows" / "cibuildwheel-debug.yml"
    first = run(tmp_path, "install-workflow", str(tmp_path))
    assert first.returncode == 0 and target.read_text() == bundled.workflow_text()
    again = run(tmp_path, "install-workflow", str(tmp_path))
    assert again.returncode == 0 and "already" in again.stdout
    target.write_text("# my edits\n")
    refused = run(tmp_path, "install-workflow", str(tmp_path))
    assert refused.returncode == 1 and "--force" in refused.stderr
    assert target.read_text() == "# my edits\n"
    forced = run(tmp_path, "install-workflow", str(tmp_path), "--force")
    assert forced.returncode == 0
    assert target.read_text() == bundled.workflow_text()
    assert target.with_suffix(".yml.bak").read_text() == "# my edits\n"


def test_install_workflow_into_a_missing_folder(tmp_path):
    proc = run(tmp_path, "install-workflow", str(tmp_path / "nope"))
    assert proc.returncode == 2 and "is not a folder" in proc.stderr


def test_bundled_workflows_are_the_repositorys(tmp_path):
    root = Path(__file__).resolve().parent.parent
    assert bundled.workflow_text() == (root / "workflow" / "cibuildwheel-debug.yml").read_text()
    ghes = (root / "workflow" / "cibuildwheel-debug-ghes.yml").read_text()
    assert bundled.workflow_text("ghes") == ghes


def test_simulate_github_on_a_busy_port_is_one_line(served, tmp_path):
    port = served.rsplit(":", 1)[1]
    proc = run(tmp_path, "simulate-github", "--port", port, timeout=20)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"error: cannot listen on 127.0.0.1:{port}")
