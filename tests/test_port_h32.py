"""The day's staff-time, task, emergency and demand steps as fewer compiled calls, and
``StreetModel.run`` without Mesa's event list: each gives, bit for bit, what the code it
replaced gave (written out here as the rule), and a run leaves Mesa's counters as Mesa's
own stepping leaves them."""

from __future__ import annotations

import mesa
import numpy as np
import numpy_mechanisms as ref
import pytest

from sim.hours import BUCKET_ROW, BUCKETS, take_held_hours, take_hours
from sim.mechanisms import demand, emergency, tasks, timebudget
from sim.mechanisms.demand import C_CAT, C_CHAN, C_WALK, N_ATTR, ONLINE, PHONE, WALK_IN
from sim.model import StreetModel
from sim.randomness import Streams, categorical, compiled

SEED = 32


def same_bits(a, b, what=""):
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape, what
    assert a.tobytes() == b.tobytes(), what


def street_of(scenario, seed=SEED):
    return StreetModel(scenario, seed=seed).streets[0]


# --- hours: one per-post rule for every take ------------------------------------------
def free_rule(by_bucket, available):
    """Free hours as ``DayHours`` had them: available less ``sum`` of the buckets, >= 0."""
    return np.maximum(0.0, available - sum(by_bucket[b] for b in range(len(BUCKETS))))


def take_rule(by_bucket, row, available, wanted):
    got = np.minimum(np.maximum(wanted, 0.0), free_rule(by_bucket, available))
    by_bucket[row] += got
    return got


def random_day(rng, n):
    by_bucket = np.round(rng.uniform(0, 3, (len(BUCKETS), n)), 2) * (rng.random((len(BUCKETS), n)) < 0.5)
    available = np.where(rng.random(n) < 0.8, rng.uniform(0, 9, n), 0.0)
    return by_bucket, available


@pytest.mark.parametrize("seed", range(20))
def test_takes_follow_the_array_rule(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 80))
    by_bucket, available = random_day(rng, n)
    want_bb = by_bucket.copy()
    wanted = rng.uniform(-2, 8, n)
    row = int(rng.integers(0, len(BUCKETS)))
    same_bits(take_hours(by_bucket, row, available, wanted), take_rule(want_bb, row, available, wanted))
    same_bits(by_bucket, want_bb)
    filled = rng.random(n) < 0.7
    each = float(rng.uniform(-1, 6))
    take_held_hours(by_bucket, row, available, filled, each)
    take_rule(want_bb, row, available, np.where(filled, each, 0.0))
    same_bits(by_bucket, want_bb)


@pytest.mark.parametrize("seed", range(20))
def test_open_day_kernel_is_day_hours_reset_and_training(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 80))
    filled = rng.random(n) < 0.8
    target = rng.uniform(0, 120, n)
    per_post, guests = float(rng.uniform(0, 10)), float(rng.choice([0.0, rng.uniform(0, 5)]))
    train = bool(seed % 3)
    training_hours = rng.uniform(0, 50, n)
    by_bucket, available = random_day(rng, n)  # yesterday's, overwritten
    demanded = rng.uniform(0, 2, n)
    want_training = training_hours.copy()
    held = timebudget.open_day_kernel(filled, target, per_post, guests, train, available, by_bucket,
                                      demanded, training_hours)
    per = np.empty((2, n))
    timebudget.day_hours(filled, target, per_post, guests, per)
    want_bb = np.zeros((len(BUCKETS), n))
    if train:
        want_training += take_rule(want_bb, BUCKET_ROW["training"], per[0], per[1])
    assert held == int(filled.sum())
    same_bits(available, per[0])
    same_bits(by_bucket, want_bb)
    same_bits(demanded, np.zeros(n))
    same_bits(training_hours, want_training)


