"""Pydantic input and read models of the tracking domain (what queries.py returns, what channels
render). Imports refugio.tracking.enums only.
"""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from refugio.tracking.enums import (
    AgeGroup,
    Direction,
    FlowPointKind,
    MovementType,
    Sector,
    ShelterType,
    SiteKind,
    SiteStatus,
    SurveyReason,
    Transport,
)

_GIVEN: JsonDict = {"not": {"type": "null"}}
# the latitude and the longitude are given together or not at all (refugio.tracking.positions)
BOTH_COORDINATES: JsonDict = {
    "dependentSchemas": {
        name: {
            "if": {"properties": {name: _GIVEN}},
            "then": {"required": [other], "properties": {other: _GIVEN}},
        }
        for name, other in (("latitude", "longitude"), ("longitude", "latitude"))
    }
}


class SiteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra=BOTH_COORDINATES)

    operation_id: uuid.UUID
    code: str = Field(min_length=1, max_length=30, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=200)
    kind: SiteKind
    status: SiteStatus = SiteStatus.OPEN
    admin_pcode: str | None = Field(default=None, max_length=30)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    capacity: int | None = Field(default=None, ge=0)
    population: int | None = Field(default=None, ge=0)
    managing_agency: str | None = Field(default=None, max_length=200)
    registration_site_id: uuid.UUID | None = None


class SiteUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=200)
    kind: SiteKind | None = None
    status: SiteStatus | None = None
    admin_pcode: str | None = Field(default=None, max_length=30)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    capacity: int | None = Field(default=None, ge=0)
    population: int | None = Field(default=None, ge=0)
    managing_agency: str | None = Field(default=None, max_length=200)
    registration_site_id: uuid.UUID | None = None


class SiteRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    operation_id: uuid.UUID
    code: str
    name: str
    kind: str
    status: str
    admin_pcode: str | None
    admin_name: str | None = None
    latitude: float | None
    longitude: float | None
    capacity: int | None
    population: int | None
    managing_agency: str | None
    registration_site_id: uuid.UUID | None
    registration_site_code: str | None = None


class AdminAreaRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    pcode: str
    country_iso3: str
    level: int
    name: str
    parent_pcode: str | None
    valid_from: dt.date | None
    warnings: list[str]


class ImportRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str
    file_name: str
    sha256: str
    imported_at: dt.datetime
    imported_by: str
    rows_read: int
    rows_added: int


class CountryIdps(BaseModel):
    """The latest admin-0 total of IDPs of one country (sum over operations of their latest round)."""

    country_iso3: str
    country_name: str
    idps: int
    reporting_date: dt.date


class FlowPointCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra=BOTH_COORDINATES)

    operation_id: uuid.UUID
    code: str = Field(min_length=1, max_length=30, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=200)
    kind: FlowPointKind
    movement_types: list[MovementType] = Field(
        default_factory=lambda: [MovementType.INFLOW, MovementType.OUTFLOW]
    )
    admin_pcode: str | None = Field(default=None, max_length=30)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)


class FlowPointRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    operation_id: uuid.UUID
    code: str
    name: str
    kind: str
    movement_types: list[str]
    admin_pcode: str | None
    latitude: float | None
    longitude: float | None
    active: bool


