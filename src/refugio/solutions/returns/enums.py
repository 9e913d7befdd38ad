"""Code lists of voluntary return (stored as their string values)."""

from __future__ import annotations

from enum import StrEnum


class Intention(StrEnum):
    """What a household intends, as return intention surveys ask it."""

    WITHIN_12_MONTHS = "within_12_months"
    LATER = "later"
    NO = "no"
    UNDECIDED = "undecided"


class Condition(StrEnum):
    """A condition a household cites for returning."""

    SAFETY = "safety"
    HOUSING = "housing"
    LIVELIHOODS = "livelihoods"
    SERVICES = "services"
    DOCUMENTATION = "documentation"
    PROPERTY = "property"
    FAMILY = "family"
    OTHER = "other"


class VisitStatus(StrEnum):
    PLANNED = "planned"
    DONE = "done"
    CANCELLED = "cancelled"


class ReturnKind(StrEnum):
    VOLUNTARY_REPATRIATION = "voluntary_repatriation"  # refugees, with UNHCR
    AVRR = "avrr"  # migrants: assisted voluntary return and reintegration (IOM)


class ReturnStatus(StrEnum):
    PLANNED = "planned"
    DEPARTED = "departed"
    CANCELLED = "cancelled"


class Dimension(StrEnum):
    """IOM's reintegration sustainability dimensions."""

    ECONOMIC = "economic"
    SOCIAL = "social"
    PSYCHOSOCIAL = "psychosocial"
