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
calls too; :func:`pick_kernel` finds the residents raising demands. The yearly ageing
(:func:`age_kernel`), the digital-access update (:func:`sync_digital_kernel`, after its
draw) and the demand weights (:func:`demand_weights_kernel`) are compiled too.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from numba import njit
from numba.extending import register_jitable

from sim.compiled import leaf, pairwise_sum, search_right
from sim.domain import RESIDENT_AGE_BANDS
from sim.params.values import Params
from sim.randomness.compiled import categorical_kernel
from sim.randomness.pcg64 import fill_uniforms

ELDERLY = RESIDENT_AGE_BANDS.index("60_plus")
BAND_EDGES = np.array([18, 35, 60])
PICK_BUCKETS = 65536
"""Equal slices of [0, 1) indexing the cumulative demand weights (:func:`pick_kernel`)."""
SELECT_BUCKETS = 1024
"""Equal slices of [0, 1) counting uniforms in :func:`sync_digital_kernel`."""


def band_of(age: np.ndarray) -> np.ndarray:
    """Age band index of ages in years (``np.searchsorted(BAND_EDGES, age,
    side="right")`` as int8, compiled: :func:`band_kernel`)."""
    return band_kernel(np.asarray(age, dtype=np.float64))


class Residents:
    """The street's population.

    Attributes (arrays of length ``n``): ``age``, ``band``, ``migrant``, ``digital``,
    ``community``, ``own``, ``trust``, ``expectation``, ``disposition``, ``touched_day``,
    ``eligible``, ``enrolled``; per community: ``word_of_mouth`` and ``community_size``
    (residents never move: a newborn takes the place of the one replaced); ``work``: two
    rows of ``n`` floats of scratch space for compiled kernels (no meaning between calls;
    kernels that allocate large arrays pay for fresh memory pages on every call).
    """

    def __init__(self, p: Params, rng: np.random.Generator) -> None:
        pop = p.population
        n = int(pop.residents)
        self.n = n
        band_ranges = [(0, 18), (18, 35), (35, 60), (60, 95)]
        # rng.choice(len(RESIDENT_AGE_BANDS), size=n, p=pop.age_shares): the same uniforms
        # and cumulative shares, searched in compiled code (NumPy's search cost ~1 ms)
        band = categorical_kernel(rng.random(n), np.asarray(pop.age_shares, dtype=np.float64))
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
        self.community_size = np.bincount(self.community, minlength=int(pop.communities))
        self.work = np.empty((2, n))
        self._cum_weight = np.empty(n)
        self._bucket_start = np.empty(PICK_BUCKETS + 1, np.int64)
        self.update_demand_weights(p)

    def update_demand_weights(self, p: Params) -> None:
        """Recompute who raises demands (age band and migrant status):
        :func:`demand_weights_kernel`, in place."""
        self.mean_propensity = demand_weights_kernel(
            self.band, self.migrant, p.demand.propensity_by_age, float(p.demand.migrant_propensity),
            self._cum_weight, self._bucket_start)

    @property
    def pick_tables(self) -> tuple[np.ndarray, np.ndarray]:
        """The cumulative demand weights and their bucket starts, as :func:`pick_kernel`
        reads them (for kernels that pick residents themselves)."""
        return self._cum_weight, self._bucket_start

    def pick(self, u: np.ndarray) -> np.ndarray:
        """Residents raising demands, one per uniform, by demand propensity."""
        return pick_kernel(self._cum_weight, self._bucket_start, u)

    def relax(self, idx: np.ndarray, day: int, memory_years: float) -> None:
        """Bring ``own`` and ``trust`` of ``idx`` up to ``day``: they fade towards the
        word of mouth of the resident's community."""
        relax_kernel(idx, day, float(memory_years), self.own, self.trust, self.touched_day,
                     self.community, self.word_of_mouth, NO_KEEP)

    def experience(self, idx: np.ndarray, score: np.ndarray, day: int, p: Params) -> None:
        """Residents ``idx`` had a case outcome scored ``score`` (0-1) on ``day``."""
        f = p.feedback
        experience_kernel(idx, score, day, float(f.memory_years), float(f.learning_rate), self.own,
                          self.trust, self.touched_day, self.community, self.word_of_mouth, NO_KEEP)

    def shock(self, loss: float, day: int, p: Params, keep_of: np.ndarray) -> None:
        """Everyone loses ``loss`` of trust in government responsiveness (e.g. a false
        alarm), after relaxing to ``day`` (``keep_of``: :func:`memory_shares`)."""
        relax_everyone(day, float(p.feedback.memory_years), self.own, self.trust, self.touched_day,
                       self.community, self.word_of_mouth, keep_of)
        self.trust = np.clip(self.trust - loss, 0.0, 1.0)

    def age_one_year(self, p: Params, rng: np.random.Generator) -> None:
        """Everyone ages a year; residents leaving the top band are replaced by newborns
        so the population stays stationary (:func:`age_kernel`); digital access follows
        its parameter."""
        self.band = age_kernel(self.age, self.eligible, self.enrolled, self.own, self.trust, self.expectation,
                               self.community, self.word_of_mouth)
        self.sync_digital(p, rng)
        self.update_demand_weights(p)

    def sync_digital(self, p: Params, rng: np.random.Generator) -> None:
        """Move each band's digital-access share to the parameter value, flipping as few
        residents as needed (e.g. when voice navigation reaches the elderly): one draw
        ``rng.random(n)``, then :func:`sync_digital_kernel`."""
        u = fill_uniforms(rng, self.n)
        sync_digital_kernel(self.band, self.digital, p.population.digital_access, u)


