"""District departments: Mesa agents answering the streets' whistles.

One ``DepartmentPool`` serves every street of a model (one street, or a district of
streets): a department's load, and therefore its answers, depend on all the whistles it
receives. The pool holds whistle *episodes* (a department asked to come for a case) and
a log of every whistle sent. Each day it decides the episodes due: the department comes
(after a delay), disclaims an unclear case (a bounce), or stays away, in which case the
street whistles again and, after ``max_repeats`` whistles, escalates.

The daily steps run as compiled (numba) kernels, one call each, with the random draws
made in Python from the same streams as before: :func:`day_rates` (``begin_day``),
:func:`due_episodes` and :func:`decide_due` (``decide``, split at the draw whose size
is the number of episodes due) and :func:`write_episodes` (opening episodes); at a month
start, :func:`complaint_pressure` (with :func:`sent_counts`, one pass over the episodes).
"""

from __future__ import annotations

import mesa
import numpy as np
from numba import njit

from sim.cases import EP_ARRIVED, EP_FAILED, EP_MOVED, EP_PENDING, WHISTLED, EpisodeTable
from sim.compiled import leaf
from sim.domain import DEPARTMENT_NAMES_ZH, DEPARTMENTS
from sim.params.values import Params
from sim.randomness.compiled import lognormal_at, lognormal_mu, normal_quantile
from sim.table import ColumnTable

N_DEPARTMENTS = len(DEPARTMENTS)
LOAD_MEMORY_DAYS = 7.0
"""Days over which a department's load (new cases a day, repeats not counted) is averaged."""
MIN_ANSWER_PROB = 0.02

