"""Staff time (brief §3.2): hours available today, training, mobilisation, data entry.

Priority within a day: training, emergency mobilisation, upper-level tasks
(``sim.mechanisms.tasks``), duplicate data entry, and casework gets what is left.

Department staff working in the street - seconded for part of the year (as far as the
street pays their allowance) or enforcement staff moved down - add their hours to the
day, shared evenly over the filled posts; in effect they take casework.

A day opens with one compiled kernel (:func:`open_day_kernel`): the hours of each post
and the training it wants (:func:`day_hours`), the day's hours reset and training taken,
in place in ``sim.hours.DayHours``; data entry is one more (:func:`data_entry_kernel`).

Its own state is :class:`StaffTimeState` (``street.staff_time``): triage reports the
records it made through :func:`records_made`. It reads the paid share of secondments
(``street.money``) and the mobilisation (``street.emergency``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from sim.compiled import leaf
from sim.hours import BUCKET_ROW, take_held_hours, take_one

if TYPE_CHECKING:
    from sim.street import Street

WORKDAYS_PER_YEAR = 250.0
TRAINING = BUCKET_ROW["training"]
DATA_ENTRY = BUCKET_ROW["data_entry"]


@dataclass(slots=True)
class StaffTimeState:
    """Staff time carried from day to day (``street.staff_time``)."""

    records_to_reenter: float = 0.0
    """Case records made since the last data entry (triage via :func:`records_made`)."""


def records_made(street: Street, n: float) -> None:
    """Triage admitted ``n`` cases: their records are re-entered on the next workday."""
    street.staff_time.records_to_reenter += n


def open_day(street: Street, t: int) -> None:
    """Hours each post works today (and the training it wants: :func:`day_hours`), then
    training (:func:`open_day_kernel`) and emergency mobilisation."""
    s = street.p.staff
    r = street.roster
    workday = street.workday[t]
    per_post = s.work_hours_per_day * (1.0 if workday else s.weekend_staffing)
    guests = s.seconded_person_months / 12.0 * street.money.secondment_paid_share + s.sunk_enforcement_staff
    hours = street.hours
    hours.fit(r.n)
    hours.held = open_day_kernel(r.filled, r.training_target, per_post, guests, workday, hours.available,
                                 hours.by_bucket, hours.demanded_out_of_list, r.training_hours)
    street.hours.volunteer = s.talent_pool_hours_per_year / WORKDAYS_PER_YEAR if workday else 0.0
    if t <= street.emergency.mobilised_until:
        lost = hours.take("emergency", hours.available * street.p.emergency.mobilised_share)
        if len(street.emergencies):
            street.emergencies.staff_hours_lost[len(street.emergencies) - 1] += float(lost.sum())


@njit(cache=True)
def open_day_kernel(filled: np.ndarray, training_target: np.ndarray, per_post: float, guests: float,
                    train: bool, available: np.ndarray, by_bucket: np.ndarray, demanded: np.ndarray,
                    training_hours: np.ndarray) -> int:
    """A new day in place: ``available`` hours per post (:func:`day_hours`), nothing used
    (``by_bucket``, ``demanded`` zeroed) and, when ``train``, the training each post wants
    taken first and added to ``training_hours``. Returns the number of posts held."""
    n = len(filled)
    held = 0
    for i in range(n):
        if filled[i]:
            held += 1
    per = np.empty((2, n))
    day_hours(filled, training_target, per_post, guests, per)
    by_bucket[:, :] = 0.0
    for i in range(n):
        available[i] = per[0, i]
        demanded[i] = 0.0
    if train:
        for i in range(n):
            training_hours[i] += take_one(by_bucket, TRAINING, available, i, per[1, i])
    return held


@leaf
def day_hours(filled: np.ndarray, training_target: np.ndarray, per_post: float, guests: float,
              out: np.ndarray) -> None:
    """Hours available per post (``per_post`` for held posts, plus an even share of the
    guests' hours when there are guests) and the training hours each post wants today,
    into the two rows of ``out`` (filled in place: a kernel returning arrays costs more)."""
    n = len(filled)
    if guests > 0:
        n_filled = 0
        for i in range(n):
            if filled[i]:
                n_filled += 1
        per_post += guests * per_post / max(1, n_filled)
    for i in range(n):
        out[0, i] = per_post if filled[i] else 0.0
        out[1, i] = training_target[i] / WORKDAYS_PER_YEAR if filled[i] else 0.0


def data_entry(street: Street, t: int) -> None:
    """Re-entering the same records into several systems, plus logging into each.

    The case records made since the last workday's entry (the previous workday's and any
    weekend's admissions) are re-entered today, shared over the posts held."""
    if not street.workday[t]:
        return
    d = street.p.data
    st = street.staff_time
    h = street.hours
    data_entry_kernel(h.held, float(st.records_to_reenter), float(d.records_per_staff_day),
                      float(d.systems_per_record), float(d.minutes_per_entry), float(d.systems_in_use),
                      float(d.minutes_per_system_login), street.roster.filled, h.available, h.by_bucket)
    st.records_to_reenter = 0.0


@leaf
def data_entry_kernel(held: int, to_reenter: float, records_per_staff: float, systems_per_record: float,
                      minutes_per_entry: float, systems_in_use: float, minutes_per_login: float,
                      filled: np.ndarray, available: np.ndarray, by_bucket: np.ndarray) -> None:
    """The workday's data entry: each held post's records (its own plus its share of the
    ``to_reenter`` records) entered again into every further system, plus a login to
    each system, taken from every held post (compiled, also called by ``sim.month_loop``)."""
    records = records_per_staff + to_reenter / max(1, held)
    minutes = records * (systems_per_record - 1.0) * minutes_per_entry
    minutes += systems_in_use * minutes_per_login
    take_held_hours(by_bucket, DATA_ENTRY, available, filled, minutes / 60.0)
