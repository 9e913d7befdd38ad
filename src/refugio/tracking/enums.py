"""Code lists of the tracking domain (stored as their string values).

Imports nothing from refugio.
"""

from __future__ import annotations

from enum import StrEnum


class SiteKind(StrEnum):
    CAMP = "camp"
    COLLECTIVE_CENTRE = "collective_centre"
    INFORMAL_SETTLEMENT = "informal_settlement"
    HOST_COMMUNITY = "host_community"


class SiteStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    PLANNED = "planned"


class AssessmentType(StrEnum):
    """DTM assessment types: baseline area assessment (BA) and site / location assessment (SA)."""

    BASELINE = "BA"
    SITE = "SA"


class IncidentType(StrEnum):
    """Missing Migrants Project incident types; a cumulative incident sums several events reported
    together, a split incident is one part of an event recorded in several rows."""

    INCIDENT = "Incident"
    SPLIT = "Split Incident"
    CUMULATIVE = "Cumulative Incident"
    INCIDENT_AND_SPLIT = "Incident,Split Incident"


class IdpFormat(StrEnum):
    HAPI = "hapi"
    HXL = "hxl"
    CSV = "csv"
    JSON = "json"


class SummaryBy(StrEnum):
    YEAR = "year"
    ROUTE = "route"
    REGION = "region"
    COUNTRY = "country"
    CAUSE = "cause"


DUPLICATE = "duplicate"
"""The flag kept on an exact duplicate DTM row (kept, never counted in totals)."""
