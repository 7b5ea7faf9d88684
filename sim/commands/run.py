"""``streetsim run SCENARIO --seed N --out DIR``: one replication, tables to Parquet."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from sim.indicators.definitions import INDICATOR_BY_KEY
from sim.io import write_run
from sim.params.loader import load_scenario
from sim.runner import run


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``run`` subcommand."""
    p = sub.add_parser("run", help="run one replication of a scenario")
    p.add_argument("scenario", help="scenario name or .toml file")
    p.add_argument("--seed", type=int, default=1, help="root seed of the replication")
    p.add_argument("--out", type=Path, default=None, help="directory for the Parquet tables")
    p.add_argument("--lang", choices=("en", "zh"), default="en", help="indicator names")
    p.set_defaults(func=main)


def yearly_table(yearly: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """Yearly indicators, one row per indicator, with names and targets."""
    t = yearly.T.copy()
    t.index.name = "indicator"
    name = [getattr(INDICATOR_BY_KEY[k], lang) for k in t.index]
    t.insert(0, "target", [INDICATOR_BY_KEY[k].target_text for k in t.index])
    t.insert(0, "name", name)
    return t


def main(args: argparse.Namespace) -> int:
    """Validate the scenario, run it, write the tables, print the yearly indicators."""
    if args.seed < 0:
        from sim.params.errors import InputError

        raise InputError(None, "--seed", args.seed, "a non-negative integer")
    scenario = load_scenario(args.scenario)
    result = run(scenario, seed=args.seed)
    with pd.option_context("display.width", 200, "display.max_rows", 200,
                           "display.max_columns", 20, "display.float_format", "{:.3f}".format):
        print(f"scenario {scenario.name}, seed {args.seed}")
        print(yearly_table(result.yearly, args.lang).to_string())
    if args.out is not None:
        paths = write_run(result, args.out)
        for kind, path in paths.items():
            print(f"wrote {kind}: {path}")
    return 0
