"""Experiment files and samplers: validation before any run, reproducible designs."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from sim.experiment.design import assumption_parameters, load_experiment, point_changes, sample
from sim.params.errors import InputError
from sim.params.schema import SPEC_BY_KEY
from sim.scenarios import load_scenario

HEAD = """
[experiment]
name = "t"
scenarios = ["baseline"]
replications = 2
seed = 11

[constants]
"population.residents" = 5000
"run.end_date" = "2024-06-30"
"""


def write(tmp_path, body: str, head: str = HEAD):
    path = tmp_path / "exp.toml"
    path.write_text(textwrap.dedent(head) + textwrap.dedent(body), encoding="utf-8")
    return path


def test_factorial_crosses_lists_and_range_levels(tmp_path):
    exp = load_experiment(write(tmp_path, """
        [sampler]
        method = "factorial"
        [[parameters]]
        key = "money.bundled_funds"
        values = [true, false]
        [[parameters]]
        key = "staff.work_hours_per_day"
        range = [8.0, 10.0]
        levels = 3
    """))
    points = sample(exp)
    assert len(points) == 6
    assert sorted(set(points["staff.work_hours_per_day"])) == [8.0, 9.0, 10.0]


def test_lhs_points_lie_in_their_ranges_and_repeat_with_the_seed(tmp_path):
    path = write(tmp_path, """
        [sampler]
        method = "lhs"
        n = 8
        [[parameters]]
        key = "staff.work_hours_per_day"
        range = [8.0, 10.0]
        [[parameters]]
        key = "departments.max_repeats"
        range = [2, 5]
    """)
    a, b = sample(load_experiment(path)), sample(load_experiment(path))
    assert a.equals(b)
    assert a["staff.work_hours_per_day"].between(8.0, 10.0).all()
    assert a["departments.max_repeats"].dtype.kind == "i"
    assert a["departments.max_repeats"].between(2, 5).all()


def test_another_seed_gives_another_design(tmp_path):
    path = write(tmp_path, """
        [sampler]
        method = "lhs"
        n = 4
        [[parameters]]
        key = "staff.work_hours_per_day"
        range = [8.0, 10.0]
    """)
    assert not sample(load_experiment(path)).equals(sample(load_experiment(path, seed=12)))


def test_morris_and_sobol_design_sizes(tmp_path):
    body = """
        [sampler]
        method = "{m}"
        n = {n}
        [[parameters]]
        key = "staff.work_hours_per_day"
        range = [8.0, 10.0]
        [[parameters]]
        key = "feedback.learning_rate"
        range = [0.2, 0.5]
    """
    morris = load_experiment(write(tmp_path, body.format(m="morris", n=3)))
    assert len(sample(morris)) == 3 * (2 + 1)
    sobol = load_experiment(write(tmp_path, body.format(m="sobol", n=4)))
    assert len(sample(sobol)) == 4 * (2 + 2)


def test_assumption_ranges_are_thirty_percent_clipped_to_the_schema():
    sc = load_scenario("baseline")
    params, skipped = assumption_parameters(sc, 0.3)
    by_key = {p.key: p for p in params}
    for key, p in by_key.items():
        assert sc.provenance[key].source.startswith("assumption")
        spec = SPEC_BY_KEY[key]
        v = float(sc.values[key])
        assert p.lo == pytest.approx(max(v * 0.7, spec.lo if spec.lo is not None else -np.inf))
        assert p.hi == pytest.approx(min(v * 1.3, spec.hi if spec.hi is not None else np.inf))
    assert "population.residents" not in by_key  # a brief figure, not an assumption
    assert all(float(sc.values[k]) == 0 or SPEC_BY_KEY[k].kind == "int" for k in skipped)


def test_assumptions_section_adds_parameters_but_not_constants(tmp_path):
    exp = load_experiment(write(tmp_path, """
        [sampler]
        method = "morris"
        n = 2
        [assumptions]
        band = 0.2
        exclude = ["feedback.learning_rate"]
    """))
    keys = {p.key for p in exp.parameters}
    assert "workforce.pay_gap_elasticity" in keys
    assert "feedback.learning_rate" not in keys
    assert "population.residents" not in keys


def test_a_mapping_entry_can_vary_and_keeps_the_other_entries():
    sc = load_scenario("baseline")
    changes = point_changes(sc, {"cases.intrinsic_work_hours.livelihood": 50.0})
    new = changes["cases.intrinsic_work_hours"]
    assert new["livelihood"] == 50.0
    assert new["mediation"] == sc.values["cases.intrinsic_work_hours"]["mediation"]
    assert sc.values["cases.intrinsic_work_hours"]["livelihood"] != 50.0  # the scenario is not changed


@pytest.mark.parametrize(("body", "field"), [
    ('[sampler]\nmethod = "grid"\n', "sampler.method"),
    ('[[parameters]]\nkey = "staff.no_such"\nrange = [1.0, 2.0]\n', "staff.no_such"),
    ('[[parameters]]\nkey = "staff.work_hours_per_day"\nrange = [10.0, 8.0]\n',
     "parameters.staff.work_hours_per_day.range"),
    ('[[parameters]]\nkey = "staff.work_hours_per_day"\nrange = [0.5, 8.0]\n',
     "parameters.staff.work_hours_per_day.range"),
    ('[[parameters]]\nkey = "demand.category_mix.livelihood"\nrange = [0.3, 0.5]\n', "parameters.key"),
    ('[outputs]\nindicators = ["happiness"]\n', "outputs.indicators"),
    ('[outputs]\nyears = [2029]\n', "outputs.years"),
    ('[extra]\nx = 1\n', "extra"),
])
def test_bad_experiment_files_are_refused_naming_the_field(tmp_path, body, field):
    path = write(tmp_path, body)
    with pytest.raises(InputError) as err:
        load_experiment(path)
    assert field in str(err.value)
    assert str(path) in str(err.value)
    assert "\n" not in str(err.value)


def test_an_unknown_scenario_is_refused_before_any_run(tmp_path):
    head = HEAD.replace('scenarios = ["baseline"]', 'scenarios = ["baseline", "nowhere"]')
    with pytest.raises(InputError, match="nowhere"):
        load_experiment(write(tmp_path, "", head=head))


@pytest.mark.parametrize("name", ["quick", "morris", "sobol", "stress_paths", "staffing_lhs"])
def test_shipped_experiment_files_are_valid(name):
    from sim.params.reading import SCENARIO_DIR

    exp = load_experiment(SCENARIO_DIR.parent / "experiments" / f"{name}.toml")
    assert exp.name == name
