"""Profile: where full street runs spend their time, by function, compiled kernels named.

Linux ``perf`` samples the timed runs only (not the imports, the warm-up run or the
collector's passes between runs), and the compiled kernels get their names in the
report: numba's machine code carries no symbols ``perf`` can read, so the profiled
process adds the address and name of every function of every loaded kernel to the perf
map that Python's ``-X perf`` writes (``/tmp/perf-<pid>.map``). Compiled functions show
as ``nb::module.function`` (``nb::NRT_incref``/``NRT_decref``: numba's reference counts),
Python functions as ``py::``. Prints the share of samples by kind, then the top symbols.

    python benchmarks/profile_perf.py                       # 12 baseline runs, top 40
    python benchmarks/profile_perf.py --runs 20 --scenario combined --top 60 --keep perf.data
    python benchmarks/profile_perf.py --runs 2 --scenario district --district-streets 15  # a district's run

``--callers`` also says which functions the samples of a few named functions came from
(by default numba's runtime: its reference counts and allocations, whose own names say
nothing about where a run pays for them). It compiles the kernels afresh, with frame pointers, into a
folder of its own (the real cache is left alone; about a minute and a half more) and
records call chains (``perf record -g``); a sample taken in the first instructions of a
function, before its frame is set up, is put on its caller's caller.

    python benchmarks/profile_perf.py --callers --runs 8

Needs ``perf`` (Debian: ``linux-perf``) allowed to sample this user's processes
(``kernel.perf_event_paranoid`` at most 2). The names come from numba's code libraries
(``CodeLibrary._get_module_for_linking``, an internal of numba 0.6x): with another numba
the script still runs, naming only each kernel's entry point.
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

CONTROL_ENV = "STREETSIM_PERF_CONTROL"
"""The fifo the profiled process writes ``enable``/``disable`` to (``perf --control``)."""
FRAME_POINTERS_ENV = "STREETSIM_PERF_FRAME_POINTERS"
"""Set (to 1) in the profiled process: compile every kernel with frame pointers."""
CALLEE_PATTERN = r"^(nb::)?NRT_"
"""Functions whose callers ``--callers`` counts by default: numba's runtime (reference
counts, allocation). Callers are known only through code with frame pointers: those of
a C library's functions (glibc's ``malloc``) show as ``[unknown]``."""
MAX_SYMBOL_BYTES = 1 << 18
"""A symbol's size is the distance to the next known address, at most this."""

KINDS = (
    ("numba reference counts", lambda dso, sym: sym.startswith("nb::NRT_")),
    ("compiled kernels", lambda dso, sym: sym.startswith("nb::")),
    ("Python interpreter and Python code", lambda dso, sym: "libpython" in dso or sym.startswith("py::")),
    ("NumPy called from Python", lambda dso, sym: "_multiarray_umath" in dso or "numpy" in dso),
    ("malloc/free", lambda dso, sym: dso.startswith("libc") and re.search(r"malloc|free|unlink_chunk", sym)),
    ("math library (exp, log, log1p)", lambda dso, sym: dso.startswith("libm")),
    ("SciPy's ndtri", lambda dso, sym: "ndtri" in sym),
    ("numba runtime (allocation)", lambda dso, sym: "_nrt_python" in dso or sym.startswith("NRT_")),
    ("operating system kernel", lambda dso, sym: "kernel" in dso),
)
"""Groups of the summary, first match wins; the rest is ``other``."""


def demangle(name: str) -> str:
    """``module.function`` of a numba symbol (its ``_ZN<len><part>...`` prefix; the C
    wrapper's ``cfunc.`` mark kept, the Python wrapper's ``cpython`` part shown as one);
    other names as they are."""
    mark = "cfunc." if name.startswith("cfunc.") else ""
    name = name[len(mark):]
    if not name.startswith("_ZN"):
        return mark + name
    parts, i = [], 3
    while i < len(name) and name[i].isdigit():
        j = i
        while name[j].isdigit():
            j += 1
        length = int(name[i:j])
        parts.append(name[j : j + length])
        i = j + length
    return mark + ".".join(parts)


def kernel_symbols(module_prefix: str = "sim") -> dict[int, str]:
    """Address -> name of every compiled function of every loaded kernel (numba
    dispatchers that are globals of the modules named ``module_prefix...``)."""
    from numba.core.registry import CPUDispatcher

    found: dict[int, str] = {}
    for mod_name, module in list(sys.modules.items()):
        if not mod_name.startswith(module_prefix) or module is None:
            continue
        for value in list(vars(module).values()):
            if not isinstance(value, CPUDispatcher):
                continue
            for cres in value.overloads.values():
                library = cres.library
                module = linking_module(library)
                names = ([f.name for f in module.functions if not f.is_declaration] if module is not None
                         else [cres.fndesc.llvm_func_name])
                for name in names:
                    try:
                        address = library.get_pointer_to_function(name)
                    except Exception:  # a symbol the engine does not export
                        address = 0
                    if address:
                        found[address] = f"nb::{demangle(name)}"
    return found


