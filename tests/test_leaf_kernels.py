"""Leaf kernels (``sim.compiled.leaf``, compiled without numba's reference counts) keep
the runtime's books balanced: a run frees every array it made, no more and no fewer."""

from __future__ import annotations

import os
import subprocess
import sys

from sim.hours import take_one

CODE = """
import gc
from numba.core.runtime import rtsys
from sim.model import StreetModel
from sim.scenarios import load_scenario

scenario = load_scenario("baseline").with_values({"population.residents": 5000,
                                                  "run.end_date": "2024-09-30"})

def live():
    gc.collect()
    s = rtsys.get_allocation_stats()
    return s.alloc - s.free, s.mi_alloc - s.mi_free

for n_streets in (1, 2, 1):  # the one-street loop and the district loop; caches warm first
    StreetModel(scenario, seed=3, n_streets=n_streets).run()
before = live()
for n_streets in (1, 2):
    model = StreetModel(scenario, seed=4, n_streets=n_streets)
    model.run()
    del model
print(before, live())
"""


def test_runs_leave_no_array_alive_nor_freed_twice():
    """After two runs (one street, two streets) are dropped, numba's runtime holds as
    many live allocations as before them: a leaf returning an array, or keeping one a
    callee returned, would leave one more (or one less) each time it ran."""
    env = dict(os.environ, NUMBA_NRT_STATS="1")
    out = subprocess.run([sys.executable, "-c", CODE], env=env, capture_output=True, text=True,
                         check=True).stdout.strip()
    before, after = out.split(") (")
    assert before + ")" == "(" + after, out


def test_a_leaf_is_compiled_without_the_runtime():
    """``leaf`` is ``njit`` with numba's runtime off (a call takes no reference on its
    array arguments), and a leaf still computes: ``take_one`` adds hours in place."""
    import numpy as np

    assert take_one.targetoptions["_nrt"] is False
    by_bucket = np.zeros((2, 3))
    by_bucket[0, 1] = 1.0
    got = take_one(by_bucket, 1, np.array([4.0, 4.0, 4.0]), 1, 5.0)
    assert got == 3.0 and by_bucket[1].tolist() == [0.0, 3.0, 0.0]
