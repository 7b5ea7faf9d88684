"""Experiment files and samplers.

An experiment file (TOML, see ``experiments/``) says what to run::

    [experiment]
    name = "staffing"                    # results go to results/<name>/
    scenarios = ["baseline"]             # names or files
    stressors = []                       # one set for every scenario, or a list of sets
    replications = 5
    seed = 20240101

    [sampler]
    method = "lhs"                       # factorial | lhs | sobol | morris
    n = 20                               # lhs points; sobol base samples; morris trajectories
    # levels = 4                         # morris grid levels; factorial levels of a range
    # second_order = false               # sobol only

    [constants]                          # fixed values for every run
    "population.residents" = 20000

    [[parameters]]                       # what varies: a range or a list of values
    key = "staff.work_hours_per_day"
    range = [8.0, 10.0]

    [assumptions]                        # also vary every scalar assumption parameter
    band = 0.3                           # +/- 30% around the scenario value, clipped to
    exclude = ["demand.demand_share"]    # the schema range

    [outputs]                            # every indicator is stored; these are the ones
    indicators = ["satisfaction"]        # summaries and sensitivity indices are made of
    years = [2027, 2030]                 # (default: the last simulated year)
    datasets = ["indicators", "daily", "flows", "departments", "money"]   # what to store per run

A parameter is a scalar ``group.name`` or one entry of a mapping, ``group.name.key``
(``group.name.key1.key2`` for a table of tables); entries of mappings that must sum to
one cannot vary alone. The reform design varies too (:mod:`sim.levers.keys`):
``levers.NAME.SETTING``, ``levers.NAME.start`` / ``.end`` (a date or a year),
``stressors.NAME`` (``values = [false, true]``) and ``stressors.NAME.SETTING``, checked
against the catalogue's bounds; they may also be constants. A parameter that a
scenario's lever sets cannot be varied or fixed (the lever would move on from the new
value): vary the lever's setting instead. An assumption parameter is one whose provenance source starts
with "assumption"; ``[assumptions]`` takes scalars (float and int) only.
"""

from __future__ import annotations

import copy
import itertools
import re
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiment import adapters
from sim.indicators.definitions import INDICATOR_BY_KEY
from sim.levers.keys import apply_design, design_key, is_design_key, lever_keys_set
from sim.params.errors import InputError
from sim.params.reading import SUMS_TO_ONE, read_toml
from sim.params.schema import SPEC_BY_KEY
from sim.params.spec import ValueSpec
from sim.randomness import check_seed

SAMPLERS = ("factorial", "lhs", "sobol", "morris")
DATASETS = ("indicators", "daily", "flows", "departments", "money")
DEFAULT_BAND = 0.3
MAX_REPLICATIONS = 100_000
MAX_RUNS = 1_000_000
"""Largest number of runs an experiment may plan (a larger one is surely a typo)."""
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")
SECTIONS = {
    "experiment": {"name", "description", "scenarios", "stressors", "replications", "seed"},
    "sampler": {"method", "n", "levels", "second_order"},
    "constants": None,
    "parameters": {"key", "range", "values", "levels"},
    "assumptions": {"band", "exclude"},
    "outputs": {"indicators", "years", "datasets"},
}


@dataclass(frozen=True)
class Parameter:
    """One varied parameter: a range ``[lo, hi]`` or a list of values."""

    key: str
    lo: float | None = None
    hi: float | None = None
    values: tuple | None = None
    integer: bool = False
    levels: int | None = None

    @property
    def bounds(self) -> list[float]:
        """``[lo, hi]`` as SALib wants it."""
        return [float(self.lo), float(self.hi)]


