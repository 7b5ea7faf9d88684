"""Social organisations: few, rich Mesa agents with a specialty, capacity, money and venue."""

from __future__ import annotations

import mesa

from sim.domain import PROFESSIONAL_SO_SPECIALTIES, SO_SPECIALTIES


class SocialOrganisation(mesa.Agent):
    """A registered social organisation working in the street.

    Attributes:
        specialty: index into ``sim.domain.SO_SPECIALTIES``.
        capacity: cases it can take a month.
        funds: money in hand (yuan).
        has_venue: whether it holds one of the street's venue slots.
        professional_team: whether it brings a professional team.
        entered_day: day it entered (-1 for incumbents at the start).
        supported: whether it entered through the street's cultivation programme.
        used_this_month: cases taken this month.
    """

    def __init__(self, model: mesa.Model, *, street: int, specialty: int, capacity: float,
                 funds: float, has_venue: bool, professional_team: bool, entered_day: int,
                 supported: bool) -> None:
        super().__init__(model)
        self.street = street
        self.specialty = specialty
        self.capacity = capacity
        self.funds = funds
        self.has_venue = has_venue
        self.professional_team = professional_team
        self.entered_day = entered_day
        self.supported = supported
        self.used_this_month = 0.0
        self.cases_taken = 0
        self.exited_day = -1

    @property
    def specialty_name(self) -> str:
        """Name of the specialty."""
        return SO_SPECIALTIES[self.specialty]

    @property
    def professional(self) -> bool:
        """A professional organisation (mediation, psychological, social work)."""
        return self.specialty_name in PROFESSIONAL_SO_SPECIALTIES

    @property
    def room(self) -> float:
        """Cases it can still take this month."""
        return max(0.0, self.capacity - self.used_this_month)