# whistle log kinds
WHISTLE, ESCALATION = 0, 1
ARRIVE, BOUNCE, FAIL, AGAIN, ESCALATE = range(5)
"""The decisions of :func:`_decision`."""
NO_COUNTS = np.zeros(0)
"""Stands in for counts a kernel makes itself."""

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
        self.log = ColumnTable(WHISTLE_LOG_COLUMNS, capacity * 4 // 3)  # 1.37 decisions an episode (baseline)
        self.active = np.empty(0, dtype=np.int64)
        self.incoming = np.empty(0, dtype=np.int64)
        """Arrived episodes whose arrival time may still lie ahead (checked when a case
        ends: :func:`sim.mechanisms.whistle.late_episodes`)."""
        self.inflow = np.zeros(N_DEPARTMENTS)
        self._new_today = np.zeros(N_DEPARTMENTS)
        self.load = np.zeros(N_DEPARTMENTS)
        self.answer_prob_today = params.departments.answer_prob.copy()
        self.delay_today = params.departments.answer_delay_hours.copy()
        self.complaint_pressure = np.zeros(N_DEPARTMENTS)
        self.capacity_scale = 1.0
        self.case_tables: list = []
        self._states: tuple[np.ndarray, ...] = ()

    def register_street(self, cases) -> int:
        """Attach a street's case table; returns the street's index in the pool."""
        self.case_tables.append(cases)
        return len(self.case_tables) - 1

    def set_params(self, params: Params) -> None:
        """Take new parameter values (scenario schedules, stressors)."""
        self.p = params

    def _sent_scan(self) -> np.ndarray:
        """``[rows_from, cutoff]``: every episode before row ``rows_from`` was first whistled
        before the hour ``cutoff`` (first whistles never move), so a count of the whistles
        from ``cutoff`` on starts there (:func:`sent_counts`; made at the first call)."""
        scan = getattr(self, "sent_scan", None)
        if scan is None:
            scan = self.sent_scan = np.array([0.0, -np.inf])
        return scan

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
        return self.open_episodes(street, _filled(cases, k, np.int64), _filled(departments, k, np.int64),
                                  _filled(unclear, k, bool),
                                  _filled(day + np.asarray(delay_days, np.int64), k, np.int64),
                                  _filled(np.nan if sent_h is None else sent_h, k, float))

    def open_episodes(self, street: int, cases: np.ndarray, departments: np.ndarray,
                      unclear: np.ndarray, next_day: np.ndarray, sent_h: np.ndarray) -> np.ndarray:
        """Open one episode per row (all arrays of one length; ``sent_h`` NaN = no
        earliest hour): appended to the episode table (:func:`write_episodes`) and to
        the active episodes. Returns the new episode ids."""
        ep = self.episodes
        start = self.reserve_episodes(len(cases))
        self.active = write_episodes(start, street, cases, departments, unclear, next_day, sent_h,
                                     ep.street, ep.case, ep.department, ep.first_sent_h, ep.next_day,
                                     ep.unclear, self.active)
        return np.arange(start, start + len(cases))

    def reserve_episodes(self, k: int) -> int:
        """Append ``k`` blank episode rows for a kernel to fill (with
        :func:`write_episodes`, which also makes them active); returns the first row."""
        start = self.episodes.n
        self.episodes.append(k)
        return start

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
        in the queue (the load they wait behind shrinks by the same share). One call of
        the compiled :func:`day_rates`, which updates the arrays in place.
        """
        d = self.p.departments
        day_rates(self.inflow, self._new_today, d.capacity_per_day, float(self.capacity_scale),
                  float(d.accountability_effect), float(d.accountability), self.complaint_pressure,
                  d.answer_prob, float(d.load_sensitivity), d.answer_delay_hours, float(d.travel_hours),
                  self.load, self.answer_prob_today, self.delay_today)

    def update_complaint_pressure(self, t: int, complaints: np.ndarray,
                                  episodes: np.ndarray | None = None) -> None:
        """Month start: the last 30 days' complaints on cases each department was
        whistled for, per episode first whistled to it in those days (``episodes``;
        counted from the pool when not given), enter its assessment with the weight
        ``assessment.results_weight`` (hotline units are ranked by complaints and
        call-backs). The pressure is that
        weighted complaint rate relative to ``assessment.complaint_rate_reference``,
        capped at 1; it acts like accountability (:meth:`begin_day`). One call of
        :func:`complaint_pressure`."""
        a = self.p.assessment
        ep = self.episodes
        given = episodes is not None
        self.complaint_pressure = complaint_pressure(
            np.asarray(complaints, float), np.asarray(episodes, float) if given else NO_COUNTS, given, ep.n,
            ep.first_sent_h, ep.department, (t - 30) * 24.0, t * 24.0, float(a.results_weight),
            max(float(a.complaint_rate_reference), 1e-9), self._sent_scan())

    def decide(self, day: int, rng: np.random.Generator, clarity: float) -> dict[str, np.ndarray]:
        """Decide every episode due today.

        Returns arrays of episode ids by result: ``arrived`` (with ``arrival_h``),
        ``bounced`` (department disclaimed; the street must move the case) and
        ``failed`` (no answer even after escalation). Episodes of cases that ended
        another way (dropped, bounced out) lapse unlogged (:func:`due_episodes`); the
        others draw ``rng.random((due, 3))`` and are decided by :func:`decide_due`.
        """
        ep = self.episodes
        due = np.empty(0, dtype=np.int64)
        if len(self.active):
            due = due_episodes(self.active, ep.next_day, ep.street, ep.case, ep.state, day,
                               self._case_states())
        if len(due) == 0:
            return {"arrived": due, "arrival_h": np.empty(0), "bounced": due, "failed": due}
        d = self.p.departments
        u = rng.random((len(due), 3))
        log = self.log
        start = log.n
        log.append(len(due))
        arrived, arrival_h, bounced, failed, self.active, self.incoming = decide_due(
            due, u, day, ep.street, ep.department, ep.escalated, ep.n_sent, ep.first_sent_h, ep.unclear,
            ep.arrival_h, ep.state, ep.bounced, ep.next_day, self.answer_prob_today, self.delay_today,
            self._new_today, float(d.escalation_answer_prob), self.p.cases.delay_sigma * 0.8,
            d.bounce_prob * (1.0 - clarity), float(d.max_repeats),
            day + max(1, int(round(d.repeat_interval_days))),
            day + max(1, int(round(d.escalation_delay_days))),
            start, log.street, log.episode, log.department, log.day, log.kind, log.answered, log.attempt,
            self.active, self.incoming)
        return {"arrived": arrived, "arrival_h": arrival_h, "bounced": bounced, "failed": failed}

    def _case_states(self) -> tuple[np.ndarray, ...]:
        """The streets' case ``state`` columns (rebuilt only when a case table has grown
        and has new column arrays)."""
        states = self._states
        if len(states) == len(self.case_tables):
            for column, table in zip(states, self.case_tables):
                if column is not table.state:
                    break
            else:
                return states
        self._states = states = tuple(table.state for table in self.case_tables)
        return states


@njit(cache=True)
def answers_of_street(arrived: np.ndarray, arrival_h: np.ndarray, bounced: np.ndarray, failed: np.ndarray,
                      ep_street: np.ndarray, street: int
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The answers (:meth:`DepartmentPool.decide`) for episodes of one street, in order
    (compiled)."""
    mine = ep_street[arrived] == street
    return (arrived[mine], arrival_h[mine], bounced[ep_street[bounced] == street],
            failed[ep_street[failed] == street])


