"""Deduplication ORM models (SQLAlchemy 2, typed). No behaviour here: see the service package and queries.py.

* `DedupModel` — a stored, versioned linkage model per operation (parameters as JSON) with its two
  thresholds on match weight: `review_weight` (a pair at or above it goes to the review queue) and
  `match_weight` (at or above it a pair is presented as a likely match / linked by `link`).
* `DedupPerson` and `DedupKey` — the index: one prepared row per registered person (what the linkage
  compares) and its blocking keys (spelling skeletons with year or date of birth, canonical names,
  document numbers, phone digits), so the desk check finds candidates with indexed look-ups.
* `DedupIndexState` — how far the index has read the change feed (the audit log's sequence).
* `DedupRun` — one linkage run (a batch against itself and the registered population, or the whole
  population against itself).
* `DedupPair` — a candidate pair and its review decision. The pair (lower id, higher id) is unique,
  so a decision, in particular "different people", is remembered and the pair is never raised again.
* `DedupMerge` — a merge (same person): which record was merged into which, by whom, with the
  merged record's previous status, so that unmerging restores both exactly.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from refugio.core import clock
from refugio.store.base import Base, UUIDPk
from refugio.store.types import PortableJSON


class DedupModel(UUIDPk, Base):
    __tablename__ = "dedup_model"
    __table_args__ = (UniqueConstraint("operation_id", "version"),)

    operation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operation.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    engine: Mapped[str] = mapped_column(String(10))
    layout: Mapped[str] = mapped_column(String(32))
    parameters: Mapped[dict[str, Any]] = mapped_column(PortableJSON)
    trained: Mapped[bool] = mapped_column(Boolean, default=False)
    records_seen: Mapped[int] = mapped_column(Integer, default=0)
    notes: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    review_weight: Mapped[float] = mapped_column(Float)
    match_weight: Mapped[float] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    created_by: Mapped[str] = mapped_column(String(80))


class DedupPerson(Base):
    """The prepared (comparable) form of one registered person, kept in step by the indexer."""

    __tablename__ = "dedup_person"
    __table_args__ = (Index("ix_dedup_person_operation_id_status", "operation_id", "status"),)

    individual_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("individual.id", ondelete="CASCADE"), primary_key=True
    )
    operation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operation.id"))
    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("household.id"), index=True)
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id"))
    status: Mapped[str] = mapped_column(String(12))
    prepared: Mapped[dict[str, Any]] = mapped_column(PortableJSON)
    version: Mapped[int] = mapped_column(Integer)
    indexed_at: Mapped[dt.datetime] = mapped_column(default=clock.now)


class DedupKey(Base):
    """A blocking key of a person: `kind` says which (e.g. `gfy` given+family skeleton+year)."""

    __tablename__ = "dedup_key"
    __table_args__ = (Index("ix_dedup_key_operation_id_kind_value", "operation_id", "kind", "value"),)

    individual_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("individual.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(4), primary_key=True)
    value: Mapped[str] = mapped_column(String(120), primary_key=True)
    operation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operation.id"))


class DedupIndexState(Base):
    """The last audit-log sequence number the index has taken in (one row, id 1)."""

    __tablename__ = "dedup_index_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    audit_seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)
    built_at: Mapped[dt.datetime | None]
    updated_at: Mapped[dt.datetime | None]


class DedupRun(UUIDPk, Base):
    __tablename__ = "dedup_run"

    operation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operation.id"), index=True)
    scope: Mapped[str] = mapped_column(String(12))  # batch | population
    model_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("dedup_model.id"))
    engine: Mapped[str] = mapped_column(String(10))
    started_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    finished_at: Mapped[dt.datetime | None]
    started_by: Mapped[str] = mapped_column(String(80))
    records: Mapped[int] = mapped_column(Integer, default=0)
    pairs_found: Mapped[int] = mapped_column(Integer, default=0)
    pairs_new: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict)


class DedupPair(UUIDPk, Base):
    """A possible duplicate and its decision: pending | same | different (remembered, never re-raised)."""

    __tablename__ = "dedup_pair"
    __table_args__ = (
        UniqueConstraint("left_id", "right_id"),
        Index("ix_dedup_pair_operation_id_status_match_weight", "operation_id", "status", "match_weight"),
    )

    operation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operation.id"))
    left_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("individual.id"))
    right_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("individual.id"), index=True)
    match_weight: Mapped[float] = mapped_column(Float)
    probability: Mapped[float] = mapped_column(Float)
    contributions: Mapped[list[dict[str, Any]]] = mapped_column(PortableJSON, default=list)
    run_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("dedup_run.id"))
    model_version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    found_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    decided_at: Mapped[dt.datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decision_reason: Mapped[str | None] = mapped_column(Text)


class DedupMerge(UUIDPk, Base):
    """`merged_id` was found to be the same person as `survivor_id`; both records are kept."""

    __tablename__ = "dedup_merge"
    __table_args__ = (Index("ix_dedup_merge_merged_id_active", "merged_id", "active"),)

    operation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("operation.id"))
    survivor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("individual.id"), index=True)
    merged_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("individual.id"))
    pair_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("dedup_pair.id"))
    previous_status: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    merged_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    merged_by: Mapped[str] = mapped_column(String(80))
    unmerged_at: Mapped[dt.datetime | None]
    unmerged_by: Mapped[str | None] = mapped_column(String(80))
    unmerge_reason: Mapped[str | None] = mapped_column(Text)
