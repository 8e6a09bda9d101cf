"""Log text for simulated jobs: GitHub's log format, and real failures for failing builds.

The failure fragments are from public issue threads (sources beside each); which one a failing
build shows depends on its platform and build kind, as a real failure would.
"""

from __future__ import annotations

from datetime import datetime, timedelta

FAILURES = {
    # pypa/cibuildwheel#783
    "linux": """\
gcc -pthread -Wno-unused-result -Wsign-compare -DNDEBUG -g -fwrapv -O3 -Wall -fPIC -I/opt/python/cp312-cp312/include/python3.12 -c src/_cffi_backend.c -o build/temp.linux-x86_64-cpython-312/src/_cffi_backend.o
src/_cffi_backend.c:15:10: fatal error: ffi.h: No such file or directory
   15 | #include <ffi.h>
      |          ^~~~~~~
compilation terminated.
error: command '/usr/bin/gcc' failed with exit code 1""",
    # pypa/cibuildwheel#1406
    "macos": """\
+ delocate-wheel --require-archs arm64 -w /private/var/folders/6_/T/cibw-run/repaired_wheel -v /private/var/folders/6_/T/cibw-run/built_wheel/pkg-1.0-cp312-cp312-macosx_11_0_arm64.whl
Fixing: /private/var/folders/6_/T/cibw-run/built_wheel/pkg-1.0-cp312-cp312-macosx_11_0_arm64.whl
ERROR:delocate.libsana:
../lib/libdb2.dylib not found:
  Needed by: /private/var/folders/6_/T/tmphvcnw45x/wheel/clidriver/bin/db2drdat
ERROR:delocate.libsana:../lib/libdb2.dylib not found, requested by /private/var/folders/6_/T/tmphvcnw45x/wheel/clidriver/bin/db2drdat""",
    # scylladb/python-driver#429
    "windows": """\
  libevwrapper.obj : error LNK2001: unresolved external symbol _ev_io_stop
  libevwrapper.obj : error LNK2001: unresolved external symbol _ev_prepare_start
  libevwrapper.obj : error LNK2001: unresolved external symbol _ev_run
  build\\lib.win-amd64-cpython-312\\pkg\\libevwrapper.cp312-win_amd64.pyd : fatal error LNK1120: 3 unresolved externals""",
    # capstone-engine/capstone#2615
    "emulated": """\
  [ 22%] Building C object CMakeFiles/capstone.dir/arch/PowerPC/PPCDisassembler.c.o
  gmake[2]: *** [CMakeFiles/capstone.dir/arch/PowerPC/PPCMapping.c.o] Segmentation fault (core dumped)
  gmake[2]: *** Waiting for unfinished jobs....
  gmake: *** [all] Error 2
  ERROR Backend subprocess exited when trying to invoke build_wheel""",
}

BUILD_OUTPUT = """\
     _ _       _ _   _       _           _ _
 ___|_| |_ ___| | |_| |_ _ _|_|___ ___ _| | |
|  _| | . |  _| | . |  _| | | | -_| -_| . | |
|___|_|___|___|_|___|_| |___|_|___|___|___|_|

cibuildwheel version {version}

Build options:
  build_verbosity: 3
  build_selector: BuildSelector(build_config='{identifier}')

Building {identifier} wheel
Setting up build environment...
+ python -m pip install --upgrade pip build
Successfully installed build-1.3.0 pip-25.3
Building wheel...
+ python -m build . --wheel --outdir /tmp/cibuildwheel/built_wheel -vv
* Creating isolated environment: venv+pip...
* Installing packages in isolated environment:
  - setuptools>=77
* Getting build dependencies for wheel...
running egg_info
* Building wheel...
running build_ext
building 'pkg._ext' extension
gcc -Wall -Wextra -Werror=format-security -fPIC -c src/ext.c -o build/temp/src/ext.o
src/ext.c:120:9: warning: unused variable 'flags' [-Wunused-variable]
gcc -shared build/temp/src/ext.o -o build/lib/pkg/_ext.so"""

SUCCESS_TAIL = """\
Successfully built pkg-1.0-{identifier}.whl
Repairing wheel...
Testing wheel...
============================= test session starts ==============================
tests/test_ext.py::test_roundtrip PASSED                                 [100%]
============================== 1 passed in 0.21s ===============================
✓ {identifier} finished in 2 minutes"""


def failure_for(os: str, build: str) -> str:
    return FAILURES["emulated" if build == "emulated" else os]


def job_log(start: datetime, steps: list[tuple[str, list[str]]]) -> str:
    """A job log as GitHub serves it: a timestamp on every line, a group per step."""
    return "".join(step_logs(start, steps))


def step_logs(start: datetime, steps: list[tuple[str, list[str]]]) -> list[str]:
    """Each step's part of the job log, in order (a run's log archive has one file per step)."""
    parts: list[str] = []
    moment = start
    for name, body in steps:
        lines = []
        for text in (f"##[group]Run {name}", *body, "##[endgroup]"):
            stamp = moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"
            lines.append(f"{stamp} {text}\n")
            moment += timedelta(milliseconds=37)
        parts.append("".join(lines))
    return parts
