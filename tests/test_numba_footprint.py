"""numba's runtime module from the kernel cache, and linking IR parsed on demand
(:mod:`sim.numba_footprint`): the same compiled code and results, less memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.conftest import small_run_digest

ROOT = Path(__file__).resolve().parents[1]

KERNEL = textwrap.dedent("""
    import numpy as np
    from numba import njit

    @njit(cache=True)
    def scaled(x, k):
        out = np.empty(len(x))  # an array made: the runtime's allocation and counts
        for i in range(len(x)):
            out[i] = x[i] * k
        return out
""")

PROBE = textwrap.dedent("""
    import json, sys
    import numpy as np
    import sim.numba_footprint as footprint
    footprint.install()
    from numba import njit
    from numba.core.runtime import nrt
    import probe_kernel

    x = np.arange(5.0)
    first = probe_kernel.scaled(x, 2.0).tolist()
    library = probe_kernel.scaled.overloads[probe_kernel.scaled.signatures[0]].library
    parsed_before = library._shared_module is not None
    engine = library._codegen._engine
    unparsed = len(engine.__dict__.get("_streetsim_unparsed", []))
    unknown = engine.is_symbol_defined("no_such_symbol")  # parses what is unparsed, then answers
    left = len(engine.__dict__.get("_streetsim_unparsed", []))

    @njit
    def twice(x):  # compiled now: links the cached kernel's module in
        return probe_kernel.scaled(x, 2.0) * 2.0

    print(json.dumps({
        "installed": footprint._installed,
        "runtime_cached": bool(nrt.rtsys._library._disable_inspection),
        "kernel_from_cache": bool(probe_kernel.scaled.stats.cache_hits),
        "first": first,
        "parsed_before_link": parsed_before,
        "unparsed_at_load": unparsed,
        "unknown_symbol": unknown,
        "unparsed_after_lookup": left,
        "linked": twice(x).tolist(),
    }))
""")


def _probe(tmp_path: Path, cache: Path, **env: str) -> dict:
    """Run :data:`PROBE` in a fresh process with numba's cache at ``cache``."""
    (tmp_path / "probe_kernel.py").write_text(KERNEL, encoding="utf-8")
    (tmp_path / "probe.py").write_text(PROBE, encoding="utf-8")
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "STREETSIM_"))}
    environ.update(NUMBA_CACHE_DIR=str(cache), PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]), **env)
    out = subprocess.run([sys.executable, str(tmp_path / "probe.py")], env=environ, cwd=tmp_path,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _runtime_files(cache: Path) -> list[Path]:
    return sorted(cache.rglob("numba-runtime-*.nbo"))


def test_the_runtime_is_stored_once_then_loaded_and_cached_kernels_link_on_demand(tmp_path: Path):
    cache = tmp_path / "cache"
    first = _probe(tmp_path, cache)
    assert first["installed"] and not first["runtime_cached"]  # compiled, then stored
    assert len(_runtime_files(cache)) == 1
    again = _probe(tmp_path, cache)
    assert again["runtime_cached"] and again["kernel_from_cache"]
    assert again["first"] == [0.0, 2.0, 4.0, 6.0, 8.0]
    assert not again["parsed_before_link"]  # the cached kernel's bitcode kept unparsed...
    assert again["unparsed_at_load"] >= 1 and not again["unknown_symbol"]
    assert again["unparsed_after_lookup"] == 0  # ...parsed for a symbol no object defines...
    assert again["linked"] == [0.0, 4.0, 8.0, 12.0, 16.0]  # ...and parsed when linked


def test_a_damaged_runtime_file_is_compiled_again_and_replaced(tmp_path: Path):
    cache = tmp_path / "cache"
    _probe(tmp_path, cache)
    (stored,) = _runtime_files(cache)
    good = stored.read_bytes()
    stored.write_bytes(good[:-40] + bytes(40))  # same length, wrong bytes
    damaged = _probe(tmp_path, cache)
    assert not damaged["runtime_cached"] and damaged["first"] == [0.0, 2.0, 4.0, 6.0, 8.0]
    assert stored.read_bytes() == good  # written afresh, whole
    stored.write_bytes(b"")
    assert _probe(tmp_path, cache)["linked"] == [0.0, 4.0, 8.0, 12.0, 16.0]
    assert not list(cache.rglob("*.tmp"))


def test_switched_off_numba_is_left_as_it_is(tmp_path: Path):
    cache = tmp_path / "cache"
    off = _probe(tmp_path, cache, STREETSIM_NUMBA_FOOTPRINT="0")
    assert not off["installed"] and not off["runtime_cached"] and off["parsed_before_link"]
    assert off["unparsed_at_load"] == 0
    assert off["linked"] == [0.0, 4.0, 8.0, 12.0, 16.0]
    assert not _runtime_files(cache)


def test_a_run_is_the_same_with_and_without():
    on, off = ({"STREETSIM_NUMBA_FOOTPRINT": setting} for setting in ("1", "0"))
    assert small_run_digest(on) == small_run_digest(off)


def test_the_symbols_read_from_an_object_are_those_numba_reads_from_its_bitcode():
    """What :func:`sim.numba_footprint.defined_symbols` reads from the object code LLVM
    makes of a compiled function's module: the defined functions and data numba's
    ``JitEngine._load_defined_symbols`` reads from the module, but for constants
    (``.const.*``) the object may keep to itself; None for what is not ELF."""
    import numpy as np
    from numba import njit

    from sim.numba_footprint import defined_symbols

    @njit
    def total(x):
        if len(x) == 0:
            raise ValueError("empty")
        return np.cumsum(x)[-1]

    total(np.arange(3.0))
    library = total.overloads[total.signatures[0]].library
    module = library._final_module
    from_ir = {g.name for gs in (module.functions, module.global_variables) for g in gs
               if not g.is_declaration}
    obj = library._codegen._tm.emit_object(module)
    if obj[:4] != b"\x7fELF":
        assert defined_symbols(obj) is None
        return
    from_object = defined_symbols(obj)
    assert {n for n in from_ir if not n.startswith(".const.")} <= from_object <= from_ir
    assert len(from_object) > 2
    assert defined_symbols(b"MZ not an ELF file") is None
    assert defined_symbols(obj[:200]) is None  # cut short


def test_only_the_numba_versions_it_was_written_for():
    from sim.numba_footprint import supported_numba

    assert supported_numba("0.60.0") and supported_numba("0.68.1") and supported_numba("0.69.0rc1")
    assert not supported_numba("0.59.1") and not supported_numba("0.70.0") and not supported_numba("1.0.0")
    assert not supported_numba("unknown")
