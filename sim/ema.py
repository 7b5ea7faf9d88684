"""EMA Workbench support: the street model as an ``ema_workbench`` model.

>>> from ema_workbench import MultiprocessingEvaluator, perform_experiments
>>> from sim.ema import ema_model, forkserver_start
>>> model = ema_model("combined", outcomes=["resolution_rate", "satisfaction"], years=(2027,),
...                   residents=10_000, replications=2)
>>> model.factors                      # every uncertainty and lever: bounds, unit, provenance
>>> with forkserver_start(), MultiprocessingEvaluator(model, n_processes=2) as ev:
...     experiments, outcomes = ev.perform_experiments(scenarios=20)
>>> outcomes["resolution_rate_2027"]   # experiments x replications

What the model is made of:

* **uncertainties**: every scalar assumption parameter of the scenario (provenance
  "assumption...") over +/-``band`` of its value, clipped to its schema range (the same
  ranges as ``[assumptions]`` in sensitivity experiments), and - with ``stressors=True`` -
  every risk stressor of brief §5 on or off at its default settings;
* **levers**: every reform lever of the catalogue on or off (default: as the scenario has
  it) and each numeric setting over +/-``lever_band`` of its value, within its declared
  bounds;
* **outcomes**: the plan's indicators at each of ``years``, one ``ArrayOutcome``
  ``INDICATOR_YEAR`` holding one value per replication (EMA's
  ``process_replications`` averages them).

EMA names must be Python identifiers, so a parameter ``feedback.p_complaint`` is the
uncertainty ``feedback__p_complaint``; ``model.factors`` maps each name back to its key,
bounds, unit and provenance. Replication ``k`` runs on the ``k``-th seed of
:func:`sim.randomness.seeds.replication_seeds` - the seeds of ``streetsim compare`` and
``streetsim sweep`` - so any EMA evaluator (sequential, multiprocessing, MPI)
reproduces ``sim.run`` on the same scenario and seed. EMA's numpy integers, floats and
booleans are turned into Python values before the scenario is validated.
"""

from __future__ import annotations

import multiprocessing
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiment.compare import DEFAULT_SEED
from sim.experiment.design import DEFAULT_BAND, assumption_parameters
from sim.indicators.definitions import INDICATORS
from sim.levers.catalogue import LEVERS
from sim.levers.stressors import STRESSORS
from sim.params.scenario import Scenario
from sim.params.schema import SPEC_BY_KEY
from sim.randomness import replication_seeds
from sim.scalars import python_scalar
from sim.scenarios import load_scenario

LEVER_BAND = 0.5
# Lowest values the model can run with where the schema range allows less: staff over 45
# draw their age from [45, retirement age) (sim/agents/staff.py).
FLOORS = {"workforce.retirement_age": 46}
DEFAULT_YEARS = (2027, 2030)
_STRESS, _LEVER = "stress__", "lever__"


@contextmanager
def forkserver_start() -> Iterator[None]:
    """Make ``forkserver`` the default start method of :mod:`multiprocessing` for the
    block, then restore the one before; no change where the platform has no forkserver.

    For evaluators that make their pool with the default start method, such as EMA's
    ``MultiprocessingEvaluator``: on Linux before Python 3.14 that default is ``fork``,
    and a process forked from one that runs threads (a Dask client, a notebook kernel,
    a library's thread pool) can wait forever on a lock one of those threads held
    (Python 3.12 warns of it). A forkserver worker starts from a process without
    threads; it costs a few seconds at the start, while each worker imports the model."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        yield
        return
    previous = multiprocessing.get_start_method(allow_none=True)
    multiprocessing.set_start_method("forkserver", force=True)
    try:
        yield
    finally:
        multiprocessing.set_start_method(previous, force=True)


def ema_name(key: str) -> str:
    """An EMA identifier for a dotted parameter key (``a.b`` -> ``a__b``)."""
    return re.sub(r"\W", "_", key.replace(".", "__"))


def plan_indicators(kinds: Iterable[str] = ("outcome", "process", "input")) -> list[str]:
    """Keys of the plan's indicators of the given kinds, in definition order."""
    kinds = set(kinds)
    return [i.key for i in INDICATORS if i.kind in kinds]


def horizon(scenario: Scenario, years: Sequence[int] | None = None, residents: int | None = None
            ) -> Scenario:
    """The scenario run to the last of ``years`` (default: its own end) at ``residents``."""
    changes: dict[str, Any] = {}
    if years:
        changes["run.end_date"] = f"{max(int(y) for y in years)}-12-31"
    if residents is not None:
        changes["population.residents"] = int(residents)
    return scenario.with_values(changes, source="sim.ema") if changes else scenario


