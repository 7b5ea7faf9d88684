"""Helpers shared by the compiled (numba) kernels of the mechanisms.

A kernel that replaces numpy array expressions must give the same numbers. Running sums
(``cumsum``) and element-wise arithmetic agree by construction, but ``ndarray.sum``
adds in NumPy's pairwise order; :func:`pairwise_sum` adds in that same order, so a
kernel's total equals the ``sum()`` it replaced bit for bit (``tests/test_kernels.py``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

PAIRWISE_BLOCK = 128
"""NumPy's ``PW_BLOCKSIZE``: below it, eight running partial sums; above, halve."""


@njit(cache=True)
def _pairwise(a: np.ndarray, lo: int, n: int) -> float:
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    if n <= PAIRWISE_BLOCK:
        r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
        r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
        i = 8
        m = n - (n % 8)
        while i < m:
            r0 += a[lo + i]
            r1 += a[lo + i + 1]
            r2 += a[lo + i + 2]
            r3 += a[lo + i + 3]
            r4 += a[lo + i + 4]
            r5 += a[lo + i + 5]
            r6 += a[lo + i + 6]
            r7 += a[lo + i + 7]
            i += 8
        res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while i < n:
            res += a[lo + i]
            i += 1
        return res
    n2 = n // 2
    n2 -= n2 % 8
    return _pairwise(a, lo, n2) + _pairwise(a, lo + n2, n - n2)


@njit(cache=True)
def pairwise_sum(a: np.ndarray) -> float:
    """The sum of a contiguous 1-d float64 array, added as ``numpy.sum`` adds it."""
    return _pairwise(a, 0, len(a))
