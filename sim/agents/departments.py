"""District departments: Mesa agents answering the streets' whistles.

One ``DepartmentPool`` serves every street of a model (one street, or a district of
streets): a department's load, and therefore its answers, depend on all the whistles it
receives. The pool holds whistle *episodes* (a department asked to come for a case) and
a log of every whistle sent. Each day it decides the episodes due: the department comes
(after a delay), disclaims an unclear case (a bounce), or stays away, in which case the
street whistles again and, after ``max_repeats`` whistles, escalates.
"""

from __future__ import annotations

import mesa
import numpy as np
from numba import njit

from sim.cases import EP_ARRIVED, EP_FAILED, EP_MOVED, EP_PENDING, WHISTLED, EpisodeTable
from sim.domain import DEPARTMENT_NAMES_ZH, DEPARTMENTS
from sim.draws import lognormal_mean
from sim.params.values import Params
from sim.table import ColumnTable

N_DEPARTMENTS = len(DEPARTMENTS)
LOAD_MEMORY_DAYS = 7.0
"""Days over which a department's load (new cases a day, repeats not counted) is averaged."""
MIN_ANSWER_PROB = 0.02

# whistle log kinds
WHISTLE, ESCALATION = 0, 1

WHISTLE_LOG_COLUMNS = {
    "street": ("int16", 0),
    "episode": ("int32", -1),
    "department": ("int8", -1),
    "day": ("int32", -1),
    "kind": ("int8", WHISTLE),
    "attempt": ("int16", 0),
    "answered": ("bool", False),
}


class Department(mesa.Agent):
    """One district functional department (城管, 市场监管, ...).

    Its behaviour parameters live in the pool's arrays, indexed by ``index``.
    """

    def __init__(self, model: mesa.Model, pool: DepartmentPool, index: int) -> None:
        super().__init__(model)
        self.pool = pool
        self.index = index

    @property
    def kind(self) -> str:
        """English key of the department."""
        return DEPARTMENTS[self.index]

    @property
    def name_zh(self) -> str:
        """Chinese name."""
        return DEPARTMENT_NAMES_ZH[self.kind]

    @property
    def answer_prob(self) -> float:
        """Today's probability of answering a routine whistle (load and accountability in)."""
        return float(self.pool.answer_prob_today[self.index])

    @property
    def load(self) -> float:
        """Recent whistles per day over capacity."""
        return float(self.pool.load[self.index])

    @property
    def data_shared(self) -> float:
        """Share of its data the streets can see."""
        return float(self.pool.p.data.data_shared[self.index])

    @property
    def pending(self) -> int:
        """Episodes waiting for this department."""
        ep = self.pool.episodes
        act = self.pool.active
        return int(np.sum(ep.department[act] == self.index))