@dataclass
class Experiment:
    """A validated experiment: scenarios, stressors, parameters, sampler and outputs."""

    name: str
    scenarios: tuple[str, ...]
    stressor_sets: tuple[tuple[str, ...], ...] = ((),)
    parameters: tuple[Parameter, ...] = ()
    sampler: str = "factorial"
    n: int = 1
    levels: int = 4
    second_order: bool = False
    replications: int = 1
    seed: int = 20240101
    constants: dict[str, Any] = field(default_factory=dict)
    indicators: tuple[str, ...] = ("satisfaction", "resolution_rate")
    years: tuple[int, ...] = ()
    datasets: tuple[str, ...] = DATASETS
    description: str = ""
    path: Path | None = None
    skipped: tuple[str, ...] = ()

    @property
    def problem(self) -> dict[str, Any]:
        """The SALib problem of the ranged parameters."""
        return {"num_vars": len(self.parameters), "names": [p.key for p in self.parameters],
                "bounds": [p.bounds for p in self.parameters]}


def load_experiment(path: str | Path, **changes: Any) -> Experiment:
    """Read and validate an experiment file before any run starts.

    ``changes`` override fields (e.g. ``replications=2`` from the command line).
    Raises :class:`InputError` naming file, field, value and what is allowed.
    """
    path = Path(path)
    doc = read_toml(path, "experiment file")
    for section, value in doc.items():
        if section not in SECTIONS:
            raise InputError(path, section, section, f"a section among {list(SECTIONS)}")
        allowed = SECTIONS[section]
        rows = value if isinstance(value, list) else [value]
        for row in rows:
            if not isinstance(row, dict):
                raise InputError(path, section, row, "a table")
            extra = sorted(set(row) - allowed) if allowed is not None else []
            if extra:
                raise InputError(path, f"{section}.{extra[0]}", row[extra[0]], f"one of {sorted(allowed)}")
    meta = doc.get("experiment", {})
    smp = doc.get("sampler", {})
    outs = doc.get("outputs", {})
    for where, value in (("experiment.name", meta.get("name", "")), ("experiment.description",
                                                                     meta.get("description", "")),
                         ("sampler.method", smp.get("method", ""))):
        if not isinstance(value, str):
            raise InputError(path, where, value, "a string")
    constants = doc.get("constants", {})
    if not isinstance(constants, dict):
        raise InputError(path, "constants", constants, "a [constants] table")
    exp = Experiment(
        name=str(meta.get("name", path.stem)),
        scenarios=tuple(_str_list(path, "experiment.scenarios", meta.get("scenarios", ["baseline"]))),
        stressor_sets=_stressor_sets(path, meta.get("stressors", [])),
        sampler=str(smp.get("method", "factorial")),
        n=_int(path, "sampler.n", smp.get("n", 1), 1, MAX_RUNS),
        levels=_int(path, "sampler.levels", smp.get("levels", 4), 2, 1000),
        second_order=_bool(path, "sampler.second_order", smp.get("second_order", False)),
        replications=_int(path, "experiment.replications", meta.get("replications", 1), 1, MAX_REPLICATIONS),
        seed=check_seed(meta.get("seed", 20240101), path, "experiment.seed"),
        constants=dict(constants),
        indicators=tuple(_str_list(path, "outputs.indicators",
                                   outs.get("indicators", ["satisfaction", "resolution_rate"]))),
        years=tuple(_int(path, "outputs.years", y, 1900) for y in _list(path, "outputs.years",
                                                                         outs.get("years", []))),
        datasets=tuple(_str_list(path, "outputs.datasets", outs.get("datasets", list(DATASETS)))),
        description=str(meta.get("description", "")),
        path=path,
    )
    exp = replace(exp, **changes)
    raw_params = doc.get("parameters", [])
    if not isinstance(raw_params, list):
        raise InputError(path, "parameters", raw_params, "an array of tables [[parameters]]")
    return resolve(exp, raw_params, doc.get("assumptions"))


