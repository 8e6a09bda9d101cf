"""Many combinations at once from the command line (issue 19, part 3): one session each through
one fleet, told as a group, refused past twenty."""

import json

import httpx
from test_commands import run, served  # noqa: F401  (the fixture, used by name)


def test_a_range_of_cpythons_is_one_session_each_and_a_tally(served, tmp_path):  # noqa: F811
    httpx.post(f"{served}/_sim/scenario", json={"scenario": "demo"}).raise_for_status()
    proc = run(tmp_path, "dispatch", "--repo", "octo/pkg", "--runner", "macos-15", "--python",
               "cp312-cp315", "--arch", "arm64", "--debug-mode", "disabled", "--watch", "--json",
               "--api-url", served, "--log-dir", str(tmp_path / "logs"))  # fmt: skip
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    dispatched = [e["identifier"] for e in events if e["event"] == "dispatched"]
    assert dispatched == [f"{p}-macosx_arm64" for p in ("cp312", "cp313", "cp314", "cp314t",
                                                         "cp315")]  # fmt: skip
    group = events[-1]
    assert group["event"] == "group" and group["name"] == "cp312-cp315 on macos-15"
    assert group["tally"] == "5 sessions: 4 ✓ 1 ✗"  # the demo fails pre-releases
    assert proc.returncode == 1  # not every build passed
    runs = httpx.get(f"{served}/repos/octo/pkg/actions/workflows/cibuildwheel-debug.yml/runs",
                     headers={"Authorization": "Bearer ghp_x"}).json()  # fmt: skip
    assert runs["total_count"] == 5


def test_arches_the_runner_cannot_build_are_left_out_and_too_many_refused(served, tmp_path):  # noqa: F811
    proc = run(tmp_path, "dispatch", "--repo", "octo/pkg", "--runner", "windows-11-arm",
               "--python", "cp313,cp314", "--arch", "ARM64,AMD64", "--api-url", served)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count("left out: cp31") == 2 and "ARM64 wheels only" in proc.stderr
    assert "cp313-cp314 on windows-11-arm, 2 sessions: 2 running" in proc.stdout
    many = run(tmp_path, "dispatch", "--repo", "octo/pkg", "--runner", "ubuntu-latest",
               "--python", "cp39-cp315t", "--arch", "x86_64,i686,aarch64",
               "--api-url", served)  # fmt: skip
    assert many.returncode == 2
    assert "27 sessions in one go is too many (at most 20)" in many.stderr
    assert httpx.get(f"{served}/_sim/stats").json()["runs"] == 2
