"""Run the bundled workflow's own shell steps locally, as the runner would.

A step's `run:` script is read from the YAML and run with `bash --noprofile --norc -eo pipefail`
(GitHub's `shell: bash`), with fake GITHUB_OUTPUT / GITHUB_ENV files and stand-in programs on
PATH for what only exists on a runner (tmate, gh, docker, cibuildwheel, apt-get, brew, pacman,
MSYS2's bash.exe and cygpath): each fake can also fail the way the real one does.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / "workflow" / "cibuildwheel-debug.yml"
GHES_WORKFLOW = ROOT / "workflow" / "cibuildwheel-debug-ghes.yml"  # generated from WORKFLOW
WORKFLOWS = (WORKFLOW, GHES_WORKFLOW)


def load_workflow(path: Path = WORKFLOW) -> dict:
    # PyYAML reads the `on:` key as True; keep it readable.
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["on"] = data.pop(True)
    return data


def step(job: str, key: str, path: Path = WORKFLOW) -> dict:
    """A step of `job` by its id, or by its name when it has no id."""
    for s in load_workflow(path)["jobs"][job]["steps"]:
        if s.get("id") == key or s.get("name") == key:
            return s
    raise KeyError(f"no step {key!r} in job {job!r}")


@dataclass
class StepResult:
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    env_file: str

    @property
    def error_line(self) -> str | None:
        """The `error: ...` line the validation step prints for people."""
        for line in self.stderr.splitlines():
            if line.startswith("error: "):
                return line.removeprefix("error: ")
        return None


def parse_outputs(text: str) -> dict[str, str]:
    """Read a GITHUB_OUTPUT file: `key=value` lines and `key<<DELIM` heredocs."""
    outputs: dict[str, str] = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, i + 1)
            outputs[key] = "\n".join(lines[i + 1 : end])
            i = end + 1
            continue
        key, _, value = line.partition("=")
        outputs[key] = value
        i += 1
    return outputs


FAKE_TMATE = r"""#!/usr/bin/env bash
# Stand-in for tmate 2.4: records its arguments, answers like tmate.
printf '%s\n' "$*" >>"$FAKE_STATE/tmate.log"
sock="" ; args=()
while [ $# -gt 0 ]; do
  case "$1" in
    -S) sock=$2; shift 2 ;;
    -a) cp "$2" "$FAKE_STATE/tmate-authorized-keys"; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
case " ${args[*]} " in
  *" new-session "*)
    env >"$FAKE_STATE/session-env"
    readlink "/proc/$$/fd/1" >"$FAKE_STATE/session-stdout"
    printf '%s\n' "${args[@]}" >"$FAKE_STATE/session-args"
    # tmate#63: -d succeeds although the server is gone at once.
    if [ -z "${FAKE_TMATE_QUITS:-}" ]; then : >"$sock"; fi ;;
  " display -p #{tmate_ssh} ")
    [ -e "$sock" ] || { echo "no server running on $sock" >&2; exit 1; }
    # Never ready: tmate.io does not answer.
    if [ -z "${FAKE_TMATE_NEVER_READY:-}" ]; then echo "ssh FAKEtmateTOKEN123@nyc1.tmate.io"; fi ;;
  " kill-server ") rm -f "$sock"; echo killed >"$FAKE_STATE/killed" ;;
  *) echo "fake tmate: unexpected $*" >&2; exit 64 ;;