def resolve(exp: Experiment, raw_params: list[dict] | None = None,
            assumptions: dict | None = None) -> Experiment:
    """Validate an experiment against its scenarios and fill in the varied parameters."""
    file = exp.path or "<experiment>"
    if not NAME_RE.match(exp.name):
        raise InputError(file, "experiment.name", exp.name, "letters, digits and _ . + - (a folder name)")
    if exp.sampler not in SAMPLERS:
        raise InputError(file, "sampler.method", exp.sampler, f"one of {list(SAMPLERS)}")
    for d in exp.datasets:
        if d not in DATASETS:
            raise InputError(file, "outputs.datasets", d, f"among {list(DATASETS)}")
    for key in exp.indicators:
        if key not in INDICATOR_BY_KEY:
            raise InputError(file, "outputs.indicators", key, "an indicator key (see sim/indicators)")
    if not exp.scenarios:
        raise InputError(file, "experiment.scenarios", [], "at least one scenario")
    base = prepare(exp.scenarios[0], exp.constants, file)
    lever_set: dict[str, str] = {}
    for name in exp.scenarios:
        for stressors in exp.stressor_sets:
            sc = base if name == exp.scenarios[0] and not stressors else prepare(name, exp.constants, file,
                                                                                  stressors)
            lever_set.update({k: f"{v} in {sc.name}" for k, v in lever_keys_set(sc).items()})
    params = [_parameter(file, i, row, base) for i, row in enumerate(raw_params or [])]
    for key, where in [(p.key, "parameters") for p in params] + [(k, "constants") for k in exp.constants]:
        check_not_lever_set(key, lever_set, file, where)
    skipped: list[str] = []
    if assumptions is not None:
        band = assumptions.get("band", DEFAULT_BAND)
        if isinstance(band, bool) or not isinstance(band, (int, float)) or not 0 < band < 1:
            raise InputError(file, "assumptions.band", band, "a share in (0, 1)")
        exclude = set(_str_list(file, "assumptions.exclude", assumptions.get("exclude", [])))
        taken = {p.key for p in params} | set(exp.constants) | exclude | set(lever_set)
        extra, skipped = assumption_parameters(base, band, taken)
        params.extend(extra)
    if len({p.key for p in params}) != len(params):
        dup = next(p.key for p in params if sum(q.key == p.key for q in params) > 1)
        raise InputError(file, "parameters.key", dup, "each parameter once")
    if exp.sampler != "factorial":
        for p in params:
            if p.values is not None:
                raise InputError(file, f"parameters.{p.key}", list(p.values),
                                 f"a range [lo, hi] (sampler {exp.sampler!r} samples ranges)")
        if not params:
            raise InputError(file, "parameters", [], f"at least one parameter for sampler {exp.sampler!r}")
    n_points = planned_points(exp.sampler, params, exp.n, exp.levels, exp.second_order)
    total = n_points * len(exp.scenarios) * len(exp.stressor_sets) * exp.replications
    if total > MAX_RUNS:
        raise InputError(file, "experiment", f"{total} runs",
                         f"at most {MAX_RUNS} runs (points x scenarios x stressor sets x replications)")
    years = run_years(base)
    exp_years = exp.years or (years[-1],)
    for y in exp_years:
        if y not in years:
            raise InputError(file, "outputs.years", y, f"a simulated year {list(years)}")
    return replace(exp, parameters=tuple(params), years=tuple(exp_years), skipped=tuple(skipped))


def planned_points(sampler: str, params: list[Parameter], n: int, levels: int, second_order: bool) -> int:
    """How many points a sampler will draw (before any run is planned)."""
    d = len(params)
    if not d:
        return 1
    if sampler == "lhs":
        return n
    if sampler == "sobol":
        return n * (2 * d + 2 if second_order else d + 2)
    if sampler == "morris":
        return n * (d + 1)
    total = 1
    for p in params:
        total *= len(p.values) if p.values is not None else (p.levels or levels)
    return total


