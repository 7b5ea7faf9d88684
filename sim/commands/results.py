"""``streetsim results``: query the results store with DuckDB SQL, list experiments,
verify the stored runs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from sim.params.errors import InputError

MAX_SQL = 100_000
READ_ONLY = ("a read-only query of the tables runs, indicators, daily, flows, departments "
             "(no COPY, ATTACH, EXPORT, INSTALL or file functions)")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``results`` subcommand (``query``, ``list`` and ``verify``)."""
    p = sub.add_parser("results", help="query, list or verify the results store (DuckDB SQL over Parquet)")
    actions = p.add_subparsers(dest="action", required=True)
    q = actions.add_parser("query", help="read-only SQL over the tables runs, indicators, daily, flows, "
                                         "departments (no file access)")
    q.add_argument("sql", help='e.g. "SELECT scenario, avg(value) FROM indicators GROUP BY scenario"')
    q.add_argument("--results", type=Path, default=Path("results"),
                   help="store root or one experiment folder")
    q.add_argument("--csv", type=Path, default=None, help="also write the answer to this CSV file")
    q.set_defaults(func=main)
    ls = actions.add_parser("list", help="experiments in the store with ok/failed/damaged run counts")
    ls.add_argument("--results", type=Path, default=Path("results"), help="store root")
    ls.set_defaults(func=main)
    v = actions.add_parser("verify", help="list damaged or missing runs (exit 1 if any)")
    v.add_argument("results", type=Path, nargs="?", default=Path("results"),
                   help="store root or one experiment folder (default results/)")
    v.add_argument("--quick", action="store_true", help="read file footers only, not every row")
    v.set_defaults(func=main_verify)


def _check_results(path: Path) -> None:
    if not path.exists():
        raise InputError(None, "--results", str(path), "an existing results folder")
    if not path.is_dir():
        raise InputError(None, "--results", str(path), "a results folder (this is a file)")


def main(args: argparse.Namespace) -> int:
    """Print the answer (and write it as CSV when asked)."""
    from sim.experiment.store import experiments, query

    _check_results(args.results)
    if args.action == "list":
        frame = experiments(args.results)
    else:
        import duckdb

        sql = args.sql
        if not sql.strip() or len(sql) > MAX_SQL:
            raise InputError(None, "sql", sql, f"one SQL query (not empty, at most {MAX_SQL} characters)")
        if args.csv is not None:
            from sim.io import check_out_file

            check_out_file(args.csv, "--csv")
        try:
            frame = query(args.results, sql, notify=lambda m: print(f"streetsim: {m}", file=sys.stderr))
        except FileNotFoundError as exc:
            raise InputError(None, "--results", str(args.results),
                             f"a folder with stored runs ({exc})") from None
        except duckdb.PermissionException:
            raise InputError(None, "sql", sql, READ_ONLY) from None
        except duckdb.Error as exc:
            raise InputError(None, "sql", sql, f"valid SQL ({str(exc).splitlines()[0]})") from None
        if frame is None:
            frame = pd.DataFrame()
        if args.csv is not None:
            from sim.io import write_atomic

            write_atomic(args.csv, lambda tmp: frame.to_csv(tmp, index=False))
    with pd.option_context("display.width", 200, "display.max_rows", 200, "display.max_columns", 30):
        print(frame.to_string(index=False))
    return 0


def main_verify(args: argparse.Namespace) -> int:
    """Print every damaged or missing run and stray file; exit 1 when there is one."""
    from sim.experiment.store import experiment_folders, verify

    _check_results(args.results)
    if not experiment_folders(args.results):
        raise InputError(None, "results", str(args.results), "a folder with stored runs (runs/)")
    report = verify(args.results, deep=not args.quick)
    bad = report[report["state"].isin(["damaged", "stray"])]
    runs = report.drop_duplicates(["experiment", "run_id"])
    counts = runs["state"].value_counts()
    print(f"{args.results}: {int(counts.get('ok', 0))} runs ok, {int(counts.get('failed', 0))} failed, "
          f"{int(counts.get('damaged', 0))} damaged, {int(counts.get('stray', 0))} stray files")
    if len(bad):
        with pd.option_context("display.width", 250, "display.max_rows", 500, "display.max_colwidth", 90):
            print(bad[["experiment", "run_id", "state", "problem", "file"]].to_string(index=False))
        print("run the same sweep/compare/sensitivity command again to move these aside and rerun them")
        return 1
    return 0
