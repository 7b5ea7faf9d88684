"""``streetsim discover --path combined --n 200``: where does a reform path fail?

LHS over the uncertainties (assumption parameters and stressors), the path and the
baseline on the same seeds, PRIM boxes of the points where the path misses a target or
does worse than baseline (see :mod:`sim.discovery`). Prints and stores the boxes; the
report of the results directory shows them as "where this reform fails".
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.commands import options


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``discover`` subcommand."""
    p = sub.add_parser("discover", help="scenario discovery (PRIM): where a reform path fails")
    p.add_argument("--path", default="combined", help="reform-path scenario (default combined)")
    p.add_argument("--n", type=int, default=200, help="LHS points (default 200)")
    p.add_argument("--reps", type=int, default=1, help="replications per point (default 1)")
    p.add_argument("--seed", type=options.seed, default=None, help="root seed (default: the compare seed)")
    p.add_argument("--year", type=int, default=2027, help="year judged; runs end there (default 2027)")
    p.add_argument("--residents", type=int, default=10_000,
                   help="street population for speed (default 10000; 0: the scenario's)")
    p.add_argument("--indicators", nargs="+", default=None, help="indicators (default: all with targets)")
    p.add_argument("--cart", action="store_true", help="also fit CART and show its purest failing leaf")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default 2)")
    p.add_argument("--results", type=Path, default=Path("results"), help="results store (default results/)")
    p.add_argument("--top", type=int, default=10, help="boxes printed (default 10)")
    p.add_argument("--lang", choices=("en", "zh"), default="en")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Run the discovery, print the boxes, store them and write the report section."""
    from sim.discovery import box_text, discover, write_discovery
    from sim.experiment.compare import DEFAULT_SEED
    from sim.params.errors import InputError

    for name, value, lo in (("--n", args.n, 10), ("--reps", args.reps, 1), ("--year", args.year, 2024)):
        if value < lo:
            raise InputError(None, name, value, f"an integer >= {lo}")
    if args.workers is not None and args.workers < 1:
        raise InputError(None, "--workers", args.workers, "a positive integer")
    seed = DEFAULT_SEED if args.seed is None else args.seed
    print(f"discover {args.path}: {args.n} LHS points x {args.reps} replication(s), path and baseline, "
          f"judged in {args.year}" + (f" at {args.residents} residents" if args.residents else ""))
    d = discover(args.path, n=args.n, reps=args.reps, seed=seed, year=args.year,
                 residents=args.residents or None, indicators=args.indicators, workers=args.workers,
                 cart=args.cart)
    shares = d.failures.mean().unstack("failure")
    print(f"\nshare of points where {d.path} fails ({args.year}):")
    print(shares.map(lambda v: f"{v:.0%}").to_string())
    print(f"\n{len(d.boxes)} boxes (PRIM{', CART' if args.cart else ''}), by coverage:")
    for _, row in d.boxes.head(args.top).iterrows():
        print(" - " + box_text(row, args.lang))
    out = write_discovery(d, args.results)
    print(f"wrote {out}")
    return 0
