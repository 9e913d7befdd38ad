"""Writes of the sharing domain: record a pledge, record a dated update of it (status, what was
delivered, evidence). Keyword-only, flush, never commit; audited. The indicator imports live in
`indicators.py` and are offered here too, so that channels write through `service`. Imports
SQLAlchemy, the sharing models, registration.reference, security and core.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from refugio.core.errors import NotFound, ValidationFailed
from refugio.registration.reference import countries as iso_countries
from refugio.security import audit
from refugio.security.permissions import Permission
from refugio.security.principals import Principal
from refugio.sharing import policy
from refugio.sharing.enums import PLEDGE_STATUS_ORDER, PledgeStatus
from refugio.sharing.funding import create_plan, record_contribution, set_requirement
from refugio.sharing.indicators import derive_from_unhcr, import_worldbank, import_worldbank_dir
from refugio.sharing.models import SharingPledge, SharingPledgeUpdate
from refugio.sharing.schemas import PledgeCreate, PledgeUpdateCreate, PledgeUpdateRead

__all__ = [
    "create_plan",
    "derive_from_unhcr",
    "import_worldbank",
    "import_worldbank_dir",
    "record_contribution",
    "record_pledge",
    "set_requirement",
    "update_pledge",
]


def _next_ref(session: Session) -> str:
    count = session.scalar(select(func.count()).select_from(SharingPledge)) or 0
    return f"PLG-{count + 1:06d}"


def record_pledge(session: Session, *, data: PledgeCreate, actor: Principal) -> SharingPledge:
    policy.require_pledge(actor, Permission.SHARING_MANAGE, data.operation_id)
    if data.country and data.country not in iso_countries():
        raise ValidationFailed.single("country", f"{data.country!r} is not an ISO 3166-1 alpha-3 code")
    pledge = SharingPledge(
        ref=_next_ref(session),
        pledger=data.pledger,
        pledger_kind=data.pledger_kind.value,
        country=data.country,
        operation_id=data.operation_id,
        pledge_type=data.pledge_type.value,
        title=data.title,
        description=data.description,
        amount=data.amount,
        currency=data.currency,
        places=data.places,
        status=data.status.value,
        pledged_on=data.pledged_on,
        created_by=actor.username,
    )
    session.add(pledge)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="sharing.pledge.record",
        object_type="sharing_pledge",
        object_id=str(pledge.id),
        details={"ref": pledge.ref, "pledger": pledge.pledger, "type": pledge.pledge_type},
    )
    return pledge


def update_pledge(
    session: Session, *, pledge_id: uuid.UUID, data: PledgeUpdateCreate, actor: Principal
) -> PledgeUpdateRead:
    """A dated step: the new status, what was delivered so far (cumulative) and the evidence.
    A fulfilled pledge needs evidence; a status never goes back."""
    pledge = session.get(SharingPledge, pledge_id)
    if pledge is None or not actor.can(Permission.SHARING_VIEW, operation_id=pledge.operation_id):
        raise NotFound("no such pledge")
    policy.require_pledge(actor, Permission.SHARING_MANAGE, pledge.operation_id)
    order = [s.value for s in PLEDGE_STATUS_ORDER]
    if order.index(data.status.value) < order.index(pledge.status):
        raise ValidationFailed.single(
            "status", f"the pledge is {pledge.status}: it cannot go back to {data.status.value}"
        )
    if data.status == PledgeStatus.FULFILLED and not data.evidence:
        raise ValidationFailed.single(
            "evidence", "a fulfilled pledge needs its evidence (a reference, a link)"
        )
    if data.on_date < pledge.pledged_on:
        raise ValidationFailed.single("on_date", f"before the pledge itself ({pledge.pledged_on})")
    if data.places_delivered is not None and pledge.places is None:
        raise ValidationFailed.single("places_delivered", "this pledge is not of places")
    if data.amount_delivered is not None and pledge.amount is None:
        raise ValidationFailed.single("amount_delivered", "this pledge has no amount")
    update = SharingPledgeUpdate(
        pledge_id=pledge.id,
        on_date=data.on_date,
        status=data.status.value,
        amount_delivered=data.amount_delivered,
        places_delivered=data.places_delivered,
        evidence=data.evidence,
        note=data.note,
        recorded_by=actor.username,
    )
    session.add(update)
    pledge.status = data.status.value
    session.flush()
    session.expire(pledge, ["updates"])
    audit.record(
        session,
        actor=actor,
        action="sharing.pledge.update",
        object_type="sharing_pledge",
        object_id=str(pledge.id),
        details={"status": update.status, "on": update.on_date.isoformat()},
    )
    return PledgeUpdateRead.model_validate(update)
