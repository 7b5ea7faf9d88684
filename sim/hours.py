"""One day's staff time budget, per post, in hours.

``available`` is split, in priority order, into training, emergency mobilisation,
upper-level tasks (out-of-list and in-list), duplicate data entry and casework. The
split never allocates more hours than ``available`` (an invariant the tests check).

The hours used are one array, a row per bucket (``DayHours.by_bucket``; ``used[bucket]``
is a view of its row), so compiled kernels (:func:`free_hours`, :func:`take_hours`,
:func:`take_held_hours`, the day kernels of ``sim.mechanisms.timebudget``, ``tasks`` and
``triage``) read and take hours without Python in between; every take follows one
per-post rule (:func:`take_one`). The day's arrays are kept and refilled in place while
the number of posts stays the same (:meth:`DayHours.fit`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.compiled import leaf

BUCKETS = ("training", "emergency", "out_of_list", "in_list", "data_entry", "casework")
BUCKET_ROW = {b: i for i, b in enumerate(BUCKETS)}
CASEWORK = BUCKET_ROW["casework"]


@njit(cache=True)
def np_maximum(a: float, b: float) -> float:
    """``numpy.maximum`` of two floats (NaN wins; of equal values, the second)."""
    return a if (a > b or a != a) else b


@njit(cache=True)
def np_minimum(a: float, b: float) -> float:
    """``numpy.minimum`` of two floats (NaN wins; of equal values, the second)."""
    return a if (a < b or a != a) else b


@njit(cache=True)
def free_hours(by_bucket: np.ndarray, available: np.ndarray) -> np.ndarray:
    """Hours not yet used per post: ``available`` less the buckets' hours added in bucket
    order (as ``sum(used.values())`` adds them), never below zero."""
    n = len(available)
    out = np.empty(n)
    for i in range(n):
        used = 0.0
        for b in range(by_bucket.shape[0]):
            used += by_bucket[b, i]
        out[i] = np_maximum(0.0, available[i] - used)
    return out


@leaf
def take_one(by_bucket: np.ndarray, row: int, available: np.ndarray, i: int, wanted: float) -> float:
    """Add to bucket ``row`` of post ``i`` up to ``wanted`` hours (none below zero, no more
    than the post's free hours: ``available`` less the buckets added in bucket order,
    never below zero); returns the hours given."""
    used = 0.0
    for b in range(by_bucket.shape[0]):
        used += by_bucket[b, i]
    got = np_minimum(np_maximum(wanted, 0.0), np_maximum(0.0, available[i] - used))
    by_bucket[row, i] += got
    return got


@njit(cache=True)
def take_hours_into(by_bucket: np.ndarray, row: int, available: np.ndarray, wanted: np.ndarray,
                    got: np.ndarray) -> np.ndarray:
    """:func:`take_hours`, the hours given written into ``got`` (which may be ``wanted``
    itself: each post's hours are read before they are written); returns ``got``."""
    for i in range(len(available)):
        got[i] = take_one(by_bucket, row, available, i, wanted[i])
    return got


@njit(cache=True)
def take_hours(by_bucket: np.ndarray, row: int, available: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Add to bucket ``row`` up to ``wanted`` hours per post (:func:`take_one`); returns
    the hours given."""
    return take_hours_into(by_bucket, row, available, wanted, np.empty(len(available)))


@leaf
def take_held_hours(by_bucket: np.ndarray, row: int, available: np.ndarray, filled: np.ndarray,
                    each: float) -> None:
    """Add to bucket ``row`` up to ``each`` hours for every held post (``filled``), none
    for the others (:func:`take_one`)."""
    for i in range(len(available)):
        take_one(by_bucket, row, available, i, each if filled[i] else 0.0)


class DayHours:
    """Hours of each post today.

    Attributes:
        available: hours each post works today (refilled in place each day by
            ``sim.mechanisms.timebudget.open_day``).
        by_bucket: hours used, a row per bucket (in ``BUCKETS`` order), a column per post.
        used: ``{bucket: row of by_bucket}`` (views, updated in place).
        demanded_out_of_list: out-of-list task hours handed down today, per post.
        held: posts held when the day opened (``sim.mechanisms.timebudget.open_day``).
        volunteer: talent-pool volunteer hours still free today (set by
            ``timebudget.open_day``, used up by ``triage``).
    """

    def __init__(self, n: int) -> None:
        self.available = np.zeros(n)
        self._allocate(n)
        self.demanded_out_of_list = np.zeros(n)
        self.held = 0
        self.volunteer = 0.0

    def _allocate(self, n: int) -> None:
        self.by_bucket = np.zeros((len(BUCKETS), n))
        self.used = {b: self.by_bucket[i] for i, b in enumerate(BUCKETS)}

    def fit(self, n: int) -> None:
        """Make the day's arrays fit ``n`` posts (new zeroed arrays when the number of
        posts changed; otherwise the arrays are kept, to be refilled in place)."""
        if len(self.available) != n or self.by_bucket.shape[1] != n:
            self.available = np.zeros(n)
            self._allocate(n)
            self.demanded_out_of_list = np.zeros(n)

    def reset(self, available: np.ndarray) -> None:
        """New day: ``available`` hours per post, nothing used."""
        self.available = available
        if self.by_bucket.shape[1] == len(available):
            self.by_bucket[:] = 0.0
        else:
            self._allocate(len(available))
        self.demanded_out_of_list = np.zeros(len(available))

    @property
    def free(self) -> np.ndarray:
        """Hours not yet used today."""
        return free_hours(self.by_bucket, self.available)

    def take(self, bucket: str, wanted: np.ndarray) -> np.ndarray:
        """Use up to ``wanted`` hours per post for ``bucket``; returns hours given."""
        n = len(self.available)
        if type(wanted) is not np.ndarray or wanted.dtype != np.float64 or wanted.shape != (n,):
            wanted = np.ascontiguousarray(np.broadcast_to(np.asarray(wanted, dtype=np.float64), (n,)))
        return take_hours(self.by_bucket, BUCKET_ROW[bucket], self.available, wanted)

    def totals(self) -> dict[str, float]:
        """Hours by bucket summed over posts."""
        out = {b: float(v.sum()) for b, v in self.used.items()}
        out["available"] = float(self.available.sum())
        return out
