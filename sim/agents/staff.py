"""Street staff: a roster of posts (arrays, for batched daily work) and one Mesa agent
per person holding a post.

The roster owns the state as arrays indexed by post (``slot``); each ``StaffMember``
agent is the person in a post and reads and writes its post's row, so mechanisms work on
whole arrays while Mesa's agent sets still see every person.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np
from numba import njit

from sim.domain import PROFESSIONAL_SPECIALTIES, SPECIALTIES, STAFF_CONTRACTS
from sim.randomness.compiled import categorical_kernel

if TYPE_CHECKING:
    from sim.params.values import Params

ESTABLISHED, CONTRACT = 0, 1
GENERAL = SPECIALTIES.index("general")
INITIAL_STRESS = 1.0
"""Stress of a person starting work: hours asked equal to hours available."""
PROFESSIONAL_IDX = np.array([SPECIALTIES.index(s) for s in PROFESSIONAL_SPECIALTIES])


class StaffMember(mesa.Agent):
    """A person holding a street post (established or contract)."""

    def __init__(self, model: mesa.Model, roster: Roster, slot: int) -> None:
        super().__init__(model)
        self.roster = roster
        self.slot = slot

    def _get(self, col: str):
        return self.roster.__dict__[col][self.slot]

    contract = property(lambda self: STAFF_CONTRACTS[int(self._get("contract"))])
    specialty = property(lambda self: SPECIALTIES[int(self._get("specialty"))])
    age = property(lambda self: float(self._get("age")))
    skill = property(lambda self: float(self._get("skill")))
    stress = property(lambda self: float(self._get("stress")))
    pay = property(lambda self: float(self._get("pay")))
    training_hours = property(lambda self: float(self._get("training_hours")))

    @property
    def age_band(self) -> str:
        """'under_35', '35_45' or 'over_45'."""
        a = self.age
        return "under_35" if a < 35 else ("35_45" if a <= 45 else "over_45")


class Roster:
    """Posts of one street and the state of the people holding them."""

    def __init__(self, n_established: int, n_contract: int) -> None:
        n = n_established + n_contract
        self.n = n
        self.contract = np.array([ESTABLISHED] * n_established + [CONTRACT] * n_contract, np.int8)
        self.filled = np.zeros(n, bool)
        self.specialty = np.zeros(n, np.int8)
        self.age = np.zeros(n)
        self.skill = np.zeros(n)
        self.stress = np.zeros(n)
        self.pay = np.zeros(n)
        self.training_hours = np.zeros(n)
        self.training_target = np.zeros(n)
        self.grade_years = np.zeros(n)
        self.hired_day = np.zeros(n, np.int32)
        self.vacant_until = np.full(n, -1, np.int32)
        self.agents: list[StaffMember | None] = [None] * n

    # --- views used by mechanisms -------------------------------------------------
    @property
    def professional(self) -> np.ndarray:
        """Mask of posts held by a qualified professional."""
        return self.filled & np.isin(self.specialty, PROFESSIONAL_IDX)

    @property
    def under35(self) -> np.ndarray:
        """Mask of posts held by someone under 35."""
        return self.filled & (self.age < 35)

    def held(self, kind: int) -> int:
        """Number of posts of contract type ``kind`` held by someone."""
        return count_held(self.filled, self.contract, kind)

    # --- posts opened ----------------------------------------------------------------
    def add_posts(self, kind: int, k: int) -> np.ndarray:
        """Open ``k`` new vacant posts of contract type ``kind``; returns their slots."""
        new = np.arange(self.n, self.n + k)
        grow = {"contract": kind, "vacant_until": -1, "hired_day": 0}
        for name, arr in list(vars(self).items()):
            if isinstance(arr, np.ndarray) and len(arr) == self.n:
                setattr(self, name, np.concatenate([arr, np.full(k, grow.get(name, 0), arr.dtype)]))
        self.agents.extend([None] * k)
        self.n += k
        return new

    # --- people entering and leaving ----------------------------------------------
    def fill(self, model: mesa.Model, slot: int, *, specialty: int, age: float, skill: float,
             pay: float, day: int, grade_years: float = 0.0) -> StaffMember:
        """Put a new person in ``slot`` and create their agent."""
        self.filled[slot] = True
        self.specialty[slot] = specialty
        self.age[slot] = age
        self.skill[slot] = skill
        self.stress[slot] = INITIAL_STRESS
        self.pay[slot] = pay
        self.training_hours[slot] = 0.0
        self.grade_years[slot] = grade_years
        self.hired_day[slot] = day
        self.vacant_until[slot] = -1
        agent = StaffMember(model, self, slot)
        self.agents[slot] = agent
        return agent

    def vacate(self, slot: int, refill_day: int) -> None:
        """The person in ``slot`` leaves; the post waits until ``refill_day``."""
        agent = self.agents[slot]
        if agent is not None:
            agent.remove()
        self.agents[slot] = None
        self.filled[slot] = False
        self.vacant_until[slot] = refill_day
        self.stress[slot] = 0.0


@njit(cache=True)
def count_held(filled: np.ndarray, contract: np.ndarray, kind: int) -> int:
    """Posts of contract type ``kind`` held by someone (compiled: no temporaries)."""
    n = 0
    for i in range(len(filled)):
        if filled[i] and contract[i] == kind:
            n += 1
    return n


def draw_recruit(p: Params, rng: np.random.Generator) -> tuple[int, float]:
    """Specialty index and age of a recruit (a street's first staff: :func:`initial_draws`)."""
    w = p.workforce
    specialty = int(specialty_kernel(rng, float(w.recruit_professional_share),
                                     np.asarray(p.staff.professional_mix, dtype=np.float64)))
    return specialty, recruit_age_kernel(rng, float(w.recruit_under35_share))


def initial_draws(p: Params, rng: np.random.Generator, n: int) -> np.ndarray:
    """The draws of a street's first ``n`` staff members, in post order (one compiled call,
    :func:`initial_draws_kernel`), as ``n`` rows of: the specialty (professional with the
    staff's professional share, as :func:`specialty_kernel`), the age (23-35 with the
    under-35 share, 45 to half a year before retirement with the over-45 share, else
    35-45), years of experience ``max(0, min(age - 23, 30) * rng.random())`` and years in
    grade ``rng.uniform(0, 8)``."""
    s = p.staff
    return initial_draws_kernel(rng, n, float(s.professional_share),
                                np.asarray(s.professional_mix, dtype=np.float64), float(s.under35_share),
                                float(1 - s.over45_share), float(p.workforce.retirement_age) - 0.5)


@njit(cache=True)
def initial_draws_kernel(rng, n: int, professional_share: float, professional_mix: np.ndarray,
                         under35_share: float, below_45: float, oldest: float) -> np.ndarray:
    """:func:`initial_draws` (compiled; ``below_45`` is ``1 - over45_share`` and ``oldest``
    the retirement age less half a year)."""
    out = np.empty((n, 4))
    for slot in range(n):
        out[slot, 0] = specialty_kernel(rng, professional_share, professional_mix)
        u = rng.random()
        if u < under35_share:
            age = rng.uniform(23.0, 35.0)
        elif u < below_45:
            age = rng.uniform(35.0, 45.0)
        else:
            age = rng.uniform(45.0, oldest)
        out[slot, 1] = age
        out[slot, 2] = max(0.0, min(age - 23.0, 30.0) * rng.random())
        out[slot, 3] = rng.uniform(0.0, 8.0)
    return out


@njit(cache=True)
def specialty_kernel(rng, professional_share: float, professional_mix: np.ndarray) -> int:
    """A new staff member's specialty: a professional one with ``professional_share``
    (drawn by ``professional_mix``, as ``rng.choice(len(mix), p=mix)`` draws it), else
    general (compiled; ``sim.month_loop`` draws recruits with it too)."""
    if rng.random() < professional_share:
        return categorical_kernel(np.array([rng.random()]), professional_mix)[0]
    return GENERAL


@njit(cache=True)
def recruit_age_kernel(rng, under35_share: float) -> float:
    """A recruit's age: uniform in 22-35 with ``under35_share``, else in 35-50 (compiled)."""
    return rng.uniform(22.0, 35.0) if rng.random() < under35_share else rng.uniform(35.0, 50.0)


def initial_skill(p: Params, specialty: int, years_experience: float) -> float:
    """Skill of a person from qualification and experience (0-1)."""
    s = p.staff
    skill = s.skill_initial + s.skill_per_year_experience * min(years_experience, 15.0)
    if specialty != GENERAL:
        skill += s.skill_professional_bonus
    return float(min(max(skill, 0.0), 1.0))  # numpy.clip's value, without its call (~5 us)


def posts_for(p: Params) -> tuple[int, int]:
    """Number of established and contract posts a street has."""
    n_contract = int(p.population.residents // p.staff.residents_per_contract_post)
    return int(p.staff.established_posts), n_contract + int(p.staff.extra_contract_posts)