def prepare(scenario: str, constants: dict[str, Any], file: Path | str,
            stressors: tuple[str, ...] = ()) -> Any:
    """Load a scenario, put it under stressors and apply the constants (validated)."""
    sc = adapters.load_scenario(scenario)
    if getattr(sc, "district_file", False):
        raise InputError(file, "experiment.scenarios", scenario,
                         "single-street scenarios (a district file runs with `streetsim run FILE`)")
    sc = adapters.apply_stressors(sc, stressors, file)
    if constants:
        for key in constants:
            if is_design_key(key):
                design_key(key, file, f"constants.{key}")
            elif ".".join(str(key).split(".")[:2]) not in SPEC_BY_KEY:
                raise InputError(file, f"constants.{key}", constants[key],
                                 "a parameter key group.name (or group.name.key for one entry), "
                                 "levers.NAME.SETTING or stressors.NAME[.SETTING]")
        sc = apply_point(sc, dict(constants), f"experiment constant ({Path(str(file)).name})")
    return sc


def apply_point(scenario: Any, point: dict[str, Any], source: str = "experiment point") -> Any:
    """``scenario`` with a point's values: reform-design keys (levers, stressors) first,
    then parameter values (scalars and mapping entries); everything validated."""
    design = {k: v for k, v in point.items() if is_design_key(k)}
    values = {k: v for k, v in point.items() if not is_design_key(k)}
    if design:
        scenario = apply_design(scenario, design, source)
    if values:
        scenario = scenario.with_values(point_changes(scenario, values), source=source)
    return scenario


def check_not_lever_set(key: str, lever_set: dict[str, str], file: Path | str, where: str) -> None:
    """Refuse varying or fixing a parameter that a scenario's lever sets."""
    if is_design_key(key):
        return
    base_key = ".".join(key.split(".")[:2])
    if base_key in lever_set:
        lever = lever_set[base_key].split(" ")[0]
        raise InputError(file, f"{where}.{key}", key,
                         f"a parameter no lever sets: lever {lever_set[base_key]} sets it and would ramp "
                         f"on from the new value (vary levers.{lever}.SETTING or levers.{lever}.start)")


def run_years(scenario: Any) -> tuple[int, ...]:
    """Calendar years a scenario simulates."""
    start = int(str(scenario.values["run.start_date"])[:4])
    end = int(str(scenario.values["run.end_date"])[:4])
    return tuple(range(start, end + 1))


def spec_for(key: str, file: Path | str = "<experiment>") -> tuple[ValueSpec, tuple[str, ...]]:
    """The spec of a parameter key and the mapping entry path (empty for a scalar)."""
    parts = key.split(".")
    base_key = ".".join(parts[:2])
    spec = SPEC_BY_KEY.get(base_key)
    if spec is None:
        raise InputError(file, "parameters.key", key, "a parameter group.name (or group.name.key)")
    entry = tuple(parts[2:])
    depth = 0 if ":" not in spec.kind else len(spec.kind.split(":")) - 1
    if len(entry) != depth:
        want = "group.name" if depth == 0 else "group.name" + ".key" * depth
        raise InputError(file, "parameters.key", key, f"the form {want} for a {spec.kind} parameter")
    if entry and spec.key in SUMS_TO_ONE:
        raise InputError(file, "parameters.key", key,
                         "not an entry of shares summing to 1 (vary a scalar instead)")
    return spec, entry


def point_changes(scenario: Any, point: dict[str, Any]) -> dict[str, Any]:
    """Turn a point (scalar keys and mapping entries) into ``with_values`` changes."""
    changes: dict[str, Any] = {}
    for key, value in point.items():
        spec, entry = spec_for(key)
        numeric = isinstance(value, (int, float)) or (hasattr(value, "dtype")
                                                      and getattr(value, "ndim", 1) == 0)
        if numeric and not isinstance(value, bool) and np.isfinite(float(value)):
            if spec.kind == "int":
                value = int(round(float(value)))
            elif spec.kind == "float" or entry:
                value = float(value)
        if not entry:
            changes[spec.key] = value
            continue
        target = changes.setdefault(spec.key, copy.deepcopy(scenario.values[spec.key]))
        for k in entry[:-1]:
            target = target[k]
        target[entry[-1]] = value
    return changes


