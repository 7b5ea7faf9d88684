"""The memory split of ``benchmarks/bench_baseline.py``: which libraries' file pages a process holds."""

from __future__ import annotations

import sys

import pytest
from bench_baseline import file_pages_by_library


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/smaps")
def test_file_pages_are_named_by_package_and_ranked():
    import numpy  # noqa: F401  (a package of site-packages with mapped libraries)

    held = [item.split("=") for item in file_pages_by_library(top=50).split(",")]
    names = [name for name, _ in held]
    sizes = [float(mb) for _, mb in held]
    assert "numpy" in names or "numpy.libs" in names
    assert sizes == sorted(sizes, reverse=True)
    assert len(file_pages_by_library(top=2).split(",")) == 2
