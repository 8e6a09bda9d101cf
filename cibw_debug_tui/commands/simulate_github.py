"""`cibw-debug-tui simulate-github`: serve the simulated GitHub on 127.0.0.1 until Ctrl+C."""

from __future__ import annotations

import argparse
import signal
import sys

from cibw_debug_tui.commands import CommandError
from cibw_debug_tui.core.workflow_contract import DEFAULT_DEBUG_MODE


def run(args: argparse.Namespace) -> int:
    from cibw_debug_tui.simulator.server import Simulator

    if args.speed <= 0:
        raise CommandError("--speed must be above 0")
    try:
        sim = Simulator(port=args.port, speed=args.speed, scenario=args.scenario, ghes=args.ghes)
    except OSError as error:
        raise CommandError(f"cannot listen on 127.0.0.1:{args.port}: {error.strerror}") from None
    except ValueError as error:
        raise CommandError(str(error)) from None
    kind = "GitHub Enterprise Server 3.17-3.19" if args.ghes else "api.github.com"
    print(
        f"Simulating {kind} at {sim.api_url} (speed x{args.speed:g}, scenario {args.scenario}).\n"
        f"Any token works, e.g.: GH_TOKEN=sim cibw-debug-tui dispatch --api-url {sim.api_url} "
        "--repo octo/pkg --runner ubuntu-latest --python cp312 --arch x86_64 "
        f"--debug-mode {DEFAULT_DEBUG_MODE} --watch\n"
        "Press Ctrl+C to stop.",
        flush=True,
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        sim.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sim.close()
    return 0
