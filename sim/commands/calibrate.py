"""``streetsim calibrate --check SCENARIO``: the baseline against brief §7."""

from __future__ import annotations

import argparse

import pandas as pd

from sim.calibration import check
from sim.params.errors import InputError
from sim.params.loader import load_scenario


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``calibrate`` subcommand."""
    p = sub.add_parser("calibrate", help="check (or fit) the calibration against brief §7")
    p.add_argument("scenario", help="scenario name or .toml file")
    p.add_argument("--check", action="store_true", help="check the patterns (exit 1 if any fails)")
    p.add_argument("--reps", type=int, default=20, help="replications (at least 20 for a check)")
    p.add_argument("--seed", type=int, default=20240101, help="experiment seed")
    p.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Run the check and print the table; exit status 1 if any pattern fails."""
    if args.reps < 2:
        raise InputError(None, "--reps", args.reps, "at least 2 replications")
    scenario = load_scenario(args.scenario)
    table = check(scenario, reps=args.reps, seed=args.seed, workers=args.workers)
    show = table[["pattern", "target", "tolerance", "mean", "ci_low", "ci_high", "pass"]].copy()
    show["pass"] = show["pass"].map({True: "pass", False: "FAIL"})
    with pd.option_context("display.width", 200, "display.max_colwidth", 48,
                           "display.float_format", "{:.3f}".format):
        print(f"calibration check: {scenario.name}, {args.reps} replications, seed {args.seed}")
        print(show.to_string(index=False))
    failed = int((~table["pass"]).sum())
    print(f"{len(table) - failed} passed, {failed} failed")
    return 1 if failed else 0