def plain(value: Any) -> Any:
    """numpy scalars (and EMA's categories) as plain Python values."""
    value = python_scalar(value)
    return getattr(value, "value", value) if not isinstance(value, (int, float, bool, str)) else value


@dataclass
class StreetFunction:
    """The callable EMA runs: keyword values in, ``{INDICATOR_YEAR: value}`` out.

    Keywords are parameter keys (``feedback.p_complaint``), ``stress:NAME`` (bool),
    ``lever:NAME`` (bool), ``lever:NAME:SETTING`` and ``seed``. Picklable, so that EMA's
    multiprocessing and MPI evaluators can ship it to workers.
    """

    scenario: Scenario
    outcomes: tuple[str, ...]
    years: tuple[int, ...]
    _cache: dict = field(default_factory=dict, repr=False)

    def __call__(self, seed: Any, **kw: Any) -> dict[str, float]:
        from sim.runner import run

        scenario = self.build(kw)
        yearly = run(scenario, int(plain(seed))).yearly
        return {f"{ind}_{y}": float(yearly.at[y, ind]) for ind in self.outcomes for y in self.years}

    def build(self, kw: Mapping[str, Any]) -> Scenario:
        """The scenario for one experiment (validated like a file)."""
        return apply_point(self.scenario, kw)


def apply_point(scenario: Scenario, kw: Mapping[str, Any], source: str = "sim.ema") -> Scenario:
    """``scenario`` with an EMA point applied: parameter values, stressors, levers."""
    kw = {k: plain(v) for k, v in kw.items()}
    values = {k: v for k, v in kw.items() if ":" not in k}
    stressors = [k.split(":", 1)[1] for k, v in kw.items() if k.startswith("stress:") and v]
    stressors = [s for s in stressors if all(u.name != s for u in scenario.stressors)]
    out = scenario.with_values(values, source=source) if values else scenario
    tables = _lever_tables(out, kw)
    if tables:
        out = out.with_levers(tables, file=source)
    return out.with_stressors(stressors, file=source) if stressors else out


