"""``streetsim run SCENARIO --seed N --out DIR``: one replication, tables to Parquet.

A scenario file with a ``[district]`` table runs a district (:func:`sim.district.run_district`):
per-street and district tables are printed, pilot and non-pilot streets apart.

``--stress NAME`` (repeatable) runs under risk stressors (``sim.levers.stressors``).
``--vs OTHER --reps N`` runs both scenarios on the same ``N`` replication seeds (both
under the stressors given) and prints, for 2025, 2027 and 2030, each indicator for the
scenario and the other with the paired difference (:func:`sim.experiment.versus.paired`)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from sim.commands import options
from sim.indicators.definitions import INDICATOR_BY_KEY
from sim.io import check_out_dir, write_run
from sim.runner import run
from sim.scenarios import load_scenario


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``run`` subcommand."""
    p = sub.add_parser("run", help="run one replication of a scenario")
    p.add_argument("scenario", help="scenario name or .toml file")
    p.add_argument("--seed", type=options.seed, default=1, help="root seed of the replication (0 to 2**63-1)")
    p.add_argument("--out", type=Path, default=None, help="directory for the Parquet tables")
    p.add_argument("--lang", choices=("en", "zh"), default="en", help="indicator names")
    p.add_argument("--stress", action="append", default=[], metavar="STRESSOR",
                   help="run under a risk stressor (repeatable)")
    p.add_argument("--vs", default=None, metavar="SCENARIO",
                   help="compare with another scenario on the same seeds (--seed is the experiment seed)")
    p.add_argument("--reps", type=options.count(), default=10, help="replications of a --vs comparison")
    p.add_argument("--workers", type=options.count(1, 4096), default=1,
                   help="processes for a --vs comparison")
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
    from sim.district import is_district_file

    if args.out is not None:
        check_out_dir(args.out, "--out")

    if is_district_file(args.scenario):
        return _main_district(args)
    scenario = load_scenario(args.scenario, stressors=args.stress)
    if args.vs is not None:
        return _main_versus(args, scenario)
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


def _main_district(args: argparse.Namespace) -> int:
    """Run a district file; print street, group and district tables; write Parquet."""
    from sim.district import load_district, run_district, write_district
    from sim.district.report import group_table, street_table

    if getattr(args, "stress", None) or getattr(args, "vs", None):
        from sim.params.errors import InputError

        flag = "--stress" if getattr(args, "stress", None) else "--vs"
        raise InputError(None, flag, args.stress or args.vs,
                         "a single-street scenario (district files: put levers and stressors in the file)")
    district = load_district(args.scenario)
    result = run_district(district, seed=args.seed)
    with pd.option_context("display.width", 220, "display.max_rows", 400,
                           "display.max_columns", 30, "display.float_format", "{:.3f}".format):
        print(f"district {district.name}, {district.p.streets} streets, seed {args.seed}")
        print(street_table(result, lang=args.lang).to_string())
        print()
        print(group_table(result, lang=args.lang).to_string())
        print()
        print(yearly_table(result.yearly("district"), args.lang).to_string())
    if args.out is not None:
        for kind, path in write_district(result, args.out).items():
            print(f"wrote {kind}: {path}")
    return 0


def _main_versus(args: argparse.Namespace, scenario) -> int:
    """Paired comparison of the scenario with ``--vs`` over ``--reps`` replications."""
    from sim.experiment.versus import paired, wide
    from sim.io import write_parquet

    other = load_scenario(args.vs, stressors=args.stress)
    table = paired(scenario, other, reps=args.reps, seed=args.seed, workers=args.workers)
    stress = f" under {', '.join(args.stress)}" if args.stress else ""
    with pd.option_context("display.width", 250, "display.max_rows", 200, "display.max_columns", 20,
                           "display.float_format", "{:.3f}".format):
        print(f"{scenario.name} vs {other.name}{stress}: means of {args.reps} paired replications, "
              f"experiment seed {args.seed}")
        print(wide(table, args.lang).to_string())
    if args.out is not None:
        path = write_parquet(table.assign(scenario_name=scenario.name, baseline_name=other.name,
                                          stressors=",".join(args.stress)),
                             args.out / "comparison.parquet")
        print(f"wrote comparison: {path}")
    return 0