@pytest.mark.parametrize("seed", range(20))
def test_take_task_hours_is_task_hours_then_two_takes(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 80))
    filled = rng.random(n) < 0.8
    n_filled = int(filled.sum())
    out_hours, in_hours = float(rng.uniform(0, 300)), float(rng.uniform(0, 40))
    by_bucket, available = random_day(rng, n)
    want_bb = by_bucket.copy()
    demanded = np.full(n, -1.0)
    tasks.take_task_hours(filled, n_filled, out_hours, in_hours, available, by_bucket, demanded)
    per = np.empty((3, n))
    tasks.task_hours(filled, n_filled, out_hours, in_hours, per)
    take_rule(want_bb, BUCKET_ROW["out_of_list"], available, per[1])
    take_rule(want_bb, BUCKET_ROW["in_list"], available, per[2])
    same_bits(demanded, per[0])
    same_bits(by_bucket, want_bb)


def test_the_day_opens_on_the_same_arrays_until_posts_change(small):
    s = street_of(small)
    timebudget.open_day(s, 0)
    h = s.hours
    arrays = (h.available, h.by_bucket, h.demanded_out_of_list)
    assert h.held == int(s.roster.filled.sum()) > 0
    tasks.daily(s, 0)
    timebudget.data_entry(s, 0)
    assert h.by_bucket.sum() > 0 and h.demanded_out_of_list.sum() > 0
    timebudget.open_day(s, 1)
    assert all(a is b for a, b in zip(arrays, (h.available, h.by_bucket, h.demanded_out_of_list)))
    assert (h.by_bucket[BUCKET_ROW["out_of_list"]] == 0).all() and (h.demanded_out_of_list == 0).all()
    s.roster.add_posts(0, 3)
    timebudget.open_day(s, 2)
    assert len(h.available) == h.by_bucket.shape[1] == len(h.demanded_out_of_list) == s.roster.n


def test_a_weekend_day_has_no_training_tasks_or_data_entry(small):
    s = street_of(small)
    saturday = 5
    assert not s.cal.is_workday[saturday]
    timebudget.open_day(s, saturday)
    tasks.daily(s, saturday)
    timebudget.data_entry(s, saturday)
    assert s.hours.by_bucket.sum() == 0 and s.duties.counts == (0, 0, 0)
    assert np.allclose(s.hours.available[s.roster.filled],
                       small.params.staff.work_hours_per_day * small.params.staff.weekend_staffing)


# --- emergencies: uniforms drawn in blocks ------------------------------------------------
def reference_emergency_daily(street, t):
    """``emergency.daily`` drawing its eight uniforms each day (as it did)."""
    u = street.streams["emergency"].random(emergency.N_DRAWS)
    state = street.emergency
    block, row = state.draws, state.next_row
    state.draws, state.next_row = u[None, :], 0
    try:
        emergency.daily(street, t)
    finally:
        state.draws, state.next_row = block, row


@pytest.mark.parametrize("rate, false_alarms", [(40.0, 0.0), (100.0, 30.0)])
def test_emergencies_drawn_in_blocks_are_those_drawn_daily(small, rate, false_alarms):
    sc = small.with_values({"emergency.rate_per_year": rate, "emergency.false_alarm_rate": false_alarms})
    a, b = street_of(sc), street_of(sc)
    for t in range(emergency.BLOCK_DAYS + 40):  # past one block
        emergency.daily(a, t)
        reference_emergency_daily(b, t)
    ta, tb = a.emergencies.to_frame(), b.emergencies.to_frame()
    assert len(ta) > 5 and ta.equals(tb)
    assert a.emergency.mobilised_until == b.emergency.mobilised_until
    same_bits(a.residents.trust, b.residents.trust)


def test_todays_draws_continue_the_stream():
    class S:
        streams = Streams(SEED)

    s = S()
    s.emergency = emergency.EmergencyState()
    got = np.array([emergency.todays_draws(s) for _ in range(2 * emergency.BLOCK_DAYS + 3)])
    want = Streams(SEED)["emergency"].random((2 * emergency.BLOCK_DAYS + 3, emergency.N_DRAWS))
    same_bits(got, want)


