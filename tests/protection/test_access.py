"""Confidentiality, through the services and queries (the API, web and CLI routes are tested in their
own files): a caseworker not assigned to a case cannot read it in any way — record, lists, search, the
person's cases, tasks, referrals, CSV export — nor learn that it exists; supervisors and
administrators see metadata only unless assigned; GBV cases keep minimum identifying data and their
counts pass disclosure control at the sensitive threshold; every read is audited."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select
from tests.protection.conftest import World, open_case
from tests.protection.test_service import referral, run

from refugio.core.errors import NotFound, PermissionDenied, ValidationFailed
from refugio.protection import queries, service
from refugio.protection.schemas import AssessmentCreate, CaseOpen, MemberLink, TaskCreate
from refugio.registration import figures
from refugio.registration import queries as registration
from refugio.security.models import AuditEntry
from refugio.security.permissions import Role
from refugio.security.principals import Grant, Principal
from refugio.stats.caseload import caseload_table
from refugio.stats.disclosure import DisclosureRule
from refugio.store.uow import unit_of_work

TODAY = dt.date.today()


@pytest.fixture
def case_id(world: World) -> uuid.UUID:
    """The woman's case, worked by `protection`, supervised by `supervisor`, with a task and a referral."""
    cid = open_case(world, summary="Threatened by a neighbour; needs a safe place.")
    run(
        world,
        "protection",
        service.add_task,
        case_id=cid,
        data=TaskCreate(title="Find shelter", due_on=TODAY),
    )
    referral(world, cid, urgency="urgent")
    return cid


def code_of(world: World, case_id: uuid.UUID) -> str:
    return run(world, "protection", queries.get_case, key=case_id).case.code


@pytest.mark.parametrize("username", ["officer2", "lbn_officer", "clerk", "provider", "imo"])
def test_a_user_not_assigned_cannot_read_the_case_in_any_way(
    world: World, case_id: uuid.UUID, username: str
) -> None:
    code = code_of(world, case_id)
    for key in (case_id, code, str(case_id)):
        with pytest.raises((NotFound, PermissionDenied)) as exc:
            run(world, username, queries.get_case, key=key)
        assert exc.type is NotFound  # not even its existence: the same answer as for a case that is not there
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    if username in ("officer2", "lbn_officer"):
        assert run(world, username, queries.my_cases) == ([], 0)
        for q in (code, "Amira", "Khalil", "JOR-PC"):
            assert run(world, username, queries.search_cases, query=q) == []
        assert run(world, username, queries.cases_of_person, individual_id=world.woman_id) == []
        assert run(world, username, queries.overdue_tasks, on=TODAY + dt.timedelta(days=3)) == []
        assert code not in run(world, username, queries.cases_csv)
        assert run(world, username, queries.caseload) == []
    if username != "provider":
        assert run(world, username, queries.referrals_breaching_sla, now=later) == []
    else:  # the receiving service sees its referral, without the case
        (late,) = run(world, username, queries.referrals_breaching_sla, now=later)
        assert late.case_code is None and late.case_id is None
    for write in (
        lambda: run(world, username, service.add_note, case_id=case_id, text="snooping"),
        lambda: run(
            world,
            username,
            service.record_assessment,
            case_id=case_id,
            data=AssessmentCreate(assessed_on=TODAY, risk_level="low", summary="abc"),
        ),
        lambda: run(
            world, username, service.add_task, case_id=case_id, data=TaskCreate(title="abc", due_on=TODAY)
        ),
        lambda: referral(world, case_id, username),
        lambda: run(world, username, service.request_closure, case_id=case_id, reason="abc"),
    ):
        with pytest.raises(NotFound):
            write()


