"""numba's reference counts inlined into the machine code (:mod:`sim.numba_refcounts`):
the calls gone from the compiled code, numba's own module kept, plain counts only in
the project's own libraries (whose kernels hold the GIL), the same results."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import sim.numba_refcounts as refcounts
from sim.numba_refcounts import inlined, inlined_text, of_plain_package, plain_allowed, plain_text
from tests.conftest import small_run_digest

ROOT = Path(__file__).resolve().parents[1]

KERNEL = textwrap.dedent("""
    import numpy as np
    from numba import njit

    @njit(cache=True)
    def halves(x):
        total = 0.0
        for i in range(len(x) - 1):
            part = x[i:]  # a view: a reference taken and dropped on each pass
            total += part[0] * 0.5
        return np.full(3, total)  # an array made and returned
""")

PROBE = textwrap.dedent("""
    import json
    import numpy as np
    import sim.compiled  # installs sim.numba_refcounts (and sim.numba_footprint)
    import sim.numba_refcounts as refcounts
    from sim.numba_footprint import defined_symbols
    import probe_kernel

    out = probe_kernel.halves(np.arange(6.0)).tolist()
    library = probe_kernel.halves.overloads[probe_kernel.halves.signatures[0]].library
    machine = library._get_compiled_object()  # compiled now (cache=True keeps the object)
    print(json.dumps({
        "installed": refcounts._installed,
        "out": out,
        "machine_defines": sorted(s for s in defined_symbols(machine) or () if s.startswith("NRT_")),
        "machine_names_them": machine.count(b"NRT_incref") + machine.count(b"NRT_decref"),
        "kept_calls": str(library._final_module).count("call void @NRT_decref"),
    }))
