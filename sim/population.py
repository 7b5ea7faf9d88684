"""Residents as arrays: one array per attribute, updated sparsely by case outcomes.

Each resident carries the state of the expectancy-disconfirmation model of satisfaction
(:mod:`sim.mechanisms.perception`): ``own`` (the memory of their own cases' outcomes),
``trust`` (in government responsiveness), ``expectation`` and a fixed rating
``disposition``. ``own`` and ``trust`` relax towards what the resident hears from
neighbours (their community's word of mouth) with time constant
``feedback.memory_years``; the relaxation is applied lazily (when a resident is touched
and at the yearly survey), so a day costs nothing for residents without a case.
"""

from __future__ import annotations

import numpy as np

from sim.domain import RESIDENT_AGE_BANDS
from sim.params.values import Params

ELDERLY = RESIDENT_AGE_BANDS.index("60_plus")
BAND_EDGES = np.array([18, 35, 60])


def band_of(age: np.ndarray) -> np.ndarray:
    """Age band index of ages in years."""
    return np.searchsorted(BAND_EDGES, age, side="right").astype(np.int8)


class Residents:
    """The street's population.

    Attributes (arrays of length ``n``): ``age``, ``band``, ``migrant``, ``digital``,
    ``community``, ``own``, ``trust``, ``expectation``, ``disposition``, ``touched_day``,
    ``eligible``, ``enrolled``; per community: ``word_of_mouth``.
    """

    def __init__(self, p: Params, rng: np.random.Generator) -> None:
        pop = p.population
        n = int(pop.residents)
        self.n = n
        band_ranges = [(0, 18), (18, 35), (35, 60), (60, 95)]
        band = rng.choice(len(RESIDENT_AGE_BANDS), size=n, p=pop.age_shares)
        lo = np.array([r[0] for r in band_ranges])[band]
        hi = np.array([r[1] for r in band_ranges])[band]
        self.age = lo + rng.random(n) * (hi - lo)
        self.band = band_of(self.age)
        self.migrant = rng.random(n) < pop.migrant_share
        self.digital = rng.random(n) < pop.digital_access[self.band]
        self.community = rng.integers(0, int(pop.communities), size=n).astype(np.int16)
        start = float(p.perception.initial)
        self.own = np.full(n, start)
        self.trust = np.full(n, start)
        self.expectation = np.full(n, start)
        self.disposition = rng.normal(0.0, p.perception.rating_sd, n)
        self.word_of_mouth = np.full(int(pop.communities), start)  # per community
        self.touched_day = np.zeros(n, dtype=np.int32)
        self.eligible = rng.random(n) < pop.eligible_share
        self.enrolled = self.eligible & (rng.random(n) < pop.eligible_enrolled_initial)
        self._cum_weight = np.empty(0)
        self.update_demand_weights(p)

    def update_demand_weights(self, p: Params) -> None:
        """Recompute who raises demands (age band and migrant status)."""
        w = p.demand.propensity_by_age[self.band] * np.where(self.migrant, p.demand.migrant_propensity, 1.0)
        cum = np.cumsum(w)
        self._cum_weight = cum / cum[-1]
        self.mean_propensity = float(w.mean())

    def pick(self, u: np.ndarray) -> np.ndarray:
        """Residents raising demands, one per uniform, by demand propensity."""
        return np.minimum(np.searchsorted(self._cum_weight, u, side="right"), self.n - 1)

    def relax(self, idx: np.ndarray, day: int, memory_years: float) -> None:
        """Bring ``own`` and ``trust`` of ``idx`` up to ``day``: they fade towards the
        word of mouth of the resident's community."""
        dt_years = (day - self.touched_day[idx]) / 365.0
        keep = np.exp(-dt_years / memory_years)
        heard = self.word_of_mouth[self.community[idx]]
        self.own[idx] = heard + (self.own[idx] - heard) * keep
        self.trust[idx] = heard + (self.trust[idx] - heard) * keep
        self.touched_day[idx] = day

    def experience(self, idx: np.ndarray, score: np.ndarray, day: int, p: Params) -> None:
        """Residents ``idx`` had a case outcome scored ``score`` (0-1) on ``day``."""
        f = p.feedback
        self.relax(idx, day, f.memory_years)
        if len(np.unique(idx)) == len(idx):
            self.own[idx] += f.learning_rate * (score - self.own[idx])
            self.trust[idx] += 0.5 * f.learning_rate * (score - self.trust[idx])
            return
        # a resident with several outcomes today: apply them one after another
        for i, s in zip(idx, score, strict=True):
            self.own[i] += f.learning_rate * (s - self.own[i])
            self.trust[i] += 0.5 * f.learning_rate * (s - self.trust[i])

    def shock(self, loss: float, day: int, p: Params) -> None:
        """Everyone loses ``loss`` of trust in government responsiveness (e.g. a false
        alarm)."""
        self.relax(np.arange(self.n), day, p.feedback.memory_years)
        self.trust = np.clip(self.trust - loss, 0.0, 1.0)

    def age_one_year(self, p: Params, rng: np.random.Generator) -> None:
        """Everyone ages a year; residents leaving the top band are replaced by newborns
        so the population stays stationary; digital access follows its parameter."""
        self.age += 1.0
        old = self.age >= 95
        self.age[old] = 0.0
        self.eligible[old] = False
        self.enrolled[old] = False
        heard = self.word_of_mouth[self.community[old]]
        self.own[old] = heard
        self.trust[old] = heard
        self.expectation[old] = float(self.expectation.mean()) if self.n else 0.0
        self.band = band_of(self.age)
        self.sync_digital(p, rng)
        self.update_demand_weights(p)

    def sync_digital(self, p: Params, rng: np.random.Generator) -> None:
        """Move each band's digital-access share to the parameter value, flipping as few
        residents as needed (e.g. when voice navigation reaches the elderly)."""
        target = p.population.digital_access
        u = rng.random(self.n)
        for b in range(len(RESIDENT_AGE_BANDS)):
            in_band = self.band == b
            n_band = int(in_band.sum())
            if n_band == 0:
                continue
            want = int(round(target[b] * n_band))
            have = int((self.digital & in_band).sum())
            if want > have:
                cand = np.flatnonzero(in_band & ~self.digital)
                pick = cand[np.argsort(u[cand])[: want - have]]
                self.digital[pick] = True
            elif want < have:
                cand = np.flatnonzero(in_band & self.digital)
                pick = cand[np.argsort(u[cand])[: have - want]]
                self.digital[pick] = False
