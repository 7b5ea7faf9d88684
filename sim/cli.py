"""The ``streetsim`` command line. Every command is a thin layer over a documented
Python function (see each command module under ``sim/commands``)."""

from __future__ import annotations

import argparse
import sys

from sim.params.errors import InputError

COMMAND_MODULES = ("run", "calibrate", "compare", "sweep", "sensitivity", "results", "report", "scenarios",
                   "discover", "city", "explore")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    import importlib

    parser = argparse.ArgumentParser(prog="streetsim", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f"sim.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point: parse, validate, run. Bad input exits with status 2 and one line."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except InputError as exc:
        print(f"streetsim: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
