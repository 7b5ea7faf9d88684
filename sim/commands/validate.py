"""``streetsim validate``: the validation suite of :mod:`sim.validation` (extreme
conditions, reachable range of the outcomes, micro-evidence), each check with its
verdict; exit 0 only when every check holds."""

from __future__ import annotations

import argparse

import pandas as pd

from sim.commands import options
from sim.params.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``validate`` subcommand."""
    p = sub.add_parser("validate", help="extreme conditions, reachable range and micro-evidence checks")
    p.add_argument("--reps", type=int, default=2,
                   help="replications per extreme scenario and micro test (default 2)")
    p.add_argument("--n", type=int, default=8, help="lever settings in the reachable-range LHS (default 8)")
    p.add_argument("--seed", type=options.seed, default=20240101, help="experiment seed")
    p.add_argument("--workers", type=options.count(), default=None, help="processes (default: all cores)")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Run the suite, print its three tables and the verdict; exit 1 if a check fails."""
    from sim.validation import validate

    if args.reps < 1:
        raise InputError(None, "--reps", args.reps, "at least 1 replication")
    if args.n < 2:
        raise InputError(None, "--n", args.n, "at least 2 lever settings")
    result = validate(reps=args.reps, n=args.n, seed=args.seed, workers=args.workers)
    verdict = {True: "pass", False: "FAIL"}
    with pd.option_context("display.width", 250, "display.max_colwidth", 110,
                           "display.float_format", "{:.3f}".format):
        print(f"validation: seed {args.seed}, {args.reps} replications per scenario and test, "
              f"{args.n} lever settings")
        print("\n1. Extreme conditions (scenarios/extremes/, last year of 2024-2030 unless stated)")
        ex = result.extremes.assign(verdict=result.extremes["pass"].map(verdict))
        print(ex[["scenario", "expectation", "model", "required", "verdict"]].to_string(index=False))
        year = result.ranges["year"].iloc[0] if len(result.ranges) else ""
        print(f"\n2. Reachable range of the outcome indicators, {year}: LHS over every lever "
              "between off and fully in place")
        rg = result.ranges.assign(verdict=result.ranges["pass"].map({True: "moves", False: "FAIL"}))
        print(rg[["indicator", "unit", "min", "median", "max", "target", "target_reached", "verdict"]]
              .to_string(index=False))
        print("\n3. Micro-evidence and validation patterns (docs/sources.md keys)")
        mi = result.micro.assign(verdict=result.micro["pass"].map(verdict))
        for r in mi.to_dict("records"):
            print(f"  [{r['verdict']}] {r['test']} ({r['source']}): {r['evidence']}\n"
                  f"         model: {r['model']}; required: {r['required']}")
    failures = result.failures
    n = len(result.extremes) + len(result.ranges) + len(result.micro)
    tail = "" if not failures else ": failing " + "; ".join(failures)
    print(f"\n{n - len(failures)} of {n} checks hold{tail}")
    return 0 if result.passed else 1
