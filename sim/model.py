"""The Mesa model of one street (or several streets sharing district departments).

Step order of one day ``t``: declared once, as data, in :data:`sim.schedule_order.DAY`
(and described in ``docs/ODD.md`` section 3); :meth:`StreetModel.step` and
:meth:`sim.street.Street.begin_day` / ``end_day`` follow it, and
``tests/test_schedule_order.py`` holds code, declaration and ODD together. In short:
scheduled parameters at a month start; the departments' complaint pressure (month
start), loads, answer probabilities and arrival delays; each street's first half
(year start: residents age, budget and renovations, staff skill, ageing, retirement,
promotions, pay and training plans; month start: platform health, posts, wages first,
social organisations, councils, enrolment, word of mouth and community condition,
platform dues, data-centre agreements, duty-list revision; then transfers, emergencies,
staff hours, tasks, data entry, demand, intake and triage, complaints answered
first); the departments' decisions for all streets at once; each street's second half
(answers, closings and feedback, workforce, the day's record, year end).

:meth:`StreetModel.run` advances the days itself when Mesa's event list holds nothing but
Mesa's own daily step (the usual case): it then counts ``steps``, sets ``time`` and calls
:meth:`StreetModel.step` exactly as ``Model.step()`` would, without building an event a day,
and leaves the next step scheduled as Mesa would have (``tests/test_port_h32.py``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

import mesa
import mesa.model
from mesa.time import EventGenerator

from sim import month_loop
from sim.agents.departments import DepartmentPool, answers_of_street
from sim.calendar import Calendar
from sim.gc_pause import collector_paused
from sim.mechanisms import whistle
from sim.params.scenario import Scenario
from sim.params.values import Params
from sim.randomness import Streams
from sim.street import Street, case_room


class StreetModel(mesa.Model):
    """A street (or ``n_streets`` streets) and the district departments serving it.

    Args:
        scenario: a validated scenario (see :func:`sim.scenarios.load_scenario`).
        seed: the replication's root seed; every random stream is spawned from it.
        n_streets: streets sharing the departments (1 for the single-street model).
        street_params: optional per-street parameters (district runs); defaults to the
            scenario's for every street.
        street_schedules: optional per-street schedules (``date -> Params | None``, or
            None for a street without one), e.g. a reform piloted on some streets; when
            given, the scenario's own schedule updates the departments only.
        capacity_scale: department capacity in units of the scenario's per-street
            ``departments.capacity_per_day``; defaults to the number of streets.

    :meth:`run` runs each month's days in one compiled call (:mod:`sim.month_loop`); set
    ``compiled_days`` to False to run every day through :meth:`step` (the results are the
    same, ``tests/test_month_loop.py``).
    """

    compiled_days: bool = True

    def __init__(self, scenario: Scenario, seed: int, n_streets: int = 1,
                 street_params: list[Params] | None = None,
                 street_schedules: list[Callable[[dt.date], Params | None] | None] | None = None,
                 capacity_scale: float | None = None) -> None:
        super().__init__(rng=int(seed))  # Mesa's ``rng``/``random`` are seeded with the root seed
        self.scenario = scenario
        self.seed = int(seed)
        self.schedule_fn = getattr(scenario, "params_at", None)
        base = scenario.params
        self.params = base
        self.calendar = Calendar(base.run.start_date, base.run.end_date,
                                 weekend_office_share=base.staff.weekend_staffing)
        self.district_streams = Streams(self.seed)
        plist = street_params or [base] * n_streets
        # whistle episodes: 0.72 per case in the baseline (0.33 in the combined path)
        self.pool = DepartmentPool(self, base, capacity=int(0.75 * sum(case_room(p, self.calendar.n_days)
                                                                       for p in plist)))
        self.pool.capacity_scale = float(len(plist) if capacity_scale is None else capacity_scale)
        self.streets = [Street(self, i, plist[i], self.calendar, self.seed, self.pool)
                        for i in range(len(plist))]
        self.street_schedules = street_schedules
        self.t = 0
        self.running = True

    @property
    def scenario(self) -> Scenario:
        """The scenario being run."""
        return self._scenario

    @scenario.setter
    def scenario(self, scenario: Scenario) -> None:
        # Mesa's setter also sets ``scenario.model = self``: that link would keep every
        # finished model (and all its tables) alive as long as its scenario object.
        self._scenario = scenario

    def step(self) -> None:
        """Advance one day (see the module docstring for the order)."""
        t = self.t
        if t >= self.calendar.n_days:
            self.running = False
            return
        if self.calendar.is_month_start(t):
            self.open_month(t)
        self.pool.begin_day()
        for street in self.streets:
            street.begin_day(t)
        clarity = float(self.params.departments.duty_clarity)
        answers = self.pool.decide(t, self.district_streams["whistle"], clarity)
        for street in self.streets:
            street.end_day(t, street_answers(answers, self.pool, street.index))
        self.t = t = t + 1
        if t >= self.calendar.n_days:
            self.running = False

    def open_month(self, t: int) -> None:
        """The model's month-start steps on day ``t`` (a month's first day): the scenario
        schedules, then last month's complaints into the departments' assessment."""
        if self.schedule_fn is not None or self.street_schedules is not None:
            self._apply_schedule(t)
        if t > 0:
            complaints = sum(whistle.complaints_by_department(st, t) for st in self.streets)
            self.pool.update_complaint_pressure(t, complaints)

    def _apply_schedule(self, t: int) -> None:
        date = self.calendar.date(t)
        params = self.schedule_fn(date) if self.schedule_fn is not None else None
        if params is not None and params is not self.params:
            self.params = params
            self.pool.set_params(params)
            if self.street_schedules is None:
                for street in self.streets:
                    street.set_params(params)
        for street, fn in zip(self.streets, self.street_schedules or ()):
            mine = fn(date) if fn is not None else None
            if mine is not None and mine is not street.p:
                street.set_params(mine)

    def run(self, datacollector: mesa.DataCollector | None = None) -> StreetModel:
        """Run to the end date.

        Args:
            datacollector: a Mesa ``DataCollector`` (model and agent reporters read the
                live model); it collects once at the end of every simulated day.

        ``self.steps`` (Mesa's step counter) counts the days simulated and ``self.time``
        is the day count as Mesa's clock. When Mesa would do nothing but this day's step
        (:meth:`_daily_schedule`), the days advance without Mesa's event list; afterwards
        ``steps``, ``time``, ``running`` and the next scheduled step are as Mesa leaves them.
        """
        gen = self._daily_schedule()
        if gen is None:
            while self.running:
                day = self.t
                self.step()
                if datacollector is not None and self.t > day:
                    datacollector.collect(self)
            return self
        self._event_list.pop_event()  # the next step: made again after the loop
        user_step = self._user_step
        done, in_step = 0, False
        compiled = self.compiled_days and datacollector is None
        with collector_paused():  # the run makes no cyclic garbage worth collecting (sim.gc_pause)
            try:
                while self.running:
                    day = self.t
                    if compiled:
                        k = month_loop.advance(self)
                        if k:
                            self.time = self.time + float(k)
                            self.steps += k
                            done += k
                            continue
                    self.time = self.time + 1.0  # as Mesa: the clock moves, steps counts, step runs
                    self.steps += 1
                    in_step = True
                    user_step()
                    in_step = False
                    done += 1
                    if datacollector is not None and self.t > day:
                        datacollector.collect(self)
            finally:  # as Mesa: a step that returned is counted and the next one scheduled;
                gen._execution_count += done  # one that raised was taken off the list
                gen._schedule_next(self.time if in_step else self.time + 1.0)
                if in_step:
                    self._event_list.pop_event()
        return self

    def _daily_schedule(self) -> EventGenerator | None:
        """Mesa's own recurring step event, when ``Model.step()`` would do nothing else
        than it: no simulator, no other event pending, no Mesa step logging, steps of 1.0
        with no end, and the next one due at ``time + 1``; otherwise None."""
        try:
            gen = self._default_schedule
            pending = [e for e in self._event_list._events if not e.CANCELED]
            plain = (self._simulator is None
                     and getattr(self.step, "__func__", None) is mesa.Model._wrapped_step
                     and gen._active and not gen._paused and gen.schedule.interval == 1.0
                     and gen.schedule.end is None and gen.schedule.count is None
                     and len(pending) == 1 and pending[0] is gen._current_event
                     and pending[0].time == self.time + 1.0
                     and not mesa.model._mesa_logger.isEnabledFor(logging.INFO))
        except AttributeError:  # a Mesa without these internals (``mesa>=3.5,<3.6`` has them)
            return None
        return gen if plain and self.running else None


def street_answers(answers: dict, pool: DepartmentPool, street: int) -> dict:
    """The part of the pool's answers that concerns one street (all of them when the pool
    serves one street; otherwise :func:`sim.agents.departments.answers_of_street`)."""
    if len(pool.case_tables) == 1:
        return answers
    arrived, arrival_h, bounced, failed = answers_of_street(
        answers["arrived"], answers["arrival_h"], answers["bounced"], answers["failed"], pool.episodes.street,
        street)
    return {"arrived": arrived, "arrival_h": arrival_h, "bounced": bounced, "failed": failed}
