"""Run the bundled workflow's own shell steps locally, as the runner would.

A step's `run:` script is read from the YAML and run with `bash --noprofile --norc -eo pipefail`
(GitHub's `shell: bash`), with fake GITHUB_OUTPUT / GITHUB_ENV files and stand-in programs on
PATH for what only exists on a runner (tmate, gh, docker, cibuildwheel).
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


def load_workflow() -> dict:
    # PyYAML reads the `on:` key as True; keep it readable.
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    data["on"] = data.pop(True)
    return data


def step(job: str, key: str) -> dict:
    """A step of `job` by its id, or by its name when it has no id."""
    for s in load_workflow()["jobs"][job]["steps"]:
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
# Stand-in for tmate: records its arguments, answers like tmate 2.4.
log="$FAKE_STATE/tmate.log"
printf '%s\n' "$*" >>"$log"
sock="" ; args=()
while [ $# -gt 0 ]; do
  case "$1" in
    -S) sock=$2; shift 2 ;;
    -a) cp "$2" "$FAKE_STATE/tmate-authorized-keys"; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
case "${args[0]}" in
  new-session)
    : >"$sock"
    if [ -n "${ANTHROPIC_API_KEY+set}" ]; then echo set >"$FAKE_STATE/session-anthropic"; fi ;;
  wait) ;;
  display) echo "ssh FAKEtmateTOKEN123@nyc1.tmate.io" ;;
  has-session) [ -e "$sock" ] && [ ! -e "$FAKE_STATE/session-closed" ] ;;
  kill-server) rm -f "$sock"; echo killed >"$FAKE_STATE/killed" ;;
  *) echo "fake tmate: unexpected $*" >&2; exit 64 ;;
esac
"""

FAKE_GH = r"""#!/usr/bin/env bash
# Stand-in for `gh api users/NAME/keys --jq '.[].key'`.
printf '%s\n' "$*" >>"$FAKE_STATE/gh.log"
if [ -n "${FAKE_GH_FAIL:-}" ]; then echo "HTTP 502: Bad Gateway" >&2; exit 1; fi
[ "$1 $2" = "api users/$ACTOR/keys" ] || { echo "fake gh: unexpected $*" >&2; exit 64; }
if [ -n "${FAKE_KEYS:-}" ]; then printf '%s\n' "$FAKE_KEYS"; fi
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
    --print-build-identifiers) printf '%s\\n' ${{FAKE_IDENTIFIERS-"$CIBW_BUILD"}} ;;
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


def make_fake_bin(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, body in {
        "tmate": FAKE_TMATE,
        "gh": FAKE_GH,
        "docker": FAKE_DOCKER,
        "python": FAKE_PYTHON,
    }.items():
        path = directory / name
        path.write_text(body, encoding="utf-8")
        path.chmod(0o755)
    return directory


def run_script(
    script: str,
    env: dict[str, str],
    tmp: Path,
    args: list[str] | None = None,
    timeout: float = 60,
) -> StepResult:
    """Run a bash script the way a runner's `shell: bash` does, in `tmp` as the workspace."""
    tmp.mkdir(parents=True, exist_ok=True)
    output = tmp / "github_output"
    env_file = tmp / "github_env"
    output.touch()
    env_file.touch()
    script_path = tmp / "step.sh"
    script_path.write_text(textwrap.dedent(script), encoding="utf-8")
    fake_bin = make_fake_bin(tmp / "fake-bin")
    (tmp / "state").mkdir(exist_ok=True)
    (tmp / "runner-temp").mkdir(exist_ok=True)
    full_env = {
        "PATH": f"{fake_bin}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp),
        "LANG": "C.UTF-8",
        "GITHUB_OUTPUT": str(output),
        "GITHUB_ENV": str(env_file),
        "GITHUB_WORKSPACE": str(tmp),
        "RUNNER_TEMP": str(tmp / "runner-temp"),
        "RUNNER_OS": "Linux",
        "RUNNER_ARCH": "X64",
        "FAKE_STATE": str(tmp / "state"),
        **env,
    }
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_path), *(args or [])],
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
        parse_outputs(output.read_text(encoding="utf-8")),
        env_file.read_text(encoding="utf-8"),
    )


VALID_INPUTS = {
    "RUNNER_LABEL": "ubuntu-latest",
    "PYTHON_TAG": "cp312",
    "ARCH": "x86_64",
    "DEBUG_MODE": "after-failure",
    "SESSION_TIMEOUT": "30",
    "PACKAGE_DIR": ".",
    "EXTRA_SETTINGS": "",
}


def run_validate(tmp: Path, **inputs: str) -> StepResult:
    """Run the validate job's check step with these inputs (the rest valid defaults)."""
    return run_script(step("validate", "check")["run"], {**VALID_INPUTS, **inputs}, tmp)
