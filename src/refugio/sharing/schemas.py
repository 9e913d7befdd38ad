"""Input and read models of the sharing domain (Pydantic): pledges and their updates, indicator values
and imports, the key-vs-pledge-vs-fulfilment ledger. `queries` returns the read models."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from refugio.registration.reference import countries as iso_countries
from refugio.sharing.enums import PledgerKind, PledgeStatus, PledgeType
from refugio.sharing.keys import IndicatorTable, KeyResult, KeySpec, Provenance
from refugio.sharing.sensitivity import Sensitivity

# the read models of the pure key functions (dataclasses), for the channels
__all__ = [
    "ContributionCreate",
    "FundingSummary",
    "ImportReport",
    "IndicatorImportRead",
    "IndicatorTable",
    "IndicatorValueRead",
    "KeyResult",
    "KeySpec",
    "LedgerRow",
    "PlanCreate",
    "PlanRead",
    "PledgeCreate",
    "PledgeRead",
    "PledgeUpdateCreate",
    "PledgeUpdateRead",
    "Provenance",
    "RequirementSet",
    "Sensitivity",
]


def _pledge_rules(schema: dict[str, Any]) -> None:
    """What `_what_is_pledged` and the ISO3 check require, as JSON Schema conditions."""
    present = {"not": {"type": "null"}}
    schema["allOf"] = [
        {
            "if": {
                "required": ["pledge_type"],
                "properties": {"pledge_type": {"const": PledgeType.FINANCIAL}},
            },
            "then": {
                "required": ["amount", "currency"],
                "properties": {"amount": present, "currency": present},
            },
        },
        {
            "if": {"required": ["pledge_type"], "properties": {"pledge_type": {"const": PledgeType.PLACES}}},
            "then": {"required": ["places"], "properties": {"places": present}},
        },
        {
            "if": {"required": ["amount"], "properties": {"amount": present}},
            "then": {"required": ["currency"], "properties": {"currency": present}},
        },
        {  # the kind defaults to a State
            "if": {"properties": {"pledger_kind": {"const": PledgerKind.STATE}}},
            "then": {"required": ["country"], "properties": {"country": present}},
        },
    ]
    country = schema["properties"]["country"]
    country["anyOf"][0]["enum"] = sorted(iso_countries())
    # pydantic documents a decimal as any string: at most 16 digits, and 2 after the point
    schema["properties"]["amount"]["anyOf"][:2] = [
        {"type": "number", "minimum": 0, "exclusiveMaximum": 1e16, "multipleOf": 0.01},
        {"type": "string", "pattern": r"^\d{1,16}(\.\d{1,2})?$"},
    ]


class PledgeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra=_pledge_rules)

    pledger: str = Field(min_length=1, max_length=120, json_schema_extra={"pattern": r"\S"})
    pledger_kind: PledgerKind = PledgerKind.STATE
    country: str | None = Field(default=None, description="ISO3 code of a State pledger")
    operation_id: uuid.UUID | None = None
    pledge_type: PledgeType
    title: str = Field(min_length=1, max_length=200, json_schema_extra={"pattern": r"\S"})
    description: str = Field(default="", max_length=5000)
    amount: Decimal | None = Field(default=None, ge=0, max_digits=18, decimal_places=2)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    places: int | None = Field(default=None, ge=0, le=10_000_000)
    status: PledgeStatus = PledgeStatus.PLANNING
    pledged_on: dt.date

    @field_validator("country", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.strip().upper() or None if isinstance(value, str) else value

    @model_validator(mode="after")
    def _what_is_pledged(self) -> PledgeCreate:
        if self.pledge_type == PledgeType.FINANCIAL and (self.amount is None or not self.currency):
            raise ValueError("a financial pledge needs an amount and a currency")
        if self.pledge_type == PledgeType.PLACES and self.places is None:
            raise ValueError("a pledge of places needs the number of places")
        if self.amount is not None and not self.currency:
            raise ValueError("an amount needs its currency")
        if self.pledger_kind == PledgerKind.STATE and not self.country:
            raise ValueError("a State pledger needs its ISO3 country code")
        return self


class PledgeUpdateCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    on_date: dt.date
    status: PledgeStatus
    amount_delivered: Decimal | None = Field(default=None, ge=0, max_digits=18, decimal_places=2)
    places_delivered: int | None = Field(default=None, ge=0, le=10_000_000)
    evidence: str = Field(default="", max_length=2000)
    note: str = Field(default="", max_length=5000)


class PledgeUpdateRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    on_date: dt.date
    status: str
    amount_delivered: Decimal | None
    places_delivered: int | None
    evidence: str
    note: str
    recorded_by: str
    recorded_at: dt.datetime


class PledgeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    ref: str
    pledger: str
    pledger_kind: str
    country: str | None
    operation_id: uuid.UUID | None
    pledge_type: str
    title: str
    description: str
    amount: Decimal | None
    currency: str | None
    places: int | None
    status: str
    pledged_on: dt.date
    created_by: str
    updates: list[PledgeUpdateRead] = []

    @property
    def delivered_places(self) -> int:
        return max((u.places_delivered or 0 for u in self.updates), default=0)

    @property
    def delivered_amount(self) -> Decimal:
        return max((u.amount_delivered or Decimal(0) for u in self.updates), default=Decimal(0))


class IndicatorValueRead(BaseModel):
    indicator: str
    country: str
    year: int
    value: float
    source: str
    retrieved: str
    transformation: str


class IndicatorImportRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    source: str
    file_name: str
    rows_read: int
    rows_loaded: int
    report: dict[str, Any]
    imported_at: dt.datetime
    imported_by: str


class LedgerRow(BaseModel):
    """Key vs pledge vs fulfilment for one State (places)."""

    country: str
    key_share: float
    fair_share: int
    pledged: int
    delivered: int
    resettled: int | None  # UNHCR resettlement arrivals over the years asked (None: not reported)

    @property
    def balance(self) -> int:
        return self.delivered + (self.resettled or 0) - self.fair_share


class PlanCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(min_length=2, max_length=30, pattern=r"^[A-Z0-9][A-Z0-9-]*$")
    name: str = Field(min_length=1, max_length=200)
    year: int = Field(ge=1990, le=2100)
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    operation_id: uuid.UUID | None = None


class RequirementSet(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    sector: str = Field(min_length=1, max_length=60)
    amount: Decimal = Field(ge=0, max_digits=18, decimal_places=2)


class ContributionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    donor: str = Field(min_length=1, max_length=120)
    donor_country: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    sector: str | None = Field(default=None, max_length=60, description="empty: unearmarked")
    amount: Decimal = Field(gt=0, max_digits=18, decimal_places=2)
    received_on: dt.date
    pledge_id: uuid.UUID | None = None
    reference: str = Field(default="", max_length=200)


class PlanRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    name: str
    year: int
    currency: str
    operation_id: uuid.UUID | None


class RequirementRead(BaseModel):
    """What a plan requires for a sector (after setting or revising it)."""

    model_config = ConfigDict(from_attributes=True)

    sector: str
    amount: Decimal


class ContributionRead(BaseModel):
    """Funds received for a plan."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    donor: str
    amount: Decimal


