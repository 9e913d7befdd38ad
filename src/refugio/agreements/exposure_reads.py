"""Reads for the breach register (refugio.dataprotection): the operation and partner of an agreement,
and the people a share held. No actor: the caller checks its own permission."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.agreements.models import DataSharingAgreement, ShareItem


def agreement_scope(session: Session, agreement_id: uuid.UUID) -> tuple[uuid.UUID, str] | None:
    """(operation id, partner) of the agreement, or None."""
    found = session.get(DataSharingAgreement, agreement_id)
    return (found.operation_id, found.partner) if found else None


def share_people(session: Session, share_id: uuid.UUID) -> set[uuid.UUID]:
    """The people a share held (its share items; none for a share of no one, or of the distress log)."""
    return set(session.scalars(select(ShareItem.individual_id).where(ShareItem.share_id == share_id)))
