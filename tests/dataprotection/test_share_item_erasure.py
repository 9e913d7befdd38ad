"""An erased person stays in the shares that held them (decision 0013): the share item (ids only) is
kept, erasure's report counts it among the references kept, and a breach of that share still counts
them — under their anonymised record, with no personal data. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import insert, select
from tests.dataprotection.conftest import Past
from tests.dataprotection.test_rights import _request

from refugio.agreements.models import ShareItem
from refugio.core import clock
from refugio.dataprotection import breaches
from refugio.dataprotection.register_schemas import AffectedQuery, BreachCreate
from refugio.dataprotection.rights import service
from refugio.registration.models import Individual
from refugio.security import audit
from refugio.security.models import AuditEntry
from refugio.security.principals import SYSTEM
from refugio.store.uow import unit_of_work


def test_an_erased_person_stays_counted_in_a_share_that_held_them(past: Past) -> None:
    w = past.world
    share_id = uuid.uuid4()
    with unit_of_work(w.container.sessions) as s:  # a share that held Amira and her son
        people = [w.woman_id, w.son_id]
        households = dict(
            s.execute(select(Individual.id, Individual.household_id).where(Individual.id.in_(people))).all()
        )
        s.execute(
            insert(ShareItem),
            [{"share_id": share_id, "individual_id": p, "household_id": households[p]} for p in people],
        )
        audit.record(
            s,
            actor=SYSTEM,
            action="agreement.share",
            object_type="data_sharing_agreement",
            object_id=str(uuid.uuid4()),
            details={"kind": "registry", "rows": 2, "share_id": str(share_id), "people": 2},
        )
    request_id = _request(past, w.woman_id, "erasure")
    with unit_of_work(w.container.sessions) as s:
        done = service.erase(s, actor=w.who("dpo"), request_id=request_id)
    assert done.erased and done.outcome["references_kept"].get("data_sharing_share_item", 0) >= 1
    with unit_of_work(w.container.sessions) as s:
        kept = set(s.scalars(select(ShareItem.individual_id).where(ShareItem.share_id == share_id)))
        seq = s.scalar(select(AuditEntry.seq).where(AuditEntry.action == "agreement.share"))
        breach = breaches.record_breach(
            s,
            actor=w.who("dpo"),
            data=BreachCreate.model_validate(
                {
                    "title": "Partner file server copied",
                    "description": "The shared file was copied.",
                    "category": "confidentiality",
                    "discovered_at": clock.now() - dt.timedelta(hours=1),
                    "severity": "high",
                }
            ),
        )
        found = breaches.find_affected(
            s, actor=w.who("dpo"), breach_id=breach.id, query=AffectedQuery(audit_seq=seq)
        )
    assert kept == {w.woman_id, w.son_id}
    assert found.affected is not None and not found.affected.estimated
    assert {p.id for p in found.affected.people} == {w.woman_id, w.son_id}
    assert "Amira" not in found.affected.model_dump_json()
