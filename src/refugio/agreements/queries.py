"""Reads of data-sharing agreements: the list and one agreement (AGREEMENT_VIEW on the operation, or the
partner's own account for its agreements), whether one is in force on a day, and an operation's
agreements for one data set (for the domain that shares it, which checks its own permission)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.agreements.enums import AgreementStatus
from refugio.agreements.models import DataSharingAgreement
from refugio.agreements.schemas import AgreementRead
from refugio.core import clock
from refugio.core.errors import NotFound
from refugio.security.permissions import Permission
from refugio.security.principals import Principal


def in_force(agreement: DataSharingAgreement, on: dt.date | None = None) -> bool:
    day = on or clock.today()
    return (
        agreement.status == AgreementStatus.ACTIVE.value
        and agreement.valid_from <= day <= agreement.valid_until
    )


def read(agreement: DataSharingAgreement) -> AgreementRead:
    out = AgreementRead.model_validate(agreement)
    out.in_force = in_force(agreement)
    return out


def list_agreements(
    session: Session, *, actor: Principal, operation_id: uuid.UUID | None = None
) -> list[AgreementRead]:
    """The agreements of the operations where the actor holds AGREEMENT_VIEW (of one operation if named)."""
    scope = actor.scope(Permission.AGREEMENT_VIEW)
    stmt = select(DataSharingAgreement).order_by(
        DataSharingAgreement.valid_until.desc(), DataSharingAgreement.partner
    )
    if operation_id is not None:
        stmt = stmt.where(DataSharingAgreement.operation_id == operation_id)
    if not scope.everything:
        stmt = stmt.where(DataSharingAgreement.operation_id.in_(scope.operation_ids or {uuid.uuid4()}))
    return [read(a) for a in session.scalars(stmt)]


def dataset_agreements(session: Session, *, operation_id: uuid.UUID, dataset: str) -> list[AgreementRead]:
    """The agreements of an operation covering one data set (refugio.tracking's distress log), oldest
    first. No actor: the calling domain checks its own permission to show them."""
    stmt = select(DataSharingAgreement).where(
        DataSharingAgreement.operation_id == operation_id, DataSharingAgreement.dataset == dataset
    )
    return [read(a) for a in session.scalars(stmt.order_by(DataSharingAgreement.valid_from))]


def agreement_operation(session: Session, agreement_id: uuid.UUID) -> uuid.UUID | None:
    """The operation of an agreement (None if there is no such agreement), for a permission check."""
    found = session.get(DataSharingAgreement, agreement_id)
    return found.operation_id if found else None


def get_agreement(session: Session, *, actor: Principal, agreement_id: uuid.UUID) -> AgreementRead:
    found = session.get(DataSharingAgreement, agreement_id)
    if found is None or not actor.can(Permission.AGREEMENT_VIEW, operation_id=found.operation_id):
        raise NotFound("no such data-sharing agreement")
    return read(found)


__all__ = [
    "agreement_operation",
    "dataset_agreements",
    "get_agreement",
    "in_force",
    "list_agreements",
    "read",
]
