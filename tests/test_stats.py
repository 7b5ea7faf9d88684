"""One home for the replication statistics (``sim/stats.py``): every user gets the same
Student-t interval."""

from __future__ import annotations

import numpy as np
from scipy import stats as sps

from sim.stats import ci_bounds, mean_ci, t_half_width


def test_half_width_is_the_student_t_interval():
    x = np.array([1.0, 2.0, 4.0, 7.0])
    want = sps.t.ppf(0.975, 3) * x.std(ddof=1) / 2.0
    assert t_half_width(x) == want
    assert t_half_width(x, 0.9) == sps.t.ppf(0.95, 3) * x.std(ddof=1) / 2.0
    assert np.isnan(t_half_width(np.array([3.0])))


def test_mean_ci_drops_missing_values_and_ci_bounds_does_not():
    x = np.array([1.0, np.nan, 2.0, 4.0, 7.0])
    n, m, lo, hi = mean_ci(x)
    assert (n, m) == (4, 3.5)
    assert (lo, hi) == ci_bounds(x[~np.isnan(x)])
    assert np.isnan(ci_bounds(x)).all()
    assert mean_ci(np.array([np.nan]))[0] == 0


def test_every_user_shares_the_one_implementation():
    from sim.experiment import compare
    from sim.report import data

    assert compare.mean_ci is ci_bounds
    assert data.mean_ci is mean_ci
