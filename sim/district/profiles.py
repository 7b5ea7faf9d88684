"""How the streets of a district differ: size, region, ageing and migrants.

Each street's profile is drawn from the district seed's ``district`` stream, in a fixed
order, from the ``[district]`` distributions (brief §2). Shares of streets (large,
ageing, high-migrant, eastern) are met by stratified counts: ``floor(share * n)``
streets plus one more with probability equal to the remainder, so a district holds the
brief's shares as closely as its size allows and on average exactly.

A profile then turns any scenario's values (the base street's, or a pilot reform's, at
any date of its schedule) into that street's values with :func:`street_changes`: the
population fields are replaced, counts that serve residents scale with the street's size
and money follows size and region. Everything else (rates per staff member,
probabilities, delays, per-street event rates such as emergencies or matchmaking
meetings) is kept as the scenario gives it for its average street.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.district.spec import DistrictParams
from sim.domain import RESIDENT_AGE_BANDS
from sim.params.schema import SPEC_BY_KEY

ELDERLY_BAND = RESIDENT_AGE_BANDS[-1]
SIZE_SCALED: tuple[str, ...] = (
    "staff.established_posts",
    "staff.extra_contract_posts",
    "population.communities",
    "socialorgs.initial_count",
    "socialorgs.venue_slots",
    "socialorgs.entrants_per_meeting",
    "socialorgs.supported_entrants_per_year",
    "facilities.renovations_per_year",
    "facilities.shared_spaces",
    "staff.talent_pool_hours_per_year",
    "workforce.promotion_slots_per_year",
)
"""Per-street counts that serve residents: scaled by the street's residents over the
scenario's (contract posts follow residents already, via ``residents_per_contract_post``)."""
MONEY_SCALED: tuple[str, ...] = ("money.annual_budget", "money.own_revenue", "money.coordination_fund")
"""Per-street money: scaled by size and by the region's budget over the eastern one."""
AT_LEAST_ONE = {"staff.established_posts", "population.communities"}


@dataclass(frozen=True)
class StreetProfile:
    """What makes one street of a district different.

    ``elderly_share`` / ``migrant_share`` of None keep the scenario's own values
    (homogeneous districts). ``budget_factor`` multiplies the scenario's money (regions).
    """

    index: int
    residents: int
    region: str
    budget_factor: float = 1.0
    large: bool = False
    ageing: bool = False
    elderly_share: float | None = None
    high_migrant: bool = False
    migrant_share: float | None = None
    pilot: bool = False


def stratified(rng: np.random.Generator, n: int, share: float, weights: np.ndarray | None = None
               ) -> np.ndarray:
    """Boolean mask of ``floor(share*n)`` streets, plus one with probability equal to the
    remainder, chosen at random (with probability proportional to ``weights`` if given)."""
    exact = share * n
    k = int(math.floor(exact))
    k += int(rng.random() < exact - k)
    k = min(k, n)
    p = None if weights is None else weights / weights.sum()
    chosen = rng.choice(n, size=k, replace=False, p=p)
    mask = np.zeros(n, bool)
    mask[chosen] = True
    return mask


