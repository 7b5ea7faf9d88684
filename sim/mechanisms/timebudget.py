"""Staff time (brief §3.2): hours available today, training, mobilisation, data entry.

Priority within a day: training, emergency mobilisation, upper-level tasks
(``sim.mechanisms.tasks``), duplicate data entry, and casework gets what is left.

Department staff working in the street - seconded for part of the year (as far as the
street pays their allowance) or enforcement staff moved down - add their hours to the
day, shared evenly over the filled posts; in effect they take casework.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.street import Street

WORKDAYS_PER_YEAR = 250.0


def open_day(street: Street, t: int) -> None:
    """Hours each post works today, then training and emergency mobilisation."""
    s = street.p.staff
    r = street.roster
    workday = bool(street.cal.is_workday[t])
    per_post = s.work_hours_per_day * (1.0 if workday else s.weekend_staffing)
    guests = s.seconded_person_months / 12.0 * street.secondment_paid_share + s.sunk_enforcement_staff
    if guests > 0:
        per_post += guests * per_post / max(1, int(r.filled.sum()))
    street.hours.reset(np.where(r.filled, per_post, 0.0))
    street.volunteer_hours_today = s.talent_pool_hours_per_year / WORKDAYS_PER_YEAR if workday else 0.0
    if workday:
        want = np.where(r.filled, r.training_target / WORKDAYS_PER_YEAR, 0.0)
        got = street.hours.take("training", want)
        r.training_hours += got
    if t <= street.mobilised_until:
        lost = street.hours.take("emergency", street.hours.available * street.p.emergency.mobilised_share)
        if len(street.emergencies):
            street.emergencies.staff_hours_lost[len(street.emergencies) - 1] += float(lost.sum())


def data_entry(street: Street, t: int) -> None:
    """Re-entering the same records into several systems, plus logging into each.

    The case records made since the last workday's entry (the previous workday's and any
    weekend's admissions) are re-entered today, shared over the filled posts."""
    if not street.cal.is_workday[t]:
        return
    d = street.p.data
    r = street.roster
    n = max(1, int(r.filled.sum()))
    records = d.records_per_staff_day + street.records_to_reenter / n
    street.records_to_reenter = 0.0
    minutes = records * (d.systems_per_record - 1.0) * d.minutes_per_entry
    minutes += d.systems_in_use * d.minutes_per_system_login
    street.hours.take("data_entry", np.where(r.filled, minutes / 60.0, 0.0))