def test_the_assigned_worker_and_supervisor_read_it(world: World, case_id: uuid.UUID) -> None:
    for username in ("protection", "supervisor"):
        assert run(world, username, queries.get_case, key=case_id).case.id == case_id
        items, total = run(world, username, queries.my_cases)
        assert total == 1 and items[0].person_name == "Amira Khalil"
        assert [i.id for i in run(world, username, queries.search_cases, query="amira")] == [case_id]
        assert [
            i.id for i in run(world, username, queries.cases_of_person, individual_id=world.woman_id)
        ] == [case_id]
        assert code_of(world, case_id) in run(world, username, queries.cases_csv)


def test_administrators_and_other_supervisors_see_metadata_only(world: World, case_id: uuid.UUID) -> None:
    for username in ("admin", "supervisor2"):
        with pytest.raises(PermissionDenied, match="details are visible only to its assigned"):
            run(world, username, queries.get_case, key=case_id)
        items, total = run(world, username, queries.case_register)
        assert total == 1 and items[0].code == code_of(world, case_id)
        assert items[0].person_ref is None and items[0].person_name is None
        assert items[0].caseworkers == ["protection"] and items[0].supervisors == ["supervisor"]
        assert run(world, username, queries.my_cases) == ([], 0)
        assert run(world, username, queries.search_cases, query="Amira") == []
        assert code_of(world, case_id) not in run(world, username, queries.cases_csv)
    with pytest.raises(PermissionDenied):  # caseworkers have no register
        run(world, "protection", queries.case_register)
    # assigning oneself is possible for a supervisor, and it is in the case's history and the audit log
    run(world, "supervisor2", service.assign_supervisor, case_id=case_id, user_id=world.users["supervisor2"])
    record = run(world, "supervisor2", queries.get_case, key=case_id)
    assert any(e.kind == "assigned" and e.by == "supervisor2" for e in record.events)


def test_losing_the_role_loses_the_access(world: World, case_id: uuid.UUID) -> None:
    demoted = Principal(world.users["protection"], "protection", (Grant(Role.VIEWER, world.operation_id),))
    world.principals["demoted"] = demoted
    with pytest.raises(NotFound):
        run(world, "demoted", queries.get_case, key=case_id)
    elsewhere = Principal(
        world.users["protection"], "protection", (Grant(Role.PROTECTION_OFFICER, world.lbn_id),)
    )
    world.principals["elsewhere"] = elsewhere
    with pytest.raises(NotFound):
        run(world, "elsewhere", queries.get_case, key=case_id)


def test_every_read_is_audited_without_personal_data(world: World, case_id: uuid.UUID) -> None:
    run(world, "protection", queries.get_case, key=case_id)
    run(world, "protection", queries.my_cases)
    run(world, "protection", queries.search_cases, query="Amira")
    run(world, "protection", queries.cases_csv)
    run(world, "provider", queries.referral_inbox)
    with unit_of_work(world.container.sessions) as s:
        entries = list(
            s.scalars(
                select(AuditEntry).where(
                    AuditEntry.action.like("case.%") | AuditEntry.action.like("referral.%")
                )
            )
        )
    actions = {(e.actor, e.action) for e in entries}
    assert {
        ("protection", "case.read"),
        ("protection", "case.list"),
        ("protection", "case.search"),
        ("protection", "case.export"),
        ("provider", "referral.inbox"),
    } <= actions
    text = " ".join(str(e.details) for e in entries)
    assert "Amira" not in text and "Khalil" not in text and "neighbour" not in text


def test_registration_reads_carry_no_case_data(world: World, case_id: uuid.UUID) -> None:
    code = code_of(world, case_id)
    with unit_of_work(world.container.sessions) as s:
        hits = registration.search(s, actor=world.who("officer2"), query="Amira Khalil")
        record = registration.get_individual(s, actor=world.who("officer2"), key=world.woman_id)
        dashboard = figures.dashboard(s, actor=world.who("officer2"))
    assert [h.person.id for h in hits] == [world.woman_id]
    blob = repr(hits) + repr(record) + repr(dashboard)
    assert code not in blob and "neighbour" not in blob and "protection_case" not in blob


# --- GBV ----------------------------------------------------------------------------------------