esac
"""

FAKE_GH = r"""#!/usr/bin/env bash
# Stand-in for `gh api --paginate URL --jq FILTER`, with GitHub's answers from FAKE_* variables,
# and for `gh api --method POST repos/R/check-runs --input FILE --jq .html_url`, which keeps
# the body it was given as check-run-N.json.
printf '%s\n' "$*" >>"$FAKE_STATE/gh.log"
env >"$FAKE_STATE/gh-env"
if [ -n "${FAKE_GH_FAIL:-}" ]; then echo "HTTP 502: Bad Gateway" >&2; exit 1; fi
if [ "$1 $2 $3" = "api --method POST" ]; then
  [[ $4 == repos/*/check-runs && "$5 $7 $8" == "--input --jq .html_url" ]] \
    || { echo "fake gh: unexpected $*" >&2; exit 64; }
  n=$(find "$FAKE_STATE" -name 'check-run-*.json' | wc -l)
  cp "$6" "$FAKE_STATE/check-run-$((n + 1)).json"
  echo "https://ghes.example/${4#repos/}/$((n + 1))"
  exit 0
fi
[ "$1 $2 $4" = "api --paginate --jq" ] || { echo "fake gh: unexpected $*" >&2; exit 64; }
case "$3" in
  "users/$ACTOR/keys") if [ -n "${FAKE_KEYS:-}" ]; then printf '%s\n' "$FAKE_KEYS"; fi ;;
  repos/*/actions/workflows/*/runs\?*) jq -r "$5" <<<"${FAKE_RUNS:-"{\"workflow_runs\": []}"}" ;;
  *) echo "fake gh: unexpected $*" >&2; exit 64 ;;
esac
"""

FAKE_DOCKER = r"""#!/usr/bin/env bash
# Stand-in for `docker ps -a --filter name=cibuildwheel --format ...`.
if [ -n "${FAKE_CONTAINER:-}" ]; then echo "$FAKE_CONTAINER"; fi
"""

# `python -m pip ...` and `python -m cibuildwheel ...` are faked; anything else is real Python.
FAKE_PYTHON = f"""#!/usr/bin/env bash
if [ "$1" = -m ] && [ "$2" = pip ]; then echo "fake pip $*"; exit 0; fi
if [ "$1" = -m ] && [ "$2" = cibuildwheel ]; then
  shift 2
  case "$1" in
    --version) echo "cibuildwheel 4.2.0 (fake)" ;;
    --print-build-identifiers)
      # On Windows cibuildwheel prints them with CRLF.
      printf "%s${{FAKE_IDENTIFIERS_CRLF:+\\r}}\\n" ${{FAKE_IDENTIFIERS-"$CIBW_BUILD"}} ;;
    *) echo "fake cibuildwheel building $CIBW_BUILD for $CIBW_ARCHS" \
         "at verbosity $CIBW_BUILD_VERBOSITY"
       if [ -n "${{FAKE_BUILD_FAIL:-}}" ]; then
         echo "src/ext.c:3:10: fatal error: ffi.h: No such file or directory"; exit 1
       fi ;;
  esac
  exit 0
fi
exec {sys.executable} "$@"
"""

# Package managers that "install" tmate by putting the fake one on PATH, or fail.
FAKE_INSTALLER = r"""#!/usr/bin/env bash
printf '%s %s|%s|%s\n' "${0##*/}" "$*" "${HOMEBREW_NO_AUTO_UPDATE-}" \
  "${HOMEBREW_NO_INSTALLED_DEPENDENTS_CHECK-}" >>"$FAKE_STATE/installs.log"
if [ -n "${FAKE_INSTALL_FAIL:-}" ]; then echo "E: Unable to locate package tmate" >&2; exit 100; fi
case " $* " in *" tmate "*) cp "$FAKE_PACKAGES/tmate" "$FAKE_BIN/tmate" ;; esac
"""

FAKE_SUDO = r"""#!/usr/bin/env bash
while [[ $1 == *=* ]]; do export "${1?}"; shift; done
exec "$@"
"""

# Windows only: Git Bash's cygpath, and MSYS2's bash.exe (which logs how it was started).
FAKE_CYGPATH = r"""#!/usr/bin/env bash
printf '%s\n' "$2"
"""

FAKE_MSYS2_BASH = r"""#!/usr/bin/env bash
printf '%s|%s|%s|%s\n' "${MSYS2_PATH_TYPE-}" "${CHERE_INVOKING-}" "${MSYSTEM-}" "$*" \
  >>"$FAKE_STATE/msys2-bash.log"
