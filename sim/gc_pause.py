"""Python's cyclic garbage collector paused around a long model run.

A 15-street district's process ran the collector ~470 times (``gc.callbacks``): most of
them while importing, but ~140 inside ``run_district``, one of them a full pass over
every object of the process (Mesa's, pandas', numba's and the model's agents), ~70 ms of
the run in all. The run makes no cyclic garbage worth collecting before it ends (the
model and its agents live until then), so :func:`collector_paused` switches the
collector off for the run and back on after, as it was; the caller's ``gc.collect()``
after dropping the model frees its cycles (one full pass, ~0.1 s).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Switch off the cyclic garbage collector for the block; it is switched back on
    afterwards if it was on before (also when the block raises)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
