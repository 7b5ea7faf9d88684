"""Named random streams spawned from one root seed (common random numbers).

Each mechanism draws from its own stream, derived from the run's root seed and the
stream's name. Two scenarios run on the same root seed therefore share every draw of a
mechanism whose inputs agree, and a change in one mechanism never shifts another's draws.
:func:`stream_roots` draws chosen streams from other root seeds, to measure how much of
an outcome's variance each mechanism's draws cause.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import numpy as np

STREAMS: tuple[str, ...] = (
    "population",
    "staff",
    "departments",
    "demand",
    "repeat",
    "tasks",
    "whistle",
    "referral",
    "emergency",
    "workforce",
    "socialorgs",
    "money",
    "council",
    "enrolment",
    "survey",
    "platform",
    "district",
)


_ROOTS: dict[str, int] = {}
"""The root seeds :func:`stream_roots` puts in force (empty outside its block)."""


@contextmanager
def stream_roots(roots: Mapping[str, int]) -> Iterator[None]:
    """Within the block, every :class:`Streams` made draws the streams named in ``roots``
    from the root seed given there instead of the replication's own (the others, and the
    spawn keys of district streets, are unchanged).

    Varying one stream's root while the others stay fixed measures how much of an
    outcome's seed-to-seed variance that mechanism's draws cause, in each scenario and in
    their difference (``benchmarks/bench_crn.py --by-stream``). Blocks nest; the inner
    one's roots win. The roots are the process's: use it around runs made one after
    another (or in worker processes), not around models built at once in several threads.

    Raises:
        KeyError: a name not in :data:`STREAMS`.
        ValueError: a root that is not a non-negative integer.
    """
    for name, root in roots.items():
        if name not in STREAMS:
            raise KeyError(f"unknown stream {name!r}; streams are {list(STREAMS)}")
        if isinstance(root, bool) or not isinstance(root, (int, np.integer)) or root < 0:
            raise ValueError(f"root seed of stream {name!r} must be a non-negative integer, got {root!r}")
    before = dict(_ROOTS)
    _ROOTS.update({name: int(root) for name, root in roots.items()})
    try:
        yield
    finally:
        _ROOTS.clear()
        _ROOTS.update(before)


def stream_key(name: str) -> int:
    """Stable integer for a stream name (independent of Python's hash seed)."""
    return zlib.crc32(name.encode("utf-8"))


class Streams:
    """A set of named ``numpy.random.Generator`` streams for one replication.

    Args:
        root_seed: the replication's root seed (a non-negative integer).
        extra_key: extra spawn key, e.g. a street index inside a district, so that each
            street of a district gets its own independent family of streams.
    """

    def __init__(self, root_seed: int, extra_key: tuple[int, ...] = ()) -> None:
        if int(root_seed) < 0:
            raise ValueError(f"seed must be a non-negative integer, got {root_seed}")
        self.root_seed = int(root_seed)
        self.extra_key = tuple(extra_key)
        self._roots = dict(_ROOTS)  # stream_roots in force when made (usually none)
        self._gens: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        if name not in STREAMS:
            raise KeyError(f"unknown stream {name!r}; streams are {list(STREAMS)}")
        gen = self._gens.get(name)
        if gen is None:
            seq = np.random.SeedSequence(self._roots.get(name, self.root_seed),
                                         spawn_key=(*self.extra_key, stream_key(name)))
            gen = np.random.Generator(np.random.PCG64(seq))
            self._gens[name] = gen
        return gen
