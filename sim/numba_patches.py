"""The project's patches of numba's internals, installed together: less per-process
memory and start-up (:mod:`sim.numba_footprint`) and reference counts inlined into the
machine code (:mod:`sim.numba_refcounts`). Every module that defines kernels and can be
imported before the others calls :func:`install` first (once per process)."""

from __future__ import annotations

from sim.numba_footprint import install as _trim_footprint
from sim.numba_refcounts import install as _inline_refcounts


def install() -> None:
    """Install both patches (before numba loads or compiles any kernel)."""
    _trim_footprint()
    _inline_refcounts()