[ "$1" = -lc ] || exit 64
shift
exec bash -c "$@"
"""

FAKES = {
    "tmate": FAKE_TMATE,
    "gh": FAKE_GH,
    "docker": FAKE_DOCKER,
    "python": FAKE_PYTHON,
    "apt-get": FAKE_INSTALLER,
    "brew": FAKE_INSTALLER,
    "pacman": FAKE_INSTALLER,
    "sudo": FAKE_SUDO,
    "cygpath": FAKE_CYGPATH,
}


def _write_program(path: Path, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="utf-8")
    path.chmod(0o755)


def make_fake_bin(directory: Path, absent: tuple[str, ...] = ()) -> Path:
    """Stand-ins on PATH; those named in `absent` only in FAKE_PACKAGES, for an installer."""
    for name, body in FAKES.items():
        _write_program(directory / name, body)
        _write_program(directory.parent / "fake-packages" / name, body)
    for name in absent:
        (directory / name).unlink()
    return directory


def make_msys2(root: Path) -> Path:
    """A stand-in MSYS2 folder (for MSYS2_LOCATION) whose bash.exe runs the real bash."""
    _write_program(root / "usr" / "bin" / "bash.exe", FAKE_MSYS2_BASH)
    return root


def prepare_script(
    script: str,
    env: dict[str, str],
    tmp: Path,
    args: list[str] | None = None,
    absent: tuple[str, ...] = (),
) -> tuple[list[str], dict[str, str]]:
    """The command line and environment that run `script` as a runner's `shell: bash` would,
    with `tmp` as the workspace (for run_script, or a Popen that a test stops midway)."""
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "github_output").touch()
    (tmp / "github_env").touch()
    script_path = tmp / "step.sh"
    script_path.write_text(textwrap.dedent(script), encoding="utf-8")
    fake_bin = make_fake_bin(tmp / "fake-bin", absent)
    (tmp / "state").mkdir(exist_ok=True)
    (tmp / "runner-temp").mkdir(exist_ok=True)
    full_env = {
        "PATH": f"{fake_bin}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp),
        "LANG": "C.UTF-8",
        "GITHUB_OUTPUT": str(tmp / "github_output"),
        "GITHUB_ENV": str(tmp / "github_env"),
        "GITHUB_WORKSPACE": str(tmp),
        "RUNNER_TEMP": str(tmp / "runner-temp"),
        "RUNNER_OS": "Linux",
        "RUNNER_ARCH": "X64",
        "FAKE_STATE": str(tmp / "state"),
        "FAKE_BIN": str(fake_bin),
        "FAKE_PACKAGES": str(tmp / "fake-packages"),
        **env,
    }
    argv = ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_path), *(args or [])]
    return argv, full_env


def run_script(
    script: str,
    env: dict[str, str],
    tmp: Path,
    args: list[str] | None = None,
    timeout: float = 60,
    absent: tuple[str, ...] = (),
) -> StepResult:
    """Run a bash script the way a runner's `shell: bash` does, in `tmp` as the workspace."""
    argv, full_env = prepare_script(script, env, tmp, args, absent)
    proc = subprocess.run(
        argv,
        cwd=tmp,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return StepResult(
        proc.returncode,
        proc.stdout,
        proc.stderr,
        parse_outputs((tmp / "github_output").read_text(encoding="utf-8")),
        (tmp / "github_env").read_text(encoding="utf-8"),
    )


VALID_INPUTS = {
    "RUNNER_LABEL": "ubuntu-latest",
    "PYTHON_TAG": "cp312",
    "ARCH": "x86_64",
    "DEBUG_MODE": "after-failure",
    "SESSION_TIMEOUT": "30",
    "PACKAGE_DIR": ".",
    "EXTRA_SETTINGS": "",
    "SESSION_ID": "",
}


def run_validate(tmp: Path, **inputs: str) -> StepResult:
    """Run the validate job's check step with these inputs (the rest valid defaults)."""
    return run_script(step("validate", "check")["run"], {**VALID_INPUTS, **inputs}, tmp)
