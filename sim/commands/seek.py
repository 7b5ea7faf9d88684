"""``streetsim seek PARAM --scenario S --target "IND<VALUE@YEAR" --share 0.8``: the threshold
search (:func:`sim.experiment.seek.seek`)."""

from __future__ import annotations

import argparse
import sys

from sim.commands import options
from sim.commands.sweep import parse_sets


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``seek`` subcommand."""
    p = sub.add_parser("seek", help="find the lever setting that meets a target in a share of replications")
    p.add_argument("param", help="levers.NAME.SETTING, stressors.NAME.SETTING or a numeric parameter")
    p.add_argument("--scenario", required=True, help="scenario name or file")
    p.add_argument("--target", required=True,
                   help='INDICATOR OP VALUE@YEAR, e.g. "out_of_list_share<0.20@2025"')
    p.add_argument("--share", type=float, default=0.8, help="share of replications meeting it (default 0.8)")
    p.add_argument("--reps", type=int, default=10, help="replications per probe (default 10)")
    p.add_argument("--range", nargs=2, type=float, metavar=("LO", "HI"), default=None,
                   help="range searched (default: the setting's bounds)")
    way = p.add_mutually_exclusive_group()
    way.add_argument("--max", dest="want", action="store_const", const="max",
                     help="the greatest setting meeting the target")
    way.add_argument("--min", dest="want", action="store_const", const="min",
                     help="the least setting meeting the target")
    p.add_argument("--tol", type=float, default=None,
                   help="stop when the bracket is this narrow (a ratio-1 on ranges spanning 100x)")
    p.add_argument("--max-probes", type=int, default=14, help="probes at most (default 14)")
    p.add_argument("--seed", type=options.seed, default=20240101, help="experiment seed")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="fix a parameter or lever setting at every probe (repeatable), e.g. "
                        "run.end_date=2025-12-31")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: all cores)")
    p.set_defaults(func=main, want="auto")


def main(args: argparse.Namespace) -> int:
    """Run the search and print the answer, its bracket, the runs it took and the probes."""
    import pandas as pd

    from sim.experiment.seek import seek

    lo, hi = args.range if args.range else (None, None)
    result = seek(args.param, args.scenario, args.target, args.share, args.reps, lo, hi, args.want, args.tol,
                  args.max_probes, args.seed, parse_sets(args.set), args.workers,
                  on_probe=lambda v, s: print(f"  probe {v:g}: {s:.0%} meet", file=sys.stderr, flush=True))
    print(result.text())
    with pd.option_context("display.width", 200, "display.float_format", "{:.4g}".format):
        print(result.probes.to_string(index=False))
    return 0