def gbv_case(world: World, **fields: object) -> uuid.UUID:
    return open_case(
        world, **{"case_type": "gbv", "summary": "Incident reported at the water point.", **fields}
    )


def test_gbv_cases_keep_minimum_identifying_data(world: World) -> None:
    with pytest.raises(ValidationFailed) as named:
        gbv_case(world, summary="Amira was attacked")
    assert {e.field: e.code for e in named.value.errors} == {"summary": "identifying_data"}
    cid = gbv_case(world)
    with pytest.raises(ValidationFailed) as note:
        run(world, "protection", service.add_note, case_id=cid, text="Spoke with KHALIL's sister")
    assert note.value.errors[0].code == "identifying_data"
    with pytest.raises(ValidationFailed) as family:
        run(
            world,
            "protection",
            service.link_individual,
            case_id=cid,
            data=MemberLink(individual_id=world.father_id),
        )
    assert family.value.errors[0].code == "gbv_minimum"
    items, _total = run(world, "protection", queries.my_cases)
    assert items[0].person_name is None and items[0].person_ref is None  # the code only, even when assigned
    assert run(world, "protection", queries.get_case, key=cid).primary.person.id == world.woman_id
    ref = referral(world, cid, reason="Clinical care within 72 hours")
    shared = run(world, "provider", queries.received_referral, referral_id=ref).shared_data
    assert set(shared) == {"sex", "age", "languages", "site"}  # no name unless chosen with the survivor


def test_caseload_counts_pass_disclosure_control(world: World) -> None:
    with unit_of_work(world.container.sessions) as s:
        actor = world.who("protection")
        for _ in range(3):
            service.open_case(s, actor=actor, data=CaseOpen(individual_id=world.woman_id, case_type="gbv"))
        for _ in range(12):
            service.open_case(s, actor=actor, data=CaseOpen(individual_id=world.father_id, case_type="other"))
        for _ in range(7):
            service.open_case(
                s, actor=actor, data=CaseOpen(individual_id=world.father_id, case_type="trafficking")
            )
    for username in ("supervisor", "imo", "admin"):
        with unit_of_work(world.container.sessions) as s:
            table = caseload_table(
                s, actor=world.who(username), operation_id=world.operation_id, rule=DisclosureRule()
            )
        rows = {row[0]: row[1:] for row in table.rows}
        assessment = table.column("status:assessment") - 1
        assert rows["Other protection"][assessment] in (12, "x")
        assert rows["Gender-based violence"][assessment] == "<5"  # 3 GBV cases: never shown
        assert rows["Trafficking"][assessment] == "<5"  # 7 < the sensitive threshold of 10
        assert 3 not in rows["Gender-based violence"] and 7 not in rows["Trafficking"]
        # the total gives away GBV + trafficking together (10), never either of them
        suppressed = [r for r, c in table.status if c == assessment + 1]
        assert len(suppressed) >= 2
        assert table.metadata()["disclosure"]["sensitive_threshold"] == 10
    for username in ("protection", "officer2", "provider", "lbn_officer"):
        with unit_of_work(world.container.sessions) as s, pytest.raises(PermissionDenied):
            caseload_table(s, actor=world.who(username), operation_id=world.operation_id)


def test_a_refused_read_of_a_case_is_audited(world: World, case_id: uuid.UUID) -> None:
    """Issue 14 item 10: a refused read left no trace (the refusal rolled its audit entry back)."""
    from sqlalchemy import select

    from refugio.core.errors import NotFound, PermissionDenied
    from refugio.protection import queries as protection_queries
    from refugio.security.models import AuditEntry

    with pytest.raises((NotFound, PermissionDenied)), unit_of_work(world.container.sessions) as s:
        protection_queries.get_case(s, actor=world.who("officer2"), key=case_id)
    with unit_of_work(world.container.sessions) as s:
        refused = s.scalars(select(AuditEntry).where(AuditEntry.action == "case.read_refused")).all()
        assert [e.object_id for e in refused] == [str(case_id)]
