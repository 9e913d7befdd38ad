"""Reads for the breach register (refugio.dataprotection): the people an import registered or updated
(its source records). No actor: the caller checks its own permission; ids only."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.intake.models import SourceRecord


def batch_people(session: Session, batch_id: uuid.UUID) -> set[uuid.UUID]:
    return set(
        session.scalars(
            select(SourceRecord.target_id).where(
                SourceRecord.batch_id == batch_id, SourceRecord.kind == "member"
            )
        )
    )