@njit(cache=True)
def age_kernel(age: np.ndarray, eligible: np.ndarray, enrolled: np.ndarray, own: np.ndarray,
               trust: np.ndarray, expectation: np.ndarray, community: np.ndarray,
               word_of_mouth: np.ndarray) -> np.ndarray:
    """Everyone ages a year, in place (compiled); those reaching 95 are newborns: age 0,
    not eligible nor enrolled, ``own`` and ``trust`` at their community's word of mouth,
    expectation at the mean expectation before. Returns the new age bands
    (:func:`band_of`)."""
    n = len(age)
    old = np.zeros(n, np.bool_)
    n_old = 0
    for i in range(n):
        age[i] += 1.0
        if age[i] >= 95:
            old[i] = True
            n_old += 1
            age[i] = 0.0
            eligible[i] = False
            enrolled[i] = False
            heard = word_of_mouth[community[i]]
            own[i] = heard
            trust[i] = heard
    if n_old:
        mean = pairwise_sum(expectation) / n
        for i in range(n):
            if old[i]:
                expectation[i] = mean
    return band_kernel(age)


@njit(cache=True)
def band_kernel(age: np.ndarray) -> np.ndarray:
    """Each age's band: how many of :data:`BAND_EDGES` are at most it (NaN last, as
    ``np.searchsorted(..., side="right")`` puts it), as int8."""
    band = np.empty(len(age), np.int8)
    for i in range(len(age)):
        b = 0
        a = age[i]
        if a != a:
            b = len(BAND_EDGES)  # searchsorted puts NaN last
        else:
            for edge in BAND_EDGES:
                b += edge <= a
        band[i] = b
    return band


@njit(cache=True)
def sync_digital_kernel(band: np.ndarray, digital: np.ndarray, target: np.ndarray, u: np.ndarray) -> None:
    """Set each band's share with digital access to ``target`` (``round(target * band
    size)`` residents, rounding half to even as Python's ``round``; in place, compiled):
    the residents flipped are the ``k`` with the smallest uniforms ``u`` (in [0, 1))
    among the band's residents without (or with) access.

    The ``k`` smallest are found without sorting: the candidates' uniforms are counted
    in :data:`SELECT_BUCKETS` equal slices of [0, 1); the slices before the one holding
    the ``k``-th smallest are flipped whole, and only that slice is sorted.
    """
    n_bands = len(target)
    size = np.zeros(n_bands, np.int64)
    have = np.zeros(n_bands, np.int64)
    for i in range(len(band)):
        size[band[i]] += 1
        have[band[i]] += digital[i]
    gain = np.zeros(n_bands, np.bool_)
    k = np.zeros(n_bands, np.int64)
    for b in range(n_bands):
        if size[b]:
            want = int(np.rint(target[b] * size[b]))
            gain[b] = want > have[b]
            k[b] = abs(want - have[b])
    # candidates of band b: with access if it loses some, without if it gains (the
    # passes over residents are branch-free: a resident's access is random)
    counts = np.zeros((n_bands, SELECT_BUCKETS), np.int64)
    for i in range(len(band)):
        b = band[i]
        counts[b, int(u[i] * SELECT_BUCKETS)] += (k[b] > 0) & (digital[i] != gain[b])
    edge = np.full(n_bands, SELECT_BUCKETS, np.int64)  # the slice holding the k-th smallest
    need = np.zeros(n_bands, np.int64)  # how many of that slice are flipped
    n_edge = 0
    for b in range(n_bands):
        below = 0
        for j in range(SELECT_BUCKETS):
            if k[b] and below + counts[b, j] >= k[b]:
                edge[b] = j
                need[b] = k[b] - below
                n_edge += counts[b, j]
                break
            below += counts[b, j]
    edge_rows = np.empty(n_edge + 1, np.int64)
    m = 0
    for i in range(len(band)):
        b = band[i]
        j = int(u[i] * SELECT_BUCKETS)
        cand = (k[b] > 0) & (digital[i] != gain[b])
        digital[i] ^= cand & (j < edge[b])  # a candidate flipped becomes ``gain[b]``
        edge_rows[m] = i
        m += cand & (j == edge[b])
    edge_rows = edge_rows[:m]
    for b in range(n_bands):
        if need[b] == 0:
            continue
        mine = edge_rows[band[edge_rows] == b]
        values = np.sort(u[mine])
        kth = values[need[b] - 1]
        ties = need[b]
        for j in range(len(values)):
            ties -= values[j] < kth
        for i in mine:  # of uniforms equal to the k-th smallest, the first rows
            if u[i] < kth:
                digital[i] = gain[b]
            elif u[i] == kth and ties > 0:
                digital[i] = gain[b]
                ties -= 1