def linking_module(library):
    """The LLVM module of every function compiled into a numba code library (numba's
    module kept for linking: parsed from the cached bitcode on demand when
    ``sim.numba_footprint`` is in force), or None where numba offers none."""
    try:
        return library._get_module_for_linking()
    except Exception:  # another numba's internals, or a library unfit for linking
        return getattr(library, "_shared_module", None)


def perf_map_lines(symbols: dict[int, str]) -> Iterable[str]:
    """Lines of a perf map (``start size name``, hex) for ``symbols``: each runs to the
    next address, at most :data:`MAX_SYMBOL_BYTES`."""
    starts = sorted(symbols)
    for i, start in enumerate(starts):
        size = min(starts[i + 1] - start, MAX_SYMBOL_BYTES) if i + 1 < len(starts) else 4096
        yield f"{start:x} {size:x} {symbols[start]}\n"


def compile_with_frame_pointers() -> None:
    """Make numba compile every function from here on with frame pointers (the
    ``"frame-pointer"="all"`` attribute on each definition of the LLVM IR it adds to a
    library: ``CPUCodeLibrary.add_ir_module``, an internal of numba 0.6x), so that
    ``perf record -g`` can walk the compiled code's call chains."""
    import llvmlite.binding as ll
    from numba.core import cgutils
    from numba.core.codegen import CPUCodeLibrary

    define = re.compile(r"^(define [^\n]*?)\s*\{\s*$", re.MULTILINE)

    def add_ir_module(self, ir_module) -> None:
        self._raise_if_finalized()
        text = define.sub(lambda m: m.group(1) + ' "frame-pointer"="all" {',
                          cgutils.normalize_ir_text(str(ir_module)))
        module = ll.parse_assembly(text)
        module.name = ir_module.name
        module.verify()
        self.add_llvm_module(module)

    CPUCodeLibrary.add_ir_module = add_ir_module


def callers(perf_script: str, callee: str = CALLEE_PATTERN) -> dict[str, dict[str, int]]:
    """Samples per caller of each function matching ``callee``, from ``perf script -F
    ip,sym`` output of call chains (one sample a paragraph, innermost frame first):
    ``{callee: {caller: samples}}``."""
    found: dict[str, dict[str, int]] = {}
    pattern = re.compile(callee)
    for sample in perf_script.split("\n\n"):
        frames = [line.split(None, 1)[1].strip() for line in sample.strip().splitlines()
                  if len(line.split(None, 1)) == 2]
        if frames and pattern.search(frames[0]):
            by = found.setdefault(frames[0], {})
            caller = frames[1] if len(frames) > 1 else "[unknown]"
            by[caller] = by.get(caller, 0) + 1
    return found


def callers_table(found: dict[str, dict[str, int]], total: int, top: int) -> str:
    """The ``top`` (callee, caller) pairs of :func:`callers` as a Markdown table, with
    their share of all ``total`` samples."""
    rows = sorted(((n, callee, caller) for callee, by in found.items() for caller, n in by.items()),
                  reverse=True)[:top]
    lines = ["| function | called from | share |", "|---|---|---:|"]
    lines += [f"| {callee} | {caller} | {100 * n / max(total, 1):.2f}% |" for n, callee, caller in rows]
    return "\n".join(lines)


def child(args: argparse.Namespace) -> None:
    """The profiled process: a warm-up run, the perf map, then the sampled runs."""
    if os.environ.get(FRAME_POINTERS_ENV) == "1":
        compile_with_frame_pointers()
    from sim.allocator import keep_freed_memory
    from sim.model import StreetModel
    from sim.scenarios import load_scenario

    if args.district_streets:
        from sim.district import build_district_model, load_district

        district = load_district(args.scenario).with_values({"district.streets": args.district_streets},
                                                            source="profile")

        def model() -> StreetModel:
            return build_district_model(district, args.seed)[0]
    else:
        keep_freed_memory()  # as sim.runner.run does (run_district leaves glibc's defaults)
        scenario = load_scenario(args.scenario)

        def model() -> StreetModel:
            return StreetModel(scenario, seed=args.seed)

    model().run()  # warm-up: compiled kernels loaded
    with open(f"/tmp/perf-{os.getpid()}.map", "a") as f:
        f.writelines(perf_map_lines(kernel_symbols()))
    control = os.open(os.environ[CONTROL_ENV], os.O_WRONLY)
    for _ in range(args.runs):
        gc.collect()  # a finished model's agents form cycles; the pass is not sampled
        m = model()  # a district's model is built outside the samples, as a street's is not
        os.write(control, b"enable\n")
        m.run()
        os.write(control, b"disable\n")
    os.close(control)


