"""`dispatch --watch --ssh` (issue 19, part 2): it connects when the SSH session opens, with
the checked command as an argument list; a fake `ssh` (and `tmux`) on PATH records what ran."""

import json
import sys
from pathlib import Path

import pytest
from test_commands import run, served, set_scenario  # noqa: F401  (the fixture, used by name)


def fakes(tmp_path: Path) -> tuple[str, Path]:
    """A PATH whose `ssh` and `tmux` append their arguments to ran.txt."""
    folder, record = tmp_path / "bin", tmp_path / "ran.txt"
    folder.mkdir()
    for name in ("ssh", "tmux"):
        (folder / name).write_text(f'#!/bin/sh\necho "{name} $@" >> {record}\n')
        (folder / name).chmod(0o755)
    return f"{folder}:{Path(sys.executable).parent}:/usr/bin:/bin", record


@pytest.mark.parametrize("in_tmux", [False, True])
def test_ssh_runs_the_sessions_command_when_it_opens(served, tmp_path, monkeypatch, in_tmux):  # noqa: F811
    set_scenario(served, "build-failure")
    path, record = fakes(tmp_path)
    extra = {"PATH": path, **({"TMUX": "/tmp/tmux-0/default,1,0"} if in_tmux else {})}
    monkeypatch.delenv("TMUX", raising=False)  # the tests themselves may run inside tmux
    proc = run(tmp_path, "dispatch", "--repo", "octo/pkg", "--runner", "ubuntu-latest",
               "--python", "cp312", "--arch", "x86_64", "--watch", "--ssh", "--json",
               "--api-url", served, "--log-dir", str(tmp_path / "logs"), **extra)  # fmt: skip
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    ssh = next(e for e in events if e["event"] == "ssh")
    token_at_host = ssh["ssh"].split(" ")[-1]
    ran = record.read_text().splitlines()
    if in_tmux:
        assert ran == [f"tmux new-window -n cibw cp312-manylinux_x86_64 -- "
                       f"{tmp_path / 'bin' / 'ssh'} {token_at_host}"]  # fmt: skip
    else:
        assert ran == [f"ssh {token_at_host}"]
        assert any(e["event"] == "ssh-run-ended" and e["returncode"] == 0 for e in events)
    assert [e["event"] for e in events].count("ssh-run") == 1  # once per session
    assert proc.returncode == 1  # the build failed, and the watch went on to the end


def test_ssh_needs_watch(tmp_path):
    proc = run(tmp_path, "dispatch", "--repo", "octo/pkg", "--runner", "ubuntu-latest",
               "--python", "cp312", "--arch", "x86_64", "--ssh")  # fmt: skip
    assert proc.returncode == 2 and "--ssh goes with --watch" in proc.stderr