def assumption_parameters(scenario: Any, band: float = DEFAULT_BAND, taken: set[str] | None = None
                          ) -> tuple[list[Parameter], list[str]]:
    """Every scalar assumption parameter with a +/-``band`` range clipped to its schema range.

    Returns the parameters and the keys skipped because their range is empty (a zero
    value, or an integer whose range rounds to one value).
    """
    taken = taken or set()
    params, skipped = [], []
    for key, prov in scenario.provenance.items():
        spec = SPEC_BY_KEY.get(key)
        if (spec is None or key in taken or spec.kind not in ("float", "int")
                or not str(prov.source).strip().lower().startswith("assumption")):
            continue
        v = float(scenario.values[key])
        lo, hi = sorted((v * (1 - band), v * (1 + band)))
        lo = lo if spec.lo is None else max(lo, spec.lo)
        hi = hi if spec.hi is None else min(hi, spec.hi)
        integer = spec.kind == "int"
        if hi <= lo or (integer and round(lo) == round(hi)):
            skipped.append(key)
            continue
        params.append(Parameter(key, lo, hi, integer=integer))
    return params, skipped


def sample(exp: Experiment, round_integers: bool = True) -> pd.DataFrame:
    """The experiment's parameter points: one row per point, one column per parameter.

    The samplers draw from a generator seeded by the experiment seed, so the same file
    gives the same points. Without parameters there is one empty point. Integer
    parameters are rounded unless ``round_integers`` is false (sensitivity analysis
    reads the unrounded design).
    """
    names = [p.key for p in exp.parameters]
    if not names:
        return pd.DataFrame(index=pd.RangeIndex(1, name="point"))
    seed = sampler_seed(exp.seed)
    if exp.sampler == "factorial":
        axes = [p.values if p.values is not None else tuple(np.linspace(p.lo, p.hi, p.levels or exp.levels))
                for p in exp.parameters]
        frame = pd.DataFrame(list(itertools.product(*axes)), columns=names)
    else:
        if exp.sampler == "lhs":
            unit = latin_hypercube(exp.n, len(names), np.random.default_rng(seed))
            lo = np.array([p.lo for p in exp.parameters])
            hi = np.array([p.hi for p in exp.parameters])
            x = lo + unit * (hi - lo)
        elif exp.sampler == "sobol":
            from SALib.sample import sobol

            x = sobol.sample(exp.problem, exp.n, calc_second_order=exp.second_order, seed=seed)
        else:
            from SALib.sample import morris

            x = morris.sample(exp.problem, exp.n, num_levels=exp.levels, seed=seed)
        frame = pd.DataFrame(x, columns=names)
    for p in exp.parameters:
        if p.integer and round_integers and pd.api.types.is_numeric_dtype(frame[p.key]):
            frame[p.key] = frame[p.key].round().astype(int)
    frame.index.name = "point"
    return frame


