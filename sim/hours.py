"""One day's staff time budget, per post, in hours.

``available`` is split, in priority order, into training, emergency mobilisation,
upper-level tasks (out-of-list and in-list), duplicate data entry and casework. The
split never allocates more hours than ``available`` (an invariant the tests check).
"""

from __future__ import annotations

import numpy as np

BUCKETS = ("training", "emergency", "out_of_list", "in_list", "data_entry", "casework")


class DayHours:
    """Hours of each post today."""

    def __init__(self, n: int) -> None:
        self.available = np.zeros(n)
        self.used = {b: np.zeros(n) for b in BUCKETS}
        self.demanded_out_of_list = np.zeros(n)

    def reset(self, available: np.ndarray) -> None:
        """New day: ``available`` hours per post, nothing used."""
        self.available = available
        for arr in self.used.values():
            arr[:] = 0.0
        self.demanded_out_of_list = np.zeros(len(available))

    @property
    def free(self) -> np.ndarray:
        """Hours not yet used today."""
        return np.maximum(0.0, self.available - sum(self.used.values()))

    def take(self, bucket: str, wanted: np.ndarray) -> np.ndarray:
        """Use up to ``wanted`` hours per post for ``bucket``; returns hours given."""
        got = np.minimum(np.maximum(wanted, 0.0), self.free)
        self.used[bucket] += got
        return got

    def totals(self) -> dict[str, float]:
        """Hours by bucket summed over posts."""
        out = {b: float(v.sum()) for b, v in self.used.items()}
        out["available"] = float(self.available.sum())
        return out
