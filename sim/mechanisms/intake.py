"""Where a street's open cases wait: the state shared by the case-flow mechanisms.

Demand (``sim.mechanisms.demand``) puts arrivals and due repeats in the queue or the
online inbox; triage (``sim.mechanisms.triage``) admits from the queue into service;
whistle (``sim.mechanisms.whistle``) puts department answers back in service; feedback
(``sim.mechanisms.feedback``) closes cases, schedules repeats and books complaint hours
that triage works off. Each field says which mechanisms write it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def _ids() -> np.ndarray:
    return np.empty(0, dtype=np.int64)


@dataclass(slots=True)
class IntakeState:
    """The street's case flow between arrival and closing (``street.intake``)."""

    queue: np.ndarray = field(default_factory=_ids)
    """Case ids waiting for the street's hours, oldest first (demand adds, triage admits)."""
    online_inbox: np.ndarray = field(default_factory=_ids)
    """Online cases not yet read; demand moves them to the queue on check days."""
    future_ids: np.ndarray = field(default_factory=_ids)
    """This month's planned arrivals, by day (demand)."""
    future_day: np.ndarray = field(default_factory=_ids)
    """Arrival day of each planned arrival (demand)."""
    workdays_since_inbox: int = 0
    """Workdays since the online inbox was last read (demand)."""
    in_service: np.ndarray = field(default_factory=_ids)
    """Cases being handled on the street (triage and whistle add, feedback closes)."""
    repeats_due: np.ndarray = field(default_factory=_ids)
    """Closed cases whose resident will raise them again (feedback adds, demand raises)."""
    repeats_day: np.ndarray = field(default_factory=_ids)
    """Day each repeat comes back (feedback, demand)."""
    closing_today: list[np.ndarray] = field(default_factory=list)
    """Case ids ended today before the closing step (``feedback.end_now``; ``close_due`` closes them)."""
    backlog_hours: float = 0.0
    """Hours of queued work that did not fit today (triage; workforce reads it as strain)."""
    complaint_hours_due: float = 0.0
    """Staff hours owed to complaints (feedback adds, triage works them off)."""
    referral_to: dict = field(default_factory=dict)
    """Organisation given a place for each referred case id (``referral.handle`` hands them over)."""
