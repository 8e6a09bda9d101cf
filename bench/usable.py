"""Time to a usable screen (issue 17): from launch until what a person waits for is painted,
next to a bare Textual app (header, label, footer), launched alternately on a pseudo-terminal.

    python bench/usable.py [ROUNDS]       # 9 rounds by default; about a minute

Three cases, each timed to its content, not to the first frame:
- form: a new user (no config, no history) in a folder that is not a checkout, with GitHub
  unreachable (`--api-url` names a closed port) and no token: the dispatch form with its
  runners and the build it would dispatch;
- history: the same, with 30 finished sessions in the history file, until the rows of the
  newest are painted;
- demo: `--demo`, until its three sessions' rows are painted.

Medians, their spread and the ratio to the bare app's median are printed, with the load
average (the machine is shared: read the figures next to it).

Python's bytecode is cached (in a temporary PYTHONPYCACHEPREFIX) and one round is run first,
not counted: pip compiles an installed package's modules, so a user never waits for that, and
PYTHONDONTWRITEBYTECODE, set in some shells, would make every launch compile this package's
source (about 20 ms here) but not Textual's, compiled when it was installed.
"""

from __future__ import annotations

import os
import pty
import select
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMAND = str(Path(sys.executable).parent / "cibw-debug-tui")
TARGET = 1.3
FORM_MARKERS = (b"ubuntu-latest", b"cp312-manylinux_x86_64", b"Dispatch")
DEMO_MARKERS = (b"cp311-win_amd64", b"cp313-macosx_universal2", b"cp312-manylinux_aarch64")
HISTORY_MARKERS = (b"cp314-manylinux_aarch64", b"ubuntu-24.04-arm")


def write_history(path: Path, count: int = 30) -> None:
    """`count` finished sessions, the newest building cp314 on ubuntu-24.04-arm."""
    from cibw_debug_tui.core.history import History
    from cibw_debug_tui.core.session import Session, SessionSpec

    history = History(path)
    pythons = ("cp39", "cp310", "cp311", "cp312", "cp313", "cp314")
    for i in range(count):
        spec = SessionSpec("octo/pkg", "ubuntu-24.04-arm", pythons[i % 6], "aarch64")
        history.sessions.insert(0, Session(f"s{i:03d}", spec, "https://api.github.com",
                                           created_at=1.8e9 + i * 60, run_id=i + 1,
                                           status="completed", conclusion="success"))  # fmt: skip
    history.save()


def painted(
    argv: list[str],
    markers: tuple[bytes, ...],
    env: dict[str, str],
    cwd: str,
    timeout: float = 30.0,
) -> float:
    """Seconds from launch until every marker has been written to the terminal."""
    env = {**env, "TERM": "xterm-256color", "COLUMNS": "160", "LINES": "48"}
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(cwd)
        os.execvpe(argv[0], argv, env)
    seen = b""
    try:
        while not all(marker in seen for marker in markers):
            ready, _, _ = select.select([fd], [], [], timeout)
            if not ready:
                missing = [m for m in markers if m not in seen]
                raise TimeoutError(f"{argv} did not paint {missing} in {timeout}s")
            try:
                seen += os.read(fd, 65536)
            except OSError:
                raise RuntimeError(f"{argv} ended before painting {markers}") from None
        return time.perf_counter() - start
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        os.close(fd)


def closed_port() -> int:
    """A loopback port nobody listens on: GitHub, unreachable."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def new_user_env(home: Path, pycache: Path) -> dict[str, str]:
    """No config, no history, no token: a person who just installed the tool."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GH_", "GITHUB_", "CIBW_DEBUG_TUI", "XDG_", "TEXTUAL"))
        and k != "PYTHONDONTWRITEBYTECODE"
    }
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local/share"),
        XDG_CACHE_HOME=str(home / ".cache"),
    )
    return env


def summary(name: str, times: list[float]) -> str:
    return (
        f"{name}: median {statistics.median(times) * 1000:.0f} ms "
        f"(spread {min(times) * 1000:.0f}-{max(times) * 1000:.0f}, {len(times)} runs)"
    )


def measure(rounds: int) -> dict[str, list[float]]:
    bare_app = [sys.executable, str(ROOT / "bench" / "bare_app.py")]
    times: dict[str, list[float]] = {"bare": [], "form": [], "history": [], "demo": []}
    with tempfile.TemporaryDirectory() as folder:
        home, work = Path(folder) / "home", Path(folder) / "not-a-checkout"
        home.mkdir()
        work.mkdir()
        env = new_user_env(home, Path(folder) / "pycache")
        form = [COMMAND, "--api-url", f"http://127.0.0.1:{closed_port()}"]
        history = Path(folder) / "history.yaml"
        write_history(history)
        cases = {
            "bare": (bare_app, (b"Sessions",), env),
            "form": (form, FORM_MARKERS, env),
            "history": (form, HISTORY_MARKERS, {**env, "CIBW_DEBUG_TUI_HISTORY": str(history)}),
            "demo": ([COMMAND, "--demo"], DEMO_MARKERS, env),
        }
        for argv, markers, case_env in cases.values():  # bytecode written, files cached
            painted(argv, markers, case_env, str(work))
        for _ in range(rounds):  # alternated, so all of them see the same machine
            for case, (argv, markers, case_env) in cases.items():
                times[case].append(painted(argv, markers, case_env, str(work)))
    return times


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    before = os.getloadavg()[0]
    times = measure(rounds)
    after = os.getloadavg()[0]
    bare = statistics.median(times["bare"])
    print(f"machine: {os.cpu_count()} cores, load average {before:.2f} before, {after:.2f} after")
    print(summary("bare Textual app, its label", times["bare"]))
    worst = 0.0
    cases = (("form", "the form with its runners"), ("history", "the history's session rows"),
             ("demo", "--demo's session rows"))  # fmt: skip
    for case, words in cases:
        ratio = statistics.median(times[case]) / bare
        worst = max(worst, ratio)
        verdict = "ok" if ratio <= TARGET else "MISSES"
        print(
            f"{summary(words, times[case])}: {ratio:.2f}x the bare app "
            f"(target <= {TARGET}x) {verdict}"
        )
    return 0 if worst <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