class DepartmentPool:
    """The district's departments and every pending whistle episode."""

    def __init__(self, model: mesa.Model, params: Params, capacity: int = 4096) -> None:
        self.p = params
        self.departments = [Department(model, self, i) for i in range(N_DEPARTMENTS)]
        self.episodes = EpisodeTable(capacity)
        self.log = ColumnTable(WHISTLE_LOG_COLUMNS, capacity * 2)
        self.active = np.empty(0, dtype=np.int64)
        self.incoming = np.empty(0, dtype=np.int64)
        """Arrived episodes whose arrival time may still lie ahead (checked when a case
        ends: :func:`sim.mechanisms.whistle.lapse_later_arrivals`)."""
        self.inflow = np.zeros(N_DEPARTMENTS)
        self._new_today = np.zeros(N_DEPARTMENTS)
        self.load = np.zeros(N_DEPARTMENTS)
        self.answer_prob_today = params.departments.answer_prob.copy()
        self.delay_today = params.departments.answer_delay_hours.copy()
        self.complaint_pressure = np.zeros(N_DEPARTMENTS)
        self.capacity_scale = 1.0
        self.case_tables: list = []

    def register_street(self, cases) -> int:
        """Attach a street's case table; returns the street's index in the pool."""
        self.case_tables.append(cases)
        return len(self.case_tables) - 1

    def set_params(self, params: Params) -> None:
        """Take new parameter values (scenario schedules, stressors)."""
        self.p = params

    def episodes_sent(self, t: int, days: int = 30) -> np.ndarray:
        """Episodes first whistled in the last ``days`` days, per department."""
        ep = self.episodes
        first = ep.view("first_sent_h")
        recent = (first >= (t - days) * 24.0) & (first < t * 24.0)
        return np.bincount(ep.view("department")[recent], minlength=N_DEPARTMENTS).astype(float)

    # --- the street's side: sending ------------------------------------------------
    def send(self, street: int, cases: np.ndarray, departments: np.ndarray, unclear: np.ndarray,
             day: int, delay_days: np.ndarray | int = 0,
             sent_h: np.ndarray | None = None) -> np.ndarray:
        """Open episodes for (case, department) pairs; the first whistle goes out on
        ``day + delay_days``, not before the hour ``sent_h`` (hours since the start) when
        given."""
        k = len(cases)
        if k == 0:
            return np.empty(0, dtype=np.int64)
        next_day = day + np.asarray(delay_days, dtype=np.int64)
        first_h = next_day * 24.0 if sent_h is None else np.fmax(next_day * 24.0, sent_h)
        ids = self.episodes.append(k, street=street, case=cases, department=departments,
                                   first_sent_h=first_h, n_sent=0, next_day=next_day,
                                   unclear=unclear)
        self.active = np.concatenate([self.active, ids])
        return ids

    # --- the departments' side: deciding -------------------------------------------
    def begin_day(self) -> None:
        """Update loads, today's answer probabilities and arrival delays (call once a
        day, first).

        Utilisation ``load`` is the recent inflow of new whistles over capacity (all
        streets' whistles count). It binds two ways: a busier department answers less
        often (``answer_prob * (1 - load_sensitivity * load)``) and, when it answers,
        comes later (its whistles queue behind the others: the mean delay is
        ``travel_hours + (answer_delay_hours - travel_hours) * load``, where
        ``answer_delay_hours`` is the mean delay at full load). Accountability to the
        street (response time and rate in the department's assessment, brief §4B)
        closes part of the gap to always answering and puts the street's whistles first
        in the queue (the load they wait behind shrinks by the same share).
        """
        d = self.p.departments
        self.inflow += (self._new_today - self.inflow) / LOAD_MEMORY_DAYS
        self._new_today[:] = 0.0
        self.load = self.inflow / (d.capacity_per_day * self.capacity_scale)
        pull = np.clip(d.accountability_effect * (d.accountability + self.complaint_pressure), 0.0, 1.0)
        p = d.answer_prob * np.maximum(0.0, 1.0 - d.load_sensitivity * self.load)
        p = p + (1.0 - p) * pull
        # the floor keeps overloaded departments answering now and then; it never lifts a
        # department whose base answer probability is below it (0 = never answers)
        floor = np.minimum(MIN_ANSWER_PROB, d.answer_prob)
        self.answer_prob_today = np.minimum(np.maximum(p, floor), 1.0)
        queue = np.maximum(d.answer_delay_hours - d.travel_hours, 0.0)
        self.delay_today = d.travel_hours + queue * self.load * (1.0 - pull)

    def update_complaint_pressure(self, t: int, complaints: np.ndarray,
                                  episodes: np.ndarray | None = None) -> None:
        """Month start: the last 30 days' complaints on cases each department was
        whistled for, per episode first whistled to it in those days (``episodes``;
        counted from the pool when not given), enter its assessment with the weight
        ``assessment.results_weight`` (hotline units are ranked by complaints and
        call-backs). The pressure is that
        weighted complaint rate relative to ``assessment.complaint_rate_reference``,
        capped at 1; it acts like accountability (:meth:`begin_day`)."""
        a = self.p.assessment
        if episodes is None:
            episodes = self.episodes_sent(t)
        rate = np.divide(complaints, episodes, out=np.zeros(N_DEPARTMENTS), where=episodes > 0)
        ref = max(float(a.complaint_rate_reference), 1e-9)
        self.complaint_pressure = np.minimum(1.0, a.results_weight * rate / ref)

    def decide(self, day: int, rng: np.random.Generator, clarity: float) -> dict[str, np.ndarray]:
        """Decide every episode due today.

        Returns arrays of episode ids by result: ``arrived`` (with ``arrival_h``),
        ``bounced`` (department disclaimed; the street must move the case) and
        ``failed`` (no answer even after escalation).
        """
        ep = self.episodes
        act = self.active
        due_mask = ep.next_day[act] <= day
        due = act[due_mask]
        # episodes of cases that ended another way (dropped, bounced out) lapse unlogged
        alive = self._case_still_whistled(due)
        if not alive.all():
            self.episodes.state[due[~alive]] = EP_FAILED
            due = due[alive]
        empty = np.empty(0, dtype=np.int64)
        if len(due) == 0:
            return {"arrived": empty, "arrival_h": np.empty(0), "bounced": empty, "failed": empty}
        d = self.p.departments
        dept = ep.department[due].astype(np.int64)
        escalated = ep.escalated[due]
        u = rng.random((len(due), 3))
        p = np.where(escalated, d.escalation_answer_prob, self.answer_prob_today[dept])
        answered = u[:, 0] < p
        kind = np.where(escalated, ESCALATION, WHISTLE)
        self.log.append(len(due), street=ep.street[due], episode=due, department=dept, day=day,
                        kind=kind, answered=answered, attempt=ep.n_sent[due] + 1)
        first = ~escalated & (ep.n_sent[due] == 0)
        np.add.at(self._new_today, dept[first], 1.0)
        ep.n_sent[due] += (~escalated).astype(np.int16)

        # unclear duty: an answering department may disclaim the case (a bounce)
        mean_delay = self.delay_today[dept]
        sigma = self.p.cases.delay_sigma * 0.8
        delay = lognormal_mean(mean_delay, sigma, u[:, 2])
        # a department cannot come before the whistle went out (same-day first whistles)
        arrival_h = np.maximum(day * 24.0, ep.first_sent_h[due]) + delay
        arrive, bounce, fail = apply_decisions(
            due, answered, escalated, ep.unclear[due], u[:, 1], d.bounce_prob * (1.0 - clarity), arrival_h,
            float(d.max_repeats), day + max(1, int(round(d.repeat_interval_days))),
            day + max(1, int(round(d.escalation_delay_days))),
            ep.arrival_h, ep.state, ep.bounced, ep.next_day, ep.escalated, ep.n_sent)

        self.active = act[ep.state[act] == EP_PENDING]
        ahead = self.incoming[ep.arrival_h[self.incoming] > day * 24.0]
        self.incoming = np.concatenate([ahead, due[arrive]])
        return {"arrived": due[arrive], "arrival_h": arrival_h[arrive], "bounced": due[bounce],
                "failed": due[fail]}

    def _case_still_whistled(self, episodes: np.ndarray) -> np.ndarray:
        """Whether each episode's case is still waiting for departments."""
        ep = self.episodes
        case = ep.case[episodes]
        if len(self.case_tables) == 1:
            return self.case_tables[0].state[case] == WHISTLED
        alive = np.zeros(len(episodes), bool)
        street = ep.street[episodes]
        for s, table in enumerate(self.case_tables):
            m = street == s
            if m.any():
                alive[m] = table.state[case[m]] == WHISTLED
        return alive


