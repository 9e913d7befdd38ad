"""The point-of-service desk: find a household by a typed id or by its certificate's QR payload
(checked with the registry's Ed25519 verification: a bad signature or a revoked certificate is
refused), show its frozen entitlements in the programme's active cycles, and record a collection by
the focal point or a named alternate.

Double collection is impossible: `assistance_collection.entitlement_id` is unique, and the insert is
the check — the second of two desks racing for the same entitlement gets the database's unique
violation, turned into a Conflict naming the desk that served it. The minimum interval between a
household's collections across cycles is checked before the insert.

Imports refugio.assistance (models, schemas, enums), refugio.registration (queries, certificate),
security, store and core.
"""

from __future__ import annotations

import datetime as dt
import uuid

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from refugio.assistance import policy
from refugio.assistance.enums import CollectorRole, CycleStatus
from refugio.assistance.models import Collection, Cycle, Entitlement, Programme
from refugio.assistance.schemas import CollectionCreate, CollectionRead, DeskView, EntitlementRead
from refugio.assistance.service.common import audited, load_programme
from refugio.core import clock, ids
from refugio.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from refugio.registration.certificate import verify_in_registry
from refugio.registration.enums import ConsentPurpose
from refugio.registration.queries import household_id_for_key, households_consenting
from refugio.security.permissions import Permission
from refugio.security.principals import Principal

P = Permission


def _entitlements(session: Session, programme: Programme, household_id: uuid.UUID) -> list[EntitlementRead]:
    rows = session.execute(
        select(Entitlement, Collection)
        .join(Cycle, Cycle.id == Entitlement.cycle_id)
        .outerjoin(Collection, Collection.entitlement_id == Entitlement.id)
        .where(
            Cycle.programme_id == programme.id,
            Cycle.status == CycleStatus.ACTIVE,
            Entitlement.household_id == household_id,
        )
        .order_by(Cycle.number)
    ).all()
    out = []
    for ent, col in rows:
        read = EntitlementRead.model_validate(ent)
        read.collected = CollectionRead.model_validate(col) if col is not None else None
        out.append(read)
    return out


def lookup(
    session: Session,
    *,
    actor: Principal,
    programme_key: str | uuid.UUID,
    key: str | None = None,
    token: str | None = None,
    public_key: Ed25519PublicKey | None = None,
) -> DeskView:
    """The household behind a typed id or a certificate payload, and its entitlements (audited)."""
    programme = load_programme(session, programme_key)
    if not policy.may_view(actor, programme.operation_id, P.ASSISTANCE_DISTRIBUTE):
        raise PermissionDenied(f"{actor.label} lacks {P.ASSISTANCE_DISTRIBUTE.value} for this operation")
    verified_by = "typed id"
    if token:
        if public_key is None:
            raise ValidationFailed.single("token", "no public key to check certificates with")
        check = verify_in_registry(session, token, public_key)
        if not check.ok:
            raise ValidationFailed.single(
                "token", f"certificate refused ({check.status.value}): {check.message}", check.status.value
            )
        key = str(check.claims.get("hh", ""))
        verified_by = check.message
    if not key or not key.strip():
        raise ValidationFailed.single("key", "type a household or person reference, or scan a certificate")
    household_id = household_id_for_key(session, key=key)
    if household_id is None:
        raise NotFound(f"no household or person {key.strip()}")
    ents = _entitlements(session, programme, household_id)
    if not ents:
        raise NotFound(f"{key.strip()}: no entitlement in an active cycle of {programme.code}")
    site_id = session.scalar(select(Entitlement.site_id).where(Entitlement.id == ents[0].id))
    actor.require(P.ASSISTANCE_DISTRIBUTE, operation_id=programme.operation_id, site_id=site_id)
    audited(
        session,
        actor,
        "assistance.desk.lookup",
        "household",
        household_id,
        {"programme": programme.code, "by": "certificate" if token else "typed id"},
    )
    latest = ents[-1].snapshot
    return DeskView(
        household_id=household_id,
        household_ref=ents[-1].household_ref,
        verified_by=verified_by,
        members=list(latest.get("members", [])),
        entitlements=ents,
        programme_code=programme.code,
    )


def collect(
    session: Session, *, actor: Principal, data: CollectionCreate, desk_time: dt.datetime | None = None
) -> CollectionRead:
    """Record the collection of an entitlement; a second one, from any desk, is refused by the database."""
    ent = session.get(Entitlement, data.entitlement_id)
    if ent is None:
        raise NotFound("no such entitlement")
    cycle = session.get(Cycle, ent.cycle_id)
    assert cycle is not None
    programme = session.get(Programme, cycle.programme_id)
    assert programme is not None
    actor.require(P.ASSISTANCE_DISTRIBUTE, operation_id=programme.operation_id, site_id=ent.site_id)
    if cycle.status != CycleStatus.ACTIVE:
        raise Conflict(f"cycle {programme.code}/{cycle.number} is {cycle.status}: nothing is collected")
    if ent.household_id not in households_consenting(
        session, purpose=ConsentPurpose.ASSISTANCE.value, household_ids=[ent.household_id]
    ):
        raise Conflict(f"{ent.household_ref}: consent for assistance was withdrawn; nothing is collected")
    now = desk_time or clock.now()
    if programme.min_interval_days:
        last = session.scalar(
            select(func.max(Collection.collected_at)).where(
                Collection.household_id == ent.household_id,
                Collection.programme_id == programme.id,
                Collection.entitlement_id != ent.id,
            )
        )
        if last is not None and now - last < dt.timedelta(days=programme.min_interval_days):
            raise Conflict(
                f"{ent.household_ref} collected on {last:%Y-%m-%d %H:%M}; {programme.code} allows one "
                f"collection every {programme.min_interval_days} days"
            )
    focal = ent.snapshot.get("focal_point", {})
    if data.collector_role == CollectorRole.FOCAL_POINT:
        name, document = str(focal.get("name", "")), str(focal.get("document", "")) or None
    else:
        name, document = (data.alternate_name or "").strip(), (data.alternate_document or "").strip() or None
    row_id = ids.new_id()
    try:
        with session.begin_nested():
            session.execute(
                insert(Collection).values(
                    id=row_id,
                    entitlement_id=ent.id,
                    programme_id=programme.id,
                    household_id=ent.household_id,
                    collected_at=now,
                    recorded_by=actor.label,
                    desk=data.desk,
                    collector_role=data.collector_role.value,
                    collector_name=name,
                    collector_document=document,
                )
            )
    except IntegrityError:
        done = session.scalar(select(Collection).where(Collection.entitlement_id == ent.id))
        where = (
            f" at desk {done.desk} on {done.collected_at:%Y-%m-%d %H:%M:%S} by {done.recorded_by}"
            if done
            else ""
        )
        raise Conflict(f"{ent.household_ref}: this entitlement was collected already{where}") from None
    audited(
        session,
        actor,
        "assistance.collect",
        "assistance_entitlement",
        ent.id,
        {"household": ent.household_ref, "desk": data.desk, "role": data.collector_role.value},
    )
    found = session.get(Collection, row_id)
    assert found is not None
    return CollectionRead.model_validate(found)