# --- demand ---------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(10))
def test_categorical_kernel_is_the_categorical_draw(seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(1, 8))
    probs = rng.uniform(0, 3, k) * (rng.random(k) < 0.8)
    probs[int(rng.integers(0, k))] += 0.1
    u = np.concatenate([rng.random(500), np.cumsum(probs) / probs.sum(), [0.0, 1.0, np.nextafter(1.0, 0)]])
    same_bits(compiled.categorical_kernel(u, probs), categorical(u, probs))
    wide = rng.random((40, N_ATTR + 4))
    same_bits(compiled.categorical_kernel(wide[:, C_CAT], probs), categorical(wide[:, C_CAT], probs))
    odd = np.array([np.nan, np.inf, -np.inf, -0.0, 2.0])
    same_bits(compiled.categorical_kernel(odd, probs), categorical(odd, probs))
    many = rng.uniform(0, 1, compiled.SCAN_CATEGORIES + 5)  # bisected, not scanned
    same_bits(compiled.categorical_kernel(u, many), categorical(u, many))
    falling = probs.copy()
    falling[0] = -5.0  # a cumulative sum that falls: bisected as NumPy does
    same_bits(compiled.categorical_kernel(u, falling), categorical(u, falling))
    # cdf [1.0, 0.4, 1.0]: bisecting finds 2 for 0.5, a forward scan would stop at 0
    bumpy, half = np.array([1.0, -0.6, 0.6]), np.array([0.5])
    assert categorical(half, bumpy).tolist() == [2]
    same_bits(compiled.categorical_kernel(half, bumpy), categorical(half, bumpy))


@pytest.mark.parametrize("seed", range(10))
def test_count_due_counts_the_days_reached(seed):
    rng = np.random.default_rng(seed)
    days = rng.integers(0, 50, int(rng.integers(0, 300)))
    t = int(rng.integers(-1, 52))
    assert demand.count_due(days, t) == int(np.count_nonzero(days <= t))


def reference_plan_month(street, t):
    """``plan_month`` as the array code composed it: categories and money pots by
    ``sim.randomness.categorical``, channels by the array rule, then ``add_cases``."""
    d = street.p.demand
    day, u = ref.month_draws(street, t)
    res = street.residents
    who = res.pick(u[:, demand.C_PICK])
    category = categorical(u[:, C_CAT], d.category_mix)
    online = d.online_channel & res.digital[who] & (u[:, C_CHAN] < d.online_choice[res.band[who]])
    channel = np.where(online, ONLINE, np.where(u[:, C_WALK] < d.walk_in_share_offline, WALK_IN, PHONE))
    street.intake.future_ids = demand.add_cases(street, day, who, category, channel, u, repeat_of=None)
    street.intake.future_day = day


@pytest.mark.parametrize("online", [True, False])
def test_a_month_of_new_cases_is_written_as_the_array_code_wrote_it(small, online):
    sc = small.with_values({"demand.online_channel": online})
    a, b = street_of(sc), street_of(sc)
    for t in (0, 31, 60):  # January (from its first day), February, March
        demand.plan_month(a, t)
        reference_plan_month(b, t)
        same_bits(a.intake.future_ids, b.intake.future_ids)
        same_bits(a.intake.future_day, b.intake.future_day)
    assert a.cases.n == b.cases.n > 400
    for name, col in a.cases.cols.items():
        same_bits(col, b.cases.cols[name], name)
    same_bits(a.cases.u[: a.cases.n], b.cases.u[: b.cases.n], "u")  # the rows in use (the rest: no value)
    assert (a.cases.view("channel") == ONLINE).any() == online


