"""Read models of the intake domain, returned by refugio.intake.queries: an import batch, a page of its
staged rows, a published form. The channels render them as they are.

Pure data: must not import SQLAlchemy, the domain's models, or any web framework.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field


class _Read(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)


class BatchRead(_Read):
    """One import (a file, or a stream of OpenRosa submissions) on its way into the registry.

    status: uploaded, staging, validating, ready, committed, refused, failed, blocked, receiving.
    """

    id: uuid.UUID
    operation_id: uuid.UUID
    site_id: uuid.UUID | None
    source: str
    kind: str
    filename: str | None
    sheet: str | None
    form_id: str | None
    status: str
    phase_done: int
    phase_total: int | None
    headers: list[str]
    hxl: list[str] | None
    mapping: dict[str, Any]
    counts: dict[str, int]
    warnings: list[str]
    message: str | None
    created_by: str
    created_at: dt.datetime
    committed_at: dt.datetime | None
    committed_by: str | None
    refused_at: dt.datetime | None
    refused_by: str | None
    refusal_reason: str | None


class StagedRowRead(_Read):
    """One row of an import with the outcome of its validation (errors name the field and column)."""

    row: int = Field(validation_alias=AliasChoices("row", "row_no"))
    status: str
    household_key: str
    errors: list[dict[str, Any]]
    changes: dict[str, Any] | None
    values: dict[str, Any]


class RowsPage(BaseModel):
    """A page of an import's rows, and how many rows match in all."""

    items: list[StagedRowRead]
    total: int
    offset: int
    limit: int


class CreatedHousehold(BaseModel):
    """A household an import registered: its id and its identifier in the source file."""

    household_id: uuid.UUID
    source_key: str


class CreatedPage(BaseModel):
    """The households an import registered (a page of them) and how many in all."""

    items: list[CreatedHousehold]
    total: int
    offset: int
    limit: int


class FormRead(_Read):
    """An XLSForm published to the OpenRosa form list."""

    form_id: str
    version: str
    title: str
    operation_id: uuid.UUID
    site_id: uuid.UUID | None
    active: bool
    builtin: bool
