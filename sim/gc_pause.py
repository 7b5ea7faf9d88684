"""Python's cyclic garbage collector paused around a long model run.

A district run creates a few hundred thousand container objects in its month steps, so
the collector runs ~470 times, four of them full collections that walk every object of
the process (Mesa's, pandas', numba's and the model's agents): ~0.33 s of a 15-street
district's ~10 s (measured with ``gc.callbacks``). The run itself makes no cyclic
garbage worth collecting before it ends (the model and its agents live until then),
so :func:`collector_paused` switches the collector off for the run and back on after,
as it was; the caller's ``gc.collect()`` after dropping the model frees its cycles.
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
