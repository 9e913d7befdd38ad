"""Assistance input (`XCreate`) and read (`XRead`) models: what the channels send and render.

Imports pydantic and refugio.assistance.enums only.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from refugio.assistance.enums import (
    CollectorRole,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintPriority,
    ComplaintStatus,
    PdmOutcomeKind,
    ProgrammeKind,
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ProgrammeCreate(Strict):
    operation_id: uuid.UUID
    code: str = Field(min_length=2, max_length=20, pattern=r"^[A-Za-z0-9-]+$")
    name: str = Field(min_length=1, max_length=200)
    kind: ProgrammeKind
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217, e.g. JOD")
    usd_rate: Decimal = Field(gt=0, description="USD per unit of the currency, e.g. 1.41 for JOD")
    site_codes: list[str] = Field(default_factory=list, description="Empty: every site of the operation.")
    start_date: dt.date
    end_date: dt.date | None = None
    min_interval_days: int = Field(default=0, ge=0, le=366)
    approval_thresholds: list[tuple[Decimal, int]] = Field(
        default_factory=lambda: [(Decimal(10000), 1), (Decimal(100000), 2)],
        description="[[up_to_total, approvals], …] ascending; above the last: approvals_above.",
    )
    approvals_above: int = Field(default=3, ge=1, le=10)

    @field_validator("site_codes")
    @classmethod
    def _upper(cls, value: list[str]) -> list[str]:
        return [v.strip().upper() for v in value]

    @model_validator(mode="after")
    def _check(self) -> ProgrammeCreate:
        if self.end_date is not None and self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        limits = [t[0] for t in self.approval_thresholds]
        if limits != sorted(limits) or any(n < 1 for _, n in self.approval_thresholds):
            raise ValueError("approval_thresholds must ascend and ask for at least one approval each")
        return self


class CycleCreate(Strict):
    name: str = Field(min_length=1, max_length=200)
    start_date: dt.date
    end_date: dt.date | None = None


class PlanCreate(Strict):
    provider: str = Field(min_length=1, max_length=100)
    template: list[str] | None = Field(
        default=None, description="Export columns; default payment_id,household_id,collector_name,…"
    )


class CollectionCreate(Strict):
    entitlement_id: uuid.UUID
    desk: str = Field(min_length=1, max_length=60)
    collector_role: CollectorRole = CollectorRole.FOCAL_POINT
    alternate_name: str | None = Field(default=None, max_length=200)
    alternate_document: str | None = Field(default=None, max_length=60)

    @model_validator(mode="after")
    def _alternate(self) -> CollectionCreate:
        if self.collector_role == CollectorRole.ALTERNATE and not (self.alternate_name or "").strip():
            raise ValueError("a named alternate collector needs alternate_name")
        return self


# ---------------------------------------------------------------------------------------------
# read models


class ProgrammeRead(Read):
    id: uuid.UUID
    operation_id: uuid.UUID
    code: str
    name: str
    kind: str
    currency: str
    usd_rate: Decimal
    site_codes: list[str]
    start_date: dt.date
    end_date: dt.date | None
    min_interval_days: int
    approval_thresholds: list[list[float]]
    approvals_above: int
    rule_versions: list[int] = Field(default_factory=list)


class CycleRead(Read):
    id: uuid.UUID
    programme_id: uuid.UUID
    programme_code: str
    number: int
    name: str
    status: str
    start_date: dt.date
    end_date: dt.date | None
    rule_version: int | None
    frozen_at: dt.datetime | None
    frozen_by: str | None
    household_count: int
    total_amount: Decimal
    currency: str


class RuleSetRead(Read):
    programme_id: uuid.UUID
    version: int
    name: str
    sha256: str
    content: dict[str, Any]
    loaded_at: dt.datetime
    loaded_by: str


class PreviewRow(BaseModel):
    household_id: uuid.UUID
    household_ref: str
    site_code: str
    size: int
    eligible: bool
    amount: Decimal
    fee: Decimal
    basket: list[dict[str, Any]]
    reasons: list[str]


class Preview(BaseModel):
    rule_version: int
    households: int
    eligible: int
    total_amount: Decimal
    total_fees: Decimal
    currency: str
    rows: list[PreviewRow]


class EntitlementRead(Read):
    id: uuid.UUID
    cycle_id: uuid.UUID
    household_id: uuid.UUID
    household_ref: str
    rule_version: int
    amount: Decimal
    fee: Decimal
    currency: str
    basket: list[dict[str, Any]]
    snapshot: dict[str, Any]
    collected: CollectionRead | None = None


class CollectionRead(Read):
    id: uuid.UUID
    entitlement_id: uuid.UUID
    collected_at: dt.datetime
    recorded_by: str
    desk: str
    collector_role: str
    collector_name: str
    collector_document: str | None


class PlanEventRead(Read):
    kind: str
    by: str
    at: dt.datetime
    plan_version: int
    reason: str | None
    details: dict[str, Any]


class PaymentRead(Read):
    payment_ref: str
    seq: int
    household_ref: str
    collector_name: str
    collector_document: str
    amount: Decimal
    currency: str
    status: str
    delivered_amount: Decimal | None
    delivery_date: dt.date | None
    reference: str | None
    reason: str | None


class PlanRead(Read):
    id: uuid.UUID
    code: str
    cycle_id: uuid.UUID
    provider: str
    template: list[str]
    status: str
    currency: str
    usd_rate: Decimal
    payment_count: int
    total_amount: Decimal
    total_usd: Decimal
    approvals_required: int
    approvals: list[str]
    version: int
    prepared_by: str
    released_by: str | None
    released_at: dt.datetime | None
    reconciled_at: dt.datetime | None
    totals_by_status: dict[str, Decimal] = Field(default_factory=dict)
    events: list[PlanEventRead] = Field(default_factory=list)


class ReconcileLine(BaseModel):
    line: int
    payment_id: str
    outcome: str  # a payment status, "unchanged" or "skipped"
    message: str


class ReconcileResult(BaseModel):
    plan_code: str
    changed: int
    unchanged: int
    skipped: int
    lines: list[ReconcileLine]
    status: str


class VerifyProblem(BaseModel):
    kind: str  # altered | inserted | deleted | snapshot | plan
    payment_ref: str | None
    message: str


class VerifyReport(BaseModel):
    plan_code: str
    checked: int
    ok: bool
    problems: list[VerifyProblem]


class DeskView(BaseModel):
    household_id: uuid.UUID
    household_ref: str
    verified_by: str  # "typed id" or the certificate check's message
    members: list[dict[str, Any]]
    entitlements: list[EntitlementRead]
    programme_code: str


class SampleSize(BaseModel):
    population: int
    confidence: float
    margin: float
    design_effect: float
    z: float
    n0: float
    with_fpc: float
    size: int


class ComplaintCreate(Strict):
    operation_id: uuid.UUID
    channel: ComplaintChannel
    category: ComplaintCategory
    priority: ComplaintPriority = ComplaintPriority.NORMAL
    description: str = Field(min_length=3, max_length=5000)
    anonymous: bool = False
    complainant_name: str | None = Field(default=None, max_length=200)
    complainant_contact: str | None = Field(default=None, max_length=100)
    site_code: str | None = Field(default=None, max_length=20)
    programme: str | None = Field(default=None, max_length=40, description="Programme code")
    household_ref: str | None = Field(default=None, max_length=30)
    payment_ref: str | None = Field(default=None, max_length=60)

    @model_validator(mode="after")
    def _anonymous(self) -> ComplaintCreate:
        if self.anonymous and (self.complainant_name or self.complainant_contact):
            raise ValueError("an anonymous complaint keeps no name or contact")
        return self


class ComplaintProgress(Strict):
    status: ComplaintStatus
    response: str | None = Field(default=None, max_length=5000)


class ComplaintRead(Read):
    id: uuid.UUID
    ref: str
    operation_id: uuid.UUID
    channel: str
    category: str
    sensitive: bool
    priority: str
    status: str
    anonymous: bool
    complainant_name: str | None
    complainant_contact: str | None
    description: str
    response: str | None
    household_ref: str | None = None
    household_id: uuid.UUID | None = Field(
        default=None, description="Set only when the reader may open the household (HOUSEHOLD_VIEW there)."
    )
    payment_ref: str | None
    payment_plan: str | None = Field(
        default=None, description="The payment's plan, when the reader may see it."
    )
    payment_status: str | None = None
    payment_amount: Decimal | None = None
    payment_currency: str | None = None
    received_at: dt.datetime
    due_at: dt.datetime
    closed_at: dt.datetime | None
    recorded_by: str
    overdue: bool = False


class ComplaintCount(BaseModel):
    category: str
    count: int | None = Field(description="None when below the disclosure threshold (shown as '<5').")


class TotalsRow(BaseModel):
    site_code: str
    provider: str
    planned: Decimal  # frozen entitlements
    paid: Decimal  # in released (or later) plans
    reported: Decimal  # delivered according to the provider's reports
    planned_usd: Decimal
    paid_usd: Decimal
    reported_usd: Decimal


class OverduePlan(BaseModel):
    code: str
    provider: str
    released_at: dt.datetime
    pending: int
    days: int


EntitlementRead.model_rebuild()


class PdmOutcomeCreate(Strict):
    """A PDM answer for a household of a frozen cycle; `not_received` and `received_with_issues` open a
    complaint (PDM channel) with `notes` as its description."""

    cycle: str = Field(max_length=60, description="The cycle's id or PROGRAMME/NUMBER")
    household_ref: str = Field(min_length=1, max_length=30)
    outcome: PdmOutcomeKind
    notes: str | None = Field(default=None, max_length=5000)
    category: ComplaintCategory | None = Field(
        default=None, description="The complaint's category (default: not_received or service_quality)"
    )
    priority: ComplaintPriority = ComplaintPriority.NORMAL

    @model_validator(mode="after")
    def _problem_described(self) -> PdmOutcomeCreate:
        if self.outcome != PdmOutcomeKind.RECEIVED and len((self.notes or "").strip()) < 3:
            raise ValueError("notes: describe the problem (it opens a complaint)")
        return self


class PdmOutcomeRead(BaseModel):
    id: uuid.UUID
    household_ref: str
    site_code: str
    outcome: str
    notes: str | None
    complaint_ref: str | None
    recorded_at: dt.datetime
    recorded_by: str


class PdmResults(BaseModel):
    cycle: str
    sampled: int
    received: int
    not_received: int
    received_with_issues: int
    outcomes: list[PdmOutcomeRead]
