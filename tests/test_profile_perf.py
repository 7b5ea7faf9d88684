"""The perf map of ``benchmarks/profile_perf.py``: compiled kernels named at their addresses."""

from __future__ import annotations

import numpy as np
from profile_perf import demangle, kernel_symbols, perf_map_lines

from sim.population import pick_kernel


def test_demangle_keeps_module_and_function():
    name = ("_ZN3sim10population11pick_kernelB4v160B40c8tJTIeFIjxB2IKSgI4CrvSCKg1MMfAwK4LIaQIAExx"
            "5ArrayIdLi1E1C7mutable7alignedE")
    assert demangle(name) == "sim.population.pick_kernel"
    assert demangle("cfunc." + name) == "cfunc.sim.population.pick_kernel"
    assert demangle("NRT_incref") == "NRT_incref"


def test_loaded_kernels_are_mapped_without_overlap():
    cum = np.array([0.25, 0.5, 1.0])
    buckets = np.array([0, 1, 2, 2, 3])
    assert pick_kernel(cum, buckets, np.array([0.1, 0.6])).tolist() == [0, 2]
    symbols = kernel_symbols()
    assert "nb::sim.population.pick_kernel" in symbols.values()
    assert all(address > 0 for address in symbols)
    spans = []
    for line in perf_map_lines(symbols):
        start, size, name = line.split(maxsplit=2)
        spans.append((int(start, 16), int(size, 16), name.strip()))
    assert [s[2] for s in spans] == [symbols[a] for a in sorted(symbols)]
    for (start, size, _), (nxt, _, _) in zip(spans, spans[1:]):
        assert 0 < size <= nxt - start
