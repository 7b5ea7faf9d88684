"""``streetsim scenarios list | show NAME [--stress S] | diff A B``: scenario tools
(:mod:`sim.experiment.scenario_tools`)."""

from __future__ import annotations

import argparse
import shutil
import textwrap

import pandas as pd

from sim.experiment.scenario_tools import diff_scenarios, fmt, lever_table, list_scenarios, show_scenario
from sim.scenarios import load_scenario


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``scenarios`` subcommand and its actions."""
    p = sub.add_parser("scenarios", help="list, show or diff scenarios")
    actions = p.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="scenario files shipped in scenarios/").set_defaults(func=main_list)
    show = actions.add_parser("show", help="effective parameters after inheritance, levers and stressors")
    show.add_argument("scenario", help="scenario name or .toml file")
    show.add_argument("--stress", action="append", default=[], metavar="STRESSOR",
                      help="run under a risk stressor (repeatable)")
    show.add_argument("--changed", action="store_true", help="only parameters levers or stressors change")
    show.set_defaults(func=main_show)
    diff = actions.add_parser("diff", help="parameters two scenarios set differently")
    diff.add_argument("a", help="scenario name or .toml file")
    diff.add_argument("b", help="scenario name or .toml file")
    diff.set_defaults(func=main_diff)


def _print(frame: pd.DataFrame) -> None:
    """Print a table wrapped to the terminal's width (columns in blocks, long texts cut)."""
    width = terminal_width()
    print(frame.to_string(line_width=width, max_colwidth=max(20, width // 3)))


def terminal_width() -> int:
    """Columns of the terminal (``COLUMNS`` when set; 100 when not a terminal)."""
    return max(40, shutil.get_terminal_size((100, 24)).columns)


def main_list(args: argparse.Namespace) -> int:
    """Print the shipped scenarios."""
    _print(list_scenarios().drop(columns=["file"]).set_index("scenario"))
    return 0


def main_show(args: argparse.Namespace) -> int:
    """Print a scenario's levers, stressors and effective parameters."""
    scenario = load_scenario(args.scenario, stressors=args.stress)
    print(f"scenario {scenario.name} {scenario.name_zh} (chain: {' -> '.join(scenario.chain)}); "
          f"digest {scenario.digest()}")
    if scenario.description:
        print(textwrap.fill(scenario.description, terminal_width()))
    levers = lever_table(scenario)
    if len(levers):
        print()
        _print(levers.set_index(["kind", "name"]))
    table = show_scenario(scenario)
    if args.changed:
        table = table[table["changed_by"] != ""]
    shown = table.drop(columns=["source"]).map(fmt) if args.changed else table.map(fmt)
    print()
    _print(shown)
    return 0


def main_diff(args: argparse.Namespace) -> int:
    """Print the parameters two scenarios set differently."""
    a, b = load_scenario(args.a), load_scenario(args.b)
    table = diff_scenarios(a, b)
    print(f"{a.name} vs {b.name}: {table['parameter'].nunique() if len(table) else 0} parameters differ")
    la, lb = {u.name for u in a.levers}, {u.name for u in b.levers}
    if la != lb:
        print(f"levers only in {a.name}: {sorted(la - lb)}; only in {b.name}: {sorted(lb - la)}")
    if len(table):
        _print(table.set_index(["parameter", "date"]).map(fmt))
    return 0
