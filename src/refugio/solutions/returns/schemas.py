"""Pydantic schemas of voluntary return: inputs (`XIn`) and the read models the queries return
(`XRead`). Shapes, types and lengths only; the checks against the database are in the services."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from refugio.solutions.returns.enums import Condition, Intention, ReturnKind

Iso3 = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{3}$")]
Area = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=4000)]
Findings = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20_000)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SurveyIn(Strict):
    """The answers of a return intention survey (the XLSForm's element names)."""

    household: Annotated[
        str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=3, max_length=40)
    ]
    survey_date: dt.date
    intention: Intention
    conditions: list[Condition] = []
    destination_country: Iso3 | None = None
    origin_area: Area | None = None
    go_and_see: bool = False


class VisitIn(Strict):
    operation_id: uuid.UUID
    destination_iso3: Iso3
    destination_area: Area
    planned_on: dt.date
    participants: list[uuid.UUID] = Field(min_length=1, max_length=50)


class VisitDone(Strict):
    done_on: dt.date
    findings: Annotated[str, StringConstraints(strip_whitespace=True, min_length=20, max_length=20_000)]


class SignOffIn(Strict):
    individual_id: uuid.UUID
    note: Reason


class ReturnIn(Strict):
    household_id: uuid.UUID
    individual_ids: list[uuid.UUID] = Field(default=[], description="Empty: every active member.")
    new_focal_point_id: uuid.UUID | None = Field(
        default=None, description="When the focal point returns and others stay: who heads those who stay."
    )
    kind: ReturnKind = ReturnKind.VOLUNTARY_REPATRIATION
    return_date: dt.date
    destination_iso3: Iso3
    destination_area: Area
    assisted: bool = True
    note: Findings | None = None


class DepartureIn(Strict):
    departed_on: dt.date | None = None


class CancelIn(Strict):
    reason: Reason


class MonitoringIn(Strict):
    visited_on: dt.date
    answers: dict[str, int]
    weights_version: str | None = None


class GrantIn(Strict):
    operation_id: uuid.UUID
    code: str = Field(min_length=2, max_length=20, pattern=r"^[A-Za-z0-9-]+$")
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    usd_rate: float = Field(gt=0)
    per_household: float = Field(ge=0, le=1_000_000)
    per_member: float = Field(ge=0, le=1_000_000)
    start_date: dt.date


# --- read models -------------------------------------------------------------------------------------


class ReturneeRead(BaseModel):
    id: uuid.UUID
    ref: str
    name: str
    status: str


class ReturnRead(BaseModel):
    id: uuid.UUID
    ref: str
    operation_id: uuid.UUID
    household_ref: str
    returning_household_ref: str
    whole_household: bool
    kind: str
    status: str
    return_date: dt.date
    destination_iso3: str
    destination_area: str
    assisted: bool
    people: int
    registered_by: str
    departed_on: dt.date | None
    cancelled_reason: str | None


class MonitoringRead(BaseModel):
    id: uuid.UUID
    visited_on: dt.date
    economic: float
    social: float
    psychosocial: float
    overall: float
    weights_version: str
    recorded_by: str


class ReturnDetail(BaseModel):
    ret: ReturnRead
    returnees: list[ReturneeRead]
    monitoring: list[MonitoringRead]
    note: str | None


class SignOffRead(BaseModel):
    id: uuid.UUID
    individual_ref: str
    signed_by: str
    signed_at: dt.datetime
    note: str


class VisitRead(BaseModel):
    id: uuid.UUID
    ref: str
    operation_id: uuid.UUID
    destination_iso3: str
    destination_area: str
    planned_on: dt.date
    done_on: dt.date | None
    status: str
    participants: list[ReturneeRead]
    findings: str | None


class IntentionRow(BaseModel):
    """Current surveys of one origin area and site: households per intention, conditions cited."""

    origin_area: str
    site_code: str
    households: int
    intentions: dict[str, int]
    conditions: dict[str, int]


class IntentionFigures(BaseModel):
    surveys: int
    rows: list[IntentionRow]


class GrantRead(BaseModel):
    programme_id: uuid.UUID
    programme_code: str
    cycle_id: uuid.UUID
    rule_version: int
    households_planned: int
