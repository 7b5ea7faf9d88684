"""The perf map of ``benchmarks/profile_perf.py``: compiled kernels named at their addresses."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from profile_perf import (
    callers,
    callers_table,
    compile_with_frame_pointers,
    demangle,
    kernel_symbols,
    perf_map_lines,
    summary,
)

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
    # every function of the kernel's library, not only its entry point (the cached
    # kernel's module, parsed on demand under sim.numba_footprint)
    assert "nb::cpython.sim.population.pick_kernel" in symbols.values()
    executable = []  # the process's executable mappings: compiled code lies in them
    for line in Path("/proc/self/maps").read_text().splitlines():
        span, perms = line.split()[:2]
        if "x" in perms:
            executable.append(tuple(int(x, 16) for x in span.split("-")))
    assert all(any(lo <= address < hi for lo, hi in executable) for address in symbols)
    spans = []
    for line in perf_map_lines(symbols):
        start, size, name = line.split(maxsplit=2)
        spans.append((int(start, 16), int(size, 16), name.strip()))
    assert [s[2] for s in spans] == [symbols[a] for a in sorted(symbols)]
    for (start, size, _), (nxt, _, _) in zip(spans, spans[1:]):
        assert 0 < size <= nxt - start


REPORT = """\
# Samples: 20K of event 'cpu-clock:ppp'
#
    5.00%  [JIT] tid 17                                      [.] nb::sim.mechanisms.whistle._choose
    3.00%  [JIT] tid 17                                      [.] nb::NRT_decref
    2.50%  libpython3.12.so.1.0                              [.] _PyEval_EvalFrameDefault
    1.50%  [JIT] tid 17                                      [.] nb::sim.mechanisms.whistle._choose
    1.00%  libc.so.6                                         [.] _int_malloc
    0.50%  libc.so.6                                         [.] __memset_avx512_unaligned_erms
    0.25%  [kernel.kallsyms]                                 [k] clear_page_erms
"""


def test_summary_merges_a_kernel_s_copies_and_groups_by_kind():
    text = summary(REPORT, top=2)
    assert "| compiled kernels | 6.5% |" in text  # both copies of _choose
    assert "| numba reference counts | 3.0% |" in text
    assert "| Python interpreter and Python code | 2.5% |" in text
    assert "| malloc/free | 1.0% |" in text
    assert "| operating system kernel | 0.2% |" in text and "| other | 0.5% |" in text
    rows = [line for line in text.splitlines() if line.startswith("| nb::") or line.startswith("| _Py")]
    assert rows == ["| nb::sim.mechanisms.whistle._choose | compiled | 6.50% |",
                    "| nb::NRT_decref | compiled | 3.00% |"]


SCRIPT = """
\t    7f01 nb::NRT_incref
\t    7f02 nb::sim.month_loop.run_street_days
\t    7f03 call_cfunc

\t    7f01 nb::NRT_incref
\t    7f04 nb::sim.mechanisms.triage.day_kernel
\t    7f02 nb::sim.month_loop.run_street_days

\t    7f05 nb::NRT_decref
\t    7f02 nb::sim.month_loop.run_street_days

\t    7f06 nb::sim.mechanisms.feedback.close_kernel
\t    7f02 nb::sim.month_loop.run_street_days

\t    7f01 nb::NRT_incref
"""


def test_callers_count_the_frame_below_each_matching_sample():
    found = callers(SCRIPT)
    assert found == {"nb::NRT_incref": {"nb::sim.month_loop.run_street_days": 1,
                                        "nb::sim.mechanisms.triage.day_kernel": 1, "[unknown]": 1},
                     "nb::NRT_decref": {"nb::sim.month_loop.run_street_days": 1}}
    table = callers_table(found, total=5, top=2).splitlines()
    assert len(table) == 4 and table[2].endswith("| 20.00% |")


def test_frame_pointers_are_asked_of_every_function_compiled_afterwards(monkeypatch):
    import numba
    from numba.core.codegen import CPUCodeLibrary

    monkeypatch.setattr(CPUCodeLibrary, "add_ir_module", CPUCodeLibrary.add_ir_module)  # restored after
    compile_with_frame_pointers()

    @numba.njit
    def twice(x):
        return 2 * x

    assert twice(3) == 6
    assert '"frame-pointer"="all"' in twice.inspect_llvm(twice.signatures[0])