@njit(cache=True)
def demand_weights_kernel(band: np.ndarray, migrant: np.ndarray, propensity_by_age: np.ndarray,
                          migrant_propensity: float, cum: np.ndarray, bucket_start: np.ndarray) -> float:
    """Each resident's demand weight (their band's propensity, times
    ``migrant_propensity`` for migrants), compiled: writes the cumulative weights over
    their total into ``cum`` and the first index past each bucket edge ``b / B`` into
    ``bucket_start`` (``B + 1`` entries, :func:`pick_kernel`); returns the mean weight.
    Running and pairwise sums as NumPy's ``cumsum`` and ``mean``."""
    n = len(band)
    factor = np.array([1.0, migrant_propensity])  # indexed, not branched on (random flags)
    for i in range(n):
        cum[i] = propensity_by_age[band[i]] * factor[np.int64(migrant[i])]
    mean = pairwise_sum(cum) / n
    total = 0.0
    for i in range(n):
        total += cum[i]
        cum[i] = total
    last = cum[n - 1]
    for i in range(n):
        cum[i] = cum[i] / last
    rising = True
    for i in range(1, n):
        rising &= cum[i] >= cum[i - 1]
    n_buckets = len(bucket_start) - 1
    if rising and n_buckets > 0 and n_buckets & (n_buckets - 1) == 0:
        # sorted, and edges b / B exact (B a power of two, so is cum * B): count each
        # weight at the first edge not below it, ceil(cum * B), then add up (no branch
        # on the data, which a walk over edges and weights mispredicts)
        at = np.zeros(n_buckets + 1, np.int64)
        for i in range(n):
            x = cum[i]
            if x <= 0.0:
                at[0] += 1
            elif x <= 1.0:  # above the last edge (or NaN): past every edge
                at[math.ceil(x * n_buckets)] += 1
        j = 0
        for b in range(n_buckets + 1):
            j += at[b]
            bucket_start[b] = j
    elif rising:  # sorted: one walk finds the first index past each edge
        j = 0
        for b in range(n_buckets + 1):
            edge = b / n_buckets
            while j < n and cum[j] <= edge:
                j += 1
            bucket_start[b] = j
    else:
        edges = np.empty(n_buckets + 1)
        for b in range(n_buckets + 1):
            edges[b] = b / n_buckets
        bucket_start[:] = np.searchsorted(cum, edges, side="right")
    return mean


@njit(cache=True)
def memory_keep(days: int, memory_years: float) -> float:
    """The share of a remembered gap left after ``days`` (``exp(-years / memory_years)``)."""
    return math.exp(-(days / 365.0) / memory_years)


@register_jitable
def faded(value: float, heard: float, keep: float) -> float:
    """A remembered value faded towards word of mouth ``heard``, ``keep`` of the gap left
    (the rule of :func:`relax_kernel` and :func:`relax_everyone`)."""
    return heard + (value - heard) * keep


@njit(cache=True)
def _keep_table(memory_years: float, n: int) -> np.ndarray:
    table = np.empty(n)
    for d in range(n):
        table[d] = memory_keep(d, memory_years)
    return table


