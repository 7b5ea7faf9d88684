"""``streetsim city scenarios/city.toml --workers 2``: every district of a city as an
independent job (process pool or Dask), into the results store, with a summary report."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from sim.commands import options
from sim.experiment.executors import EXECUTORS


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``city`` subcommand."""
    p = sub.add_parser("city", help="run every district of a city file (process pool or Dask)")
    p.add_argument("city", type=Path, help="city file, e.g. scenarios/city.toml")
    p.add_argument("--seed", type=options.seed, default=None, help="root seed (default: the file's, else 1)")
    p.add_argument("--executor", choices=EXECUTORS, default="process", help="process (default), serial, dask")
    p.add_argument("--scheduler", default=None, help="Dask scheduler tcp://HOST:PORT (implies dask)")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: all cores)")
    p.add_argument("--results", type=Path, default=Path("results"), help="results store (default results/)")
    p.add_argument("--daily", action="store_true", help="also store each district's daily series")
    p.add_argument("--lang", choices=("en", "zh"), default="en")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Validate the city, run it, print the summary, write the report; exit 1 on failures."""
    from sim.district.city import peak_rss_mb, run_city
    from sim.district.cityfile import load_city
    from sim.district.summary import city_summary
    from sim.params.errors import InputError
    from sim.report.city import write_city_report

    if args.workers is not None and args.workers < 1:
        raise InputError(None, "--workers", args.workers, "a positive integer")
    city = load_city(args.city)
    seed = args.seed if args.seed is not None else (city.seed if city.seed is not None else 1)
    executor = "dask" if args.scheduler else args.executor
    streets = sum(d.p.streets for d in city.districts)
    print(f"city {city.name}: {len(city.districts)} districts, {streets} streets, seed {seed}, "
          f"{executor} executor" + (f", {args.workers} workers" if args.workers else ""))
    t0 = time.perf_counter()
    result = run_city(list(city.districts), seed, workers=args.workers, executor=executor,
                      scheduler=args.scheduler, name=city.name, results_dir=args.results, daily=args.daily)
    wall = time.perf_counter() - t0
    peak = max([peak_rss_mb(), *result.stats["peak_rss_mb"].dropna().tolist()])
    table = city_summary(result, city.labels, lang=args.lang)
    if not table.empty:
        print(f"\nheadline indicators, {table.attrs['year']}:")
        print(table.to_string(index=False, float_format=lambda v: f"{v:,.3g}", na_rep=""))
    for k, err in sorted(result.failed.items()):
        print(f"district {k} failed: {err}")
    print(f"\n{len(city.districts) - len(result.failed)} of {len(city.districts)} districts in {wall:.1f} s; "
          f"peak memory of one process {peak:,.0f} MB")
    for r in result.stats.itertuples():
        print(f"  district {r.district} ({city.labels[r.district]}): {r.wall_s:.1f} s, "
              f"worker peak {r.peak_rss_mb:,.0f} MB")
    folder = Path(args.results) / city.name
    report = write_city_report(result, city, folder / "report.html", args.lang, wall_s=wall, peak_mb=peak)
    print(f"stored {folder}")
    print(f"wrote report: {report}")
    return 1 if result.failed else 0
