"""The model as Mesa users expect it: live agents by type, ``steps`` counting days, the
root seed in Mesa's generators, and a ``DataCollector`` attached to a run."""

from __future__ import annotations

import mesa
import numpy as np
import pytest

from sim.agents.departments import Department
from sim.agents.socialorg import SocialOrganisation
from sim.agents.staff import StaffMember
from sim.model import StreetModel
from sim.scenarios import load_scenario

SEED = 20240


@pytest.fixture(scope="module")
def scenario():
    return load_scenario("baseline").with_values(
        {"population.residents": 3000, "run.end_date": "2024-04-30"})


def test_steps_count_days_and_the_root_seed_seeds_mesa(scenario):
    model = StreetModel(scenario, seed=SEED)
    assert model.rng.random() == np.random.default_rng(SEED).random()
    model.run()
    assert model.steps == model.calendar.n_days == model.t


def test_agents_by_type_read_current_values(scenario):
    model = StreetModel(scenario, seed=SEED)
    types = model.agents_by_type
    staff = list(types[StaffMember])
    assert len(types[Department]) == len(model.pool.departments)
    assert len(types[SocialOrganisation]) == len(model.streets[0].sos)
    assert len(staff) == int(model.streets[0].roster.filled.sum())
    before = {a.unique_id: a.stress for a in staff}
    for _ in range(60):
        model.step()
    roster = model.streets[0].roster
    still = [a for a in model.agents_by_type[StaffMember] if a.unique_id in before]
    assert still and all(a.stress == roster.stress[a.slot] for a in still)
    assert any(a.stress != before[a.unique_id] for a in still)
    assert [d.load for d in model.agents_by_type[Department]] == list(model.pool.load)
    assert len(model.agents_by_type[StaffMember]) == int(roster.filled.sum())


def test_a_datacollector_collects_one_row_per_day(scenario):
    model = StreetModel(scenario, seed=SEED)
    dc = mesa.DataCollector(model_reporters={
        "queued": lambda m: len(m.streets[0].intake.queue) + len(m.streets[0].intake.online_inbox),
        "staff": lambda m: len(m.agents_by_type[StaffMember]),
        "day": lambda m: m.t - 1,
    })
    model.run(datacollector=dc)
    frame = dc.get_model_vars_dataframe()
    assert len(frame) == model.calendar.n_days
    assert frame["day"].tolist() == list(range(model.calendar.n_days))
    recorded = model.streets[0].daily.to_frame()
    assert frame["staff"].gt(0).all()
    # read at the end of each day, the live queue is the day's recorded queue
    assert frame["queued"].tolist() == recorded["queue"].tolist()
    assert frame["queued"].max() > 0


def test_a_datacollector_leaves_results_unchanged(scenario):
    plain = StreetModel(scenario, seed=SEED).run()
    watched = StreetModel(scenario, seed=SEED).run(
        datacollector=mesa.DataCollector(model_reporters={"q": lambda m: len(m.streets[0].intake.queue)}))
    a, b = plain.streets[0].cases.to_frame(), watched.streets[0].cases.to_frame()
    assert a.equals(b)
