"""``streetsim results``: query the results store with DuckDB SQL, list experiments."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``results`` subcommand (``query`` and ``list``)."""
    p = sub.add_parser("results", help="query the results store (DuckDB SQL over Parquet)")
    actions = p.add_subparsers(dest="action", required=True)
    q = actions.add_parser("query", help="run SQL over the views runs, indicators, daily, flows, departments")
    q.add_argument("sql", help='e.g. "SELECT scenario, avg(value) FROM indicators GROUP BY scenario"')
    q.add_argument("--results", type=Path, default=Path("results"),
                   help="store root or one experiment folder")
    q.add_argument("--csv", type=Path, default=None, help="also write the answer to this CSV file")
    q.set_defaults(func=main)
    ls = actions.add_parser("list", help="experiments in the store with ok/failed run counts")
    ls.add_argument("--results", type=Path, default=Path("results"), help="store root")
    ls.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Print the answer (and write it as CSV when asked)."""
    from sim.experiment.store import experiments, query
    from sim.params.errors import InputError

    if not args.results.exists():
        raise InputError(None, "--results", str(args.results), "an existing results folder")
    if args.action == "list":
        frame = experiments(args.results)
    else:
        import duckdb

        try:
            frame = query(args.results, args.sql)
        except FileNotFoundError as exc:
            raise InputError(None, "--results", str(args.results),
                             f"a folder with stored runs ({exc})") from None
        except duckdb.Error as exc:
            raise InputError(None, "sql", args.sql, f"valid SQL ({str(exc).splitlines()[0]})") from None
        if args.csv is not None:
            frame.to_csv(args.csv, index=False)
    with pd.option_context("display.width", 200, "display.max_rows", 200, "display.max_columns", 30):
        print(frame.to_string(index=False))
    return 0
