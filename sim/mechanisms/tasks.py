"""Upper-level tasks (brief §3.11): inspections, forms and meetings handed down.

Tasks arrive each workday; a share lies outside the street's legal duty list. A task
checked against the list (the coverage in force, ``street.duties.coverage``) is refused
only with the list's enforcement probability. Accepted tasks take staff time before
casework.

Coverage is a state of the street (:func:`revise_list`, monthly): upper levels keep
handing down new items the list does not name (``duty_list_churn``, a share of the
items a year), and revising the list brings uncovered items in (``duty_list_revision``,
a share of the uncovered items a year). Coverage ``c`` follows
``dc/dt = revision * (1 - c) - churn * c`` from ``duty_list_coverage`` at the start,
towards ``revision / (revision + churn)``.

The day's counts are drawn in Python; one compiled kernel (:func:`take_task_hours`)
shares their hours over the posts (:func:`task_hours`) and takes them.

Its own state is :class:`DutyState` (``street.duties``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from sim.compiled import leaf
from sim.hours import BUCKET_ROW, take_one

if TYPE_CHECKING:
    from sim.street import Street


@dataclass(slots=True)
class DutyState:
    """The duty list and today's tasks (``street.duties``)."""

    coverage: float
    """Share of handed-down items the duty list covers (monthly, :func:`revise_list`)."""
    counts: tuple[int, int, int] = (0, 0, 0)
    """Today's tasks: accepted, refused, checked against the list (daily; recording reads)."""


OUT_OF_LIST, IN_LIST = BUCKET_ROW["out_of_list"], BUCKET_ROW["in_list"]


def revise_list(street: Street) -> None:
    """Month start: coverage after a month of new handed-down items and list revision."""
    k = street.p.tasks
    rate = k.duty_list_revision + k.duty_list_churn
    if rate <= 0:
        return
    settled = k.duty_list_revision / rate
    street.duties.coverage = settled + (street.duties.coverage - settled) * math.exp(-rate / 12.0)


def daily(street: Street, t: int) -> None:
    """Draw today's tasks (as many as the posts held when the day opened,
    ``DayHours.held``, call for) and take their hours from every held post evenly
    (:func:`take_task_hours`)."""
    rng = street.streams["tasks"]
    if not street.workday[t]:
        street.duties.counts = (0, 0, 0)  # (accepted, refused, checked against the list)
        return
    k = street.p.tasks
    hours = street.hours
    street.duties.counts = day_kernel(rng, hours.held, float(k.tasks_per_staff_day),
                                      float(k.out_of_list_share), float(street.duties.coverage),
                                      float(k.duty_list_enforcement),
                                      float(k.hours_per_task), street.roster.filled, hours.available,
                                      hours.by_bucket, hours.demanded_out_of_list)


@njit(cache=True)
def day_kernel(rng, held: int, per_staff: float, out_share: float, coverage: float, enforcement: float,
               hours_per_task: float, filled: np.ndarray, available: np.ndarray, by_bucket: np.ndarray,
               demanded: np.ndarray) -> tuple[int, int, int]:
    """A workday's tasks: as many as the ``held`` posts call for (Poisson, out of list and
    in list), checked against the duty list and refused, their hours taken
    (:func:`take_task_hours`); returns (accepted, refused, checked). Draws from ``rng``
    (the street's tasks stream; compiled, also called by ``sim.month_loop``)."""
    lam = per_staff * held
    n_out = int(rng.poisson(lam * out_share)) if held else 0
    n_in = int(rng.poisson(lam * (1.0 - out_share))) if held else 0
    # only a task checked against the list can be refused by it (refused within checked)
    checked_out = int(rng.binomial(n_out, coverage)) if n_out else 0
    refused = int(rng.binomial(checked_out, enforcement)) if checked_out else 0
    checked = checked_out + (int(rng.binomial(n_in, coverage)) if n_in else 0)
    take_task_hours(filled, held, (n_out - refused) * hours_per_task, n_in * hours_per_task, available,
                    by_bucket, demanded)
    return n_out - refused + n_in, refused, checked


@leaf
def task_hours(filled: np.ndarray, n_filled: int, out_hours: float, in_hours: float,
               out: np.ndarray) -> None:
    """Hours per post of the accepted tasks, shared evenly over the ``n_filled`` held
    posts, into the rows of ``out``: out-of-list hours asked, the same to take, and
    in-list hours to take (filled in place: a kernel returning arrays costs more)."""
    share = 1.0 / max(n_filled, 1)
    for i in range(len(filled)):
        s = share if filled[i] else 0.0
        out[0, i] = out_hours * s
        out[1, i] = out_hours * s
        out[2, i] = in_hours * s


@njit(cache=True)
def take_task_hours(filled: np.ndarray, n_filled: int, out_hours: float, in_hours: float,
                    available: np.ndarray, by_bucket: np.ndarray, demanded: np.ndarray) -> None:
    """The accepted tasks' hours per post (:func:`task_hours`): the out-of-list hours
    asked into ``demanded``, then taken, then the in-list hours taken (each post's hours
    are its own, so post by post is the same as bucket by bucket)."""
    per = np.empty((3, len(filled)))
    task_hours(filled, n_filled, out_hours, in_hours, per)
    for i in range(len(filled)):
        demanded[i] = per[0, i]
        take_one(by_bucket, OUT_OF_LIST, available, i, per[1, i])
        take_one(by_bucket, IN_LIST, available, i, per[2, i])
