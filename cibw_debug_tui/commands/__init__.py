"""The commands of `cibw-debug-tui`, one module per verb; cli.py parses the arguments and runs
`run(args)` of the verb's module, imported only then (`matrix` and `--help` stay fast).

They use the same core as the dashboard. Output is for people by default; `--json` prints JSON
for scripts. Exit codes: 0 success, 1 the run (or a check) failed, 2 a usage or configuration
problem (a one-line message, never a traceback), 3 explain-log found no cause.
"""

from __future__ import annotations


class CommandError(Exception):
    """A problem the user can fix: one line, exit 2."""
