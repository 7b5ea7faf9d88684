"""The order of one simulated day, declared once.

:data:`DAY` lists every step of a day in order: who runs it (``phase``), when it runs
(``when``), the mechanism, and the function called, as named in the code
(``sim/model.py`` ``StreetModel.step``, ``sim/street.py`` ``Street.begin_day`` and
``Street.end_day``) and in ``docs/ODD.md`` section 3. ``tests/test_schedule_order.py``
holds both to this declaration: a step added, removed or moved in the code or in the
ODD, without the other and this list, fails the test.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    """One step of the day.

    Attributes:
        phase: ``model`` (``StreetModel.step``), ``begin`` (``Street.begin_day``) or
            ``end`` (``Street.end_day``).
        when: ``daily``, ``workday``, ``month start``, ``year start`` or ``year end``
            (``daily`` steps may do nothing on some days, e.g. non-workdays).
        mechanism: what it does, in words.
        call: the function as the ODD names it: ``module.function`` for mechanism
            modules (``sim/mechanisms/``), ``Class.method`` otherwise.
    """

    phase: str
    when: str
    mechanism: str
    call: str


DAY: tuple[Step, ...] = (
    Step("model", "month start", "scenario schedules give the parameters in force",
         "StreetModel._apply_schedule"),
    Step("model", "month start", "last month's complaints enter the departments' assessment",
         "DepartmentPool.update_complaint_pressure"),
    Step("model", "daily", "departments' loads, answer probabilities and arrival delays",
         "DepartmentPool.begin_day"),
    Step("model", "daily", "each street's first half", "Street.begin_day"),
    Step("begin", "year start", "residents age; those reaching 95 are replaced by newborns",
         "Residents.age_one_year"),
    Step("begin", "year start", "the year's budget and transfers; renovations", "money.open_year"),
    Step("begin", "year start", "skill, staff ageing, retirement, promotions, pay, training plans",
         "workforce.open_year"),
    Step("begin", "month start", "parameters in force given the platform's health", "platform.apply"),
    Step("begin", "month start", "posts opened or frozen", "workforce.monthly"),
    Step("begin", "month start", "contract pay and secondment allowances (paid first)", "money.monthly"),
    Step("begin", "month start", "social organisations: costs, grants, exits, entries", "socialorgs.monthly"),
    Step("begin", "month start", "council proposals", "council.monthly"),
    Step("begin", "month start", "enrolment by data matching", "enrolment.monthly"),
    Step("begin", "month start", "word of mouth and community condition", "perception.monthly"),
    Step("begin", "month start", "platform dues, build progress, data-centre agreements", "platform.pay"),
    Step("begin", "month start", "duty-list revision", "tasks.revise_list"),
    Step("begin", "daily", "district transfers arriving today", "money.daily"),
    Step("begin", "daily", "emergencies and false alarms", "emergency.daily"),
    Step("begin", "daily", "staff hours, training, emergency mobilisation", "timebudget.open_day"),
    Step("begin", "workday", "upper-level tasks", "tasks.daily"),
    Step("begin", "workday", "duplicate data entry", "timebudget.data_entry"),
    Step("begin", "daily", "demand arrival, repeat contacts, the online inbox", "demand.daily"),
    Step("begin", "daily", "intake and triage: abandonment, admission, routing, handling, whistles",
         "triage.daily"),
    Step("model", "daily", "departments decide the whistles due", "DepartmentPool.decide"),
    Step("model", "daily", "each street's second half", "Street.end_day"),
    Step("end", "daily", "departments' answers applied to cases", "whistle.apply_answers"),
    Step("end", "daily", "cases closing today, residents' feedback", "feedback.close_due"),
    Step("end", "daily", "stress, quits and refills", "workforce.daily"),
    Step("end", "daily", "the day's record", "recording.record_day"),
    Step("end", "year end", "unspent livelihood money lapses", "money.close_year"),
    Step("end", "year end", "the yearly survey and state snapshot", "recording.close_year"),
)
"""Every step of a day, in order."""


def calls(phase: str) -> list[str]:
    """The declared calls of one phase, in order."""
    return [s.call for s in DAY if s.phase == phase]
