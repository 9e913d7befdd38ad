"""Input and read models of data subject rights (Pydantic)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from refugio.dataprotection.rights.enums import CORRECTABLE, LANGUAGES, Requester, RequestKind, RequestStatus

_BLANK = {"type": "string", "pattern": "^\\s*$"}
# the validators below, as JSON Schema: a correction names a field with a value that is not blank,
# another kind names none (blank values are dropped); a representative is named
_REQUEST_RULES: dict[str, Any] = {
    "allOf": [
        {
            "if": {"required": ["kind"], "properties": {"kind": {"const": RequestKind.CORRECTION}}},
            "then": {
                "required": ["changes"],
                "properties": {"changes": {"minProperties": 1, "not": {"additionalProperties": _BLANK}}},
            },
            "else": {"properties": {"changes": {"additionalProperties": _BLANK}}},
        },
        {
            "if": {
                "required": ["requester"],
                "properties": {"requester": {"const": Requester.REPRESENTATIVE}},
            },
            "then": {
                "required": ["requester_name"],
                "properties": {"requester_name": {"type": "string", "pattern": "\\S"}},
            },
        },
    ]
}


class RightsRequestCreate(BaseModel):
    """A request as received: whose record (reference), what is asked, who asks, in which language the
    answer is wanted; a correction names its fields and new values."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_REQUEST_RULES)

    kind: RequestKind
    ref: str = Field(
        min_length=1,
        max_length=28,
        description="The person's reference",
        json_schema_extra={"pattern": r"\S"},
    )
    requester: Requester = Requester.DATA_SUBJECT
    requester_name: str | None = Field(
        None, max_length=200, description="A representative's name", validate_default=True
    )
    language: str = Field(
        "en",
        description="en, fr, ar or es: the language of the answer",
        json_schema_extra={"enum": list(LANGUAGES)},
    )
    received_on: dt.date | None = None  # default: today
    changes: dict[str, str] = Field(
        default_factory=dict,
        description="Correction: field → new value",
        validate_default=True,
        json_schema_extra={"propertyNames": {"enum": list(CORRECTABLE)}},
    )

    @field_validator("ref")
    @classmethod
    def _ref(cls, value: str) -> str:
        value = value.strip().upper()
        if not value:
            raise ValueError("must not be blank")
        return value

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"one of {', '.join(LANGUAGES)}")
        return value

    @field_validator("requester_name")
    @classmethod
    def _name(cls, value: str | None, info: ValidationInfo) -> str | None:
        value = (value or "").strip() or None
        if value is None and info.data.get("requester") == Requester.REPRESENTATIVE:
            raise ValueError("name the representative")
        return value

    @field_validator("changes")
    @classmethod
    def _changes(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        unknown = sorted(set(value) - set(CORRECTABLE))
        if unknown:
            raise ValueError(
                f"not a correctable field: {', '.join(unknown)} (one of {', '.join(CORRECTABLE)})"
            )
        value = {k: v.strip() for k, v in value.items() if v is not None and v.strip()}
        kind = info.data.get("kind")
        if kind == RequestKind.CORRECTION and not value:
            raise ValueError("a correction names at least one field and its new value")
        if kind is not None and kind != RequestKind.CORRECTION and value:
            raise ValueError("only a correction request names fields to change")
        return value


class IdentityVerification(BaseModel):
    model_config = ConfigDict(extra="forbid")

    evidence: str = Field(min_length=3, max_length=2000, description="How the identity was checked")


class SensitiveDecision(BaseModel):
    """The DPO's decision on releasing sensitive narratives (protection cases, sensitive needs)."""

    model_config = ConfigDict(extra="forbid")

    include: bool
    note: str = Field(min_length=3, max_length=2000, description="The legal ground of the decision")


class Refusal(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=2000)


class RequestStep(BaseModel):
    at: dt.datetime
    by: str
    action: str
    note: str | None = None


class RightsRequestRead(BaseModel):
    id: uuid.UUID
    ref: str
    kind: RequestKind
    status: RequestStatus
    individual_ref: str
    requester: Requester
    requester_name: str | None
    language: str
    received_on: dt.date
    due_on: dt.date
    overdue: bool
    changes: dict[str, Any]
    include_sensitive: bool
    sensitive_note: str | None
    identity_evidence: str | None
    outcome: dict[str, Any]
    refusal_reason: str | None
    steps: list[RequestStep]
    created_at: dt.datetime
    created_by: str
    closed_at: dt.datetime | None
    closed_by: str | None
    erased: bool = False


class TombstoneRead(BaseModel):
    object_type: str
    ref: str
    erased: bool = True
    erased_at: dt.datetime
    erased_by: str
    request_ref: str | None


class ErasureMark(BaseModel):
    """Why a registration record shows no personal data: erased on a data subject's request (with the
    request's reference) or anonymised by a retention rule (with the rule). No personal data."""

    kind: Literal["erased", "anonymised"]
    at: dt.datetime
    request_ref: str | None = None
    rule: str | None = None
