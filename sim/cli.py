"""The ``streetsim`` command line. Every command is a thin layer over a documented
Python function (see each command module under ``sim/commands``).

One error boundary (:func:`main`) turns every failure into one line on stderr:

* a user error (:class:`InputError`, a bad option): file, field, value and what is
  allowed; exit status 2;
* an environment error (:class:`OSError`: permissions, a full disk, a missing
  browser): the path and the cause; exit status 1;
* anything unexpected: one line and the path of a log file holding the traceback
  (``--debug`` prints the traceback instead); exit status 1.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

from sim.params.errors import InputError

COMMANDS = {
    "run": "run one replication of a scenario",
    "calibrate": "check (or fit) the calibration against brief §7",
    "compare": "compare the reform paths with the baseline (paired, 95%% CI)",
    "sweep": "run an experiment file (parameter sweep) into the results store",
    "sensitivity": "global sensitivity analysis of the assumption parameters",
    "results": "query, list or verify the results store (DuckDB SQL over Parquet)",
    "report": "write the comparison report (one self-contained HTML file)",
    "scenarios": "list, show or diff scenarios",
    "validate": "extreme conditions, reachable range and micro-evidence checks",
    "seek": "find the lever setting that meets a target in a share of replications",
    "chart": "one PNG/SVG chart of chosen indicators and scenarios, with targets",
    "discover": "scenario discovery (PRIM): where a reform path fails",
    "city": "run every district of a city file (process pool or Dask)",
    "explore": "serve the live explorer in the browser (Mesa SolaraViz)",
}
"""Subcommands and their one-line help. A command's module (``sim.commands.NAME``, which
registers the same help text: ``tests/test_cli_run.py``) is imported only when that
command runs, so that ``streetsim --help`` starts without numpy, pandas or mesa."""
COMMAND_MODULES = tuple(COMMANDS)
EXIT_USER, EXIT_ENV = 2, 1


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (the usage goes to ``--help``)."""

    def error(self, message: str) -> None:  # noqa: D102 - argparse hook
        message = " ".join(message.split())
        self.exit(EXIT_USER, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser(only: str | None = "*") -> argparse.ArgumentParser:
    """The argument parser.

    Args:
        only: the subcommand whose module is imported and fully registered; every other
            one is listed with its help line only. ``"*"`` registers every subcommand,
            ``None`` none.
    """
    import importlib

    parser = Parser(prog="streetsim", description=__doc__.splitlines()[0])
    parser.add_argument("--debug", action="store_true", help="print the traceback of an unexpected error")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in COMMANDS.items():
        if only in ("*", name):
            importlib.import_module(f"sim.commands.{name}").register(sub)
        else:
            sub.add_parser(name, help=text)
    return parser


def requested_command(argv: list[str]) -> str | None:
    """The subcommand named on a command line (the first word that is not an option)."""
    for word in argv:
        if not word.startswith("-"):
            return word if word in COMMANDS else None
    return None


def main(argv: list[str] | None = None) -> int:
    """Entry point: parse, validate, run; every failure ends in one line and an exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(only=requested_command(argv))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a bad option (one line already printed)
        return exc.code if isinstance(exc.code, int) else EXIT_USER
    try:
        return int(args.func(args) or 0)
    except InputError as exc:
        _say(str(exc))
        return EXIT_USER
    except KeyboardInterrupt:
        _say("interrupted (stored runs are kept; run the command again to resume)")
        return 130
    except OSError as exc:
        _say(environment_message(exc))
        return EXIT_ENV
    except Exception as exc:  # the boundary: anything else is a bug, logged in full
        if args.debug:
            traceback.print_exc()
            return EXIT_ENV
        log = write_crash_log(exc)
        _say(f"unexpected {type(exc).__name__}: {_one_line(str(exc))} (traceback in {log}; "
             "rerun with --debug to print it)")
        return EXIT_ENV


def environment_message(exc: OSError) -> str:
    """One line for an operating-system error: the path and the cause."""
    path = exc.filename if exc.filename is not None else ""
    cause = exc.strerror or _one_line(str(exc)) or type(exc).__name__
    if exc.filename2 is not None:
        path = f"{path} -> {exc.filename2}"
    return f"{path}: {cause}" if path else cause


def write_crash_log(exc: BaseException) -> Path:
    """Write the traceback to a new file in the temporary folder and return its path."""
    text = "".join(traceback.format_exception(exc))
    fd, name = tempfile.mkstemp(prefix=f"streetsim-crash-{time.strftime('%Y%m%d-%H%M%S')}-", suffix=".log")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(f"streetsim {' '.join(sys.argv[1:])}\n{text}")
    return Path(name)


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]


def _say(text: str) -> None:
    print(f"streetsim: error: {' '.join(text.split())}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
