"""Reads for the breach register (refugio.dataprotection): the operation and partner of an agreement.
No actor: the caller checks its own permission."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from refugio.agreements.models import DataSharingAgreement


def agreement_scope(session: Session, agreement_id: uuid.UUID) -> tuple[uuid.UUID, str] | None:
    """(operation id, partner) of the agreement, or None."""
    found = session.get(DataSharingAgreement, agreement_id)
    return (found.operation_id, found.partner) if found else None
