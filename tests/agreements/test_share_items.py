"""Who a share exposed (issue 14): a share of the registry records its people (`ShareItem`, ids only,
written set-based with the share), so that the breach register lists exactly them (`estimated` false);
a share audited before share items existed is still counted as the operation's active people (an upper
bound, flagged estimated). On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from tests.agreements.conftest import World, agreement
from tests.helpers import principal

from refugio.agreements import service
from refugio.agreements.models import ShareItem
from refugio.core import clock
from refugio.dataprotection import breaches
from refugio.dataprotection.register_schemas import AffectedQuery, BreachCreate, BreachRead
from refugio.registration.models import Individual
from refugio.security import audit
from refugio.security.models import AuditEntry
from refugio.security.principals import SYSTEM
from refugio.store.uow import unit_of_work


def _affected_by(world: World, seq: int) -> BreachRead:
    dpo = principal(world.container, "dpo")
    data = BreachCreate.model_validate(
        {
            "title": "Partner's file server breached",
            "description": "The partner reports that the shared registry file was copied.",
            "category": "confidentiality",
            "discovered_at": clock.now() - dt.timedelta(hours=1),
            "severity": "high",
            "systems": "partner file server",
            "data_categories": "identity",
        }
    )
    with unit_of_work(world.container.sessions) as s:
        breach = breaches.record_breach(s, actor=dpo, data=data)
        return breaches.find_affected(s, actor=dpo, breach_id=breach.id, query=AffectedQuery(audit_seq=seq))


def _share_entry(world: World) -> AuditEntry:
    with unit_of_work(world.container.sessions) as s:
        entry = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "agreement.share").order_by(AuditEntry.seq.desc())
        ).first()
        assert entry is not None
        s.expunge(entry)
        return entry


def test_a_share_records_its_people_and_a_breach_lists_exactly_them(world: World) -> None:
    aid = agreement(world)  # consent basis: the Salehs (no data-sharing consent) are left out
    with unit_of_work(world.container.sessions) as s:
        share = service.share_registry(s, actor=principal(world.container, "imo"), agreement_id=aid)
    shared = {pid for pid, _ in world.haddad + world.khalil}
    entry = _share_entry(world)
    share_id = share.manifest["share_id"]
    assert entry.details["share_id"] == share_id and entry.details["people"] == len(shared)
    with unit_of_work(world.container.sessions) as s:
        items = s.execute(
            select(ShareItem.individual_id, ShareItem.household_id).where(
                ShareItem.share_id == uuid.UUID(share_id)
            )
        ).all()
        households = {pid: hid for pid, hid in s.execute(select(Individual.id, Individual.household_id))}
    assert {pid for pid, _ in items} == shared and len(items) == len(shared)
    assert all(households[pid] == hid for pid, hid in items)
    found = _affected_by(world, entry.seq).affected
    assert found is not None and not found.estimated
    assert {p.id for p in found.people} == shared
    assert {p.ref for p in found.people} == {ref for _, ref in world.haddad + world.khalil}
    assert all(p.exposures == ["agreement.share"] for p in found.people)


def test_each_share_lists_its_own_people(world: World) -> None:
    with unit_of_work(world.container.sessions) as s:
        service.share_registry(s, actor=principal(world.container, "imo"), agreement_id=agreement(world))
    aid = agreement(world, purpose="tracing")  # of those, only the Khalils consented to tracing
    with unit_of_work(world.container.sessions) as s:
        service.share_registry(s, actor=principal(world.container, "imo"), agreement_id=aid)
    found = _affected_by(world, _share_entry(world).seq).affected
    assert found is not None and not found.estimated
    assert {p.id for p in found.people} == {pid for pid, _ in world.khalil}


def test_a_share_audited_before_share_items_is_an_estimate(world: World) -> None:
    aid = agreement(world)
    with unit_of_work(world.container.sessions) as s:  # the audit entry an older share left: a count
        audit.record(
            s,
            actor=SYSTEM,
            action="agreement.share",
            object_type="data_sharing_agreement",
            object_id=str(aid),
            details={"kind": "registry", "fields": ["registration_number"], "rows": 4},
        )
        active = set(
            s.scalars(
                select(Individual.id).where(
                    Individual.operation_id == world.seed.operation_id, Individual.status == "active"
                )
            )
        )
    found = _affected_by(world, _share_entry(world).seq).affected
    assert found is not None and found.estimated
    assert {p.id for p in found.people} == active
