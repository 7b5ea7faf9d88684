"""Names of the model's categorical dimensions (brief §2), in one place.

Every array column or mapping parameter keyed by one of these uses the order given here.
"""

from __future__ import annotations

CATEGORIES: tuple[str, ...] = ("livelihood", "mediation", "environment", "other")
"""Demand categories of the 2023 street-level demand mix (brief §2)."""

CHANNELS: tuple[str, ...] = ("walk_in", "phone", "online")
"""Channels residents use to raise a demand (brief §3.1)."""

RESIDENT_AGE_BANDS: tuple[str, ...] = ("0_17", "18_34", "35_59", "60_plus")
"""Resident age bands; 60+ is the plan's ageing threshold (brief §2)."""

DEPARTMENTS: tuple[str, ...] = (
    "urban_management",
    "market_regulation",
    "police",
    "civil_affairs",
    "health",
    "disabled_federation",
    "emergency_management",
    "meteorology",
    "fire_rescue",
    "medical_insurance",
    "housing_construction",
    "ecology_environment",
)
"""The twelve district departments working with the street (brief §2, 'District departments')."""

DEPARTMENT_NAMES_ZH: dict[str, str] = {
    "urban_management": "城管",
    "market_regulation": "市场监管",
    "police": "公安派出所",
    "civil_affairs": "民政",
    "health": "卫健",
    "disabled_federation": "残联",
    "emergency_management": "应急管理",
    "meteorology": "气象",
    "fire_rescue": "消防",
    "medical_insurance": "医保",
    "housing_construction": "住建",
    "ecology_environment": "生态环境",
}

SPECIALTIES: tuple[str, ...] = ("general", "social_work", "law", "it", "psychology")
"""Staff specialties; all but 'general' count as professional (brief §2)."""

PROFESSIONAL_SPECIALTIES: tuple[str, ...] = ("social_work", "law", "it", "psychology")

STAFF_CONTRACTS: tuple[str, ...] = ("established", "contract")
"""Established (编制) and contract (编外) staff."""

FUND_POTS: tuple[str, ...] = ("civil_affairs", "health", "disabled_federation", "street_general")
"""Ring-fenced funding pots for livelihood services (brief §2, 'Money')."""

SO_SPECIALTIES: tuple[str, ...] = (
    "elderly_care",
    "culture_sport",
    "mediation",
    "psychological",
    "social_work",
)
"""Social-organisation specialties (brief §2, 'Social organisations')."""

PROFESSIONAL_SO_SPECIALTIES: tuple[str, ...] = ("mediation", "psychological", "social_work")

EMERGENCY_TYPES: tuple[str, ...] = ("extreme_weather", "public_health", "fire", "landslide")

KEY_SETS: dict[str, tuple[str, ...]] = {
    "category": CATEGORIES,
    "channel": CHANNELS,
    "age_band": RESIDENT_AGE_BANDS,
    "department": DEPARTMENTS,
    "specialty": SPECIALTIES,
    "contract": STAFF_CONTRACTS,
    "pot": FUND_POTS,
    "so_specialty": SO_SPECIALTIES,
    "emergency": EMERGENCY_TYPES,
}
"""Key sets that mapping parameters may be keyed by."""

CATEGORY_SPECIALTY: dict[str, str] = {
    "livelihood": "social_work",
    "mediation": "law",
    "environment": "general",
    "other": "general",
}
"""Which staff specialty resolves a category's specialist cases best (brief §3.3:
'a professional (social work, law) resolves its kind of case better')."""

CATEGORY_SO_SPECIALTIES: dict[str, tuple[str, ...]] = {
    "livelihood": ("elderly_care", "social_work"),
    "mediation": ("mediation", "psychological"),
    "environment": ("culture_sport",),
    "other": ("social_work", "culture_sport"),
}
"""Social-organisation specialties able to take a referred case of each category."""

EMERGENCY_WARNING_DEPARTMENT: dict[str, str] = {
    "extreme_weather": "meteorology",
    "public_health": "health",
    "fire": "fire_rescue",
    "landslide": "meteorology",
}
"""Department whose data carries the early warning for each emergency type (brief §2)."""

EMERGENCY_SUPPLY_DEPARTMENT: dict[str, str] = {
    "extreme_weather": "emergency_management",
    "public_health": "health",
    "fire": "fire_rescue",
    "landslide": "emergency_management",
}
"""Department holding the supplies the street lacks for each emergency type (brief §2)."""

CATEGORY_DATA_DEPARTMENT: dict[str, str] = {
    "livelihood": "medical_insurance",
    "mediation": "police",
    "environment": "ecology_environment",
    "other": "civil_affairs",
}
"""Department whose data a case of each category needs when it needs data (brief §2:
assistance enrolment failed for lack of medical-insurance and disability data)."""