def draw_profiles(p: DistrictParams, base_residents: int, rng: np.random.Generator
                  ) -> list[StreetProfile]:
    """Profiles of the district's streets (copies of the base street if not heterogeneous)."""
    n = p.streets
    if not p.heterogeneous:
        return [StreetProfile(i, int(base_residents), "base") for i in range(n)]
    east = stratified(rng, n, p.east_share)
    large = stratified(rng, n, p.large_share)
    lo = np.where(large, p.large_residents[0], p.small_residents[0])
    hi = np.where(large, p.large_residents[1], p.small_residents[1])
    residents = np.rint(np.exp(np.log(lo) + rng.random(n) * (np.log(hi) - np.log(lo)))).astype(int)
    ageing = stratified(rng, n, p.ageing_share)
    lo = np.where(ageing, p.ageing_elderly_share[0], p.other_elderly_share[0])
    hi = np.where(ageing, p.ageing_elderly_share[1], p.other_elderly_share[1])
    elderly = lo + rng.random(n) * (hi - lo)
    # assumption: migrants concentrate in larger streets (status drawn with weight = size)
    high = stratified(rng, n, p.migrant_street_share, weights=residents.astype(float))
    lo = np.where(high, p.high_migrant_share[0], p.low_migrant_share[0])
    hi = np.where(high, p.high_migrant_share[1], p.low_migrant_share[1])
    migrant = lo + rng.random(n) * (hi - lo)
    # keep each street on its side of the threshold where its size allows (capped at 95%)
    need = p.migrant_threshold / residents
    migrant = np.where(high, np.maximum(migrant, 1.05 * need), np.minimum(migrant, 0.95 * need))
    migrant = np.clip(migrant, 0.0, 0.95)
    factor = np.where(east, 1.0, p.budget_central_west / p.budget_east)
    return [StreetProfile(index=i, residents=int(residents[i]), region="east" if east[i] else "central_west",
                          budget_factor=float(factor[i]), large=bool(large[i]), ageing=bool(ageing[i]),
                          elderly_share=float(elderly[i]), high_migrant=bool(high[i]),
                          migrant_share=float(migrant[i]))
            for i in range(n)]


def choose_pilots(n: int, streets: tuple[int, ...] | None, share: float | None,
                  rng: np.random.Generator) -> set[int]:
    """Pilot streets: the listed ones, or ``round(share * n)`` (at least one) at random."""
    if streets is not None:
        return set(streets)
    k = min(n, max(1, int(math.floor(share * n + 0.5))))
    return {int(i) for i in rng.choice(n, size=k, replace=False)}


def street_changes(raw: dict, profile: StreetProfile) -> dict:
    """File values to replace in a scenario's ``raw`` values to make this street.

    The scenario's per-street counts are for a street of its own
    ``population.residents``; they scale by ``profile.residents`` over that.
    """
    f = profile.residents / float(raw["population.residents"])
    out: dict = {"population.residents": int(profile.residents)}
    if profile.elderly_share is not None:
        out["population.age_shares"] = with_elderly_share(raw["population.age_shares"], profile.elderly_share)
    if profile.migrant_share is not None:
        out["population.migrant_share"] = float(profile.migrant_share)
    for key in SIZE_SCALED:
        out[key] = _scaled(key, raw[key] * f)
    for key in MONEY_SCALED:
        out[key] = _scaled(key, raw[key] * f * profile.budget_factor)
    return out


def with_elderly_share(shares: dict[str, float], elderly: float) -> dict[str, float]:
    """Age shares with the 60+ share set and the other bands rescaled in proportion."""
    rest = 1.0 - shares[ELDERLY_BAND]
    out = {b: (s * (1.0 - elderly) / rest if rest > 0 else (1.0 - elderly) / (len(shares) - 1))
           for b, s in shares.items() if b != ELDERLY_BAND}
    out[ELDERLY_BAND] = float(elderly)
    return {b: out[b] for b in shares}


def _scaled(key: str, value: float) -> int | float:
    spec = SPEC_BY_KEY[key]
    lo = 1 if key in AT_LEAST_ONE else spec.lo
    if spec.kind == "int":
        value = int(math.floor(value + 0.5))
    value = max(value, lo) if lo is not None else value
    return min(value, spec.hi) if spec.hi is not None else value


def profiles_frame(profiles: list[StreetProfile], params: list) -> pd.DataFrame:
    """One row per street: profile and the resulting size-dependent values."""
    from sim.agents.staff import posts_for

    rows = []
    for prof, p in zip(profiles, params):
        est, con = posts_for(p)
        rows.append({
            "street": prof.index, "pilot": prof.pilot, "residents": prof.residents, "region": prof.region,
            "large": prof.large, "ageing": prof.ageing,
            "elderly_share": float(p.population.age_shares[-1]),
            "high_migrant": prof.high_migrant, "migrant_share": float(p.population.migrant_share),
            "migrants": int(round(p.population.migrant_share * prof.residents)),
            "established_posts": est, "contract_posts": con,
            "communities": int(p.population.communities),
            "annual_budget": float(p.money.annual_budget),
        })
    return pd.DataFrame(rows)