def _filled(values: np.ndarray | float, k: int, dtype: type) -> np.ndarray:
    """A new array of ``k`` values of ``dtype`` (a scalar is repeated)."""
    out = np.empty(k, dtype)
    out[:] = values
    return out


@njit(cache=True)
def sent_counts(n_episodes: int, first_sent_h: np.ndarray, department: np.ndarray, from_h: float, to_h: float,
                n_dept: int, scan: np.ndarray) -> np.ndarray:
    """Per department (of ``n_dept``), the first ``n_episodes`` episodes first whistled in
    ``[from_h, to_h)`` (compiled, one pass). The pass starts at row ``scan[0]`` when
    ``from_h`` is at least ``scan[1]`` (every episode before that row was first whistled
    before ``scan[1]``), else at the first row; then ``scan`` moves past the episodes first
    whistled before ``from_h``."""
    rows_from = int(scan[0])
    if from_h < scan[1] or rows_from > n_episodes:
        rows_from = 0
    out = np.zeros(n_dept)
    for e in range(rows_from, n_episodes):
        if from_h <= first_sent_h[e] < to_h:
            out[department[e]] += 1.0
    while rows_from < n_episodes and first_sent_h[rows_from] < from_h:
        rows_from += 1
    scan[0] = rows_from
    scan[1] = from_h
    return out


@njit(cache=True)
def complaint_pressure(complaints: np.ndarray, episodes: np.ndarray, given: bool, n_episodes: int,
                       first_sent_h: np.ndarray, department: np.ndarray, from_h: float, to_h: float,
                       weight: float, reference: float, scan: np.ndarray) -> np.ndarray:
    """Each department's complaint pressure: ``min(1, weight * complaints / episodes /
    reference)`` (0 without episodes), the episodes counted by :func:`sent_counts` unless
    ``given`` (compiled)."""
    if not given:
        episodes = sent_counts(n_episodes, first_sent_h, department, from_h, to_h, len(complaints), scan)
    out = np.empty(len(complaints))
    for j in range(len(complaints)):
        rate = complaints[j] / episodes[j] if episodes[j] > 0 else 0.0
        pressure = weight * rate / reference
        out[j] = 1.0 if pressure > 1.0 else pressure  # np.minimum: NaN stays NaN
    return out


@leaf
def day_rates(inflow: np.ndarray, new_today: np.ndarray, capacity: np.ndarray, capacity_scale: float,
              effect: float, accountability: float, pressure: np.ndarray, answer_prob: np.ndarray,
              sensitivity: float, answer_delay_hours: np.ndarray, travel_hours: float, load: np.ndarray,
              answer_prob_today: np.ndarray, delay_today: np.ndarray) -> None:
    """Today's loads, answer probabilities and mean arrival delays, in place (the rule
    of :meth:`DepartmentPool.begin_day`, one department at a time; compiled)."""
    for j in range(len(inflow)):
        inflow[j] += (new_today[j] - inflow[j]) / LOAD_MEMORY_DAYS
        new_today[j] = 0.0
        load[j] = inflow[j] / (capacity[j] * capacity_scale)
        pull = np.minimum(np.maximum(effect * (accountability + pressure[j]), 0.0), 1.0)
        p = answer_prob[j] * np.maximum(0.0, 1.0 - sensitivity * load[j])
        p = p + (1.0 - p) * pull
        # the floor keeps overloaded departments answering now and then; it never lifts a
        # department whose base answer probability is below it (0 = never answers)
        floor = np.minimum(MIN_ANSWER_PROB, answer_prob[j])
        answer_prob_today[j] = np.minimum(np.maximum(p, floor), 1.0)
        queue = np.maximum(answer_delay_hours[j] - travel_hours, 0.0)
        delay_today[j] = travel_hours + queue * load[j] * (1.0 - pull)


