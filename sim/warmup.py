"""Compile the model's kernels once, ahead of the first real run.

The compiled (numba) kernels are cached on disk (``cache=True``, in the folder of
their source's version: :mod:`sim.kernel_cache`), but a fresh checkout has no cache:
the first run in each process then compiles them, about a minute and a half on one
core, and every worker of a first sweep would do it at the same time.
``python -m sim.warmup`` makes a tiny single-street run of the baseline and of each
reform path, with tables and indicators, so the cache is filled once;
``scripts/main.sh`` calls it right after installing. A district's streets share one
compiled loop of their own (``month_loop.run_days``, ~30 s more to compile), which
``python -m sim.warmup --district`` compiles too, with a tiny two-street district.

>>> from sim.warmup import warm_up
>>> seconds = warm_up()  # doctest: +SKIP
"""

from __future__ import annotations

import time

TINY = {"population.residents": 2000, "run.end_date": "2024-02-29"}
"""A run that passes a month's opening, quits and every daily step (two months)."""


def warm_up(district: bool = False) -> float:
    """Compile (or load) every kernel a scenario run uses, and with ``district`` those of
    a district run too; returns the seconds it took."""
    from sim.experiment.compare import DEFAULT_SCENARIOS
    from sim.runner import run
    from sim.scenarios import load_scenario

    t0 = time.perf_counter()
    for name in DEFAULT_SCENARIOS:  # each path's levers may reach kernels the others do not
        run(load_scenario(name).with_values(TINY, source="warm-up"), seed=1)
    if district:
        from sim.district import load_district, run_district

        two = {"district.streets": 2, "run.end_date": TINY["run.end_date"]}
        run_district(load_district("district").with_values(two, source="warm-up"), seed=1)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> None:
    """``python -m sim.warmup [--district]``: compile the kernels and say how long it took."""
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--district", action="store_true", help="also the kernels of district runs")
    args = ap.parse_args(argv)
    seconds = warm_up(district=args.district)
    print(f"compiled kernels ready in {seconds:.1f} s (cached for the next runs)")


if __name__ == "__main__":
    main()
