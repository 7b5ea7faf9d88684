"""Read-only parameters and the mechanisms' own state records (issue 11)."""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import pytest

from sim.agents.staff import CONTRACT
from sim.mechanisms import money as money_mech
from sim.mechanisms import timebudget, workforce
from sim.model import StreetModel
from sim.params.schema import SPECS
from sim.params.values import GROUP_CLASSES
from sim.street import Street

RECORDS = {"intake": "IntakeState", "workforce": "WorkforceState", "staff_time": "StaffTimeState",
           "duties": "DutyState", "emergency": "EmergencyState", "platform": "PlatformState",
           "councils": "CouncilState", "perception": "PerceptionState", "enrolment": "EnrolmentState",
           "money": "MoneyState"}
"""Each mechanism state record: the street's attribute and the record's class."""

OLD_NAMES = ("queue", "online_inbox", "in_service", "quit_prob", "assessment_pressure", "platform_health",
             "platform_progress", "dept_joined", "p_design", "condition", "renovated", "council_functioning",
             "has_council", "enrolment_found", "duty_coverage", "task_counts", "contract_pay_year",
             "secondment_paid_share", "mobilised_until", "volunteer_hours_today", "records_to_reenter")
"""Street attributes that moved into the records."""


@pytest.fixture(scope="module")
def street(small) -> Street:
    return StreetModel(small, seed=3).streets[0]


def test_parameter_groups_are_frozen(small):
    p = small.params
    assert set(GROUP_CLASSES) == {spec.group for spec in SPECS}
    for group, cls in GROUP_CLASSES.items():
        value = getattr(p, group)
        assert type(value) is cls and dataclasses.is_dataclass(value)
        name = dataclasses.fields(value)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(value, name, getattr(value, name))
    with pytest.raises((AttributeError, TypeError)):  # CPython 3.12 frozen+slots raises TypeError
        p.demand.not_a_parameter = 1.0  # no new fields either


def test_parameter_arrays_are_read_only(small):
    p = small.params
    groups = [getattr(p, g) for g in GROUP_CLASSES]
    values = [getattr(group, f.name) for group in groups for f in dataclasses.fields(group)]
    arrays = [a for a in values if isinstance(a, np.ndarray)]
    assert arrays
    for a in arrays:
        assert not a.flags.writeable
    with pytest.raises(ValueError):
        p.staff.pay[CONTRACT] = 0.0


def test_parameters_pickle_read_only_and_equal(small):
    p = small.params
    q = pickle.loads(pickle.dumps(p))
    assert q.raw == p.raw
    assert not q.staff.pay.flags.writeable
    np.testing.assert_array_equal(q.demand.category_mix, p.demand.category_mix)


def test_replace_makes_new_values_and_leaves_the_old(small):
    p = small.params
    before = float(p.staff.pay[CONTRACT])
    q = p.replace({"tasks.duty_list_coverage": 0.25})
    assert q.tasks.duty_list_coverage == 0.25 and p.tasks.duty_list_coverage != 0.25
    assert float(p.staff.pay[CONTRACT]) == before


def test_street_state_lives_in_slotted_records(street):
    for attr, cls_name in RECORDS.items():
        record = getattr(street, attr)
        assert type(record).__name__ == cls_name
        assert dataclasses.is_dataclass(record) and hasattr(type(record), "__slots__")
        with pytest.raises(AttributeError):
            record.not_a_field = 1
    for name in OLD_NAMES:
        assert not hasattr(street, name), name


def test_money_asks_the_workforce_to_reevaluate_quit_hazards(small):
    s = StreetModel(small, seed=3).streets[0]
    s.workforce.quit_prob = np.zeros(s.roster.n)
    s.purse.general = 0.0  # nothing to pay wages with: contract pay changes
    contract = s.roster.filled & (s.roster.contract == CONTRACT)
    assert contract.any()
    money_mech.monthly(s, 0)
    assert s.workforce.quit_prob is None


def test_invalidate_quit_hazard_makes_the_next_day_reevaluate(small):
    s = StreetModel(small, seed=3).streets[0]
    workforce.invalidate_quit_hazard(s)
    assert s.workforce.quit_prob is None
    timebudget.open_day(s, 1)
    workforce.daily(s, 1)  # not a weekly day: re-evaluated only because it was invalidated
    assert s.workforce.quit_prob is not None and len(s.workforce.quit_prob) == s.roster.n


def test_records_made_carry_to_the_next_data_entry(small):
    s = StreetModel(small, seed=3).streets[0]
    timebudget.records_made(s, 3.0)
    timebudget.records_made(s, 2.0)
    assert s.staff_time.records_to_reenter == 5.0
    day = int(np.argmax(s.cal.is_workday))
    timebudget.open_day(s, day)
    timebudget.data_entry(s, day)
    assert s.staff_time.records_to_reenter == 0.0


def test_set_params_sets_the_design_the_platform_keeps(small):
    s = StreetModel(small, seed=3).streets[0]
    q = small.params.replace({"tasks.duty_list_coverage": 0.5})
    s.set_params(q)
    assert s.p is q and s.platform.design is q
