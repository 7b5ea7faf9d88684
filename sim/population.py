"""Residents as arrays: one array per attribute, updated sparsely by case outcomes.

Each resident carries the state of the expectancy-disconfirmation model of satisfaction
(:mod:`sim.mechanisms.perception`): ``own`` (the memory of their own cases' outcomes),
``trust`` (in government responsiveness), ``expectation`` and a fixed rating
``disposition``. ``own`` and ``trust`` relax towards what the resident hears from
neighbours (their community's word of mouth) with time constant
``feedback.memory_years``; the relaxation is applied lazily (when a resident is touched
and at the yearly survey), so a day costs nothing for residents without a case.

Both updates are compiled (numba) kernels, :func:`relax_kernel` and
:func:`experience_kernel`, which the case-closing kernel of :mod:`sim.mechanisms.feedback`
calls too; :func:`pick_kernel` finds the residents raising demands.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.domain import RESIDENT_AGE_BANDS
from sim.params.values import Params

ELDERLY = RESIDENT_AGE_BANDS.index("60_plus")
BAND_EDGES = np.array([18, 35, 60])
PICK_BUCKETS = 4096
"""Equal slices of [0, 1) indexing the cumulative demand weights (:func:`pick_kernel`)."""


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
        self._bucket_start = np.searchsorted(self._cum_weight, np.arange(PICK_BUCKETS + 1) / PICK_BUCKETS,
                                             side="right")
        self.mean_propensity = float(w.mean())

    def pick(self, u: np.ndarray) -> np.ndarray:
        """Residents raising demands, one per uniform, by demand propensity."""
        return pick_kernel(self._cum_weight, self._bucket_start, u)

    def relax(self, idx: np.ndarray, day: int, memory_years: float) -> None:
        """Bring ``own`` and ``trust`` of ``idx`` up to ``day``: they fade towards the
        word of mouth of the resident's community."""
        relax_kernel(idx, day, float(memory_years), self.own, self.trust, self.touched_day,
                     self.community, self.word_of_mouth)

    def experience(self, idx: np.ndarray, score: np.ndarray, day: int, p: Params) -> None:
        """Residents ``idx`` had a case outcome scored ``score`` (0-1) on ``day``."""
        f = p.feedback
        experience_kernel(idx, score, day, float(f.memory_years), float(f.learning_rate), self.own,
                          self.trust, self.touched_day, self.community, self.word_of_mouth)

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


@njit(cache=True)
def relax_kernel(idx: np.ndarray, day: int, memory_years: float, own: np.ndarray, trust: np.ndarray,
                 touched_day: np.ndarray, community: np.ndarray, word_of_mouth: np.ndarray) -> None:
    """``own`` and ``trust`` of residents ``idx`` fade towards their community's word of
    mouth, ``exp(-years since touched / memory_years)`` of the gap left, and are touched
    on ``day``. A resident listed twice fades once (every value is computed from the
    state before the call, then written)."""
    n = len(idx)
    new_own = np.empty(n)
    new_trust = np.empty(n)
    for k in range(n):
        i = idx[k]
        keep = math.exp(-((day - touched_day[i]) / 365.0) / memory_years)
        heard = word_of_mouth[community[i]]
        new_own[k] = heard + (own[i] - heard) * keep
        new_trust[k] = heard + (trust[i] - heard) * keep
    for k in range(n):
        i = idx[k]
        own[i] = new_own[k]
        trust[i] = new_trust[k]
        touched_day[i] = day


@njit(cache=True)
def experience_kernel(idx: np.ndarray, score: np.ndarray, day: int, memory_years: float,
                      learning_rate: float, own: np.ndarray, trust: np.ndarray, touched_day: np.ndarray,
                      community: np.ndarray, word_of_mouth: np.ndarray) -> None:
    """Residents ``idx`` had case outcomes scored ``score`` on ``day``: relaxed to the day,
    then ``own`` moves ``learning_rate`` and ``trust`` half as much of the way towards
    each score, one outcome after another (a resident may have several)."""
    relax_kernel(idx, day, memory_years, own, trust, touched_day, community, word_of_mouth)
    half = 0.5 * learning_rate
    for k in range(len(idx)):
        i = idx[k]
        own[i] += learning_rate * (score[k] - own[i])
        trust[i] += half * (score[k] - trust[i])


@njit(cache=True)
def pick_kernel(cum: np.ndarray, bucket_start: np.ndarray, u: np.ndarray) -> np.ndarray:
    """``min(searchsorted(cum, u, side="right"), len(cum) - 1)``: per uniform, the first
    index whose cumulative weight exceeds it (the last for NaN, as NumPy sorts NaN last).

    ``bucket_start[b]`` counts the weights at most ``b / B`` (``B + 1`` entries), so a
    uniform in ``[b / B, (b + 1) / B)`` (``b = floor(u * B)``, exact for a power of two
    ``B``) is searched for only between ``bucket_start[b]`` and ``bucket_start[b + 1]``;
    others search the whole array. Same index, fewer memory reads."""
    n = len(cum)
    n_buckets = len(bucket_start) - 1
    out = np.empty(len(u), np.int64)
    for k in range(len(u)):
        x = u[k]
        if x != x:
            out[k] = n - 1
            continue
        if 0.0 <= x < 1.0:
            b = int(x * n_buckets)
            lo, hi = bucket_start[b], bucket_start[b + 1]
        else:
            lo, hi = 0, n
        while lo < hi:
            mid = (lo + hi) >> 1
            if cum[mid] <= x:
                lo = mid + 1
            else:
                hi = mid
        out[k] = min(lo, n - 1)
    return out
