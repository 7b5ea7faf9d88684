"""Replication seeds derived from one experiment seed (never ``seed + i``)."""

from __future__ import annotations

import numpy as np


def replication_seeds(root: int, n: int) -> list[int]:
    """``n`` independent replication root seeds spawned from ``root``.

    The k-th seed does not depend on ``n``, so adding replications keeps earlier ones.
    """
    children = np.random.SeedSequence(int(root)).spawn(int(n))
    return [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children]
