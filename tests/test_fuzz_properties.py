"""Property tests over scenario values (Hypothesis): every value the schema admits runs a
short horizon without error or broken invariant; every value it rejects is refused
before any work; numpy scalars and single mapping entries are accepted as the samplers
hand them out."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.indicators.definitions import INDICATOR_BY_KEY
from sim.params.errors import InputError
from sim.params.reading import SUMS_TO_ONE
from sim.params.schema import SPECS
from sim.runner import run

TINY = {"population.residents": 2000, "run.end_date": "2024-02-15"}
"""Six weeks of a 2,000-resident street: a fraction of a second per run."""

SCALARS = [s for s in SPECS if s.kind in ("float", "int") and s.key not in TINY]
FLAGS = [s for s in SPECS if s.kind == "bool"]
MAPS = [s for s in SPECS if s.kind.startswith("map:") and s.key not in SUMS_TO_ONE]
RATES = [
    k
    for k in (
        "resolution_rate",
        "resolution_rate_reported",
        "dispute_resolution_rate",
        "repeat_share",
        "online_response_rate",
        "eligible_coverage",
    )
    if k in INDICATOR_BY_KEY
]
"""Indicators that are shares of cases or residents (a pay *gap* may be negative)."""
SPEED_CAP = {"population.residents": 50_000}
"""Upper ends lowered for speed only (the schema admits 2 million residents)."""


def admitted(spec):
    """Values the schema admits for a scalar parameter (ends included)."""
    lo = spec.lo if spec.lo is not None else -1e6
    hi = min(spec.hi if spec.hi is not None else 1e6, SPEED_CAP.get(spec.key, math.inf))
    if spec.kind == "int":
        return st.integers(int(math.ceil(lo)), int(math.floor(hi)))
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def check_run(result) -> None:
    """Invariants every run keeps, whatever its parameters."""
    values = result.indicators
    finite_or_nan = values["value"].isna() | np.isfinite(values["value"])
    assert finite_or_nan.all()
    rates = values[values["indicator"].isin(RATES)]
    assert rates["value"].dropna().between(0.0, 1.0).all()
    cases = result.cases
    still_open = cases["outcome"] == "open"
    assert (cases["state"].eq("closed") == ~still_open).all()
    assert cases.loc[~still_open, "closed_h"].notna().all() and cases.loc[still_open, "closed_h"].isna().all()
    daily = result.daily
    last = daily.iloc[-1]
    assert int(last["queue"] + last["in_service"] + last["waiting_departments"]) == int(still_open.sum())
    used = daily[[c for c in daily.columns if c.startswith("hours_") and c != "hours_available"]].sum(axis=1)
    assert (used <= daily["hours_available"] + 1e-6).all()


@pytest.fixture(scope="module")
def tiny(request):
    from sim.scenarios import load_scenario

    return load_scenario("baseline").with_values(TINY)


PROPERTY = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@PROPERTY
@given(data=st.data())
def test_every_admitted_scalar_value_runs_cleanly(tiny, data):
    spec = data.draw(st.sampled_from(SCALARS), label="parameter")
    value = data.draw(admitted(spec), label="value")
    try:
        scenario = tiny.with_values({spec.key: value})
    except InputError as exc:  # only a cross-field rule may refuse an admitted value
        assert "summing" in exc.allowed or "after run.start_date" in exc.allowed, exc
        return
    check_run(run(scenario, seed=data.draw(st.integers(0, 2**63 - 1), label="seed")))


@PROPERTY
@given(data=st.data())
def test_admitted_flags_and_mapping_entries_run_cleanly(tiny, data):
    changes = {}
    for spec in data.draw(st.lists(st.sampled_from(FLAGS), max_size=3, unique=True), label="flags"):
        changes[spec.key] = data.draw(st.booleans())
    for spec in data.draw(st.lists(st.sampled_from(MAPS), max_size=3, unique=True), label="maps"):
        keys = list(tiny.values[spec.key])
        key = data.draw(st.sampled_from(keys))
        changes[f"{spec.key}.{key}"] = data.draw(admitted(spec), label=spec.key)
    check_run(run(tiny.with_values(changes), seed=1))


def rejected(spec):
    """Values the schema refuses for a scalar parameter."""
    bad_types = st.one_of(
        st.text(max_size=5),
        st.none(),
        st.lists(st.integers(), max_size=2),
        st.just(float("nan")),
        st.just(float("inf")),
        st.booleans(),
    )
    outside = []
    if spec.lo is not None:
        outside.append(
            st.floats(
                max_value=spec.lo, exclude_max=True, allow_nan=False, allow_infinity=False, min_value=-1e12
            )
        )
    if spec.hi is not None:
        outside.append(
            st.floats(
                min_value=spec.hi, exclude_min=True, allow_nan=False, allow_infinity=False, max_value=1e12
            )
        )
    if spec.kind == "int":
        outside.append(st.floats(-1e6, 1e6).filter(lambda v: not float(v).is_integer()))
    return st.one_of(bad_types, *outside)


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_every_rejected_value_is_refused_before_any_work(tiny, data, monkeypatch):
    import sim.runner

    def no_run(*args, **kwargs):  # pragma: no cover - reached only if validation failed
        raise AssertionError("a simulation started")

    monkeypatch.setattr(sim.runner, "StreetModel", no_run)
    spec = data.draw(st.sampled_from([s for s in SPECS if s.kind in ("float", "int")]), label="parameter")
    value = data.draw(rejected(spec), label="value")
    with pytest.raises(InputError) as err:
        run(tiny.with_values({spec.key: value}), seed=1)
    assert spec.key in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("value", [np.int64(2125), np.int32(2125), 2125.0, np.float64(2125.0)])
def test_numpy_scalars_and_integral_floats_are_integers(tiny, value):
    scenario = tiny.with_values({"population.residents": value})
    assert scenario.values["population.residents"] == 2125
    assert type(scenario.values["population.residents"]) is int


def test_numpy_floats_and_bools_are_accepted(tiny):
    scenario = tiny.with_values(
        {"demand.demand_share": np.float64(0.5), "demand.online_channel": np.bool_(False)}
    )
    assert (
        scenario.values["demand.demand_share"] == 0.5
        and type(scenario.values["demand.demand_share"]) is float
    )
    assert scenario.values["demand.online_channel"] is False


def test_a_fractional_float_is_still_refused_for_an_integer(tiny):
    with pytest.raises(InputError, match="population.residents"):
        tiny.with_values({"population.residents": 2125.5})


def test_one_entry_of_a_mapping_can_be_overridden(tiny):
    original = dict(tiny.values["departments.answer_prob"])
    scenario = tiny.with_values({"departments.answer_prob.police": 0.25})
    assert tiny.values["departments.answer_prob"] == original  # the original is untouched
    assert scenario.values["departments.answer_prob"]["police"] == 0.25
    others = {k: v for k, v in scenario.values["departments.answer_prob"].items() if k != "police"}
    assert others == {k: v for k, v in tiny.values["departments.answer_prob"].items() if k != "police"}
    with pytest.raises(InputError, match="departments.answer_prob"):
        tiny.with_values({"departments.answer_prob.aliens": 0.25})
    with pytest.raises(InputError, match="departments.answer_prob.police"):
        tiny.with_values({"departments.answer_prob.police": 1.5})


def test_an_admitted_run_is_checked_by_check_run(tiny):
    """The invariant check itself catches a broken accounting identity."""
    result = run(tiny, seed=3)
    check_run(result)
    broken = result.daily.copy()
    broken.loc[broken.index[-1], "waiting_departments"] += 1
    result_broken = type("R", (), {"indicators": result.indicators, "cases": result.cases, "daily": broken})
    assert len(RATES) >= 5
    with pytest.raises(AssertionError):
        check_run(result_broken)


def test_tiny_runs_span_the_intended_days(tiny):
    assert len(run(tiny, seed=2).daily) == (pd.Timestamp("2024-02-15") - pd.Timestamp("2024-01-01")).days + 1
