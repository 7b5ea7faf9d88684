"""``streetsim chart``: one chart of stored results for slides (:func:`sim.report.chart.chart`)."""

from __future__ import annotations

import argparse
from pathlib import Path


def _names(text: str) -> list[str]:
    return [t for t in text.replace(",", " ").split() if t]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``chart`` subcommand."""
    p = sub.add_parser("chart", help="one PNG/SVG chart of chosen indicators and scenarios, with targets")
    p.add_argument("--results", type=Path, default=Path("results/compare"),
                   help="an experiment's results folder (default results/compare)")
    p.add_argument("--indicators", type=_names, required=True,
                   help="indicator keys, comma-separated (one panel each)")
    p.add_argument("--scenarios", type=_names, default=None,
                   help="scenario labels, comma-separated (default all; stressed runs: NAME+STRESSOR)")
    p.add_argument("--lang", choices=("en", "zh"), default="en", help="language of every label")
    p.add_argument("--out", type=Path, default=Path("chart.png"), help="file to write (.png or .svg)")
    p.add_argument("--title", default=None, help="title over the panels")
    p.add_argument("--no-targets", dest="targets", action="store_false", help="leave out target lines")
    p.add_argument("--dpi", type=int, default=200, help="PNG resolution (default 200)")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Draw the chart and print its path."""
    from sim.report.chart import chart

    out = chart(args.results, args.indicators, args.scenarios, args.lang, args.out, args.title, args.targets,
                dpi=args.dpi)
    print(f"wrote chart: {out}")
    return 0
