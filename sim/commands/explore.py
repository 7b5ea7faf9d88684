"""``streetsim explore``: serve the live explorer (Mesa's SolaraViz on solara)."""

from __future__ import annotations

import argparse
import os
import sys


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``explore`` subcommand."""
    p = sub.add_parser("explore", help="serve the live explorer in the browser (Mesa SolaraViz)")
    p.add_argument("--host", default="localhost", help="address to listen on (default localhost)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Run ``solara run sim.explore.app`` until interrupted."""
    from sim.params.errors import InputError

    if not 1 <= args.port <= 65535:
        raise InputError(None, "--port", args.port, "a port number in [1, 65535]")
    try:
        import solara  # noqa: F401
    except ImportError:
        raise InputError(None, "explore", "solara", "solara installed: pip install -e '.[explore]'") from None
    print(f"streetsim explore: serving http://{args.host}:{args.port}/ (Ctrl+C stops)", flush=True)
    cmd = [sys.executable, "-m", "solara", "run", "sim.explore.app", "--host", args.host,
           "--port", str(args.port), "--production", "--no-open"]
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    sys.stdout.flush()
    # become the server, so that stopping this process (Ctrl+C, kill PID) stops it
    os.execve(sys.executable, cmd, env)
    return 0  # not reached
