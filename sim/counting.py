"""Counting rows by combinations of integer codes (year, department, route, ...): one
``bincount`` over the combinations numbered in mixed radix, instead of a group-by of a
labelled table. Used by the sweep's datasets and a district's departments table."""

from __future__ import annotations

import numpy as np
import pandas as pd

MAX_CELLS = 1 << 26
"""Above this many possible combinations the counts come from a pandas group-by."""


def count_combinations(codes: list[np.ndarray]) -> tuple[list[np.ndarray], np.ndarray]:
    """The distinct combinations of integer ``codes`` (equal-length arrays) that occur, in
    ascending order (the first array most significant), and how often each occurs (int64):
    ``DataFrame(codes).groupby(list(range(len(codes)))).size()``."""
    values, counts, _ = _combinations(codes, None)
    return values, counts


def sum_combinations(codes: list[np.ndarray], weights: np.ndarray
                     ) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """:func:`count_combinations` and, for each combination, the sum of ``weights`` over
    its rows (float64, added in row order: exact for counts such as 0/1 flags)."""
    values, counts, sums = _combinations(codes, np.asarray(weights, dtype=np.float64))
    assert sums is not None
    return values, counts, sums


def _combinations(codes: list[np.ndarray], weights: np.ndarray | None
                  ) -> tuple[list[np.ndarray], np.ndarray, np.ndarray | None]:
    n_rows = len(codes[0]) if codes else 0
    if n_rows == 0:
        empty = np.zeros(0, np.int64)
        return [empty.copy() for _ in codes], empty, None if weights is None else np.zeros(0)
    lows = [int(c.min()) for c in codes]
    sizes = [int(c.max()) - low + 1 for c, low in zip(codes, lows, strict=True)]
    if float(np.prod(np.array(sizes, dtype=np.float64))) > MAX_CELLS:  # too many to count in one array
        frame = pd.DataFrame({i: c for i, c in enumerate(codes)})
        frame["w"] = 0.0 if weights is None else weights
        grouped = frame.groupby(list(range(len(codes))), sort=True)["w"]
        size = grouped.size()
        index = size.index.to_frame(index=False)
        sums = None if weights is None else grouped.sum().to_numpy(np.float64)
        return [index[i].to_numpy(np.int64) for i in range(len(codes))], size.to_numpy(np.int64), sums
    key = np.zeros(n_rows, np.int64)
    for c, low, size in zip(codes, lows, sizes, strict=True):
        key = key * size + (c - low)
    cells = int(np.prod(sizes))
    counts = np.bincount(key, minlength=cells)
    present = np.flatnonzero(counts)
    values = []
    rest = present.copy()
    for low, size in zip(reversed(lows), reversed(sizes), strict=True):
        values.append(rest % size + low)
        rest //= size
    sums = None if weights is None else np.bincount(key, weights=weights, minlength=cells)[present]
    return values[::-1], counts[present].astype(np.int64), sums