def test_day_columns_are_the_live_columns_after_the_table_grows(small):
    s = street_of(small)
    cs = s.cases
    for _ in range(2):
        cols = demand.day_columns(cs)
        assert cols[0] is cs.u and cols[1] is cs.is_repeat and cols[5] is cs.channel
        assert all(c is cs.cols[name] for c, name in zip(cols[6], demand.INHERITED))
        cs.append(cs._cap + 1)  # the table grows: new arrays


# --- StreetModel.run without Mesa's event list ---------------------------------------------
def mesa_state(m):
    g = m._default_schedule
    return (m.steps, m.time, m.running, m.t, g.execution_count, g.next_scheduled_time, len(m._event_list))


def stepped(scenario, seed=SEED):
    """A model stepped day by day through Mesa's own ``Model.step()``."""
    m = StreetModel(scenario, seed=seed)
    while m.running:
        m.step()
    return m


@pytest.fixture(scope="module")
def short(small):
    return small.with_values({"population.residents": 2000, "run.end_date": "2024-02-29"})


def test_run_leaves_mesa_as_its_own_steps_do(short):
    fast = StreetModel(short, seed=SEED)
    assert fast._daily_schedule() is not None  # the run below takes the fast path
    fast.run()
    slow = stepped(short)
    assert mesa_state(fast) == mesa_state(slow)
    assert fast.steps == fast.calendar.n_days and fast.time == float(fast.calendar.n_days)
    assert fast.streets[0].cases.to_frame().equals(slow.streets[0].cases.to_frame())
    fast.step()
    slow.step()  # past the end: Mesa still counts the step
    assert mesa_state(fast) == mesa_state(slow)


def test_run_after_some_steps_and_with_a_datacollector(short):
    def collector():
        return mesa.DataCollector(model_reporters={"t": lambda m: m.t, "time": lambda m: m.time,
                                                   "steps": lambda m: m.steps})

    fast = StreetModel(short, seed=SEED)
    for _ in range(5):
        fast.step()
    dc = collector()
    fast.run(datacollector=dc)
    slow = StreetModel(short, seed=SEED)
    for _ in range(5):
        slow.step()
    dc_slow = collector()
    while slow.running:
        day = slow.t
        slow.step()
        if slow.t > day:
            dc_slow.collect(slow)
    assert mesa_state(fast) == mesa_state(slow)
    frame = dc.get_model_vars_dataframe()
    assert frame.equals(dc_slow.get_model_vars_dataframe())
    assert frame["steps"].tolist() == list(range(6, fast.calendar.n_days + 1))
    assert (frame["time"] == frame["steps"]).all()


def test_other_events_keep_mesa_stepping(short):
    seen = []

    class Probe:
        def __init__(self, model):
            self.model = model

        def look(self):
            seen.append((self.model.steps, self.model.time, self.model.t))

    m = StreetModel(short, seed=SEED)
    probe = Probe(m)
    m.schedule_event(probe.look, at=10.5)
    assert m._daily_schedule() is None
    m.run()
    assert seen == [(10, 10.5, 10)]
    assert mesa_state(m)[:5] == mesa_state(stepped(short))[:5]


def test_a_failing_day_leaves_mesa_as_its_own_step_does(short, monkeypatch):
    def fail_on_day_7(self, t, answers):
        if t == 7:
            raise RuntimeError("day 7")
        return real(self, t, answers)

    from sim.street import Street

    real = Street.end_day
    monkeypatch.setattr(Street, "end_day", fail_on_day_7)
    # every day through ``step`` (the compiled stretches of days do not call ``end_day``)
    monkeypatch.setattr(StreetModel, "compiled_days", False)
    states = []
    for use_run in (True, False):
        m = StreetModel(short, seed=SEED)
        with pytest.raises(RuntimeError):
            if use_run:
                m.run()
            else:
                while m.running:
                    m.step()
        states.append(mesa_state(m))
    assert states[0] == states[1]
    assert states[0][0] == 8 and states[0][5] is not None