class FlowCountIn(BaseModel):
    """People counted at a point on a day in one combination of direction, sex, age, nationality and
    means of transport."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    day: dt.date
    direction: Direction
    sex: str = Field(default="U", pattern=r"^[FMU]$")
    age_group: AgeGroup = AgeGroup.UNKNOWN
    nationality: str = Field(default="UNK", pattern=r"^[A-Z]{3}$")
    transport: Transport = Transport.OTHER
    count: int = Field(ge=0)


class FlowDay(BaseModel):
    """The people counted at a point on one day, by direction."""

    day: dt.date
    incoming: int
    outgoing: int


class DistressCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    operation_id: uuid.UUID
    identity: str = Field(min_length=2, max_length=300)
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    position_at: dt.datetime
    situation: str = Field(min_length=2, max_length=4000)
    persons_on_board: int | None = Field(default=None, ge=0)
    assistance_required: str = Field(min_length=2, max_length=2000)
    coordinating_centre: str = Field(min_length=2, max_length=200)
    actions: str | None = Field(default=None, max_length=4000)


class DistressRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    operation_id: uuid.UUID
    serial: int
    identity: str
    latitude: float
    longitude: float
    position_at: dt.datetime
    situation: str
    persons_on_board: int | None
    assistance_required: str
    coordinating_centre: str
    actions: list[dict[str, str]]
    further_reports: list[dict[str, str]]
    status: str
    reported_by: str


class FlowSurveyIn(BaseModel):
    """The answers of one flow monitoring survey (the element names of the survey form)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    point: str = Field(min_length=1, max_length=30)
    survey_date: dt.date
    direction: Direction
    sex: str = Field(pattern=r"^[FMU]$")
    age_group: AgeGroup
    nationality: str = Field(pattern=r"^[A-Z]{3}$")
    transport: Transport
    origin_country: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    destination_country: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    reasons: list[SurveyReason] = Field(min_length=1)
    group_size: int = Field(ge=1, le=500)


class FlowSurveyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    point_id: uuid.UUID
    point_code: str = ""
    form_id: str
    instance_id: str
    survey_date: dt.date
    direction: str
    sex: str
    age_group: str
    nationality: str
    transport: str
    origin_country: str | None
    destination_country: str | None
    reasons: list[str]
    group_size: int
    submitted_by: str
    received_at: dt.datetime


class SurveyFormRead(BaseModel):
    """The operation's flow survey form as published on the OpenRosa form list."""

    form_id: str
    version: str
    title: str
    openrosa_path: str = "/openrosa/formList"


class AssessmentIn(BaseModel):
    """One multi-sector location assessment (a location in a round). Counts are never negative;
    males + females, children + adults + elderly and IDPs + returnees + migrants may not exceed the
    individuals (less is accepted: the remainder is reported as unknown)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    country_iso3: str = Field(pattern=r"^[A-Z]{3}$")
    admin1_pcode: str | None = Field(default=None, max_length=30)
    admin2_pcode: str | None = Field(default=None, max_length=30)
    location: str = Field(min_length=1, max_length=200)
    round_number: int = Field(ge=1)
    assessment_date: dt.date
    households: int | None = Field(default=None, ge=0)
    individuals: int = Field(ge=0)
    idps: int | None = Field(default=None, ge=0)
    returnees: int | None = Field(default=None, ge=0)
    migrants: int | None = Field(default=None, ge=0)
    males: int | None = Field(default=None, ge=0)
    females: int | None = Field(default=None, ge=0)
    children: int | None = Field(default=None, ge=0)
    adults: int | None = Field(default=None, ge=0)
    elderly: int | None = Field(default=None, ge=0)
    reasons: list[str] = Field(default_factory=list)
    origin_admin1_pcode: str | None = Field(default=None, max_length=30)
    shelter: dict[ShelterType, int] = Field(default_factory=dict)
    needs: dict[Sector, int] = Field(default_factory=dict)
    priority_needs: list[Sector] = Field(default_factory=list, max_length=3)


class AssessmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    line: int
    country_iso3: str
    admin1_pcode: str | None
    admin2_pcode: str | None
    location: str
    round_number: int
    assessment_date: dt.date
    households: int | None
    individuals: int
    idps: int | None
    returnees: int | None
    migrants: int | None
    males: int | None
    females: int | None
    children: int | None
    adults: int | None
    elderly: int | None
    reasons: list[str]
    origin_admin1_pcode: str | None
    shelter: dict[str, int]
    needs: dict[str, int]
    priority_needs: list[str]
    warnings: list[str]
    duplicate: bool
    change: int | None = None  # individuals since the location's previous round (None: first seen)


class SectorNeeds(BaseModel):
    """Needs of one sector over the locations assessed in a round."""

    sector: str
    locations: int  # rated
    mean_severity: float
    severe: int  # locations rated 4 or 5
    first_priority: int  # locations naming it as the first priority need
