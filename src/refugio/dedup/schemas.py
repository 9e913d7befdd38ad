"""Pydantic input schemas of the dedup domain (desk check, decisions, thresholds)."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Text100 = Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=100)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class DeskDocument(_Strict):
    number: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)] = ""
    doc_type: str | None = None
    issuing_country: str | None = None


class DeskPerson(_Strict):
    """The fields of a person being registered (those of MemberCreate; all optional, as typed so far)."""

    given_name: Text100 = None
    middle_name: Text100 = None
    family_name: Text100 = None
    given_name_original: Text100 = None
    middle_name_original: Text100 = None
    family_name_original: Text100 = None
    sex: Annotated[str | None, StringConstraints(max_length=1)] = None
    date_of_birth: Annotated[str | None, StringConstraints(max_length=10)] = None
    stated_age: Annotated[int | None, Field(ge=0, le=130)] = None
    estimated: bool = False
    country_of_origin: Annotated[str | None, StringConstraints(max_length=3)] = None
    phone: Annotated[str | None, StringConstraints(max_length=30)] = None
    documents: list[DeskDocument] = Field(default_factory=list, max_length=10)


class DeskCheck(_Strict):
    """A desk check: the person, the operation or site, and optionally the other members typed so far."""

    person: DeskPerson
    site_id: uuid.UUID | None = None
    operation_id: uuid.UUID | None = None
    household: list[DeskPerson] = Field(default_factory=list, max_length=60)
    limit: Annotated[int, Field(ge=1, le=50)] = 10


class Decision(_Strict):
    reason: Reason
    survivor_id: uuid.UUID | None = None  # for "same person": the record that stays active


class Thresholds(_Strict):
    review_weight: Annotated[float, Field(ge=-30, le=60)]
    match_weight: Annotated[float, Field(ge=-30, le=60)]
