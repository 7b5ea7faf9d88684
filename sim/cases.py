"""The case record: one row per demand raised, with its whole history.

Times are hours since the run's start (``NaN`` = not happened). ``outcome`` is
``OPEN``, ``RESOLVED`` or ``DROPPED``; ``drop_reason`` says why a dropped case ended.
"""

from __future__ import annotations

import numpy as np

from sim.table import ColumnTable

# states (where the case is now)
QUEUED, IN_STREET, AT_SO, WHISTLED, CLOSED, CLOSING = 0, 1, 2, 3, 4, 5
STATE_NAMES = ("queued", "in_street", "at_social_org", "whistled", "closed", "closing")

# outcomes
OPEN, RESOLVED, DROPPED = 0, 1, 2
OUTCOME_NAMES = ("open", "resolved", "dropped")

# routes chosen at triage
ROUTE_NONE, ROUTE_STREET, ROUTE_SO, ROUTE_DEPT = -1, 0, 1, 2
ROUTE_NAMES = {ROUTE_NONE: "none", ROUTE_STREET: "street", ROUTE_SO: "social_org",
               ROUTE_DEPT: "departments"}

# why a case was dropped
(DR_NONE, DR_ABANDONED, DR_STREET_FAILED, DR_UNFUNDED, DR_SO_FAILED, DR_UNANSWERED,
 DR_BOUNCED_OUT, DR_DEPT_FAILED) = range(8)
DROP_REASONS = ("none", "abandoned", "street_failed", "unfunded", "social_org_failed",
                "departments_unanswered", "bounced_out", "departments_failed")

# per-case uniform draws (common random numbers: drawn once when the case is raised)
U_ROUTE, U_SUCCESS, U_DELAY, U_DATA, U_COMPLAINT, U_REPEAT, U_GAMING, U_REPEAT_DELAY = range(8)
N_UNIFORMS = 8

NAN = np.nan

CASE_COLUMNS: dict[str, tuple[str, object]] = {
    "resident": ("int32", -1),
    "category": ("int8", -1),
    "channel": ("int8", -1),
    "elderly": ("bool", False),
    "is_repeat": ("bool", False),
    "parent": ("int32", -1),
    "needs_department": ("bool", False),
    "n_departments": ("int8", 0),
    "unclear_duty": ("bool", False),
    "needs_money": ("bool", False),
    "money_pot": ("int8", -1),
    "money_need": ("float64", 0.0),
    "money_paid": ("float64", 0.0),
    "needs_data": ("bool", False),
    "needs_specialist": ("bool", False),
    "so_suitable": ("bool", False),
    "z_delay": ("float64", 0.0),
    "raised_h": ("float64", NAN),
    "accepted_h": ("float64", NAN),
    "first_response_h": ("float64", NAN),
    "whistled_h": ("float64", NAN),
    "closed_h": ("float64", NAN),
    "due_day": ("int32", -1),
    "staff_hours": ("float64", 0.0),
    "route": ("int8", ROUTE_NONE),
    "handler": ("int32", -1),
    "specialist": ("bool", False),
    "dept_mask": ("int32", 0),
    "n_whistles": ("int16", 0),
    "n_bounces": ("int8", 0),
    "escalated": ("bool", False),
    "pending_departments": ("int8", 0),
    "departments_arrived_h": ("float64", NAN),
    "planned_outcome": ("int8", OPEN),
    "planned_reason": ("int8", DR_NONE),
    "state": ("int8", QUEUED),
    "outcome": ("int8", OPEN),
    "drop_reason": ("int8", DR_NONE),
    "complaint": ("bool", False),
    "complaint_unclear": ("bool", False),
    "reported_resolved": ("bool", False),
    "perceived": ("float64", NAN),
    "callback_satisfied": ("bool", False),
}


class CaseTable(ColumnTable):
    """All cases of a street, plus their per-case uniform draws."""

    def __init__(self, capacity: int) -> None:
        super().__init__(CASE_COLUMNS, capacity)
        # every case's uniforms are written when it is raised (demand), so the rows not
        # yet used need no value (filling ~15 MB of them cost ~0.5% of a run)
        self.u = np.empty((self._cap, N_UNIFORMS), dtype=np.float64)

    def _grew(self, new_cap: int) -> None:
        grown = np.empty((new_cap, N_UNIFORMS), dtype=np.float64)
        grown[: self.n] = self.u[: self.n]
        self.u = grown

    def append(self, k: int, u: np.ndarray | None = None, **values) -> np.ndarray:  # type: ignore[override]
        """Append ``k`` cases with their uniforms ``u`` (k x N_UNIFORMS; without ``u``
        the caller writes the rows of ``self.u`` itself, as ``demand`` does)."""
        ids = super().append(k, **values)
        if u is not None:
            self.u[ids] = u
        return ids

    def release_uniforms(self) -> None:
        """Free the uniforms of a table whose run has ended (a full street's are ~14 MB;
        nothing reads them once no case can be decided any more). Cases appended
        afterwards with uniforms raise ``IndexError``."""
        self.u = np.zeros((0, N_UNIFORMS), dtype=np.float64)


# whistle episodes: one per (case, department) pair
EP_PENDING, EP_ARRIVED, EP_FAILED, EP_MOVED, EP_LAPSED = 0, 1, 2, 3, 4
EPISODE_STATES = ("pending", "arrived", "failed", "moved", "lapsed")
"""``lapsed``: the department would have come, but the case had already ended."""

EPISODE_COLUMNS: dict[str, tuple[str, object]] = {
    "street": ("int16", 0),
    "case": ("int32", -1),
    "department": ("int8", -1),
    "first_sent_h": ("float64", NAN),
    "n_sent": ("int16", 0),
    "escalated": ("bool", False),
    "arrival_h": ("float64", NAN),
    "next_day": ("int32", -1),
    "state": ("int8", EP_PENDING),
    "unclear": ("bool", False),
    "bounced": ("bool", False),
}


class EpisodeTable(ColumnTable):
    """Whistle episodes: a department asked to come for a case, until it comes or fails."""

    def __init__(self, capacity: int) -> None:
        super().__init__(EPISODE_COLUMNS, capacity)
