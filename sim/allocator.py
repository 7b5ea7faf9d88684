"""Keep the memory one run frees for the next run of the same process (glibc's malloc).

A street run allocates its case table and working arrays afresh: tens of megabytes in
blocks of 0.1-30 MB. By default glibc serves blocks above its mmap threshold (128 KiB
at first, moving up to 32 MiB as such blocks are freed) with fresh pages from the
kernel and gives the heap's free top back once it exceeds twice that threshold. Each
run then touches ~6,000 new pages, which the kernel zeroes one by one: ``perf`` put
about 8% of a run's time in the kernel's page clearing and faults.

:func:`keep_freed_memory` (called by :func:`sim.runner.run`, which sweeps, ``run_many``
and the CLI's street runs go through) sets the mmap threshold to 32 MiB (blocks above
that still map fresh pages) and keeps up to :data:`KEEP_BYTES` of free memory at the
top of the heap, so a sweep's or notebook's next run reuses the pages of the last one.
It changes no result; up to :data:`KEEP_BYTES` stay with the process between runs.
District runs leave glibc's defaults alone: one district is usually one process, and
with the setting its blocks of up to 32 MiB left holes in the heap that raised the peak
memory of a 30-street district from 3,477 to 3,642 MB (60 streets: ~6,100 to 6,592 MB)
for no gain in time. Set ``STREETSIM_KEEP_FREED_MEMORY=0`` to keep glibc's defaults
everywhere; other C libraries (macOS, Windows, musl) are left as they are.
"""

from __future__ import annotations

import ctypes
import os
import platform

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
"""``mallopt`` parameters (``<malloc.h>``)."""
MMAP_THRESHOLD = 32 * 1024 * 1024
"""Blocks up to this size come from the heap (glibc's largest dynamic threshold on
64-bit systems)."""
KEEP_BYTES = 1 << 30
"""Free memory kept at the top of the heap (1 GiB: well above what a street run frees)."""
ENV = "STREETSIM_KEEP_FREED_MEMORY"

_done: bool | None = None


def keep_freed_memory() -> bool:
    """Set glibc's malloc to keep freed memory (once per process); returns whether the
    settings are in force (False off glibc, or when ``STREETSIM_KEEP_FREED_MEMORY=0``)."""
    global _done
    if _done is None:
        _done = False
        if os.environ.get(ENV, "1") != "0" and platform.libc_ver()[0] == "glibc":
            try:
                libc = ctypes.CDLL("libc.so.6")
                _done = bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
                             and libc.mallopt(M_TRIM_THRESHOLD, KEEP_BYTES))
            except (OSError, AttributeError):
                _done = False
    return _done