def latin_hypercube(n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points in the unit cube ``[0, 1)^d``, one in each of ``n`` strata per axis."""
    strata = np.column_stack([rng.permutation(n) for _ in range(d)])
    return (strata + rng.random((n, d))) / n


def sampler_seed(seed: int) -> int:
    """The sampler's seed, spawned from the experiment seed apart from replication seeds."""
    seq = np.random.SeedSequence(int(seed), spawn_key=(zlib.crc32(b"sampler"),))
    return int(seq.generate_state(1, dtype=np.uint32)[0])


def _parameter(file: Path | str, i: int, row: dict, scenario: Any) -> Parameter:
    key = row.get("key")
    if not isinstance(key, str):
        raise InputError(file, f"parameters[{i}].key", key, "a parameter key group.name")
    if is_design_key(key):
        return _design_parameter(file, key, row, scenario)
    spec, entry = spec_for(key, file)
    integer = spec.kind == "int"
    where = f"parameters.{key}"
    values = _values(file, where, row, lambda v: scenario.with_values(point_changes(scenario, {key: v}),
                                                                      source=str(file)))
    if values is not None:
        return Parameter(key, values=values, integer=integer)
    rng = _range(file, where, row)
    if spec.kind not in ("float", "int") and not entry:
        raise InputError(file, f"{where}.range", rng, f"a list of values for a {spec.kind} parameter")
    for v in rng:
        if (spec.lo is not None and v < spec.lo) or (spec.hi is not None and v > spec.hi):
            raise InputError(file, f"{where}.range", rng, f"bounds within {spec.range_text} ({spec.unit})")
    levels = row.get("levels")
    if levels is not None:
        levels = _int(file, f"{where}.levels", levels, 2)
    return Parameter(key, float(rng[0]), float(rng[1]), integer=integer, levels=levels)


def _values(file: Path | str, where: str, row: dict, check: Any) -> tuple | None:
    """A row's ``values``, each checked by ``check(value)`` (None when the row has a range)."""
    if ("range" in row) == ("values" in row):
        raise InputError(file, where, row, "exactly one of range = [lo, hi] or values = [...]")
    if "values" not in row:
        return None
    values = row["values"]
    if not isinstance(values, list) or not values:
        raise InputError(file, f"{where}.values", values, "a non-empty list")
    for v in values:
        try:
            check(v)
        except InputError as exc:
            raise InputError(file, f"{where}.values", v, exc.allowed) from None
    return tuple(values)


def _range(file: Path | str, where: str, row: dict) -> list:
    """A row's ``range = [lo, hi]`` (numbers, lo < hi)."""
    rng = row["range"]
    if (not isinstance(rng, list) or len(rng) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in rng)
            or not rng[0] < rng[1]):
        raise InputError(file, f"{where}.range", rng, "[lo, hi] with lo < hi")
    return rng


def _design_parameter(file: Path | str, key: str, row: dict, scenario: Any) -> Parameter:
    """A varied lever or stressor setting, checked against the catalogue's bounds."""
    dk = design_key(key, file)
    where = f"parameters.{key}"

    def check(v: Any) -> None:
        dk.value(v, file, f"{where}.values")
        apply_design(scenario, {key: v}, file)

    values = _values(file, where, row, check)
    if values is not None:
        return Parameter(key, values=values, integer=dk.integer)
    rng = _range(file, where, row)
    if dk.is_flag:
        raise InputError(file, f"{where}.range", rng, "values = [false, true] for an on/off switch")
    lo, hi = dk.bounds
    if (lo is not None and rng[0] < lo) or (hi is not None and rng[1] > hi):
        raise InputError(file, f"{where}.range", rng, f"bounds within {dk.allowed}")
    for v in rng:
        try:
            apply_design(scenario, {key: v}, file)
        except InputError as exc:
            raise InputError(file, f"{where}.range", rng, exc.allowed) from None
    levels = row.get("levels")
    if levels is not None:
        levels = _int(file, f"{where}.levels", levels, 2)
    return Parameter(key, float(rng[0]), float(rng[1]), integer=dk.integer, levels=levels)


def _stressor_sets(file: Path, value: Any) -> tuple[tuple[str, ...], ...]:
    if not isinstance(value, list):
        raise InputError(file, "experiment.stressors", value, "a list of names, or a list of lists")
    if all(isinstance(v, str) for v in value):
        return (tuple(value),)
    if all(isinstance(v, list) and all(isinstance(s, str) for s in v) for v in value):
        return tuple(tuple(v) for v in value)
    raise InputError(file, "experiment.stressors", value, "a list of names, or a list of lists")


def _str_list(file: Path | str, where: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(file, where, value, "a list of strings")
    return value


def _int(file: Path | str, where: str, value: Any, lo: int, hi: int = 100_000) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise InputError(file, where, value, f"an integer from {lo} to {hi}")
    return value


def _list(file: Path | str, where: str, value: Any) -> list:
    if not isinstance(value, list):
        raise InputError(file, where, value, "a list, e.g. [2027, 2030]")
    return value


def _bool(file: Path | str, where: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise InputError(file, where, value, "true or false")
    return value
