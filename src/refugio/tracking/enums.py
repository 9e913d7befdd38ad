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


class FlowPointKind(StrEnum):
    BORDER_CROSSING = "border_crossing"
    TRANSIT_CENTRE = "transit_centre"
    BUS_STATION = "bus_station"
    PORT = "port"
    AIRPORT = "airport"
    OTHER = "other"


class MovementType(StrEnum):
    INFLOW = "inflow"
    OUTFLOW = "outflow"
    TRANSIT = "transit"


class Direction(StrEnum):
    INCOMING = "incoming"
    OUTGOING = "outgoing"


class AgeGroup(StrEnum):
    CHILD = "0-17"
    ADULT = "18-59"
    OLDER = "60+"
    UNKNOWN = "unknown"


class Transport(StrEnum):
    FOOT = "foot"
    BUS = "bus"
    CAR = "car"
    TRUCK = "truck"
    TRAIN = "train"
    BOAT = "boat"
    PLANE = "plane"
    OTHER = "other"


DUPLICATE = "duplicate"
"""The flag kept on an exact duplicate DTM row (kept, never counted in totals)."""


class SurveyReason(StrEnum):
    """Reasons for moving asked in the flow monitoring survey (several per person)."""

    CONFLICT = "conflict"
    PERSECUTION = "persecution"
    ECONOMIC = "economic"
    FAMILY = "family"
    DISASTER = "disaster"
    SERVICES = "services"
    RETURN = "return"
    OTHER = "other"


class Sector(StrEnum):
    """Humanitarian sectors whose needs a multi-sector location assessment rates (severity 1–5)."""

    FOOD = "food"
    SHELTER = "shelter"
    NFI = "nfi"
    WASH = "wash"
    HEALTH = "health"
    PROTECTION = "protection"
    EDUCATION = "education"
    LIVELIHOODS = "livelihoods"


class ShelterType(StrEnum):
    """Where the households of a location live (households counted per type)."""

    OWN_HOUSE = "own_house"
    RENTED = "rented"
    HOST_FAMILY = "host_family"
    CAMP = "camp"
    COLLECTIVE_CENTRE = "collective_centre"
    MAKESHIFT = "makeshift"
    OPEN_AIR = "open_air"
