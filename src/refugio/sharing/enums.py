"""Vocabularies of the sharing domain (str enums, stored as their values). Imports nothing from refugio."""

from __future__ import annotations

from enum import StrEnum


class PledgerKind(StrEnum):
    STATE = "state"
    ORGANISATION = "organisation"


class PledgeType(StrEnum):
    FINANCIAL = "financial"
    MATERIAL = "material"
    TECHNICAL = "technical"
    PLACES = "places"  # resettlement or complementary pathways places
    POLICY = "policy"


class PledgeStatus(StrEnum):
    PLANNING = "planning"
    IN_PROGRESS = "in_progress"
    FULFILLED = "fulfilled"


class Indicator(StrEnum):
    POPULATION = "population"
    GDP = "gdp"
    UNEMPLOYMENT_RATE = "unemployment_rate"
    ASYLUM_PER_MILLION = "asylum_per_million"
    REFUGEES_PER_1000 = "refugees_per_1000"  # refugees hosted per 1,000 inhabitants
    REFUGEES_PER_GDP = "refugees_per_usd_bn"  # refugees hosted per US$ 1 bn of GDP


PLEDGE_STATUS_ORDER = [PledgeStatus.PLANNING, PledgeStatus.IN_PROGRESS, PledgeStatus.FULFILLED]
