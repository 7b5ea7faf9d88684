"""``streetsim report --results DIR --lang zh|en --out FILE.html [--png DIR]``: the plotted
comparison report (:func:`sim.report.write_report`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.params.errors import InputError
from sim.report.i18n import LANGS


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``report`` subcommand."""
    p = sub.add_parser("report", help="write the comparison report (one self-contained HTML file)")
    p.add_argument("--results", type=Path, default=Path("results"),
                   help="an experiment's results folder (or results/ holding one experiment)")
    p.add_argument("--lang", choices=LANGS, default="en", help="language of every label")
    p.add_argument("--out", type=Path, default=None,
                   help="HTML file to write (default: <results>/report.<lang>.html)")
    p.add_argument("--png", type=Path, default=None, metavar="DIR",
                   help="also write every figure as PNG and SVG into DIR (needs Chromium)")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Write the report and print where it is."""
    from sim.io import check_out_dir, check_out_file
    from sim.report import write_report
    from sim.report.load import experiment_dir

    if not args.results.is_dir():
        raise InputError(None, "--results", str(args.results), "an existing results folder")
    folder = experiment_dir(args.results)
    out = args.out if args.out is not None else folder / f"report.{args.lang}.html"
    check_out_file(out, "--out", (".html", ".htm"))
    if args.png is not None:
        check_out_dir(args.png, "--png")
    path = write_report(folder, out, lang=args.lang, png_dir=args.png)
    print(f"wrote report: {path}")
    if args.png is not None and any(args.png.glob("*.png")):
        print(f"wrote figures: {args.png}")
    return 0
