"""Reads of data subject rights: the register of requests (filters, overdue first), one request, and
the tombstone an erased reference resolves to. References, states and deadlines only."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.dataprotection.models import Anonymised
from refugio.dataprotection.rights import policy
from refugio.dataprotection.rights.enums import OPEN_STATUSES, Requester, RequestKind, RequestStatus
from refugio.dataprotection.rights.errors import RequestNotFound
from refugio.dataprotection.rights.models import RightsRequest, Tombstone
from refugio.dataprotection.rights.schemas import ErasureMark, RequestStep, RightsRequestRead, TombstoneRead
from refugio.security.principals import Principal

_OPEN = [s.value for s in OPEN_STATUSES]


def request_read(row: RightsRequest, *, erased: bool = False) -> RightsRequestRead:
    return RightsRequestRead(
        id=row.id,
        ref=row.ref,
        kind=RequestKind(row.kind),
        status=RequestStatus(row.status),
        individual_ref=row.individual_ref,
        requester=Requester(row.requester),
        requester_name=row.requester_name,
        language=row.language,
        received_on=row.received_on,
        due_on=row.due_on,
        overdue=row.status in _OPEN and row.due_on < clock.today(),
        changes=dict(row.changes or {}),
        include_sensitive=row.include_sensitive,
        sensitive_note=row.sensitive_note,
        identity_evidence=row.identity_evidence,
        outcome=dict(row.outcome or {}),
        refusal_reason=row.refusal_reason,
        steps=[RequestStep.model_validate(s) for s in row.steps or []],
        created_at=row.created_at,
        created_by=row.created_by,
        closed_at=row.closed_at,
        closed_by=row.closed_by,
        erased=erased,
    )


def _erased(session: Session, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    if not ids:
        return set()
    return set(
        session.scalars(
            select(Tombstone.object_id).where(
                Tombstone.object_type == "individual", Tombstone.object_id.in_(ids)
            )
        )
    )


def requests(
    session: Session,
    *,
    actor: Principal,
    status: RequestStatus | None = None,
    kind: RequestKind | None = None,
    overdue: bool = False,
    ref: str | None = None,
    limit: int = 200,
) -> list[RightsRequestRead]:
    """The requests, those due soonest first (open ones before closed ones); `overdue`: only the open
    requests past their deadline; `ref`: those of one person (reference) or the request itself."""
    policy.require_view(actor)
    query = select(RightsRequest)
    if status is not None:
        query = query.where(RightsRequest.status == status.value)
    if kind is not None:
        query = query.where(RightsRequest.kind == kind.value)
    if overdue:
        query = query.where(RightsRequest.status.in_(_OPEN), RightsRequest.due_on < clock.today())
    if ref:
        key = ref.strip().upper()
        query = query.where((RightsRequest.individual_ref == key) | (RightsRequest.ref == key))
    rows = list(session.scalars(query.order_by(RightsRequest.due_on, RightsRequest.created_at).limit(limit)))
    rows.sort(key=lambda r: r.status not in _OPEN)
    gone = _erased(session, [r.individual_id for r in rows])
    return [request_read(r, erased=r.individual_id in gone) for r in rows]


def load(session: Session, request_id: uuid.UUID, *, lock: bool = False) -> RightsRequest:
    found = session.get(RightsRequest, request_id, with_for_update=lock)
    if found is None:
        raise RequestNotFound(f"no data subject request {request_id}")
    return found


def find_id(session: Session, key: str) -> uuid.UUID:
    """The id of the request named by its reference (DSR-…) or id."""
    try:
        return uuid.UUID(key)
    except ValueError:
        found = session.scalar(select(RightsRequest.id).where(RightsRequest.ref == key.strip().upper()))
        if found is None:
            raise RequestNotFound(f"no data subject request {key}") from None
        return found


def request(session: Session, *, actor: Principal, request_id: uuid.UUID) -> RightsRequestRead:
    policy.require_view(actor)
    row = load(session, request_id)
    return request_read(row, erased=bool(_erased(session, [row.individual_id])))


def tombstone(session: Session, *, actor: Principal, ref: str) -> TombstoneRead | None:
    """What an erased person's or household's reference resolves to (None: not erased)."""
    policy.require_view(actor)
    found = session.scalar(select(Tombstone).where(Tombstone.ref == ref.strip().upper()))
    if found is None:
        return None
    request_ref = session.scalar(select(RightsRequest.ref).where(RightsRequest.id == found.request_id))
    return TombstoneRead(
        object_type=found.object_type,
        ref=found.ref,
        erased_at=found.erased_at,
        erased_by=found.erased_by,
        request_ref=request_ref,
    )


def erasure_mark(session: Session, *, object_type: str, object_id: uuid.UUID) -> ErasureMark | None:
    """Why a person's or household's record holds no personal data any more, for its own page: erased
    (the tombstone, with its request) or anonymised by a retention rule; None when neither. The caller
    has already shown the reader may see the record; the mark itself holds no personal data."""
    stone = session.get(Tombstone, (object_type, object_id))
    if stone is not None:
        request_ref = session.scalar(select(RightsRequest.ref).where(RightsRequest.id == stone.request_id))
        return ErasureMark(kind="erased", at=stone.erased_at, request_ref=request_ref)
    done = session.get(Anonymised, (object_type, object_id))
    if done is not None:
        return ErasureMark(kind="anonymised", at=done.at, rule=done.rule)
    return None
