"""Replication seeds derived from one experiment seed (never ``seed + i``), and the range
of seeds accepted."""

from __future__ import annotations

from typing import Any

import numpy as np

SEED_MAX = 2**63 - 1
"""Largest seed accepted: seeds are stored as Parquet int64 (``numpy.random.SeedSequence``
itself takes any non-negative integer)."""


def check_seed(seed: Any, file: Any = None, field: str = "--seed") -> int:
    """``seed`` as an int in ``[0, SEED_MAX]``; :class:`InputError` otherwise."""
    from sim.params.errors import InputError

    if hasattr(seed, "item") and hasattr(seed, "dtype"):
        seed = seed.item()
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= SEED_MAX:
        raise InputError(file, field, seed, f"an integer from 0 to 2**63-1 ({SEED_MAX})")
    return seed


def replication_seeds(root: int, n: int) -> list[int]:
    """``n`` independent replication root seeds spawned from ``root``.

    The k-th seed does not depend on ``n``, so adding replications keeps earlier ones.
    """
    children = np.random.SeedSequence(int(root)).spawn(int(n))
    return [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children]
