"""Upper-level tasks (brief §3.11): inspections, forms and meetings handed down.

Tasks arrive each workday; a share lies outside the street's legal duty list. A task
checked against the list (coverage) is refused only with the list's enforcement
probability. Accepted tasks take staff time before casework.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.street import Street


def daily(street: Street, t: int) -> None:
    """Draw today's tasks and take their hours from every post evenly."""
    rng = street.streams["tasks"]
    if not street.cal.is_workday[t]:
        street.task_counts = (0, 0, 0)  # (accepted, refused, checked against the list)
        return
    k = street.p.tasks
    r = street.roster
    filled = int(r.filled.sum())
    lam = k.tasks_per_staff_day * filled
    n_out = int(rng.poisson(lam * k.out_of_list_share)) if filled else 0
    n_in = int(rng.poisson(lam * (1.0 - k.out_of_list_share))) if filled else 0
    # only a task checked against the list can be refused by it (refused within checked)
    checked_out = int(rng.binomial(n_out, k.duty_list_coverage)) if n_out else 0
    refused = int(rng.binomial(checked_out, k.duty_list_enforcement)) if checked_out else 0
    checked = checked_out + (int(rng.binomial(n_in, k.duty_list_coverage)) if n_in else 0)
    street.task_counts = (n_out - refused + n_in, refused, checked)
    share = np.where(r.filled, 1.0 / max(filled, 1), 0.0)
    out_hours = (n_out - refused) * k.hours_per_task
    street.hours.demanded_out_of_list = out_hours * share
    street.hours.take("out_of_list", out_hours * share)
    street.hours.take("in_list", n_in * k.hours_per_task * share)