def _lever_tables(scenario: Scenario, kw: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    uses = {u.name: u for u in scenario.levers}
    tables: dict[str, dict[str, Any]] = {}
    for name in LEVERS:
        on = kw.get(f"lever:{name}", name in uses)
        settings = {k.split(":", 2)[2]: v for k, v in kw.items() if k.startswith(f"lever:{name}:")}
        if not on:
            if name in uses:
                tables[name] = {"enabled": False}
            continue
        use = uses.get(name)
        current = dict(use.settings) if use is not None else LEVERS[name].defaults
        if use is not None and all(current.get(k) == v for k, v in settings.items()):
            continue
        table = {**current, **settings}
        if use is not None:
            d = use.describe()
            table.update(start=d["start"], end=d["end"])
            if d["stages"]:
                table["stages"] = d["stages"]
        tables[name] = table
    return tables


def factor_table(scenario: Scenario, band: float = DEFAULT_BAND, lever_band: float = LEVER_BAND,
                 stressors: bool = True, levers: bool = True) -> pd.DataFrame:
    """Every uncertainty and lever of the EMA model: name, key, role, type, bounds,
    default, unit and provenance (one row each)."""
    rows = []
    params, _ = assumption_parameters(scenario, band)
    for p in params:
        spec = SPEC_BY_KEY[p.key]
        lo = max(p.lo, FLOORS.get(p.key, p.lo))
        rows.append({"name": ema_name(p.key), "key": p.key, "role": "uncertainty",
                     "type": "int" if p.integer else "real", "lo": lo, "hi": p.hi,
                     "default": scenario.values[p.key], "unit": spec.unit,
                     "provenance": scenario.provenance[p.key].source})
    if stressors:
        on = {u.name for u in scenario.stressors}
        for s in STRESSORS.values():
            rows.append({"name": _STRESS + s.name, "key": f"stress:{s.name}", "role": "uncertainty",
                         "type": "bool", "lo": 0, "hi": 1, "default": s.name in on, "unit": "on/off",
                         "provenance": f"brief §5 ({s.group}): {s.risk}"})
    if levers:
        uses = {u.name: u for u in scenario.levers}
        for lever in LEVERS.values():
            use = uses.get(lever.name)
            rows.append({"name": _LEVER + lever.name, "key": f"lever:{lever.name}", "role": "lever",
                         "type": "bool", "lo": 0, "hi": 1, "default": use is not None, "unit": "on/off",
                         "provenance": f"brief §4 ({lever.path}): {lever.clause}"})
            current = dict(use.settings) if use is not None else lever.defaults
            for st in lever.settings:
                row = _setting_row(lever.name, st, current.get(st.name, st.default), lever_band)
                if row is not None:
                    rows.append(row)
    return pd.DataFrame(rows, columns=["name", "key", "role", "type", "lo", "hi", "default", "unit",
                                       "provenance"])


def _setting_row(lever: str, st: Any, value: Any, band: float) -> dict[str, Any] | None:
    if isinstance(st.default, bool) or not isinstance(value, (int, float)) or value == 0:
        return None
    lo, hi = sorted((value * (1 - band), value * (1 + band)))
    lo = lo if st.lo is None else max(lo, st.lo)
    hi = hi if st.hi is None else min(hi, st.hi)
    integer = isinstance(st.default, int)
    if integer:
        lo, hi = int(np.ceil(lo)), int(np.floor(hi))
    if hi <= lo:
        return None
    return {"name": f"{_LEVER}{lever}__{st.name}", "key": f"lever:{lever}:{st.name}", "role": "lever",
            "type": "int" if integer else "real", "lo": lo, "hi": hi, "default": value, "unit": st.unit,
            "provenance": st.source}


def ema_parameters(factors: pd.DataFrame) -> list[Any]:
    """EMA parameter objects for rows of :func:`factor_table` (variable name = key)."""
    from ema_workbench import BooleanParameter, IntegerParameter, RealParameter

    out = []
    for r in factors.itertuples(index=False):
        if r.type == "bool":
            out.append(BooleanParameter(r.name, default=bool(r.default), variable_name=r.key))
        elif r.type == "int":
            out.append(IntegerParameter(r.name, int(np.ceil(r.lo)), int(np.floor(r.hi)),
                                        default=int(r.default), variable_name=r.key))
        else:
            out.append(RealParameter(r.name, float(r.lo), float(r.hi), default=float(r.default),
                                     variable_name=r.key))
    return out


def ema_model(scenario: str | Path | Scenario = "baseline", outcomes: Sequence[str] | None = None,
              years: Sequence[int] | None = DEFAULT_YEARS, residents: int | None = None,
              replications: int = 2, seed: int = DEFAULT_SEED, band: float = DEFAULT_BAND,
              lever_band: float = LEVER_BAND, stressors: bool = True, levers: bool = True) -> Any:
    """An ``ema_workbench.ReplicatorModel`` of one street.

    Args:
        scenario: a scenario name, file or loaded :class:`Scenario`.
        outcomes: indicator keys (default: every plan indicator, :func:`plan_indicators`).
        years: the years reported; the run ends on 31 December of the last one.
        residents: run at this population (a smaller street runs faster).
        replications: replications per experiment, on ``replication_seeds(seed, n)``.
        seed: the root seed of the replications.
        band, lever_band: relative ranges of the uncertainties and of the lever settings.
        stressors, levers: include the stressors (uncertainties) and levers.

    Returns:
        The model; ``model.factors`` (a DataFrame) documents every uncertainty and lever.
    """
    from ema_workbench import ArrayOutcome, ReplicatorModel

    base = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    base = horizon(base, years, residents)
    years = tuple(int(y) for y in (years or _run_years(base)))
    outcomes = tuple(outcomes or plan_indicators())
    unknown = [o for o in outcomes if o not in {i.key for i in INDICATORS}]
    if unknown:
        from sim.params.errors import InputError
        raise InputError("<sim.ema>", "outcomes", unknown[0], "an indicator of sim.indicators.definitions")
    model = ReplicatorModel(ema_name(f"streetsim_{base.name}"),
                            function=StreetFunction(base, outcomes, years))
    factors = factor_table(base, band, lever_band, stressors, levers)
    params = ema_parameters(factors)
    roles = factors["role"].tolist()
    model.uncertainties = [p for p, r in zip(params, roles) if r == "uncertainty"]
    model.levers = [p for p, r in zip(params, roles) if r == "lever"]
    model.outcomes = [ArrayOutcome(f"{o}_{y}") for o in outcomes for y in years]
    model.replications = [{"seed": s} for s in replication_seeds(seed, replications)]
    model.factors = factors
    return model


def _run_years(scenario: Scenario) -> tuple[int, ...]:
    from sim.experiment.design import run_years

    return run_years(scenario)