@njit(cache=True)
def due_episodes(active: np.ndarray, ep_next_day: np.ndarray, ep_street: np.ndarray, ep_case: np.ndarray,
                 ep_state: np.ndarray, day: int, states: tuple[np.ndarray, ...]) -> np.ndarray:
    """The active episodes due by ``day`` whose case (in its street's ``states``) is
    still whistled, in order; the due ones of ended cases are marked failed. Compiled."""
    due = np.empty(len(active), np.int64)
    n = 0
    for e in active:
        if ep_next_day[e] <= day:
            if states[ep_street[e]][ep_case[e]] == WHISTLED:
                due[n] = e
                n += 1
            else:
                ep_state[e] = EP_FAILED
    return due[:n]


@njit(cache=True)
def decide_due(due: np.ndarray, u: np.ndarray, day: int, ep_street: np.ndarray, ep_department: np.ndarray,
               ep_escalated: np.ndarray, ep_n_sent: np.ndarray, ep_first_sent_h: np.ndarray,
               ep_unclear: np.ndarray, ep_arrival_h: np.ndarray, ep_state: np.ndarray,
               ep_bounced: np.ndarray, ep_next_day: np.ndarray, answer_prob_today: np.ndarray,
               delay_today: np.ndarray, new_today: np.ndarray, escalation_answer_prob: float,
               delay_sigma: float, bounce_prob: float, max_repeats: float, repeat_day: int,
               escalate_day: int, log_start: int, log_street: np.ndarray, log_episode: np.ndarray,
               log_department: np.ndarray, log_day: np.ndarray, log_kind: np.ndarray,
               log_answered: np.ndarray, log_attempt: np.ndarray, active: np.ndarray,
               incoming: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                              np.ndarray]:
    """Decide the episodes ``due`` with their uniforms ``u`` (due x 3: answer, bounce,
    delay), compiled.

    An escalated episode is answered with ``escalation_answer_prob``, a whistle with its
    department's probability today. Each decision is logged at rows ``log_start...``
    (already appended); a department's first whistle of an episode counts in today's
    inflow. An answering department comes after a log-normal delay around its mean
    today, not before the first whistle went out. An answering department disclaims an
    unclear case with ``bounce_prob`` (a bounce) and otherwise arrives; a silent one is
    whistled again on ``repeat_day`` (until ``max_repeats`` whistles), then escalated to
    be answered on ``escalate_day``, and a silent escalation fails (:func:`_decision`),
    written into the episode's columns. Returns the arrived episodes
    and their arrival hours, the bounced and the failed episodes, the episodes still
    pending (of ``active``) and those whose arrival may still lie ahead (of ``incoming``,
    plus today's arrivals).
    """
    n = len(due)
    floats = np.empty(len(delay_today) + n)  # arrays as parts of two allocations
    mu, arrival_at = floats[:len(delay_today)], floats[len(delay_today):]
    for d in range(len(delay_today)):
        mu[d] = lognormal_mu(delay_today[d], delay_sigma)  # each department's delay location today, once
    ints = np.empty(3 * n, np.int64)
    arrived, bounced, failed = ints[:n], ints[n:2 * n], ints[2 * n:]
    n_arrived = n_bounced = n_failed = 0
    for i in range(n):
        e = due[i]
        dept = ep_department[e]
        escalated = ep_escalated[e]
        p = escalation_answer_prob if escalated else answer_prob_today[dept]
        answered = u[i, 0] < p
        r = log_start + i
        log_street[r] = ep_street[e]
        log_episode[r] = e
        log_department[r] = dept
        log_day[r] = day
        log_kind[r] = ESCALATION if escalated else WHISTLE
        log_answered[r] = answered
        log_attempt[r] = ep_n_sent[e] + 1
        if not escalated:
            if ep_n_sent[e] == 0:
                new_today[dept] += 1.0
            ep_n_sent[e] += 1
        # the episode's columns after the decision (its outcome is random from one episode
        # to the next: the writes below keep one side of each condition, without branches)
        result = _decision(answered, escalated, ep_unclear[e], u[i, 1], bounce_prob, ep_n_sent[e],
                           max_repeats)
        arrive, bounce, fail = result == ARRIVE, result == BOUNCE, result == FAIL
        again, escalate = result == AGAIN, result == ESCALATE
        arrival_h = 0.0
        if arrive:  # the delay (lognormal_mean of u[i, 2], drawn for every decision) only here
            delay = lognormal_at(mu[dept], delay_sigma, normal_quantile(u[i, 2]))
            # a department cannot come before the whistle went out (same-day first whistles)
            arrival_h = np.maximum(day * 24.0, ep_first_sent_h[e]) + delay
            ep_arrival_h[e] = arrival_h
        ep_state[e] = EP_ARRIVED if arrive else (EP_MOVED if bounce else (EP_FAILED if fail else ep_state[e]))
        ep_next_day[e] = repeat_day if again else (escalate_day if escalate else ep_next_day[e])
        ep_escalated[e] = ep_escalated[e] | escalate
        ep_bounced[e] = bounce
        arrived[n_arrived] = e  # each kept only when it counts
        arrival_at[n_arrived] = arrival_h
        n_arrived += arrive
        bounced[n_bounced] = e
        n_bounced += bounce
        failed[n_failed] = e
        n_failed += fail
    # the lists kept, in one pass each and without branches (kept and dropped episodes mix
    # at random): each episode is written, and kept by advancing the count
    kept = np.empty(len(active) + len(incoming) + n_arrived, np.int64)
    pending, ahead = kept[:len(active)], kept[len(active):]
    n_pending = 0
    for e in active:
        pending[n_pending] = e
        n_pending += ep_state[e] == EP_PENDING
    now = day * 24.0
    n_ahead = 0
    for e in incoming:
        ahead[n_ahead] = e
        n_ahead += ep_arrival_h[e] > now
    ahead[n_ahead:n_ahead + n_arrived] = arrived[:n_arrived]
    return (arrived[:n_arrived], arrival_at[:n_arrived], bounced[:n_bounced], failed[:n_failed],
            pending[:n_pending], ahead[:n_ahead + n_arrived])


