"""Input and read models of the data protection domain (Pydantic)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from refugio.dataprotection.enums import HoldObject, RetentionRule


class RetentionPolicy(BaseModel):
    """How long each category of data is kept (defaults: `REFUGIO_RETENTION_*`, docs/decisions)."""

    model_config = ConfigDict(frozen=True)

    closed_case_years: int = Field(7, ge=1, le=100)
    departed_years: int = Field(5, ge=1, le=100)
    deceased_years: int = Field(2, ge=1, le=100)
    staging_days: int = Field(14, ge=1, le=3650)

    def period(self, rule: RetentionRule) -> str:
        return {
            RetentionRule.CLOSED_CASES: f"{self.closed_case_years} years after closure",
            RetentionRule.DEPARTED_PEOPLE: f"{self.departed_years} years after departure",
            RetentionRule.DECEASED_PEOPLE: f"{self.deceased_years} years after death",
            RetentionRule.STAGING: f"{self.staging_days} days without activity",
        }[rule]


class RuleReport(BaseModel):
    """What one rule found and did in one run: eligible records, those processed (in a dry run: those
    that would be), those kept by a legal hold or an open case (their references and what keeps them)."""

    rule: RetentionRule
    cutoff: dt.date
    eligible: int
    processed: int
    households: int = 0  # households emptied of identifying data with their last member
    held: list[dict[str, str]] = Field(default_factory=list)


class RetentionRunRead(BaseModel):
    id: uuid.UUID
    started_at: dt.datetime
    finished_at: dt.datetime | None
    dry_run: bool
    trigger: str
    run_by: str
    policy: dict[str, Any]
    rules: list[RuleReport]

    @property
    def processed(self) -> int:
        return sum(r.processed for r in self.rules)


class LegalHoldCreate(BaseModel):
    object_type: HoldObject
    ref: str = Field(min_length=1, max_length=40)
    reason: str = Field(min_length=3, max_length=2000)

    @field_validator("ref", "reason")
    @classmethod
    def _strip(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be blank")
        return value


class LegalHoldLift(BaseModel):
    reason: str = Field(min_length=3, max_length=2000)


class LegalHoldRead(BaseModel):
    id: uuid.UUID
    object_type: HoldObject
    object_ref: str
    reason: str
    placed_at: dt.datetime
    placed_by: str
    active: bool
    lifted_at: dt.datetime | None
    lifted_by: str | None
    lift_reason: str | None
