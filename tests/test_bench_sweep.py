"""The steady rate of ``benchmarks/bench_sweep.py``: runs a minute once every worker has run once."""

from __future__ import annotations

import math

from bench_sweep import steady_rate


def test_steady_rate_starts_after_every_worker_has_run_once():
    # two workers: both first runs end at 10 s (start-up), then one run every 0.5 s
    done = [10.0, 10.1, 10.6, 11.1, 11.6, 12.1]
    assert steady_rate(done, 2) == 60 * 4 / (12.1 - 10.1)
    assert steady_rate(done, 1) == 60 * 5 / (12.1 - 10.0)


def test_steady_rate_is_nan_without_a_run_after_the_first_ones():
    assert math.isnan(steady_rate([3.0, 3.2], 2))
    assert math.isnan(steady_rate([], 1))
