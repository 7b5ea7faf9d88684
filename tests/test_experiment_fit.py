"""Calibration by fitting: loss on the §7 bands, a reproducible search, a loadable scenario file."""

from __future__ import annotations

import pytest

from sim.calibration import PATTERNS
from sim.experiment.fit import FitParameter, fit, loss, parse_fit_args, write_calibrated
from sim.params.errors import InputError
from sim.scenarios import load_scenario

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


def test_loss_noise_falls_with_replications_and_reps_are_chosen_for_it():
    import numpy as np
    import pandas as pd

    from sim.experiment.fit import choose_reps, loss_noise

    rng = np.random.default_rng(0)
    per_rep = pd.DataFrame({p.key: (p.lo + p.hi) / 2 + rng.normal(0, (p.hi - p.lo) / 2, 8) for p in PATTERNS})
    assert loss_noise(per_rep, 4, 1) > loss_noise(per_rep, 16, 1) > 0
    n, noise = choose_reps(per_rep, 1, tolerance=loss_noise(per_rep, 12, 1) * 1.01, max_reps=40)
    assert n <= 12 and noise <= loss_noise(per_rep, 12, 1) * 1.01
    assert choose_reps(per_rep, 1, tolerance=1e-9, max_reps=6)[0] == 6


def test_a_flat_profile_is_not_identifiable_and_a_steep_one_is():
    import numpy as np
    import pandas as pd

    from sim.experiment.fit import identifiability

    rng = np.random.default_rng(1)
    rows = []
    for key, slope in (("flat.param", 0.0), ("steep.param", 2.0)):
        for v in (0.0, 0.5, 1.0):
            for r in range(6):
                vals = {p.key: (p.lo + p.hi) / 2 for p in PATTERNS}
                vals["answer_rate"] += slope * v * 0.1 + rng.normal(0, 0.002)
                rows.append({"parameter": key, "value": v, "replication": r, **vals})
    prof = pd.DataFrame(rows)
    from sim.experiment.fit import loss
    for _, g in prof.groupby(["parameter", "value"]):
        prof.loc[g.index, "loss"] = loss({p.key: g[p.key].mean() for p in PATTERNS})
    table = identifiability(prof, seed=2).set_index("parameter")
    assert not table.loc["flat.param", "identifiable"]
    assert table.loc["steep.param", "identifiable"]


def test_held_out_intervals_are_student_t_over_the_values_present(monkeypatch):
    import numpy as np
    import pandas as pd
    from scipy import stats

    from sim.experiment import fit as fit_module

    values = {p.key: [p.lo, p.hi, (p.lo + p.hi) / 2] for p in PATTERNS}
    first = PATTERNS[0].key
    values[first] = [PATTERNS[0].lo, np.nan, PATTERNS[0].hi]  # a run without the pattern
    monkeypatch.setattr(fit_module, "replicate", lambda *a, **k: pd.DataFrame(values))
    table, _ = fit_module.held_out(None, {}, {}, [1, 2, 3], None, seed=0)
    row = table.set_index("pattern").loc[PATTERNS[0].label]
    x = np.array([PATTERNS[0].lo, PATTERNS[0].hi])
    half = stats.t.ppf(0.975, 1) * x.std(ddof=1) / np.sqrt(2)  # one degree of freedom: two values
    assert row["start"] == pytest.approx(x.mean())
    assert (row["start_ci_low"], row["start_ci_high"]) == pytest.approx((x.mean() - half, x.mean() + half))
    assert bool(row["pass_fitted"])
