"""``streetsim compare``: baseline and the reform paths, paired differences with 95% CIs."""

from __future__ import annotations

import argparse
import sys

from sim.commands import options
from sim.commands.sweep import add_run_options, executor_from_args, parse_sets
from sim.experiment.compare import DEFAULT_SCENARIOS, DEFAULT_SEED, DEFAULT_YEARS


def _names(text: str) -> list[str]:
    return [t for t in text.replace(",", " ").split() if t]


def _years(text: str) -> list[int]:
    try:
        years = [int(y) for y in _names(text)]
    except ValueError:
        years = []
    if not years:
        raise argparse.ArgumentTypeError(f"{text!r}: years as integers, comma-separated, e.g. 2025,2030")
    return years


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``compare`` subcommand."""
    p = sub.add_parser("compare", help="compare the reform paths with the baseline (paired, 95%% CI)")
    p.add_argument("--scenarios", type=_names, default=list(DEFAULT_SCENARIOS),
                   help="scenario names or files, comma-separated; the first is the baseline "
                        f"(default {','.join(DEFAULT_SCENARIOS)})")
    p.add_argument("--stress", type=_names, default=[], help="stressors applied to every scenario")
    p.add_argument("--stress-effect", type=_names, default=[], metavar="STRESSORS",
                   help="pair each scenario under these stressors with itself unstressed (same seeds)")
    p.add_argument("--targets", action="store_true",
                   help="also print levels with 95%% CIs and the share of replications meeting each "
                        "plan target")
    p.add_argument("--costs", action="store_true",
                   help="also print money by ledger item, payer and lever (path - baseline, cumulative)")
    p.add_argument("--reps", type=options.count(2), default=30, help="replications per scenario (default 30)")
    p.add_argument("--seed", type=options.seed, default=DEFAULT_SEED, help="experiment seed")
    p.add_argument("--years", type=_years, default=list(DEFAULT_YEARS),
                   help="years of the paired table (default 2025,2027,2030)")
    p.add_argument("--name", default=None, help="experiment name (default compare[-stressors])")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="fix a parameter in every scenario (repeatable)")
    p.add_argument("--lang", choices=("en", "zh"), default="en", help="indicator names")
    p.add_argument("--all-indicators", action="store_true", help="also print the inputs and diagnostics")
    p.add_argument("--no-report", dest="report", action="store_false", help="do not write report.html")
    add_run_options(p)
    p.set_defaults(func=main)


def cost_per_point_text(paired, lang: str = "en") -> str:
    """Extra spending and yuan per point gained, outcomes only, as text."""
    import pandas as pd

    from sim.indicators.definitions import INDICATOR_BY_KEY

    if "cost_per_point" not in paired.columns:
        return "(no money ledger stored)"
    outcome = paired["indicator"].map(
        lambda k: k in INDICATOR_BY_KEY and INDICATOR_BY_KEY[k].kind == "outcome")
    rows = paired[outcome]
    table = pd.DataFrame({
        "path": rows["path"], "year": rows["year"],
        "indicator": rows["indicator"].map(lambda k: getattr(INDICATOR_BY_KEY[k], lang)),
        "diff": rows["diff"], "extra_spent_10k_yuan": rows["extra_spent"] / 1e4,
        "10k_yuan_per_point": rows["cost_per_point"] / 1e4})
    with pd.option_context("display.width", 250, "display.max_rows", 500,
                           "display.float_format", "{:,.3g}".format):
        return "cost per point gained (point = 1 pp for shares, 1 unit otherwise; blank: no gain)\n" + \
            table.to_string(index=False, na_rep="")


def main(args: argparse.Namespace) -> int:
    """Run the comparison, print the paired table, write the report when available."""
    from sim.experiment.compare import compare, compare_experiment, paired_table, write_report_if_available
    from sim.experiment.store import check_results_dir
    from sim.params.errors import InputError

    constants = parse_sets(args.set)
    # validate everything before a worker starts
    compare_experiment(args.scenarios, args.reps, args.seed, args.stress, args.years, args.name, constants,
                       args.stress_effect)
    check_results_dir(args.results)
    with executor_from_args(args) as ex:
        result = compare(args.scenarios, args.reps, args.seed, args.stress, args.years, args.results,
                         ex, args.progress, args.name, constants, args.stress_effect,
                         reuse_stale=args.reuse_stale)
    kinds = ("outcome", "process", "input", "diagnostic") if args.all_indicators else ("outcome", "process")
    versus = (f"each scenario under {'+'.join(args.stress_effect)} minus the same scenario unstressed"
              if args.stress_effect else f"paired differences, each path - {args.scenarios[0]}")
    print(f"{versus} ({args.reps} replications, common random numbers, "
          f"95% CI){' under ' + '+'.join(args.stress) if args.stress else ''}")
    print(paired_table(result.paired, args.lang, kinds,
                       "stressed - unstressed" if args.stress_effect else f"path - {args.scenarios[0]}"))
    if args.targets:
        from sim.experiment.targets import targets_text

        print("\nplan targets: mean [95% CI] and share of replications meeting the target")
        print(targets_text(result.targets, args.lang))
    if args.costs:
        from sim.experiment.costs import cost_text

        for year in args.years:
            print()
            print(cost_text(result.costs, year))
        print()
        print(cost_per_point_text(result.paired, args.lang))
    print(result.summary.text())
    code = 0 if result.summary.ok else 1
    if args.report:
        try:
            report = write_report_if_available(result.results, args.lang)
        except InputError:
            raise
        except Exception as exc:  # the runs are stored; say why the report is missing
            print(f"streetsim compare: report not written: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 1
        if report is not None:
            print(f"wrote report: {report}")
    return code
