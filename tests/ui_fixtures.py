"""Sessions in known states, for snapshot tests that must look the same on every run."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from cibw_debug_tui.core.config import Token
from cibw_debug_tui.core.connection import parse_connection
from cibw_debug_tui.core.explain import explain_text
from cibw_debug_tui.core.github import GitHub
from cibw_debug_tui.core.history import History
from cibw_debug_tui.core.main_build import BuildFiles
from cibw_debug_tui.core.session import Session, SessionSpec
from cibw_debug_tui.ui.app import DebugApp
from cibw_debug_tui.ui.backend import Backend

NOW = datetime(2026, 11, 26, 15, 0, 0, tzinfo=timezone.utc)
REPO = "pypa/example"
DATA = Path(__file__).parent / "data"


def iso(minutes_ago: float) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def step(name, status="completed", conclusion="success", start=None, end=None):
    return {"name": name, "status": status, "conclusion": conclusion,
            "started_at": iso(start) if start is not None else None,
            "completed_at": iso(end) if end is not None else None}  # fmt: skip


def jobs(identifier: str, runner: str, build_state: str, ssh_after: bool) -> list[dict]:
    checks = [
        step("Set up job", start=12, end=11.95),
        step("Check runner, Python and arch", start=11.95, end=11.9),
    ]
    validate = {"name": "Check the combination", "status": "completed", "conclusion": "success",
                "started_at": iso(12), "completed_at": iso(11.9), "steps": checks}  # fmt: skip
    building = build_state == "running"
    build = step(
        f"Build {identifier} with cibuildwheel",
        status="in_progress" if building else "completed",
        conclusion=None if building else build_state,
        start=9,
        end=None if building else 5,
    )
    steps = [
        step("Set up job", start=11.8, end=11.7),
        step("Check out the repository", start=11.7, end=11.6),
        step("Set up Python for cibuildwheel", start=11.6, end=11.4),
        step("Prepare the build settings and the environment report", start=11.4, end=9),
        build,
    ]
    if ssh_after:
        steps += [
            step("Open the SSH session (after the failure)", start=5, end=4.9),
            step("Publish the SSH connection (after the failure)", start=4.9, end=4.8),
            step(
                "SSH session (after the failure)", status="in_progress", conclusion=None, start=4.8
            ),
        ]
    done = not building and not ssh_after
    steps += [step("Upload logs", status="completed" if done else "queued",
                   conclusion="success" if done else None,
                   start=4 if done else None, end=3.9 if done else None)]  # fmt: skip
    debug = {"name": f"{identifier} on {runner}",
             "status": "completed" if done else "in_progress",
             "conclusion": build_state if done else None,
             "started_at": iso(11.8), "completed_at": iso(3.9) if done else None,
             "steps": steps}  # fmt: skip
    return [validate, debug]


def artifact(aid: int, name: str, size: int) -> dict:
    return {"id": aid, "name": name, "size_in_bytes": size, "expired": False}


def make_sessions(tmp_path: Path) -> list[Session]:
    base = NOW.timestamp()
    running = Session("run1", SessionSpec(REPO, "windows-latest", "cp311", "AMD64", "disabled"),
                      "https://api.github.com", created_at=base - 12 * 60, run_id=9001,
                      html_url=f"https://github.com/{REPO}/actions/runs/9001",
                      status="in_progress")  # fmt: skip
    running.jobs = jobs("cp311-win_amd64", "windows-latest", "running", False)

    ssh = Session("ssh1", SessionSpec(REPO, "ubuntu-latest", "cp312", "aarch64", "after-failure"),
                  "https://api.github.com", created_at=base - 12 * 60 - 30, run_id=9002,
                  html_url=f"https://github.com/{REPO}/actions/runs/9002",
                  status="in_progress")  # fmt: skip
    ssh.jobs = jobs("cp312-manylinux_aarch64", "ubuntu-latest", "failure", True)
    ssh.artifacts = [artifact(501, "cibw-debug-ssh-after-failure-attempt-1", 612)]
    ssh.connections["after-failure"] = parse_connection({
        "format": 1, "status": "open", "stage": "after-failure",
        "ssh": "ssh kq3Yb7TmZ8wR2pXn5Vd9Lc4Hs@fra1.tmate.io",
        "opened_at": iso(4.8), "expires_at": iso(4.8 - 30), "timeout_minutes": 30,
        "continue_command": 'touch "/home/runner/work/example/example/continue"',
        "docker_exec": "docker start cibuildwheel-5b7c0e91 >/dev/null && "
                       "docker exec -it cibuildwheel-5b7c0e91 bash",
        "claude": "claude  # Claude Code, with the repository's ANTHROPIC_API_KEY",
    })  # fmt: skip

    failed = Session("fail1", SessionSpec(REPO, "macos-15-intel", "cp313", "x86_64", "disabled"),
                     "https://api.github.com", created_at=base - 13 * 60, run_id=9003,
                     html_url=f"https://github.com/{REPO}/actions/runs/9003",
                     status="completed", conclusion="failure",
                     ended_at=base - 3.9 * 60)  # fmt: skip
    failed.jobs = jobs("cp313-macosx_x86_64", "macos-15-intel", "failure", False)
    failed.artifacts = [artifact(502, "cibw-debug-logs-cp313-macosx_x86_64-attempt-1", 48_213)]
    log = (DATA / "build-logs" / "09-delocate-libdb2-not-found.log").read_text()
    failed.failure = explain_text(log)
    failed.failure_log = tmp_path / "failed.log"
    failed.failure_log.write_text(log)

    done = Session("ok1", SessionSpec(REPO, "ubuntu-24.04-arm", "cp314t", "aarch64", "disabled"),
                   "https://api.github.com", created_at=base - 14 * 60, run_id=9004,
                   html_url=f"https://github.com/{REPO}/actions/runs/9004",
                   status="completed", conclusion="success",
                   ended_at=base - 3.9 * 60)  # fmt: skip
    done.jobs = jobs("cp314t-manylinux_aarch64", "ubuntu-24.04-arm", "success", False)
    done.artifacts = [
        artifact(503, "cibw-debug-logs-cp314t-manylinux_aarch64-attempt-1", 51_002),
        artifact(504, "cibw-debug-wheels-cp314t-manylinux_aarch64-attempt-1", 2_097_664),
    ]
    return [running, ssh, failed, done]


async def simulated_main_build(github: GitHub, repo: str, ref: str) -> BuildFiles:
    """The "Build wheels" workflow and pyproject.toml the simulator serves, without a request."""
    from importlib.resources import files

    data = files("cibw_debug_tui.simulator") / "data"
    workflow = {".github/workflows/wheels.yml": (data / "build-wheels.yml").read_text()}

    async def pyproject(folder: str) -> str | None:
        return (data / "pyproject.toml").read_text() if folder == "." else None

    return BuildFiles(f"{repo} at {ref}", workflow, [], pyproject)


def fixture_app(tmp_path: Path, sessions: list[Session], selected: str | None = None) -> DebugApp:
    """The real app, not watching anything, at a fixed moment."""
    history = History(tmp_path / "history.yaml", persist=False)
    history.sessions = list(sessions)
    github = GitHub("https://api.github.com", Token("ghp_fixture", "fixture"))
    github.rate.limit, github.rate.remaining = 5000, 4812
    github.rate.reset = None  # "resets in N min" would depend on the real clock
    backend = Backend(
        github=github,
        history=history,
        repo=REPO,
        where="api.github.com",
        download_dir=tmp_path / "downloads",
        log_dir=tmp_path / "logs",
        now=NOW.timestamp,
        read_main_build=simulated_main_build,
    )
    app = DebugApp(backend, follow_runs=False)
    app.selected = selected
    return app
