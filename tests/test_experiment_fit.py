"""Calibration by fitting: loss on the §7 bands, a reproducible search, a loadable scenario file."""

from __future__ import annotations

import pytest

from sim.calibration import PATTERNS
from sim.experiment.fit import FitParameter, fit, loss, parse_fit_args, write_calibrated
from sim.params.errors import InputError
from sim.params.loader import load_scenario

TINY = {"population.residents": 5000, "run.end_date": "2024-06-30"}


def centres() -> dict[str, float]:
    return {p.key: (p.lo + p.hi) / 2 for p in PATTERNS}


def test_loss_is_zero_at_the_band_centres_and_grows_outside():
    at_centre = loss(centres())
    inside = loss({**centres(), "answer_rate": 0.77})
    outside = loss({**centres(), "answer_rate": 0.90})
    assert at_centre == 0.0 and 0 < inside < 0.1 < outside


def test_a_missing_pattern_costs_more_than_a_near_miss():
    assert loss({k: v for k, v in centres().items() if k != "council"}) > loss({**centres(), "council": 0.50})


def test_default_fit_range_is_thirty_percent_clipped():
    sc = load_scenario("baseline")
    (p,) = parse_fit_args(sc, ["feedback.learning_rate"])
    v = sc.values["feedback.learning_rate"]
    assert (p.lo, p.hi) == pytest.approx((0.7 * v, 1.3 * v))
    (q,) = parse_fit_args(sc, ["feedback.learning_rate=0.1:0.2"])
    assert (q.lo, q.hi) == (0.1, 0.2)


@pytest.mark.parametrize("item", ["feedback.nothing", "feedback.learning_rate=0.5:0.1",
                                  "feedback.learning_rate=0.5:1.5", "money.bundled_funds"])
def test_bad_fit_parameters_are_refused(item):
    with pytest.raises(InputError):
        parse_fit_args(load_scenario("baseline"), [item])


def test_fit_starts_from_the_scenario_and_writes_a_loadable_calibrated_file(tmp_path):
    sc = load_scenario("baseline").with_values(TINY)
    params = [FitParameter("feedback.learning_rate", 0.2, 0.5)]
    result = fit(sc, params, trials=2, reps=1, seed=4, progress=False)
    assert result.trials.loc[0, "feedback.learning_rate"] == sc.values["feedback.learning_rate"]
    assert result.trials["loss"].min() <= result.trials.loc[0, "loss"]
    assert len(result.table) == len(PATTERNS)
    base = load_scenario("baseline")
    path = write_calibrated(result, base, tmp_path / "cal.toml")
    calibrated = load_scenario(path)
    assert calibrated.values["feedback.learning_rate"] == pytest.approx(result.best["feedback.learning_rate"])
    assert calibrated.provenance["feedback.learning_rate"].source.startswith("assumption (calibrated)")
    assert calibrated.values["demand.demand_share"] == base.values["demand.demand_share"]