class SectorFunding(BaseModel):
    sector: str
    required: Decimal
    funded: Decimal

    @property
    def gap(self) -> Decimal:
        return max(self.required - self.funded, Decimal(0))

    @property
    def coverage(self) -> float | None:
        return float(self.funded / self.required * 100) if self.required else None


class DonorFunding(BaseModel):
    donor: str
    donor_country: str | None
    amount: Decimal


class FundingSummary(BaseModel):
    """Requirements, funds received and the gap of one plan: by sector (unearmarked funds apart), by
    donor, and cumulated by month."""

    plan: PlanRead
    sectors: list[SectorFunding]
    unearmarked: Decimal
    required: Decimal
    funded: Decimal
    donors: list[DonorFunding]
    by_month: list[tuple[str, Decimal]]  # (YYYY-MM, cumulative funds received)

    @property
    def gap(self) -> Decimal:
        return max(self.required - self.funded, Decimal(0))

    @property
    def coverage(self) -> float | None:
        return float(self.funded / self.required * 100) if self.required else None


class PledgeTally(BaseModel):
    """Pledges of one State (or all) by type: how many, by status, places and amounts pledged and
    delivered (amounts per currency)."""

    pledge_type: str
    count: int
    by_status: dict[str, int]
    places_pledged: int
    places_delivered: int
    amounts_pledged: dict[str, Decimal]
    amounts_delivered: dict[str, Decimal]


class ProgressReport(BaseModel):
    """A periodic progress report for one State (ISO3) or overall (country None): commitments and their
    follow-up as of a date, contributions to response plans, and the State's indicators with sources."""

    country: str | None
    as_of: dt.date
    tallies: list[PledgeTally]
    pledges: list[PledgeRead]
    contributions: list[tuple[str, str, Decimal, str]]  # (plan code, donor, amount, currency)
    indicators: list[IndicatorValueRead]


@dataclass
class ImportReport:
    source: str
    file_name: str
    rows_read: int = 0
    rows_loaded: int = 0
    years: tuple[int, int] | None = None
    skipped_codes: dict[str, str] = field(default_factory=dict)  # code -> name (aggregates, non-ISO)
    unmatched: dict[str, str] = field(default_factory=dict)  # code -> why
    missing: list[str] = field(default_factory=list)  # "COUNTRY year: why"

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "file_name": self.file_name,
            "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded,
            "years": list(self.years) if self.years else None,
            "skipped_codes": self.skipped_codes,
            "unmatched": self.unmatched,
            "missing": self.missing[:500],
            "missing_count": len(self.missing),
        }
