"""Event tables a street records and their codes (staff events, emergencies, social
organisation events, council meetings). Kept apart from :mod:`sim.street` so that the
mechanisms can name the codes without importing the street."""

from __future__ import annotations

import numpy as np

STAFF_EVENT_COLUMNS = {
    "day": ("int32", -1), "slot": ("int16", -1), "event": ("int8", -1),
    "contract": ("int8", -1), "age": ("float64", np.nan), "specialty": ("int8", -1),
    "years_in_grade": ("float64", np.nan), "reason": ("int8", -1),
}
HIRE, LEAVE, PROMOTE = 0, 1, 2
QUIT, RETIRE = 0, 1

EMERGENCY_COLUMNS = {
    "day": ("int32", -1), "type": ("int8", -1), "warned": ("bool", False),
    "street_supplies": ("bool", False), "response_h": ("float64", np.nan),
    "resolve_h": ("float64", np.nan), "staff_hours_lost": ("float64", 0.0),
    "false_alarm": ("bool", False),
}

SO_EVENT_COLUMNS = {
    "day": ("int32", -1), "org": ("int32", -1), "event": ("int8", -1),
    "specialty": ("int8", -1), "supported": ("bool", False), "age_days": ("int32", -1),
    "reason": ("int8", -1),
}
SO_ENTER, SO_EXIT = 0, 1
SO_EXIT_FUNDS, SO_EXIT_VENUE = 0, 1

COUNCIL_COLUMNS = {"day": ("int32", -1), "community": ("int16", -1),
                   "functioning": ("bool", False), "adopted": ("bool", False)}
