"""One street: its residents, staff, social organisations, money and cases.

The daily step order is declared once in ``sim/schedule_order.py`` (``DAY``);
:meth:`Street.begin_day` and :meth:`Street.end_day` follow it (``tests/test_schedule_order.py``)
and ``docs/ODD.md`` (section 'Process overview and scheduling') describes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.agents.socialorg import SocialOrganisation
from sim.agents.staff import Roster, initial_draws, initial_skill, posts_for
from sim.calendar import Calendar
from sim.cases import CaseTable
from sim.domain import SO_SPECIALTIES
from sim.events import (  # noqa: F401 - the codes stay importable from sim.street
    COUNCIL_COLUMNS,
    EMERGENCY_COLUMNS,
    HIRE,
    LEAVE,
    PROMOTE,
    QUIT,
    RETIRE,
    SO_ENTER,
    SO_EVENT_COLUMNS,
    SO_EXIT,
    SO_EXIT_FUNDS,
    SO_EXIT_VENUE,
    STAFF_EVENT_COLUMNS,
)
from sim.hours import DayHours
from sim.mechanisms import (
    council,
    demand,
    emergency,
    enrolment,
    feedback,
    intake,
    perception,
    platform,
    recording,
    socialorgs,
    tasks,
    timebudget,
    triage,
    whistle,
    workforce,
)
from sim.mechanisms import money as money_mech
from sim.money import Purse
from sim.params.values import Params
from sim.population import Residents
from sim.randomness import Streams
from sim.table import ColumnTable

if TYPE_CHECKING:
    import mesa

    from sim.agents.departments import DepartmentPool

def case_room(params: Params, n_days: int) -> int:
    """Rows to allocate for a street's cases over ``n_days``: the expected new demands plus
    35% (repeat contacts and chance made a run's cases 1.15-1.19 times the expected new
    demands in the five main scenarios; a full table doubles)."""
    return int(params.population.residents * params.demand.contacts_per_resident_year
               * params.demand.demand_share * n_days / 365 * 1.35) + 1024


class Street:
    """State of one street and its daily step.

    The street holds what every mechanism shares: the parameters in force ``p`` (set by
    :meth:`set_params`, then by ``platform.apply`` at each month start), calendar, random
    streams, residents, roster, cases, the department pool, the day's hours, the purse,
    social organisations, event logs and records. Each mechanism keeps its own state in
    a record defined next to it: ``intake`` (the case flow, ``sim.mechanisms.intake``),
    ``workforce``, ``staff_time`` (``timebudget``), ``duties`` (``tasks``), ``emergency``,
    ``platform``, ``councils`` (``council``), ``perception``, ``enrolment`` and ``money``.
    A mechanism changes another's state only by a call into the owner
    (``workforce.invalidate_quit_hazard``, ``timebudget.records_made``,
    ``feedback.end_now``).

    Args:
        model: the Mesa model the street's agents belong to.
        index: the street's index in its model (0 for a single street).
        params: parameter values.
        calendar: the run's calendar.
        root_seed: the replication's root seed; the street's streams are spawned from it
            and its index.
        pool: the district departments serving this street.
    """

    def __init__(self, model: mesa.Model, index: int, params: Params, calendar: Calendar,
                 root_seed: int, pool: DepartmentPool) -> None:
        self.model = model
        self.index = index
        self.p = params  # in force: set_params, then platform.apply each month start
        self.cal = calendar
        self.streams = Streams(root_seed, extra_key=(index,))
        self.pool = pool
        self.residents = Residents(params, self.streams["population"])
        n_est, n_con = posts_for(params)
        self.roster = Roster(n_est, n_con)
        self.hours = DayHours(self.roster.n)
        self.purse = Purse()
        self.cases = CaseTable(case_room(params, calendar.n_days))
        pool.register_street(self.cases)
        # state owned by the mechanisms (each record lives next to its mechanism)
        pop = params.population
        self.intake = intake.IntakeState()
        self.workforce = workforce.WorkforceState()
        self.staff_time = timebudget.StaffTimeState()
        self.duties = tasks.DutyState(coverage=float(params.tasks.duty_list_coverage))
        self.emergency = emergency.EmergencyState()
        self.platform = platform.PlatformState(design=params, digital_access=pop.digital_access.copy())
        self.perception = perception.PerceptionState(
            condition=np.full((int(pop.communities), 4), float(params.perception.initial)))
        self.enrolment = enrolment.EnrolmentState()
        self.money = money_mech.MoneyState(
            renovated=float(params.facilities.renovated_initial) * pop.communities)
        self.staff_events = ColumnTable(STAFF_EVENT_COLUMNS, 256)
        self.emergencies = ColumnTable(EMERGENCY_COLUMNS, 64)
        self.so_events = ColumnTable(SO_EVENT_COLUMNS, 64)
        self.council_log = ColumnTable(COUNCIL_COLUMNS, 1024)
        self.sos: list[SocialOrganisation] = []
        self.daily = recording.DailyRecord(calendar.n_days)
        # the calendar as plain flags per day (looked up every day)
        self._opens_year, self._opens_month, self._closes_year = calendar.period_flags()
        self.workday = tuple(np.asarray(calendar.is_workday, dtype=bool).tolist())  # read by staff time
        self.yearly_state: dict[int, dict[str, float]] = {}  # recording.close_year
        self._build_staff()
        self._build_councils()
        self._build_sos()

    # --- construction ----------------------------------------------------------------
    def _build_staff(self) -> None:
        p = self.p
        drawn = initial_draws(p, self.streams["staff"], self.roster.n).tolist()
        for slot, (specialty, age, years, grade_years) in enumerate(drawn):
            specialty = int(specialty)
            self.roster.fill(self.model, slot, specialty=specialty, age=age,
                             skill=initial_skill(p, specialty, years),
                             pay=p.staff.pay[int(self.roster.contract[slot])], day=0, grade_years=grade_years)

    def _build_councils(self) -> None:
        rng = self.streams["council"]
        pop = self.p.population
        has = rng.random(int(pop.communities)) < pop.council_coverage
        functioning = has & (rng.random(len(has)) < pop.council_functioning)
        self.councils = council.CouncilState(present=has, functioning=functioning)

    def _build_sos(self) -> None:
        rng = self.streams["socialorgs"]
        so = self.p.socialorgs
        for i in range(int(so.initial_count)):
            spec = int(rng.choice(len(SO_SPECIALTIES), p=so.initial_mix))
            self.sos.append(SocialOrganisation(
                self.model, street=self.index, specialty=spec, capacity=so.capacity_per_month,
                funds=so.monthly_cost * so.initial_funds_months, has_venue=i < so.venue_slots,
                professional_team=rng.random() < so.professional_team_share, entered_day=-1,
                supported=False))

    # --- parameters -----------------------------------------------------------------------
    def set_params(self, params: Params) -> None:
        """Take new parameter values (from a schedule); the month-start mechanisms
        (platform, posts, digital access) make the street's state follow."""
        self.p = self.platform.design = params

    # --- the day --------------------------------------------------------------------------
    def begin_day(self, t: int) -> None:
        """Calendar events, emergencies, staff time, demand arrival and intake."""
        self.open_periods(t)
        money_mech.daily(self, t)
        emergency.daily(self, t)
        timebudget.open_day(self, t)
        tasks.daily(self, t)
        timebudget.data_entry(self, t)
        demand.daily(self, t)
        triage.daily(self, t)

    def open_periods(self, t: int) -> None:
        """The year-start and month-start steps of day ``t`` (nothing on other days)."""
        if self._opens_year[t]:
            if t > 0:
                self.residents.age_one_year(self.p, self.streams["population"])
            money_mech.open_year(self, t)
            workforce.open_year(self, t)
        if self._opens_month[t]:
            platform.apply(self)
            workforce.monthly(self, t)
            money_mech.monthly(self, t)  # wages first: the rest get what is left
            socialorgs.monthly(self, t)
            council.monthly(self, t)
            enrolment.monthly(self, t)
            perception.monthly(self, t)
            platform.pay(self)
            tasks.revise_list(self)

    def end_day(self, t: int, answers: dict[str, np.ndarray]) -> None:
        """Whistle results, closings and feedback, workforce, records, year end."""
        whistle.apply_answers(self, t, answers)
        feedback.close_due(self, t)
        workforce.daily(self, t)
        recording.record_day(self, t)
        self.close_periods(t)

    def close_periods(self, t: int) -> None:
        """The year-end steps of day ``t`` (nothing on other days)."""
        if self._closes_year[t]:
            money_mech.close_year(self, t)
            recording.close_year(self, t)
