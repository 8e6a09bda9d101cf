"""Command line entry point: `cibw-debug-tui [command] ...`.

Every failure a user can cause ends in one clear line on stderr and a non-zero exit, never a
traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from cibw_debug_tui import __version__


class UsageError(Exception):
    """A mistake the user can fix; printed as one line, exit 2."""


def build_parser() -> argparse.ArgumentParser:
    from cibw_debug_tui.core.workflow_contract import DEBUG_MODES, DEFAULT_DEBUG_MODE

    parser = argparse.ArgumentParser(
        prog="cibw-debug-tui",
        description="Dispatch, watch and SSH into cibuildwheel debug builds on GitHub Actions.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--demo", action="store_true", help="run the dashboard on a built-in simulated GitHub"
    )
    parser.add_argument("--repo", help="OWNER/NAME (default: this checkout's GitHub remote)")
    parser.add_argument("--api-url", help="API base URL (GHES: https://HOST/api/v3)")
    form = parser.add_argument_group("dispatch form prefill")
    form.add_argument("--runner", help="runner label, e.g. ubuntu-24.04-arm")
    form.add_argument("--python", help="CPython tag, e.g. cp313")
    form.add_argument("--arch", help="cibuildwheel arch, e.g. aarch64")
    form.add_argument("--debug-mode", choices=list(DEBUG_MODES))
    form.add_argument("--ref", help="branch or tag")
    commands = parser.add_subparsers(
        dest="command",
        metavar="COMMAND",
        title="commands",
        description="Without a command, cibw-debug-tui opens the dashboard.",
    )

    m = commands.add_parser(
        "matrix",
        help="show which (runner, CPython, arch) combinations cibuildwheel can build",
        description="Show the valid (runner, CPython, arch) combinations. With all of "
        "--runner, --python and --arch, check that one combination (exit 2 if refused).",
    )
    m.add_argument("--runner", help="a GitHub-hosted runner label, e.g. ubuntu-latest")
    m.add_argument("--python", help="a CPython tag, e.g. cp312 or cp314t")
    m.add_argument("--arch", help="a cibuildwheel architecture, e.g. x86_64, aarch64, ARM64")
    m.add_argument("--json", action="store_true", help="print JSON instead of a table")
    m.set_defaults(func=_run_command("matrix"))

    e = commands.add_parser(
        "explain-log",
        help="find the line that explains a failed cibuildwheel build log",
        description="Read a build log (a file, or - for standard input, e.g. from "
        "`gh run view --log-failed`) and print the kind of failure, the cause lines with "
        "their numbers, an excerpt and the usual fix. Exit 0 when a cause was found, 3 when not.",
    )
    e.add_argument("file", help="the log file, or - for standard input")
    e.add_argument("--json", action="store_true", help="print one JSON object")
    e.set_defaults(func=_run_command("explain_log"))

    from cibw_debug_tui.simulator import SCENARIOS

    d = commands.add_parser(
        "dispatch",
        help="dispatch the debug workflow, and optionally follow its run",
        description="Dispatch the debug workflow for one (runner, python, arch), or for the "
        "one a failed CI job was building (--from-run). The "
        "combination is checked before any request (exit 2 with the reason). Prints the "
        "settings sent, with where each comes from (see --settings-from), and the run URL; "
        "with --watch follows the run to its end, printing status changes and the SSH "
        "command, and exits 0 on success, 1 on failure or cancel.",
    )
    d.add_argument("--repo", help="OWNER/NAME (default: this checkout's GitHub remote)")
    d.add_argument("--ref", default="main", help="branch or tag to build (default: main)")
    d.add_argument("--runner", help="GitHub-hosted runner label")
    d.add_argument(
        "--python",
        help="CPython tag, e.g. cp312; several at once as a list (cp39,cp312) or a range "
        "(cp39-cp314): one session each, at most 20",
    )
    d.add_argument("--arch", help="cibuildwheel architecture, e.g. x86_64 (several: x86_64,i686)")
    d.add_argument(
        "--from-run",
        metavar="RUN",
        help="start from a failed CI run (its URL or number): the runner, CPython and arch of "
        "its failed cibuildwheel job, instead of --runner/--python/--arch",
    )
    d.add_argument("--job", help="with --from-run: the failed job (id or name; default: the first)")
    d.add_argument(
        "--debug-mode",
        default=DEFAULT_DEBUG_MODE,
        choices=list(DEBUG_MODES),
        help=f"when to open an SSH session (default: {DEFAULT_DEBUG_MODE})",
    )
    d.add_argument("--session-timeout", type=int, default=30, help="minutes, 1-60 (default 30)")
    d.add_argument(
        "--package-dir",
        help="package folder in the repository (default: the main build's, else .)",
    )
    d.add_argument(
        "--settings-from",
        default="auto",
        metavar="auto|PATH|none",
        help="where the CIBW_* settings come from: auto, the main wheel build's workflow in the "
        "repository at --ref (default); PATH, a local workflow file or folder; none, only "
        "--cibw-settings. pyproject.toml is read too, for display",
    )
    d.add_argument(
        "--cibw-settings",
        help='your own settings as JSON, over the inherited ones, e.g. \'{"CIBW_TEST_SKIP": "*"}\'',
    )
    d.add_argument(
        "--without",
        action="append",
        metavar="CIBW_NAME",
        help="do not send this inherited setting (repeatable)",
    )
    d.add_argument("--watch", action="store_true", help="follow the run to its end")
    d.add_argument(
        "--ssh",
        action="store_true",
        help="with --watch: connect to the SSH session when it opens (in a new tmux window "
        "inside tmux, else here; the watch goes on when ssh ends)",
    )
    d.add_argument("--json", action="store_true", help="print one JSON event per line")
    d.add_argument(
        "--log-dir",
        help="where to save the failed job's log (default: the platform's cache folder, "
        "e.g. ~/.cache/cibw-debug-tui/logs)",
    )
    d.add_argument("--api-url", help="API base URL (GHES: https://HOST/api/v3)")
    d.set_defaults(func=_run_command("dispatch"))

    doc = commands.add_parser(
        "doctor",
        help="check the token, repository, workflow, SSH keys and rate limit",
        description="Check everything a debug session needs; each failed check says how to fix it.",
    )
    doc.add_argument("--repo", help="OWNER/NAME (default: this checkout's GitHub remote)")
    doc.add_argument("--api-url", help="API base URL (GHES: https://HOST/api/v3)")
    doc.set_defaults(func=_run_command("doctor"))

    inst = commands.add_parser(
        "install-workflow",
        help="copy the bundled debug workflow into a checkout's .github/workflows/",
        description="Copy the bundled workflow into PATH/.github/workflows/: its GitHub "
        "Enterprise Server variant when the API URL is a GHES one (--variant chooses). A "
        "changed file there is never replaced without --force (and then kept as .bak).",
    )
    inst.add_argument("path", nargs="?", default=".", help="the checkout's root (default: .)")
    inst.add_argument("--force", action="store_true", help="replace a changed file, keeping a .bak")
    inst.add_argument(
        "--variant",
        choices=["auto", "github.com", "ghes"],
        default="auto",
        help="the workflow for github.com (SSH connections in artifacts) or for GHES (in check "
        "runs, uploads with upload-artifact v3); auto: by the API URL (default)",
    )
    inst.add_argument("--api-url", help="API base URL (GHES: https://HOST/api/v3)")
    inst.set_defaults(func=_run_command("install_workflow"))

    sim = commands.add_parser(
        "simulate-github",
        help="serve a GitHub-compatible simulator on 127.0.0.1 (for trying things out)",
        description="Serve a simulated GitHub API on 127.0.0.1, where any OWNER/REPO holds the "
        "debug workflow and dispatched runs play out on a scaled clock.",
    )
    sim.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks one)")
    sim.add_argument("--speed", type=float, default=1.0, help="clock speed (default 1)")
    sim.add_argument("--scenario", default="success", choices=SCENARIOS, help="how runs go")
    sim.add_argument(
        "--ghes",
        action="store_true",
        help="behave like GHES 3.17-3.19: /api/v3, no return_run_details, no upload-artifact "
        "v4, the GHES variant of the workflow (SSH connections in check runs)",
    )
    sim.set_defaults(func=_run_command("simulate_github"))
    return parser


def _run_dashboard(args: argparse.Namespace) -> int:
    """The Textual dashboard (imported only now, so the other commands start fast)."""
    from cibw_debug_tui.core.config import ConfigError, validate_repo
    from cibw_debug_tui.ui.factory import make_app

    if args.repo:
        try:
            validate_repo(args.repo)
        except ConfigError as error:
            raise UsageError(str(error)) from None
    prefill = {
        key: value
        for key, value in {
            "runner": args.runner,
            "python": args.python,
            "arch": args.arch,
            "debug_mode": args.debug_mode,
            "ref": args.ref,
        }.items()
        if value
    }
    app, cleanup = make_app(repo=args.repo, api_url=args.api_url, prefill=prefill, demo=args.demo)
    try:
        app.run()
    finally:
        cleanup()
    return app.return_code or 0


def _run_command(name: str) -> Callable[[argparse.Namespace], int]:
    """The verb's module (cibw_debug_tui/commands/NAME.py), imported only when it runs: `matrix`
    and `--help` stay fast."""

    def run(args: argparse.Namespace) -> int:
        import importlib

        from cibw_debug_tui.commands import CommandError

        command = importlib.import_module(f"cibw_debug_tui.commands.{name}")
        try:
            result: int = command.run(args)
        except CommandError as error:
            raise UsageError(str(error)) from None
        return result

    return run


def _safe(message: str) -> str:
    """An error's words, which may quote GitHub's, made safe for a terminal (imported only
    for an error: the dashboard's first frame needs none of the core)."""
    from cibw_debug_tui.core.safe_text import terminal_safe

    return terminal_safe(message, multiline=True)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        return _run_dashboard(args)
    try:
        return args.func(args)
    except UsageError as error:
        print(f"error: {_safe(str(error))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `cibw-debug-tui matrix | head`: the reader left; that's not an error.
        sys.stderr.close()
        return 0
    except Exception as error:  # a bug of ours: one line, and where to report it
        print(
            f"error: unexpected {type(error).__name__}: {_safe(str(error))}\n"
            "This is a bug in cibw-debug-tui; please report it with the command you ran.",
            file=sys.stderr,
        )
        return 70
