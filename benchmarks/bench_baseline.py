"""Benchmark: one full-scale baseline run (58,000 residents, 2024-2030) on one core.

Prints, after one warm-up run (imports, compiled kernels, caches): the model run
alone and run + tables + indicators (wall and CPU seconds, best of ``--repeat``),
peak memory (the peak resident set of a fresh process running once - what a sweep
worker needs - and how much of it is private rather than pages of the libraries' files,
naming the libraries holding most of those: :func:`fresh_run_memory`; then the same
with the libraries' files read afresh from disk, :func:`drop_cached_libraries`; Python
allocations by tracemalloc during one run; this process's peak over its timed runs),
resident-days per second, and, as fresh processes, the whole ``streetsim run baseline``
command and ``streetsim --help`` start-up.

This machine's speed drifts (the project's 2-core machine has run the same code from
0.23 to 0.51 s), so each timed run is followed by the dense-numpy reference of
``reference_numpy.py`` on the same population and horizon: a yardstick timed in the
same minutes. Its best time and the ratio of the best model run to it compare figures
taken on different machines or hours (:func:`yardstick_seconds`).

    python benchmarks/bench_baseline.py [--repeat 3] [--seed 1] [--no-cli]
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc


def yardstick_seconds(seed: int) -> float:
    """Wall seconds of one dense-numpy reference run (``reference_numpy.run_numpy``, the
    resident rule set on the baseline's population and horizon): the machine's speed
    in the minutes around a timed run, not a figure of streetsim's."""
    from reference_numpy import run_numpy
    from reference_rules import baseline_rules

    rules = baseline_rules()
    gc.collect()
    t0 = time.perf_counter()
    run_numpy(rules, rules.days, seed)
    return time.perf_counter() - t0


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def process_seconds(argv: list[str], repeat: int) -> float:
    """Best wall time of a fresh ``python -m sim.cli ARGV`` process, in seconds."""
    best = float("inf")
    env = dict(os.environ)
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "sim.cli", *argv], check=True, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - t0)
    return best


ONE_RUN = """
import sys
sys.path.insert(0, sys.argv[2])
from bench_baseline import file_pages_by_library, memory_status
from sim.scenarios import load_scenario
from sim.runner import run
before = memory_status()
_ = run(load_scenario("baseline"), seed=int(sys.argv[1])).yearly
after = memory_status()
print(before["VmHWM"], before["RssFile"], after["VmHWM"], after["RssAnon"], after["RssFile"],
      file_pages_by_library())
"""


def memory_status() -> dict[str, float]:
    """This process's peak resident set (``VmHWM``) and its present resident set split into
    private memory (``RssAnon``) and pages of mapped files (``RssFile``: the libraries'
    code and data, shared with other processes), in MB (Linux ``/proc/self/status``)."""
    out = {}
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            key = line.split(":")[0]
            if key in ("VmHWM", "RssAnon", "RssFile"):
                out[key] = int(line.split()[1]) / 1024
    return out


def file_pages_by_library(top: int = 4) -> str:
    """The ``top`` holders of this process's resident file pages, as ``name=MB`` joined by
    commas: a package of ``site-packages`` (``llvmlite``, ``pyarrow``...) or a library's
    file name (Linux ``/proc/self/smaps``; empty elsewhere)."""
    held: dict[str, float] = {}
    name = None
    try:
        with open("/proc/self/smaps", encoding="utf-8", errors="replace") as f:
            for line in f:
                parts = line.split()
                if parts and not parts[0].endswith(":"):  # a mapping's header line
                    path = parts[5] if len(parts) > 5 and parts[5].startswith("/") else None
                    name = (path.split("site-packages/")[1].split("/")[0] if path and "site-packages/" in path
                            else os.path.basename(path) if path else None)
                elif name and parts[0] == "Rss:":
                    held[name] = held.get(name, 0.0) + int(parts[1]) / 1024
    except OSError:
        return ""
    ranked = sorted(held.items(), key=lambda kv: -kv[1])[:top]
    return ",".join(f"{k}={v:.0f}" for k, v in ranked)


def drop_cached_libraries() -> int:
    """Drop the page-cache copies of the shared libraries this Python loads (its
    ``site-packages`` and its own ``lib``), so that a process started next reads them
    afresh from disk; returns how many files were dropped (0 where the system has no
    ``posix_fadvise``). Nothing else changes: pages that a running process maps stay.

    Why: a library file just written (by ``pip install``) sits in the page cache in the
    large blocks it was written in, and the kernel maps such a block whole when a process
    touches one page of it, so the same run counts ~75 MB more RSS in a fresh clone than
    once those files have been read back from disk (measured: numba's LLVM library 108
    against 69 MB). Dropping them first measures every checkout in the same state; pages
    that a running process maps stay, so call it before this process imports them."""
    if not hasattr(os, "posix_fadvise"):
        return 0
    import sysconfig

    paths = sysconfig.get_paths()
    roots = {paths["purelib"], paths["platlib"], sysconfig.get_config_var("LIBDIR")}
    n = 0
    for root in filter(None, roots):
        for dirpath, _, names in os.walk(root):
            for name in names:
                if ".so" not in name:
                    continue
                try:
                    fd = os.open(os.path.join(dirpath, name), os.O_RDONLY)
                except OSError:
                    continue
                try:
                    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                    n += 1
                finally:
                    os.close(fd)
    return n