@leaf
def fill_episodes(start: int, street: int, cases: np.ndarray, departments: np.ndarray, unclear: np.ndarray,
                  next_day: np.ndarray, sent_h: np.ndarray, ep_street: np.ndarray, ep_case: np.ndarray,
                  ep_department: np.ndarray, ep_first_sent_h: np.ndarray, ep_next_day: np.ndarray,
                  ep_unclear: np.ndarray) -> None:
    """Fill the appended episode rows ``start...`` (compiled): the first whistle goes out
    on ``next_day``, not before the hour ``sent_h`` (NaN: no such hour)."""
    for i in range(len(cases)):
        r = start + i
        ep_street[r] = street
        ep_case[r] = cases[i]
        ep_department[r] = departments[i]
        ep_first_sent_h[r] = np.fmax(next_day[i] * 24.0, sent_h[i])
        ep_next_day[r] = next_day[i]
        ep_unclear[r] = unclear[i]


@njit(cache=True)
def write_episodes(start: int, street: int, cases: np.ndarray, departments: np.ndarray, unclear: np.ndarray,
                   next_day: np.ndarray, sent_h: np.ndarray, ep_street: np.ndarray, ep_case: np.ndarray,
                   ep_department: np.ndarray, ep_first_sent_h: np.ndarray, ep_next_day: np.ndarray,
                   ep_unclear: np.ndarray, active: np.ndarray) -> np.ndarray:
    """:func:`fill_episodes`, then ``active`` followed by the new episodes (a new array)."""
    fill_episodes(start, street, cases, departments, unclear, next_day, sent_h, ep_street, ep_case,
                  ep_department, ep_first_sent_h, ep_next_day, ep_unclear)
    return active_and_new(active, start, len(cases))


@njit(cache=True)
def active_and_new(active: np.ndarray, start: int, k: int) -> np.ndarray:
    """``active`` followed by the episodes ``start ... start + k - 1`` (a new array)."""
    out = np.empty(len(active) + k, np.int64)
    out[: len(active)] = active
    for i in range(k):
        out[len(active) + i] = start + i
    return out


@leaf
def pending_of_street(ep_street: np.ndarray, active: np.ndarray, street: int) -> int:
    """How many of the pool's pending episodes ``active`` are ``street``'s."""
    n = 0
    for e in active:
        if ep_street[e] == street:
            n += 1
    return n


@njit(cache=True)
def _decision(answered: bool, escalated: bool, unclear: bool, u_bounce: float, bounce_prob: float,
              n_sent: int, max_repeats: float) -> int:
    """The rule of :func:`decide_due` for one episode: ``ARRIVE``, ``BOUNCE``, ``FAIL``,
    ``AGAIN`` (whistled again) or ``ESCALATE``."""
    if answered:
        return BOUNCE if unclear and u_bounce < bounce_prob else ARRIVE
    if escalated:
        return FAIL
    return AGAIN if n_sent < max_repeats else ESCALATE
