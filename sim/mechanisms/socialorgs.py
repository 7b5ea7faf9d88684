"""Social organisations (brief §3.9): enter, grow and exit with funding and venue.

Monthly: each organisation pays its running cost; those holding a venue receive the
street's service purchase (from the street's general budget, as long as there is money
above the wage reserve, see ``sim.mechanisms.money``). An organisation whose funds run
out exits; one without a venue drifts away with a monthly hazard. Entrants come from
matchmaking meetings (unsupported: their own runway, a venue only if one is free) and
from the cultivation programme (supported: a professional specialty, a venue if one is
free, and up to a year's running cost paid from the street's general budget on entry,
as far as the budget allows).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.agents.socialorg import SocialOrganisation
from sim.domain import PROFESSIONAL_SO_SPECIALTIES, SO_SPECIALTIES
from sim.events import SO_ENTER, SO_EXIT, SO_EXIT_FUNDS, SO_EXIT_VENUE
from sim.mechanisms.money import wage_reserve

if TYPE_CHECKING:
    from sim.street import Street

PROFESSIONAL_SO = np.isin(SO_SPECIALTIES, PROFESSIONAL_SO_SPECIALTIES)
SUPPORT_MONTHS = 12.0
"""Months of running cost the cultivation programme gives an entrant (brief §4B)."""


def venue_slots(street: Street) -> int:
    """Venues the street can give organisations (own plus shared spaces)."""
    return int(street.p.socialorgs.venue_slots + street.p.facilities.shared_spaces)


def monthly(street: Street, t: int) -> None:
    """Costs and grants, exits, then entrants."""
    so_p = street.p.socialorgs
    rng = street.streams["socialorgs"]
    u = rng.random(64)
    reserve = wage_reserve(street)  # the roster does not change in the loop
    for i, so in enumerate(list(street.sos)):
        so.used_this_month = 0.0
        if t == 0:
            continue
        so.funds -= so_p.monthly_cost
        if so.has_venue:
            so.funds += street.purse.spend_general(so_p.service_grant_per_year / 12.0, "so_grants", reserve)
        if so.funds < 0:
            exit_org(street, so, t, SO_EXIT_FUNDS)
        elif not so.has_venue and u[i % 64] < so_p.no_venue_exit_monthly:
            exit_org(street, so, t, SO_EXIT_VENUE)
    month = int(street.cal.month[t])
    meetings = int(round(so_p.matchmaking_per_year))
    meeting_months = {1 + (12 * k) // max(meetings, 1) + 2 for k in range(meetings)}
    n_new = int(rng.poisson(so_p.entrants_per_meeting)) if month in meeting_months else 0
    n_supported = int(rng.poisson(so_p.supported_entrants_per_year / 12.0))
    for _ in range(n_new):
        enter(street, t, rng, supported=False)
    for _ in range(n_supported):
        enter(street, t, rng, supported=True)


def enter(street: Street, t: int, rng: np.random.Generator, supported: bool) -> None:
    """A new organisation registers in the street."""
    so_p = street.p.socialorgs
    mix = so_p.specialty_mix_new
    if supported and (mix * PROFESSIONAL_SO).sum() > 0:
        mix = mix * PROFESSIONAL_SO / (mix * PROFESSIONAL_SO).sum()
    spec = int(rng.choice(len(SO_SPECIALTIES), p=mix))
    runway = rng.exponential(so_p.initial_funds_months)
    funds = so_p.monthly_cost * runway
    if supported:
        funds += street.purse.spend_general(so_p.monthly_cost * SUPPORT_MONTHS, "so_support",
                                            wage_reserve(street))
    venue = sum(so.has_venue for so in street.sos) < venue_slots(street)
    so = SocialOrganisation(street.model, street=street.index, specialty=spec,
                            capacity=so_p.capacity_per_month, funds=funds, has_venue=venue,
                            professional_team=supported or rng.random() < so_p.professional_team_share,
                            entered_day=t, supported=supported)
    street.sos.append(so)
    street.so_events.append(1, day=t, org=so.unique_id, event=SO_ENTER, specialty=spec,
                            supported=supported, age_days=0)


def exit_org(street: Street, so: SocialOrganisation, t: int, reason: int) -> None:
    """An organisation leaves; its venue becomes free for the next without one."""
    street.sos.remove(so)
    age = t - so.entered_day if so.entered_day >= 0 else -1
    street.so_events.append(1, day=t, org=so.unique_id, event=SO_EXIT, specialty=so.specialty,
                            supported=so.supported, age_days=age, reason=reason)
    freed = so.has_venue
    so.exited_day = t
    so.remove()
    if freed:
        for other in street.sos:
            if not other.has_venue:
                other.has_venue = True
                break
