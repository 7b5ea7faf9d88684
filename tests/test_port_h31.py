"""The compiled kernels of the month-start and year-start/end steps (word of mouth and
community condition, the survey, ageing, digital access, demand weights, enrolment,
assessment and complaint pressure, the year's tallies, posts in use) give, bit for bit,
what the array statements of their rules gave (the code they replaced, restated below),
and their incremental scans of the case and episode tables count what a whole-table scan
counts."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from sim.agents.departments import N_DEPARTMENTS, complaint_pressure, sent_counts
from sim.agents.staff import CONTRACT, ESTABLISHED
from sim.cases import CLOSED, OUTCOME_NAMES, RESOLVED, ROUTE_NAMES, ROUTE_SO, STATE_NAMES
from sim.domain import CATEGORIES, RESIDENT_AGE_BANDS
from sim.mechanisms import enrolment, perception, recording, whistle, workforce
from sim.mechanisms.enrolment import DATA_DEPTS
from sim.mechanisms.perception import CONDITION_PARTS, ENVIRONMENT, LIVELIHOOD
from sim.model import StreetModel
from sim.population import (
    NO_KEEP,
    PICK_BUCKETS,
    band_of,
    demand_weights_kernel,
    relax_kernel,
    sync_digital_kernel,
)

SEED = 11
RESIDENT_ARRAYS = ("age", "band", "digital", "own", "trust", "expectation", "touched_day", "eligible",
                   "enrolled", "word_of_mouth")


# --- the rules as array statements ---------------------------------------------------------------
def closed_within(cs, t, days):
    closed_h = cs.view("closed_h")
    return (cs.view("state") == CLOSED) & (closed_h >= (t - days) * 24.0) & (closed_h < t * 24.0)


def ref_condition(street, t):
    res, pc, cs = street.residents, street.p.perception, street.cases
    n_comm = len(res.word_of_mouth)
    people = np.maximum(np.bincount(res.community, minlength=n_comm), 1) / 1000.0
    comm = res.community[cs.view("resident")]
    cat, closed_h, state = cs.view("category"), cs.view("closed_h"), cs.view("state")
    outcome, raised_h = cs.view("outcome"), cs.view("raised_h")
    now = t * 24.0
    env = cat == ENVIRONMENT
    still_open = env & (state != CLOSED) & (raised_h < now)
    left = env & (state == CLOSED) & (outcome != RESOLVED) & \
        (closed_h >= now - 24.0 * pc.problem_persistence_days)
    problems = np.bincount(comm[still_open | left], minlength=n_comm) / people
    year_ago = now - 365.0 * 24.0
    so = (cs.view("route") == ROUTE_SO) & (raised_h >= year_ago) & (raised_h < now)
    so_rate = np.bincount(comm[so], minlength=n_comm) / people
    eld = cs.view("elderly") & (cat == LIVELIHOOD) & (state == CLOSED) & (closed_h >= year_ago)
    n_eld = np.bincount(comm[eld], minlength=n_comm)
    ok_eld = np.bincount(comm[eld & (outcome == RESOLVED)], minlength=n_comm)
    return np.column_stack([
        1.0 / (1.0 + problems / max(float(pc.problem_density_reference), 1e-9)),
        perception.renovated_by_community(street.money.renovated, n_comm),
        np.minimum(1.0, so_rate / max(float(pc.so_activity_reference), 1e-9)),
        np.divide(ok_eld, n_eld, out=np.full(n_comm, 0.5), where=n_eld > 0),
    ])


def ref_monthly(street, t):
    res, pc, cs = street.residents, street.p.perception, street.cases
    n_comm = len(res.word_of_mouth)
    last = np.flatnonzero(closed_within(cs, t, 30))
    if len(last):
        comm = res.community[cs.resident[last]]
        n = np.bincount(comm, minlength=n_comm)
        total = np.bincount(comm, weights=cs.perceived[last], minlength=n_comm)
        heard = np.divide(total, n, out=res.word_of_mouth.copy(), where=n > 0)
        alpha = 1.0 - np.exp(-1.0 / max(float(pc.neighbour_memory_months), 1e-6))
        res.word_of_mouth += alpha * (heard - res.word_of_mouth)
    street.perception.condition = ref_condition(street, t)


def ref_perceived(street, idx):
    res, pc = street.residents, street.p.perception
    comm = res.community[idx]
    condition = street.perception.condition.mean(axis=1)[comm]
    w = np.array([pc.weight_own, pc.weight_neighbours, pc.weight_condition, pc.weight_trust], float)
    if w.sum() <= 0:
        return np.full(len(idx), float(pc.initial))
    return (w[0] * res.own[idx] + w[1] * res.word_of_mouth[comm] + w[2] * condition
            + w[3] * res.trust[idx]) / w.sum()


def ref_survey(street, t):
    res, pc = street.residents, street.p.perception
    everyone = np.arange(res.n)
    relax_kernel(everyone, t, float(street.p.feedback.memory_years), res.own, res.trust, res.touched_day,
                 res.community, res.word_of_mouth, NO_KEEP)
    perf = ref_perceived(street, everyone)
    score = perception.rating(perf, res.expectation, res.disposition, pc.disconfirmation_weight)
    out = {
        "satisfaction_survey": float(np.mean(score >= pc.survey_threshold)),
        "rating_mean": float(np.mean(np.clip(score, 0.0, 1.0))),
        "perceived_mean": float(perf.mean()),
        "expectation_mean": float(res.expectation.mean()),
        "trust_mean": float(res.trust.mean()),
        **{f"condition_{k}": float(v)
           for k, v in zip(CONDITION_PARTS, street.perception.condition.mean(axis=0), strict=True)},
    }
    res.expectation += pc.expectation_adaptation * (perf - res.expectation) + pc.expectation_drift
    np.clip(res.expectation, 0.0, 1.0, out=res.expectation)
    return out


def ref_sync_digital(res, target, u):
    for b in range(len(RESIDENT_AGE_BANDS)):
        in_band = res.band == b
        n_band = int(in_band.sum())
        if n_band == 0:
            continue
        want = int(round(target[b] * n_band))
        have = int((res.digital & in_band).sum())
        if want > have:
            cand = np.flatnonzero(in_band & ~res.digital)
            res.digital[cand[np.argsort(u[cand])[: want - have]]] = True
        elif want < have:
            cand = np.flatnonzero(in_band & res.digital)
            res.digital[cand[np.argsort(u[cand])[: have - want]]] = False


def ref_demand_weights(res, p):
    w = p.demand.propensity_by_age[res.band] * np.where(res.migrant, p.demand.migrant_propensity, 1.0)
    cum = np.cumsum(w)
    cum_weight = cum / cum[-1]
    starts = np.searchsorted(cum_weight, np.arange(PICK_BUCKETS + 1) / PICK_BUCKETS, side="right")
    return cum_weight, starts, float(w.mean())


def ref_age_one_year(res, p, rng):
    res.age += 1.0
    old = res.age >= 95
    res.age[old] = 0.0
    res.eligible[old] = False
    res.enrolled[old] = False
    heard = res.word_of_mouth[res.community[old]]
    res.own[old] = heard
    res.trust[old] = heard
    res.expectation[old] = float(res.expectation.mean())
    res.band = band_of(res.age)
    ref_sync_digital(res, p.population.digital_access, rng.random(res.n))
    res._cum_weight, res._bucket_start, res.mean_propensity = ref_demand_weights(res, p)


def ref_enrolment(street, t):
    res, e = street.residents, street.p.enrolment
    rng = street.streams["enrolment"]
    u = rng.random(res.n)
    if street.cal.month[t] == 1 and t > 0:
        leave = res.eligible & (u < e.exit_per_year)
        res.eligible[leave] = False
        res.enrolled[leave] = False
        new = ~res.eligible & (u > 1.0 - street.p.population.eligibility_inflow)
        res.eligible[new] = True
        u = rng.random(res.n)
    visible = float(np.mean(street.p.data.data_shared[DATA_DEPTS]))
    found = res.eligible & ~res.enrolled & (u < e.data_match_monthly * visible)
    res.enrolled[found] = True
    street.enrolment.found += int(found.sum())


def ref_assessment(street, t, days=30):
    recent = closed_within(street.cases, t, days)
    n = int(np.count_nonzero(recent))
    if n == 0:
        return 0.0
    unhappy = n - int(np.count_nonzero(street.cases.view("callback_satisfied")[recent]))
    return float(street.p.assessment.results_weight) * unhappy / n


def ref_complaints(street, t, days=30):
    cs = street.cases
    masks = cs.view("dept_mask")[cs.view("complaint") & closed_within(cs, t, days)]
    return whistle.department_bits(masks, street.p.departments.answer_prob.shape[0]).sum(axis=0).astype(float)


def ref_sent(first_sent_h, department, t, days=30):
    recent = (first_sent_h >= (t - days) * 24.0) & (first_sent_h < t * 24.0)
    return np.bincount(department[recent], minlength=N_DEPARTMENTS).astype(float)


def ref_pressure(complaints, episodes, weight, reference):
    rate = np.divide(complaints, episodes, out=np.zeros(len(complaints)), where=episodes > 0)
    return np.minimum(1.0, weight * rate / reference)


def ref_year_tallies(street, t):
    res, cs = street.residents, street.cases
    year = int(street.cal.year[t])
    elderly = res.band == 3
    closed = cs.view("closed_h")
    in_year = (closed >= street.cal.year_start[year] * 24.0) & (closed < (t + 1) * 24.0)
    called = in_year & (cs.view("state") == CLOSED)
    return {
        "satisfaction_callback": float(cs.view("callback_satisfied")[called].mean()) if called.any()
        else float("nan"),
        "elderly_digital_access": float(res.digital[elderly].mean()) if elderly.any() else 0.0,
        "eligible": int(res.eligible.sum()),
        "eligible_enrolled": int((res.eligible & res.enrolled).sum()),
    }


# --- random states -------------------------------------------------------------------------------
@pytest.fixture
def street(two_years):
    return StreetModel(two_years, seed=SEED).streets[0]


OPEN_STATES = [s for s in range(len(STATE_NAMES)) if s != CLOSED]


def add_cases(street, rng, k, t, open_share=0.2):
    """``k`` random cases raised in the 30 days before day ``t`` (a share still open, in
    any other state, the others closed since), with random residents, categories, routes
    and outcomes."""
    cs, res = street.cases, street.residents
    raised = (t - 30) * 24.0 + rng.uniform(0, 30 * 24.0, k)
    still_open = rng.random(k) < open_share
    closed = np.where(still_open, np.nan, np.minimum(raised + rng.exponential(200.0, k), t * 24.0 - 1e-3))
    return cs.append(
        k, resident=rng.integers(0, res.n, k), category=rng.integers(0, len(CATEGORIES), k),
        elderly=rng.random(k) < 0.4, route=rng.integers(-1, len(ROUTE_NAMES) - 1, k), raised_h=raised,
        closed_h=closed,
        state=np.where(still_open, rng.choice(OPEN_STATES, k), CLOSED).astype(np.int8),
        outcome=rng.integers(0, len(OUTCOME_NAMES), k), perceived=rng.random(k),
        complaint=rng.random(k) < 0.3,
        callback_satisfied=rng.random(k) < 0.6, dept_mask=rng.integers(0, 2 ** N_DEPARTMENTS, k))


def close_some(street, rng, t, share=0.5):
    """Close a share of the open cases during the 30 days before day ``t``."""
    cs = street.cases
    live = np.flatnonzero(cs.view("state") != CLOSED)
    done = live[rng.random(len(live)) < share]
    cs.closed_h[done] = np.maximum(cs.raised_h[done], (t - 30) * 24.0) + rng.uniform(0, 24.0, len(done))
    cs.state[done] = CLOSED


def randomise_residents(res, rng):
    res.own[:] = rng.random(res.n)
    res.trust[:] = rng.random(res.n)
    res.expectation[:] = rng.random(res.n)
    res.touched_day[:] = rng.integers(0, 400, res.n)
    res.word_of_mouth[:] = rng.random(len(res.word_of_mouth))
    res.age[:] = rng.uniform(0, 95, res.n)
    res.age[: 50] = 94.0 + rng.random(50)  # some reach 95
    res.band = band_of(res.age)


def assert_residents_equal(a, b):
    for name in RESIDENT_ARRAYS:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


def assert_dicts_equal(got, want):
    assert list(got) == list(want)
    for k in want:
        np.testing.assert_array_equal(got[k], want[k], err_msg=k)


# --- perception ----------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(4))
def test_month_kernel_gives_the_word_of_mouth_and_condition_of_the_rule(street, seed):
    rng = np.random.default_rng(seed)
    for m in range(1, 5):
        add_cases(street, rng, int(rng.integers(0, 400)), 30 * m)
    street.money.renovated = 2.5
    want = copy.deepcopy(street)
    t = 121
    perception.monthly(street, t)
    ref_monthly(want, t)
    np.testing.assert_array_equal(street.residents.word_of_mouth, want.residents.word_of_mouth)
    np.testing.assert_array_equal(street.perception.condition, want.perception.condition)
    np.testing.assert_array_equal(perception.community_condition(street, t), ref_condition(want, t))


def test_the_month_scan_counts_what_a_whole_table_scan_counts(street):
    """Month after month cases come and close (a closed case never changes); the passes
    that start after the settled cases (condition, assessment, complaints, the year's
    tallies) agree with whole-table statements of the rules, also when a longer window
    (a longer problem persistence) reaches back before the settled rows."""
    rng = np.random.default_rng(3)
    want = copy.deepcopy(street)
    for m in range(1, 40):
        t = 30 * m
        close_some(street, rng, t)
        add_cases(street, rng, int(rng.integers(50, 300)), t)
        if m == 25:
            street.p = street.p.replace({"perception.problem_persistence_days": 900})
        want.cases = copy.deepcopy(street.cases)
        want.p = street.p
        assert workforce.assessment_pressure(street, t) == ref_assessment(want, t)
        np.testing.assert_array_equal(whistle.complaints_by_department(street, t), ref_complaints(want, t))
        perception.monthly(street, t)
        ref_monthly(want, t)
        np.testing.assert_array_equal(street.residents.word_of_mouth, want.residents.word_of_mouth)
        np.testing.assert_array_equal(street.perception.condition, want.perception.condition)
        tallies = recording.year_tallies(street.residents.band, street.residents.digital,
                                         street.residents.eligible, street.residents.enrolled,
                                         perception.rows_settled(street, (t - 200) * 24.0), street.cases.n,
                                         street.cases.state, street.cases.closed_h,
                                         street.cases.callback_satisfied, (t - 200) * 24.0, t * 24.0)
        closed = street.cases.view("closed_h")
        called = (street.cases.view("state") == CLOSED) & (closed >= (t - 200) * 24.0) & (closed < t * 24.0)
        assert tallies[4:] == (called.sum(), street.cases.view("callback_satisfied")[called].sum())
    marks = street.perception.scan.marks
    assert 0 < marks[0] < street.cases.n  # the scan moved on, not to the end
    assert 0 < marks[2] < street.cases.n  # and so did the first open case
    assert perception.rows_settled(street, marks[1] - 1.0) == 0


@pytest.mark.parametrize("seed", range(4))
def test_survey_kernel_gives_the_survey_of_the_rule(street, seed):
    rng = np.random.default_rng(seed)
    randomise_residents(street.residents, rng)
    street.perception.condition = rng.random(street.perception.condition.shape)
    if seed == 3:
        street.p = street.p.replace({"perception.weight_own": 0.0, "perception.weight_neighbours": 0.0,
                                     "perception.weight_condition": 0.0, "perception.weight_trust": 0.0})
    want = copy.deepcopy(street)
    assert_dicts_equal(perception.survey(street, 400), ref_survey(want, 400))
    assert_residents_equal(street.residents, want.residents)
    idx = rng.integers(0, street.residents.n, 50)
    np.testing.assert_array_equal(perception.perceived(street, idx), ref_perceived(want, idx))


# --- residents -----------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(4))
def test_age_one_year_ages_flips_and_weighs_as_the_rule(street, seed):
    rng = np.random.default_rng(seed)
    res = street.residents
    randomise_residents(res, rng)
    res.digital[:] = rng.random(res.n) < 0.5
    access = dict(zip(RESIDENT_AGE_BANDS, rng.random(4), strict=True))
    p = street.p.replace({"population.digital_access": access})
    want = copy.deepcopy(res)
    res.age_one_year(p, np.random.default_rng(seed))
    ref_age_one_year(want, p, np.random.default_rng(seed))
    assert_residents_equal(res, want)
    np.testing.assert_array_equal(res._cum_weight, want._cum_weight)
    np.testing.assert_array_equal(res._bucket_start, want._bucket_start)
    assert res.mean_propensity == want.mean_propensity


@pytest.mark.parametrize("seed", range(30))
def test_sync_digital_kernel_flips_the_smallest_uniforms(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 3000))
    res = type("R", (), {})()
    res.band = rng.integers(0, 4, n).astype(np.int8)
    if seed % 5 == 0:
        res.band[res.band == 2] = 1  # an empty band
    res.digital = rng.random(n) < rng.random()
    target = rng.random(4)
    target[seed % 4] = [0.0, 1.0, 0.5, 0.25][seed % 4]
    u = rng.random(n)
    got = res.digital.copy()
    sync_digital_kernel(res.band, got, target, u)
    ref_sync_digital(res, target, u)
    np.testing.assert_array_equal(got, res.digital)


def test_sync_digital_kernel_breaks_ties_in_row_order():
    """Equal uniforms at the k-th smallest (never seen in practice: 53-bit uniforms) are
    taken in row order."""
    band = np.zeros(6, np.int8)
    digital = np.zeros(6, bool)
    sync_digital_kernel(band, digital, np.array([0.5, 0, 0, 0]), np.array([0.7, 0.3, 0.5, 0.5, 0.5, 0.1]))
    np.testing.assert_array_equal(digital, [False, True, True, False, False, True])


@pytest.mark.parametrize("seed", range(20))
def test_demand_weights_kernel_gives_the_cumulative_weights_of_the_rule(street, seed):
    rng = np.random.default_rng(seed)
    res = copy.deepcopy(street.residents)
    res.band = rng.integers(0, 4, res.n).astype(np.int8)
    res.migrant = rng.random(res.n) < rng.random()
    prop = rng.random(4) * 3
    if seed % 4 == 0:
        prop[seed % 3] = 0.0  # runs of equal cumulative weights
    p = street.p.replace({"demand.propensity_by_age": dict(zip(RESIDENT_AGE_BANDS, prop, strict=True)),
                          "demand.migrant_propensity": float(rng.uniform(0.5, 2))})
    cum, starts = np.empty(res.n), np.empty(PICK_BUCKETS + 1, np.int64)
    mean = demand_weights_kernel(res.band, res.migrant, p.demand.propensity_by_age,
                                 float(p.demand.migrant_propensity), cum, starts)
    want = ref_demand_weights(res, p)
    np.testing.assert_array_equal(cum, want[0])
    np.testing.assert_array_equal(starts, want[1])
    assert mean == want[2]


@pytest.mark.parametrize("n_buckets", [PICK_BUCKETS, 64, 1, 48, 7])  # powers of two: counted; others: walked
@pytest.mark.parametrize("case", ["on_edges", "zeros_first", "one", "few"])
def test_demand_weights_kernel_bucket_starts_match_searchsorted(n_buckets, case):
    """Bucket starts are ``searchsorted(cum, b / B, side="right")`` whichever way they are
    found: cumulative weights exactly on the edges (equal weights, ``n = B``), leading
    zero weights, one resident and fewer residents than buckets."""
    n = {"on_edges": n_buckets, "zeros_first": 300, "one": 1, "few": 3}[case]
    band = np.zeros(n, np.int8)
    if case == "zeros_first":
        band[: n // 3] = 1
    prop = np.array([1.0, 0.0, 1.0, 1.0])
    cum, starts = np.empty(n), np.empty(n_buckets + 1, np.int64)
    demand_weights_kernel(band, np.zeros(n, np.bool_), prop, 1.0, cum, starts)
    w = prop[band]
    want = np.cumsum(w) / np.cumsum(w)[-1]
    np.testing.assert_array_equal(cum, want)
    np.testing.assert_array_equal(starts, np.searchsorted(want, np.arange(n_buckets + 1) / n_buckets,
                                                          side="right"))


# --- enrolment -----------------------------------------------------------------------------------
@pytest.mark.parametrize("t", [0, 31, 366, 400])  # January of a later year: exits and inflow
def test_enrol_kernel_enrols_as_the_rule(street, t):
    street.p = street.p.replace({"enrolment.exit_per_year": 0.3, "population.eligibility_inflow": 0.2,
                                 "enrolment.data_match_monthly": 0.4})
    want = copy.deepcopy(street)
    enrolment.monthly(street, t)
    ref_enrolment(want, t)
    assert_residents_equal(street.residents, want.residents)
    assert street.enrolment.found == want.enrolment.found > 0
    assert street.streams["enrolment"].random() == want.streams["enrolment"].random()


# --- pressures, counts, tallies ------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(10))
def test_episodes_and_complaint_pressure_as_the_rule(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 2000))
    first = np.sort(rng.uniform(0, 200 * 24.0, n)) + rng.normal(0, 50, n)  # nearly in order
    first[rng.random(n) < 0.05] = np.nan
    dept = rng.integers(0, N_DEPARTMENTS, n).astype(np.int8)
    scan = np.array([0.0, -np.inf])
    for t in (60, 90, 30, 120, 200):  # one step back: the scan starts over
        got = sent_counts(n, first, dept, (t - 30) * 24.0, t * 24.0, N_DEPARTMENTS, scan)
        np.testing.assert_array_equal(got, ref_sent(first, dept, t))
        assert np.all(first[: int(scan[0])] < (t - 30) * 24.0)
    complaints = rng.integers(0, 5, N_DEPARTMENTS).astype(float)
    episodes = np.where(rng.random(N_DEPARTMENTS) < 0.3, 0.0, rng.integers(0, 9, N_DEPARTMENTS))
    weight, reference = rng.uniform(0, 2), rng.uniform(0.01, 1)
    np.testing.assert_array_equal(
        complaint_pressure(complaints, episodes, True, 0, first, dept, 0.0, 0.0, weight, reference, scan),
        ref_pressure(complaints, episodes, weight, reference))
    np.testing.assert_array_equal(
        complaint_pressure(complaints, np.zeros(0), False, n, first, dept, 170 * 24.0, 200 * 24.0, weight,
                           reference, np.array([0.0, -np.inf])),
        ref_pressure(complaints, ref_sent(first, dept, 200), weight, reference))


def test_update_complaint_pressure_counts_the_pool_episodes(street):
    pool = street.pool
    rng = np.random.default_rng(2)
    pool.send(0, rng.integers(0, 10, 300), rng.integers(0, N_DEPARTMENTS, 300), np.zeros(300, bool),
              40, rng.integers(0, 30, 300))
    complaints = rng.integers(0, 4, N_DEPARTMENTS).astype(float)
    pool.update_complaint_pressure(60, complaints)
    a = pool.p.assessment
    sent = ref_sent(pool.episodes.view("first_sent_h"), pool.episodes.view("department"), 60)
    want = ref_pressure(complaints, sent, a.results_weight, max(float(a.complaint_rate_reference), 1e-9))
    np.testing.assert_array_equal(pool.complaint_pressure, want)
    assert pool.complaint_pressure.max() > 0


def test_year_tallies_count_as_the_rule(street):
    rng = np.random.default_rng(4)
    res = street.residents
    randomise_residents(res, rng)
    res.digital[:] = rng.random(res.n) < 0.5
    for m in range(1, 14):
        close_some(street, rng, 30 * m)
        add_cases(street, rng, 200, 30 * m)
    t = int(np.flatnonzero(street.cal.year == 2024)[-1])
    want = ref_year_tallies(street, t)
    recording.close_year(street, t)
    got = street.yearly_state[2024]
    assert_dicts_equal({k: got[k] for k in want}, want)


@pytest.mark.parametrize("seed", range(10))
def test_posts_in_use_counts_held_and_awaited_posts(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 80))
    contract = rng.choice([ESTABLISHED, CONTRACT], n).astype(np.int8)
    filled = rng.random(n) < 0.7
    vacant_until = np.where(filled, -1, rng.integers(-1, 3, n))
    for kind in (ESTABLISHED, CONTRACT):
        mine = contract == kind
        want = int((mine & filled).sum() + (mine & ~filled & (vacant_until >= 0)).sum())
        assert workforce.posts_in_use(contract, filled, vacant_until, kind) == want


@pytest.mark.parametrize("seed", range(6))
def test_enrolment_candidates_are_the_eligible_unenrolled(seed):
    """``enrolment.candidates`` reads the flags eight at a time: every length (a tail
    shorter than eight), sparse and dense flags, give ``flatnonzero(eligible & ~enrolled)``."""
    from sim.mechanisms.enrolment import candidates

    rng = np.random.default_rng(seed)
    for n in (0, 1, 7, 8, 9, 63, 64, 1001):
        share = (0.0, 0.02, 0.3, 1.0)[seed % 4]
        eligible = rng.random(n) < share
        enrolled = eligible & (rng.random(n) < 0.5)
        enrolled |= rng.random(n) < 0.1  # enrolled without being eligible: not a candidate
        np.testing.assert_array_equal(candidates(eligible, enrolled), np.flatnonzero(eligible & ~enrolled))
