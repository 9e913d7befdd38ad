"""The breach register: the people affected found from the audit log (a person's read, a household's
read, a search's results, an import), per site; the authority's 72-hour deadline shown overdue and a
late notification marked; status open → contained → closed; DPO only; everything audited."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from tests.dataprotection.registers_world import build_registers_world
from tests.protection.conftest import World

from refugio.core import clock
from refugio.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from refugio.dataprotection import breaches
from refugio.dataprotection.register_schemas import (
    AffectedQuery,
    BreachCreate,
    BreachStatusChange,
    NotificationCreate,
)
from refugio.main import Container
from refugio.registration import queries as reg_queries
from refugio.registration.models import Individual
from refugio.security.models import AuditEntry
from refugio.store.uow import unit_of_work


@pytest.fixture
def world(container: Container) -> World:
    return build_registers_world(container)


def _breach(world: World, hours_ago: float = 2, **extra: object) -> dict[str, object]:
    data = BreachCreate.model_validate(
        {
            "title": "Laptop of a registration officer stolen",
            "description": "The laptop held an unencrypted export of the ZAA records.",
            "category": "confidentiality",
            "discovered_at": clock.now() - dt.timedelta(hours=hours_ago),
            "severity": "high",
            "systems": "laptop, registry export",
            "data_categories": "identity, household composition",
            **extra,
        }
    )
    with unit_of_work(world.container.sessions) as s:
        return breaches.record_breach(s, actor=world.who("dpo"), data=data).model_dump()


def test_people_affected_are_found_from_the_audit_log(world: World) -> None:
    start = clock.now() - dt.timedelta(seconds=1)
    with unit_of_work(world.container.sessions) as s:
        imo = world.who("imo")
        reg_queries.individual_read(s, actor=imo, key=world.child_id)  # audited: individual.read
        household = s.scalar(select(Individual.household_id).where(Individual.id == world.father_id))
        assert household is not None
        reg_queries.household_read(s, actor=imo, key=household)  # audited: household.read (its members)
        # someone else reads Amira: not the user under suspicion
        reg_queries.individual_read(s, actor=world.who("admin"), key=world.woman_id)
        refs = {pid: ref for pid, ref in s.execute(select(Individual.id, Individual.ref))}
        members = set(s.scalars(select(Individual.id).where(Individual.household_id == household)))
    end = clock.now() + dt.timedelta(seconds=1)
    breach = _breach(world)
    assert breach["affected_count"] is None and breach["code"].startswith("BR-")
    query = AffectedQuery(actor="imo", since=start, until=end)
    with unit_of_work(world.container.sessions) as s:
        found = breaches.find_affected(s, actor=world.who("dpo"), breach_id=breach["id"], query=query)
    assert found.affected is not None
    people = {p.id: p for p in found.affected.people}
    assert set(people) == {world.child_id} | members
    assert world.woman_id not in people
    assert people[world.child_id].exposures == ["individual.read"]
    assert people[world.child_id].ref == refs[world.child_id]
    assert people[world.father_id].exposures == ["household.read"]
    assert found.affected.by_site == {"AMM": len(members), "ZAA": 1}
    assert found.affected.entries == 2 and not found.affected.estimated
    # only the people of one site; and a period before the reads finds nobody
    with unit_of_work(world.container.sessions) as s:
        zaa = breaches.find_affected(
            s, actor=world.who("dpo"), breach_id=breach["id"], query=AffectedQuery(actor="imo", site="zaa")
        )
        assert zaa.affected is not None and [p.id for p in zaa.affected.people] == [world.child_id]
        before = AffectedQuery(actor="imo", until=start - dt.timedelta(days=1))
        none = breaches.find_affected(s, actor=world.who("dpo"), breach_id=breach["id"], query=before)
        assert none.affected is not None and none.affected.people == []
    # the snapshot is kept with the breach, the detail read is audited, the query is audited (counts only)
    with unit_of_work(world.container.sessions) as s:
        shown = breaches.breach(s, actor=world.who("dpo"), breach_id=breach["id"])
        assert shown.affected_count == 0
        actions = list(s.scalars(select(AuditEntry.action).where(AuditEntry.object_id == str(breach["id"]))))
        last = s.scalar(
            select(AuditEntry).where(AuditEntry.action == "breach.affected").order_by(AuditEntry.seq.desc())
        )
    assert actions == [
        "breach.record",
        "breach.affected",
        "breach.affected",
        "breach.affected",
        "breach.read",
    ]
    assert last is not None and "people" in last.details and str(world.child_id) not in str(last.details)


def test_a_refused_read_exposes_nobody(world: World) -> None:
    with pytest.raises(NotFound), unit_of_work(world.container.sessions) as s:
        reg_queries.individual_read(s, actor=world.who("lbn_officer"), key=world.child_id)
    breach = _breach(world)
    with unit_of_work(world.container.sessions) as s:
        refused = s.scalar(select(AuditEntry.action).where(AuditEntry.actor == "lbn_officer"))
        found = breaches.find_affected(
            s, actor=world.who("dpo"), breach_id=breach["id"], query=AffectedQuery(actor="lbn_officer")
        )
    assert refused == "individual.read_refused"
    assert found.affected is not None and found.affected.people == [] and found.affected.entries == 0


def test_a_query_must_name_whom_and_a_sensible_period(world: World) -> None:
    breach = _breach(world)
    with unit_of_work(world.container.sessions) as s, pytest.raises(ValidationFailed) as refused:
        breaches.find_affected(s, actor=world.who("dpo"), breach_id=breach["id"], query=AffectedQuery())
    assert refused.value.errors[0].field == "actor"
    now = clock.now()
    query = AffectedQuery(actor="imo", since=now, until=now - dt.timedelta(days=1))
    with unit_of_work(world.container.sessions) as s, pytest.raises(ValidationFailed) as refused:
        breaches.find_affected(s, actor=world.who("dpo"), breach_id=breach["id"], query=query)
    assert refused.value.errors[0].field == "until"
    with unit_of_work(world.container.sessions) as s, pytest.raises(ValidationFailed) as refused:
        breaches.find_affected(
            s, actor=world.who("dpo"), breach_id=breach["id"], query=AffectedQuery(audit_seq=10**9)
        )
    assert refused.value.errors[0].field == "audit_seq"


def test_the_authority_deadline_is_72_hours_and_shown_overdue(world: World) -> None:
    late = _breach(world, hours_ago=80)
    fresh = _breach(world, hours_ago=10)
    tight = _breach(world, hours_ago=30, authority_hours=24)
    assert late["authority_overdue"] is True
    assert late["authority_deadline"] == late["discovered_at"] + dt.timedelta(hours=72)
    assert fresh["authority_overdue"] is False
    assert tight["authority_overdue"] is True and tight["authority_hours"] == 24
    notice = NotificationCreate(
        recipient_kind="authority",
        recipient="Data Protection Commission",
        channel="portal",
        notified_at=clock.now(),
    )
    with unit_of_work(world.container.sessions) as s:
        after = breaches.notify(s, actor=world.who("dpo"), breach_id=late["id"], data=notice)
        on_time = breaches.notify(s, actor=world.who("dpo"), breach_id=fresh["id"], data=notice)
        listed = {b.code: b for b in breaches.breaches(s, actor=world.who("dpo"))}
    assert after.authority_overdue is False and after.notifications[0].late is True
    assert on_time.notifications[0].late is False and on_time.authority_notified_at is not None
    assert listed[tight["code"]].authority_overdue is True
    # a notification before the discovery is refused, beside its field
    early = notice.model_copy(update={"notified_at": clock.now() - dt.timedelta(days=30)})
    with unit_of_work(world.container.sessions) as s, pytest.raises(ValidationFailed) as refused:
        breaches.notify(s, actor=world.who("dpo"), breach_id=fresh["id"], data=early)
    assert refused.value.errors[0].field == "notified_at"


def test_status_moves_forward_and_only_the_dpo_reads_or_writes(world: World) -> None:
    breach = _breach(world)
    with unit_of_work(world.container.sessions) as s, pytest.raises(ValidationFailed):
        breaches.change_status(
            s, actor=world.who("dpo"), breach_id=breach["id"], data=BreachStatusChange(status="contained")
        )
    with unit_of_work(world.container.sessions) as s:
        done = breaches.change_status(
            s,
            actor=world.who("dpo"),
            breach_id=breach["id"],
            data=BreachStatusChange(status="contained", note="Account disabled, laptop wiped remotely"),
        )
        assert done.status == "contained" and done.contained_at is not None
    with unit_of_work(world.container.sessions) as s, pytest.raises(Conflict):
        breaches.change_status(
            s, actor=world.who("dpo"), breach_id=breach["id"], data=BreachStatusChange(status="open")
        )
    for user in ("clerk", "imo", "supervisor"):
        with unit_of_work(world.container.sessions) as s, pytest.raises(PermissionDenied):
            breaches.breaches(s, actor=world.who(user))
    with pytest.raises(ValidationFailed) as refused, unit_of_work(world.container.sessions) as s:
        breaches.record_breach(
            s,
            actor=world.who("dpo"),
            data=BreachCreate.model_validate(
                {
                    "title": "Future",
                    "description": "Dates out of order",
                    "category": "integrity",
                    "severity": "low",
                    "discovered_at": clock.now() - dt.timedelta(hours=1),
                    "occurred_from": clock.now(),
                }
            ),
        )
    assert [e.field for e in refused.value.errors] == ["occurred_from"]
