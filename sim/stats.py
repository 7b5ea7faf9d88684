"""Summary statistics over replications, in one place: the Student-t interval of a
mean (used for indicator means and for paired differences between scenarios run on
the same seeds)."""

from __future__ import annotations

import numpy as np


def t_half_width(x: np.ndarray, conf: float = 0.95) -> float:
    """Half-width of the Student-t ``conf`` interval of the mean of ``x``; NaN with
    fewer than two values."""
    n = len(x)
    if n < 2:
        return float("nan")
    from scipy import stats

    return float(stats.t.ppf(0.5 + conf / 2, n - 1) * x.std(ddof=1) / np.sqrt(n))


def mean_ci(x: np.ndarray, conf: float = 0.95) -> tuple[int, float, float, float]:
    """``(n, mean, low, high)`` over the values of ``x`` that are not NaN: the Student-t
    interval; NaN mean below one value, NaN bounds below two."""
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    if n == 0:
        return 0, np.nan, np.nan, np.nan
    m = float(x.mean())
    if n < 2:
        return 1, m, np.nan, np.nan
    half = t_half_width(x, conf)
    return n, m, m - half, m + half


def ci_bounds(x: np.ndarray, conf: float = 0.95) -> tuple[float, float]:
    """``(low, high)`` of the Student-t interval of the mean of ``x`` (NaN with fewer
    than two values; a NaN in ``x`` gives NaN bounds)."""
    x = np.asarray(x, dtype=float)
    if len(x) < 2:
        return float("nan"), float("nan")
    m = float(x.mean())
    half = t_half_width(x, conf)
    return m - half, m + half
