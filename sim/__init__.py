"""streetsim: agent-based simulation of a Chinese urban subdistrict's governance capacity.

The Python API (the CLI is a thin layer over it)::

    from sim import load_scenario, run
    scenario = load_scenario("baseline")        # name or path; validated before any work
    result = run(scenario, seed=1)              # one replication
    result.yearly                               # DataFrame: year x indicator
    result.indicators                           # long format
    result.cases                                # per-case event table
    frame = run_many(scenario, seeds=10)        # ten replications, one tidy frame
"""

from typing import TYPE_CHECKING

from sim.kernel_cache import configure as _configure_kernel_cache

_configure_kernel_cache()  # before any kernel module is imported: see sim.kernel_cache

from sim.params.errors import InputError  # noqa: E402

if TYPE_CHECKING:
    from sim.params.scenario import Scenario
    from sim.runner import RunResult, run
    from sim.scenarios import load_scenario

__all__ = ["InputError", "RunResult", "Scenario", "load_scenario", "run", "run_many"]
__version__ = "0.1.0"

_LAZY = {"Scenario": "sim.params.scenario", "load_scenario": "sim.scenarios",
         "RunResult": "sim.runner", "run": "sim.runner"}


def __getattr__(name: str):
    """Import the API on first use, so that ``import sim`` (and ``streetsim --help``)
    stays light."""
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def run_many(*args, **kwargs):
    """Several replications as one tidy frame (see :func:`sim.many.run_many`)."""
    from sim.many import run_many as _run_many

    return _run_many(*args, **kwargs)