def report(data: Path, top: int) -> str:
    """The summary by kind and the ``top`` symbols of the recorded ``data``."""
    out = subprocess.run(["perf", "report", "-i", str(data), "--sort", "dso,sym", "--stdio", "--no-children",
                          "-g", "none"],
                         check=True, capture_output=True, text=True).stdout
    return summary(out, top)


def summary(perf_report: str, top: int) -> str:
    """The summary by kind and the ``top`` symbols of ``perf report --sort dso,sym
    --stdio`` output (Markdown tables)."""
    merged: dict[tuple[str, str], float] = {}
    for line in perf_report.splitlines():
        m = re.match(r"\s*([\d.]+)%\s+(.+?)\s+\[[.k]\]\s+(.*)$", line)
        if m:  # one row per name: a kernel compiled into several callers' code appears once
            dso = "compiled" if m.group(2).startswith("[JIT]") else m.group(2).strip()
            key = (dso, m.group(3).strip())
            merged[key] = merged.get(key, 0.0) + float(m.group(1))
    rows = [(share, dso, sym) for (dso, sym), share in merged.items()]
    shares: dict[str, float] = {}
    for share, dso, sym in rows:
        kind = next((name for name, test in KINDS if test(dso, sym)), "other")
        shares[kind] = shares.get(kind, 0.0) + share
    lines = ["| kind | share of samples |", "|---|---:|"]
    lines += [f"| {kind} | {share:.1f}% |" for kind, share in sorted(shares.items(), key=lambda kv: -kv[1])]
    lines += ["", "| symbol | library | share |", "|---|---|---:|"]
    lines += [f"| {sym} | {dso} | {share:.2f}% |" for share, dso, sym in sorted(rows, reverse=True)[:top]]
    return "\n".join(lines)


def main() -> None:
    """Record the runs under ``perf`` and print the report."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=12)
    ap.add_argument("--scenario", default="baseline", help="a scenario; with --district-streets, a district")
    ap.add_argument("--district-streets", type=int, default=0, metavar="N",
                    help="profile the model run of a district (--scenario: its file or name) of N streets")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--frequency", type=int, default=4999, help="samples a second")
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--keep", type=Path, help="keep perf's data file here")
    ap.add_argument("--callers", nargs="?", const=CALLEE_PATTERN, metavar="REGEX",
                    help="also count the callers of the functions matching REGEX (default: numba's "
                         "reference counts and allocations); compiles the kernels afresh with frame "
                         "pointers")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args)
        return
    if shutil.which("perf") is None:
        sys.exit("profile_perf.py: `perf` is not installed (Debian: apt install linux-perf)")
    with tempfile.TemporaryDirectory() as tmp:
        fifo = Path(tmp) / "control"
        os.mkfifo(fifo)
        data = args.keep or Path(tmp) / "perf.data"
        env = {**os.environ, CONTROL_ENV: str(fifo)}
        chains = []
        if args.callers:  # kernels with frame pointers, compiled into a folder of their own
            env.update({FRAME_POINTERS_ENV: "1", "NUMBA_CACHE_DIR": str(Path(tmp) / "kernels")})
            chains = ["-g"]
        cmd = ["perf", "record", "-q", *chains, "-D", "-1", "--control", f"fifo:{fifo}", "-F",
               str(args.frequency), "-o", str(data), "--", sys.executable, "-X", "perf", __file__, "--child",
               "--runs", str(args.runs), "--scenario", args.scenario, "--seed", str(args.seed),
               "--district-streets", str(args.district_streets)]
        subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
        what = args.scenario + (f" ({args.district_streets} streets)" if args.district_streets else "")
        print(f"{what}, seed {args.seed}: {args.runs} runs sampled at {args.frequency} Hz "
              f"(the warm-up run and the collections between runs left out)\n")
        print(report(data, args.top))
        if args.callers:
            out = subprocess.run(["perf", "script", "-i", str(data), "-F", "ip,sym"], check=True,
                                 capture_output=True, text=True).stdout
            total = sum(1 for part in out.split("\n\n") if part.strip())
            print(f"\nCallers of the functions matching {args.callers!r} (kernels with frame pointers):\n")
            print(callers_table(callers(out, args.callers), total, args.top))


if __name__ == "__main__":
    main()