@lru_cache(maxsize=16)
def keep_table(memory_years: float, n: int) -> np.ndarray:
    """:func:`memory_keep` of ``0 .. n - 1`` days (read-only, made once per memory and
    length): the kernels look a gap's share up instead of taking its ``exp`` per
    resident (the same values)."""
    table = _keep_table(float(memory_years), int(n))
    table.flags.writeable = False
    return table


NO_KEEP = np.empty(0)
NO_KEEP.flags.writeable = False
"""An empty :func:`keep_table`: every share computed."""


def memory_shares(p: Params, n_days: int) -> np.ndarray:
    """:func:`keep_table` of the residents' memory (``feedback.memory_years``) for every
    gap a run of ``n_days`` days can have (0 .. ``n_days``)."""
    return keep_table(float(p.feedback.memory_years), int(n_days) + 1)


@leaf
def keep_share(days: int, memory_years: float, keep_of: np.ndarray) -> float:
    """:func:`memory_keep` of ``days``, looked up in ``keep_of`` (:func:`keep_table` of
    ``memory_years``) where it reaches."""
    return keep_of[days] if 0 <= days < len(keep_of) else memory_keep(days, memory_years)


@njit(cache=True)
def relax_kernel(idx: np.ndarray, day: int, memory_years: float, own: np.ndarray, trust: np.ndarray,
                 touched_day: np.ndarray, community: np.ndarray, word_of_mouth: np.ndarray,
                 keep_of: np.ndarray) -> None:
    """``own`` and ``trust`` of residents ``idx`` fade towards their community's word of
    mouth, ``exp(-years since touched / memory_years)`` of the gap left (looked up in
    ``keep_of``, :func:`keep_table` of ``memory_years``, where it reaches), and are
    touched on ``day``. A resident listed twice fades once (every value is computed from
    the state before the call, then written)."""
    n = len(idx)
    new_own = np.empty(n)
    new_trust = np.empty(n)
    for k in range(n):
        i = idx[k]
        keep = keep_share(day - touched_day[i], memory_years, keep_of)
        heard = word_of_mouth[community[i]]
        new_own[k] = faded(own[i], heard, keep)
        new_trust[k] = faded(trust[i], heard, keep)
    for k in range(n):
        i = idx[k]
        own[i] = new_own[k]
        trust[i] = new_trust[k]
        touched_day[i] = day


@njit(cache=True)
def relax_everyone(day: int, memory_years: float, own: np.ndarray, trust: np.ndarray, touched_day: np.ndarray,
                   community: np.ndarray, word_of_mouth: np.ndarray, keep_of: np.ndarray) -> None:
    """:func:`relax_kernel` for every resident (``idx = arange(n)``, each listed once, so
    written in place), the shares looked up in ``keep_of`` as there."""
    for i in range(len(own)):
        keep = keep_share(day - touched_day[i], memory_years, keep_of)
        heard = word_of_mouth[community[i]]
        own[i] = faded(own[i], heard, keep)
        trust[i] = faded(trust[i], heard, keep)
        touched_day[i] = day


@njit(cache=True)
def experience_kernel(idx: np.ndarray, score: np.ndarray, day: int, memory_years: float,
                      learning_rate: float, own: np.ndarray, trust: np.ndarray, touched_day: np.ndarray,
                      community: np.ndarray, word_of_mouth: np.ndarray, keep_of: np.ndarray) -> None:
    """Residents ``idx`` had case outcomes scored ``score`` on ``day``: relaxed to the day,
    then ``own`` moves ``learning_rate`` and ``trust`` half as much of the way towards
    each score, one outcome after another (a resident may have several)."""
    relax_kernel(idx, day, memory_years, own, trust, touched_day, community, word_of_mouth, keep_of)
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
    others search the whole array. Same index, fewer memory reads. All the bucket bounds
    are read first, then searched: the bounds' reads (mostly cache misses in a table of
    ~0.5 MB) do not wait on one another as they do when each search follows its bounds
    (~6% of a month's demand draws)."""
    n = len(cum)
    n_buckets = len(bucket_start) - 1
    m = len(u)
    bounds = np.empty(2 * m, np.int64)  # each uniform's lo, then its hi
    out, his = bounds[:m], bounds[m:]
    for k in range(m):
        x = u[k]
        if 0.0 <= x < 1.0:  # False for NaN
            b = int(x * n_buckets)
            out[k] = bucket_start[b]
            his[k] = bucket_start[b + 1]
        else:
            out[k] = 0
            his[k] = n
    for k in range(m):
        x = u[k]
        out[k] = n - 1 if x != x else min(search_right(cum, out[k], his[k], x), n - 1)
    return out