def fresh_run_memory(seed: int) -> dict[str, float]:
    """Memory of a fresh process running once with tables and indicators (what a sweep
    worker needs per run), in MB: its peak RSS after imports and at the end, and bounds
    on the private part of that peak. The pages of mapped files (the libraries' code and
    data) only grow during a run, so at the peak they were at least those after the
    imports and at most those at the end: the private memory at the peak lies between
    ``peak - file pages at the end`` (and the private memory at the end) and ``peak -
    file pages after the imports``. How many library pages a process maps depends on
    the page cache (a library just installed sits whole in it, and the kernel maps
    neighbouring pages of each one touched), so the peak RSS of the same run varies
    between machines and hours while its private part does not."""
    here = os.path.dirname(os.path.abspath(__file__))
    out = subprocess.run([sys.executable, "-c", ONE_RUN, str(seed), here], check=True,
                         capture_output=True, text=True).stdout.split()
    imports_peak, imports_file, peak, anon_end, file_end = map(float, out[:5])
    return {"imports": imports_peak, "peak": peak, "private_low": max(anon_end, peak - file_end),
            "private_high": peak - imports_file, "files_low": imports_file, "files_high": file_end,
            "largest_files": out[5].replace("=", " ").replace(",", ", ") if len(out) > 5 else ""}


def main() -> None:
    """Run the benchmark and print its figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-cli", action="store_true", help="skip the fresh-process timings")
    args = ap.parse_args()
    # first, while this process maps none of the libraries (their cached pages can then
    # be dropped): the fresh processes' memory, as found and with the libraries read afresh
    memory = [("", fresh_run_memory(args.seed))]
    if drop_cached_libraries():
        memory.append(("libraries read afresh: ", fresh_run_memory(args.seed)))
    from sim.model import StreetModel
    from sim.runner import run
    from sim.scenarios import load_scenario

    scenario = load_scenario("baseline")
    p = scenario.params
    resident_days = p.population.residents * ((p.run.end_date - p.run.start_date).days + 1)
    base_rss = peak_rss_mb()
    _ = run(scenario, seed=args.seed).yearly  # warm-up: imports, compiled kernels, caches
    walls, cpus, fulls, yards = [], [], [], []
    for _ in range(args.repeat):
        gc.collect()  # a finished model's agents form cycles; pool workers collect after each run
        w0, c0 = time.perf_counter(), time.process_time()
        StreetModel(scenario, seed=args.seed).run()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
        gc.collect()
        w0 = time.perf_counter()
        _ = run(scenario, seed=args.seed).yearly
        fulls.append(time.perf_counter() - w0)
        yards.append(yardstick_seconds(args.seed))
    runs_peak = peak_rss_mb()  # before tracemalloc, whose own bookkeeping adds ~55 MB
    tracemalloc.start()
    _ = run(scenario, seed=args.seed).yearly
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    best = min(walls)
    print(f"baseline: {p.population.residents} residents, {p.run.start_date}..{p.run.end_date}, "
          f"seed {args.seed}, {args.repeat} repeats after one warm-up run")
    print(f"model run wall s   best {best:.3f}  all {', '.join(f'{w:.3f}' for w in walls)}")
    print(f"model run cpu s    best {min(cpus):.3f}")
    print(f"run + tables + indicators wall s  best {min(fulls):.3f}  "
          f"all {', '.join(f'{w:.3f}' for w in fulls)}")
    print(f"machine yardstick  dense-numpy reference after each run, wall s best {min(yards):.3f}  "
          f"all {', '.join(f'{w:.3f}' for w in yards)}; model run / yardstick {best / min(yards):.2f}")
    for i, (label, mem) in enumerate(memory):
        head = "" if i else "peak memory MB"
        print(f"{head:19s}{label}{mem['peak']:.0f} peak RSS of a fresh process running once "
              f"({mem['imports']:.0f} after its imports): "
              f"{mem['private_low']:.0f}-{mem['private_high']:.0f} private, the rest pages of the "
              f"libraries' files ({mem['files_low']:.0f}-{mem['files_high']:.0f}; largest at the end: "
              f"{mem['largest_files'] or 'not known here'})")
    print(f"                   {traced_peak / 2**20:.0f} Python allocations in one run (tracemalloc); "
          f"{runs_peak:.0f} peak RSS of this process over its timed runs "
          f"({base_rss:.0f} before the first run)")
    print(f"resident-days/s    {resident_days / best:,.0f}")
    if not args.no_cli:
        with tempfile.TemporaryDirectory() as tmp:
            cmd = process_seconds(["run", "baseline", "--seed", str(args.seed), "--out", f"{tmp}/out"], 1)
        print(f"streetsim run baseline --out  process wall s {cmd:.2f}")
        helps = process_seconds(["--help"], args.repeat)
        print(f"streetsim --help start-up     process wall s best {helps:.2f}")


if __name__ == "__main__":
    main()