@njit(cache=True)
def apply_decisions(due: np.ndarray, answered: np.ndarray, escalated: np.ndarray, unclear: np.ndarray,
                    u_bounce: np.ndarray, bounce_prob: float, arrival_h: np.ndarray, max_repeats: float,
                    repeat_day: int, escalate_day: int, ep_arrival_h: np.ndarray, ep_state: np.ndarray,
                    ep_bounced: np.ndarray, ep_next_day: np.ndarray, ep_escalated: np.ndarray,
                    ep_n_sent: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Write the day's decisions into the episode columns (compiled, one pass).

    An answering department disclaims an unclear case with ``bounce_prob`` (a bounce)
    and otherwise arrives at ``arrival_h``; a silent one is whistled again on
    ``repeat_day`` (until ``max_repeats`` whistles), then escalated to be answered on
    ``escalate_day``, and a silent escalation fails. Returns the masks arrive, bounce and
    fail over ``due``."""
    n = len(due)
    arrive = np.zeros(n, np.bool_)
    bounce = np.zeros(n, np.bool_)
    fail = np.zeros(n, np.bool_)
    for i in range(n):
        e = due[i]
        if answered[i]:
            if unclear[i] and u_bounce[i] < bounce_prob:
                bounce[i] = True
                ep_state[e] = EP_MOVED
            else:
                arrive[i] = True
                ep_arrival_h[e] = arrival_h[i]
                ep_state[e] = EP_ARRIVED
        elif escalated[i]:
            fail[i] = True
            ep_state[e] = EP_FAILED
        elif ep_n_sent[e] < max_repeats:
            ep_next_day[e] = repeat_day
        else:
            ep_escalated[e] = True
            ep_next_day[e] = escalate_day
        ep_bounced[e] = bounce[i]
    return arrive, bounce, fail