""")


def _probe(tmp_path: Path, setting: str) -> dict:
    """Compile :data:`KERNEL` afresh in a new process (``STREETSIM_INLINE_REFCOUNTS``
    at ``setting``) and report on its machine code and numba's module."""
    (tmp_path / "probe_kernel.py").write_text(KERNEL, encoding="utf-8")
    (tmp_path / "probe.py").write_text(PROBE, encoding="utf-8")
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "STREETSIM_"))}
    environ.update(NUMBA_CACHE_DIR=str(tmp_path / f"cache-{setting}"), STREETSIM_INLINE_REFCOUNTS=setting,
                   PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]))
    out = subprocess.run([sys.executable, str(tmp_path / "probe.py")], env=environ, cwd=tmp_path,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_machine_code_has_the_counts_inlined_and_numbas_module_keeps_the_calls(tmp_path: Path):
    on, off = _probe(tmp_path, "1"), _probe(tmp_path, "0")
    assert on["installed"] and not off["installed"]
    assert on["out"] == off["out"] == [5.0, 5.0, 5.0]
    assert off["machine_defines"] == ["NRT_decref"]  # numba's: a call to its own copy
    assert on["machine_defines"] == [] and on["machine_names_them"] == 0  # inlined: no call, no copy
    assert on["kept_calls"] == off["kept_calls"] > 0  # the module kept for linking is numba's


def test_a_module_is_inlined_in_process_and_a_failure_leaves_numbas(monkeypatch: pytest.MonkeyPatch):
    import llvmlite.binding as ll
    import numpy as np
    from numba import njit

    @njit
    def first_halves(x):
        total = 0.0
        for i in range(len(x) - 1):
            total += x[i:][0] * 0.5
        return total

    assert first_halves(np.arange(4.0)) == 1.5
    library = first_halves.overloads[first_halves.signatures[0]].library
    kept = library._final_module  # numba's own, with the calls
    assert "call void @NRT_decref" in str(kept)
    copy = inlined(kept, library._codegen)
    assert copy is not None and "call void @NRT_decref" not in str(copy)
    assert "atomic" in str(copy)  # the count is still there, inlined (an atomic subtract)
    assert "define linkonce_odr void @NRT_decref" not in str(copy)  # and its copy dropped

    def broken(text):
        raise ValueError("unreadable")

    monkeypatch.setattr(ll, "parse_assembly", broken)
    assert inlined(kept, library._codegen) is None


@pytest.mark.parametrize("module", ["sim.compiled", "sim.randomness.compiled"])
def test_either_module_that_defines_kernels_first_installs_both_patches(module: str):
    """Whichever kernel module a process imports first (``sim.randomness.compiled``
    does not import ``sim.compiled``), both patches are in force before it compiles."""
    probe = (f"import json, {module}, sim.numba_footprint as f, sim.numba_refcounts as r; "
             "print(json.dumps([f._installed, r._installed]))")
    environ = {k: v for k, v in os.environ.items() if not k.startswith("STREETSIM_")}
    environ["PYTHONPATH"] = str(ROOT)
    out = subprocess.run([sys.executable, "-c", probe], env=environ, cwd=ROOT, capture_output=True,
                         text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [True, True]


def test_the_definitions_are_marked_for_inlining_and_nothing_else():
    ir = textwrap.dedent("""\
        define linkonce_odr void @NRT_incref(ptr %.1) local_unnamed_addr #3 {
        define linkonce_odr void @NRT_decref(ptr %.1) local_unnamed_addr #3 {
        define void @NRT_decref_not(ptr %.1) #3 {
        declare void @NRT_MemInfo_call_dtor(ptr) local_unnamed_addr
        attributes #3 = { noinline }
    """)
    out = inlined_text(ir)
    assert out is not None
    lines = out.splitlines()
    assert lines[0].endswith("local_unnamed_addr #918273 {") and lines[1].endswith("#918273 {")
    assert lines[2:5] == ir.splitlines()[2:5]  # other functions and groups as they were
    assert lines[-1] == "attributes #918273 = { alwaysinline nounwind }"
    assert inlined_text("define void @other() #0 {\n") is None


INCREF = """\
define linkonce_odr void @NRT_incref(ptr %.1) local_unnamed_addr #918273 {
.3:
  %.4 = icmp eq ptr %.1, null
  br i1 %.4, label %common.ret, label %.3.endif, !prof !0

common.ret:                                       ; preds = %.3.endif, %.3
  ret void

.3.endif:                                         ; preds = %.3
  %.4.i = atomicrmw add ptr %.1, i64 1 monotonic, align 8
  br label %common.ret
}
"""
DECREF = """\
define linkonce_odr void @NRT_decref(ptr %.1) local_unnamed_addr #918273 {
.3:
  %.4 = icmp eq ptr %.1, null
  br i1 %.4, label %common.ret, label %.3.endif, !prof !0

common.ret:                                       ; preds = %.3, %.3.endif
  ret void

.3.endif:                                         ; preds = %.3
  fence release
  %0 = tail call i8 @llvm.x86.atomic.sub.cc.i64(ptr nonnull %.1, i64 1, i32 4)
  %1 = trunc i8 %0 to i1
  br i1 %1, label %.3.endif.if, label %common.ret, !prof !0

.3.endif.if:                                      ; preds = %.3.endif
  fence acquire
  tail call void @NRT_MemInfo_call_dtor(ptr nonnull %.1)
  ret void
}
"""
OTHER = ("define void @elsewhere(ptr %p) {\n  %old = atomicrmw add ptr %p, i64 1 monotonic, align 8\n"
         "  ret void\n}\n")


def test_plain_counts_are_loads_and_stores_in_the_two_functions_only():
    out = plain_text(INCREF + DECREF + OTHER)
    assert out is not None
    incref, decref = out.split("define linkonce_odr void @NRT_decref")
    assert "atomic" not in incref and "atomic" not in decref.split("define void @elsewhere")[0]
    assert "fence" not in out
    assert "%.4.i = load i64, ptr %.1, align 8\n  %streetsim.count = add i64 %.4.i, 1\n" \
           "  store i64 %streetsim.count, ptr %.1, align 8" in incref
    assert "%streetsim.count = sub i64 %0, 1" in decref and "%1 = icmp eq i64 %streetsim.count, 0" in decref
    assert out.endswith(OTHER)  # another function's atomic operation is left alone
    unknown = DECREF.replace("i64 1, i32 4)", "i64 1, i32 5)")  # a form not known here
    assert plain_text(INCREF + unknown) is None


def _lock_prefixes(function, monkeypatch: pytest.MonkeyPatch, packages: tuple[str, ...]) -> int:
    """Locked (atomic) instructions in the machine code :func:`inlined` makes of
    ``function``'s library when :data:`~sim.numba_refcounts.PLAIN_PACKAGES` is ``packages``."""
    monkeypatch.setattr(refcounts, "PLAIN_PACKAGES", packages)
    library = function.overloads[function.signatures[0]].library
    copy = inlined(library._final_module, library._codegen)
    assert copy is not None
    return len(re.findall(r"^\s*lock\b", library._codegen._tm.emit_assembly(copy), re.MULTILINE))


def test_only_the_projects_libraries_holding_the_gil_get_plain_counts(monkeypatch: pytest.MonkeyPatch):
    import llvmlite.binding as ll
    import numpy as np
    from numba import njit

    def body(x):
        total = 0.0
        for i in range(len(x) - 1):
            total += x[i:][0] * 0.5
        return np.argsort(np.full(3, total))  # numba's sort linked in

    here = (__name__.split(".")[0],)  # this module's top package: its kernels' mangled names
    mangled = f"{len(here[0])}{here[0]}"
    holding, releasing = njit(body), njit(nogil=True)(body)
    assert holding(np.arange(4.0)).tolist() == releasing(np.arange(4.0)).tolist() == [0, 1, 2]
    library = holding.overloads[holding.signatures[0]].library
    monkeypatch.setattr(refcounts, "PLAIN_PACKAGES", here)
    assert plain_allowed(library._final_module, str(library._final_module))
    copy = inlined(library._final_module, library._codegen)
    assert "atomic" not in str(copy).replace("declare i8 @llvm.x86.atomic", "")
    exported = {f.name for f in copy.functions if not f.is_declaration and f.linkage != ll.Linkage.internal}
    assert exported and all(name.startswith((f"_ZN{mangled}", f"_ZN7cpython{mangled}", f"cfunc._ZN{mangled}"))
                            for name in exported)  # the linked-in functions made internal
    assert _lock_prefixes(holding, monkeypatch, here) == 0
    assert _lock_prefixes(holding, monkeypatch, ("sim",)) > 0  # another package's library
    assert _lock_prefixes(releasing, monkeypatch, here) > 0  # it releases the GIL
    monkeypatch.setenv(refcounts.PLAIN_ENV, "0")
    assert _lock_prefixes(holding, monkeypatch, here) > 0
    monkeypatch.delenv(refcounts.PLAIN_ENV)
    monkeypatch.setattr(sys, "_is_gil_enabled", lambda: False, raising=False)  # a free-threaded build
    assert _lock_prefixes(holding, monkeypatch, here) > 0


def test_the_projects_own_kernels_qualify_for_plain_counts():
    """The names of ``sim``'s compiled functions and their wrappers read as those of
    :data:`PLAIN_PACKAGES` (whether compiled now or loaded from the cache), numba's own
    do not."""
    import numpy as np
    from numba import njit

    from sim.hours import take_hours
    from sim.mechanisms.triage import by_route

    take_hours(np.zeros((2, 3)), 0, np.ones(3), np.ones(3))
    by_route(np.arange(3), np.array([0, 1, 2], np.int8))
    for kernel in (take_hours, by_route):
        described = next(iter(kernel.overloads.values())).fndesc
        names = (described.mangled_name, described.llvm_cpython_wrapper_name,
                 described.llvm_cfunc_wrapper_name)
        assert all(of_plain_package(name) for name in names), names
    sorted_by_numba = njit(lambda x: np.sort(x))
    sorted_by_numba(np.arange(3.0))
    library = next(iter(sorted_by_numba.overloads.values())).library
    linked = [f.name for f in library._final_module.functions
              if "quicksort" in f.name and not f.is_declaration]
    assert linked and not any(of_plain_package(name) for name in linked)  # numba's sort: not sim's


def test_no_kernel_of_the_project_releases_the_gil():
    """Plain counts are safe because no kernel of ``sim`` runs without the GIL."""
    for path in sorted((ROOT / "sim").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\bnogil\s*=|\bparallel\s*=\s*True|\bprange\b", text), path


@pytest.mark.slow
def test_a_run_is_the_same_with_the_counts_inlined_and_without(tmp_path: Path):
    """The kernels as compiled for the other tests (counts inlined, and plain), against
    every kernel compiled afresh without inlining (atomic counts in calls, in a cache
    folder of its own)."""
    plain = {"STREETSIM_INLINE_REFCOUNTS": "0", "NUMBA_CACHE_DIR": str(tmp_path / "plain")}
    assert small_run_digest({"STREETSIM_INLINE_REFCOUNTS": "1"}) == small_run_digest(plain)
