"""Intake ORM models (SQLAlchemy 2, typed): import batches and their staged rows, the source records
that make re-imports idempotent, saved column mappings, published XLSForms, and OpenRosa submissions
with their attachments. No behaviour here: see service.py and openrosa.py.

Staged rows hold personal data only until their batch is refused (deleted then) or purged.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from refugio.core import clock
from refugio.store.base import Base, Timestamped, UUIDPk
from refugio.store.types import PortableJSON


class ImportBatch(UUIDPk, Timestamped, Base):
    """One file (or one stream of OpenRosa submissions) on its way into the registry.

    status: staging → validating → ready → committed | refused; failed (unreadable file);
    blocked (a screening guard, e.g. deduplication, refused it); receiving (OpenRosa, still open).
    """

    __tablename__ = "intake_batch"
    __table_args__ = (Index("ix_intake_batch_operation_id_created_at", "operation_id", "created_at"),)

    operation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operation.id"))
    site_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("site.id"))  # default site of its rows
    source: Mapped[str] = mapped_column(String(80))  # namespace of source keys (re-import recognition)
    kind: Mapped[str] = mapped_column(String(12))  # csv | xlsx | openrosa
    filename: Mapped[str | None] = mapped_column(String(255))
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    file_bytes: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)
    sheet: Mapped[str | None] = mapped_column(String(100))
    form_id: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(12))
    phase_done: Mapped[int] = mapped_column(Integer, default=0)  # progress of the current phase
    phase_total: Mapped[int | None] = mapped_column(Integer)
    headers: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    hxl: Mapped[list[str] | None] = mapped_column(PortableJSON)
    mapping: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict)
    counts: Mapped[dict[str, int]] = mapped_column(PortableJSON, default=dict)
    warnings: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    message: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(80))
    committed_at: Mapped[dt.datetime | None]
    committed_by: Mapped[str | None] = mapped_column(String(80))
    refused_at: Mapped[dt.datetime | None]
    refused_by: Mapped[str | None] = mapped_column(String(80))
    refusal_reason: Mapped[str | None] = mapped_column(Text)


class StagedRow(Base):
    """One row of a batch: the cells as read, the refugio values, and the outcome of validation.

    status: new (will be registered) | update (changes a registered person) | unchanged | invalid.
    errors: [{field, column, message, code, level}] where level is error (blocks the household) or
    warning (shown, does not block).
    """

    __tablename__ = "intake_row"
    __table_args__ = (
        Index("ix_intake_row_batch_id_row_no", "batch_id", "row_no"),
        Index("ix_intake_row_batch_id_household_key", "batch_id", "household_key"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("intake_batch.id", ondelete="CASCADE"))
    row_no: Mapped[int] = mapped_column(Integer)
    sheet: Mapped[str | None] = mapped_column(String(100))
    household_key: Mapped[str] = mapped_column(String(200))
    member_key: Mapped[str] = mapped_column(String(300))
    content_hash: Mapped[str] = mapped_column(String(32))
    cells: Mapped[list[Any]] = mapped_column(PortableJSON)
    values: Mapped[dict[str, Any]] = mapped_column(PortableJSON)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(PortableJSON, default=list)
    status: Mapped[str] = mapped_column(String(10))
    individual_id: Mapped[uuid.UUID | None] = mapped_column()  # the registered person it matches
    changes: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON)
    submission_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("intake_submission.id", ondelete="CASCADE"), index=True
    )


class SourceRecord(UUIDPk, Base):
    """What a source key was registered as: makes a re-import of the same row change nothing and a
    changed row update the same person. kind: member (target = individual) | household."""

    __tablename__ = "intake_source_record"
    __table_args__ = (UniqueConstraint("operation_id", "source", "kind", "record_key"),)

    operation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operation.id"))
    source: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(10))
    record_key: Mapped[str] = mapped_column(String(300))
    target_id: Mapped[uuid.UUID] = mapped_column(index=True)
    content_hash: Mapped[str] = mapped_column(String(32))
    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("intake_batch.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=clock.now)


class SavedMapping(UUIDPk, Timestamped, Base):
    """A reusable column mapping (the shape of a partner's or a form's export)."""

    __tablename__ = "intake_mapping"
    __table_args__ = (UniqueConstraint("operation_id", "name"),)

    operation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operation.id"))
    name: Mapped[str] = mapped_column(String(80))
    content: Mapped[dict[str, Any]] = mapped_column(PortableJSON)
    created_by: Mapped[str] = mapped_column(String(80))


class PublishedForm(UUIDPk, Timestamped, Base):
    """An XLSForm published to the OpenRosa form list (refugio's own, or an uploaded one)."""

    __tablename__ = "intake_form"

    form_id: Mapped[str] = mapped_column(String(100), unique=True)
    version: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    operation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operation.id"))
    site_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("site.id"))
    xform: Mapped[str] = mapped_column(Text)
    md5: Mapped[str] = mapped_column(String(32))
    xlsx: Mapped[bytes | None] = mapped_column(LargeBinary)
    mapping: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict)  # element name → field
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(80))


class Submission(UUIDPk, Base):
    """One OpenRosa submission (one household); its instanceID is received once only."""

    __tablename__ = "intake_submission"

    instance_id: Mapped[str] = mapped_column(String(100), unique=True)
    deprecated_id: Mapped[str | None] = mapped_column(String(100))
    household_key: Mapped[str] = mapped_column(String(100))  # the first instanceID of an edited chain
    form_id: Mapped[str] = mapped_column(String(100))
    form_version: Mapped[str | None] = mapped_column(String(40))
    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("intake_batch.id", ondelete="CASCADE"), index=True)
    received_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    submitted_by: Mapped[str] = mapped_column(String(80))
    xml: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10))  # staged | invalid


class Attachment(UUIDPk, Base):
    """A file sent with a submission (e.g. a photo)."""

    __tablename__ = "intake_attachment"

    submission_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("intake_submission.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)


__all__ = [
    "Attachment",
    "ImportBatch",
    "PublishedForm",
    "SavedMapping",
    "SourceRecord",
    "StagedRow",
    "Submission",
]
