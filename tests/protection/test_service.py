"""The protection services on both backends: opening cases (directly and from a specific need), the
workflow with its approvals, BIA/BID rules, tasks and the overdue list, closure and reopening, referrals
(consent, minimum data, accept/reject/complete, revocation, SLA) and bad input."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from pydantic import ValidationError as PydanticError
from sqlalchemy import func, select
from tests.protection.conftest import World, open_case

from refugio.core import clock
from refugio.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from refugio.protection import queries, service
from refugio.protection.enums import CaseStatus
from refugio.protection.models import CaseTask, ProtectionCase, Referral
from refugio.protection.schemas import (
    AssessmentCreate,
    BiaCreate,
    BidCreate,
    CaseFromNeed,
    CaseOpen,
    CaseUpdate,
    MemberLink,
    PlanCreate,
    ReferralCreate,
    TaskCreate,
)
from refugio.security.models import AuditEntry
from refugio.security.principals import SYSTEM
from refugio.store.uow import unit_of_work

TODAY = dt.date.today()


def fields_of(exc: pytest.ExceptionInfo[ValidationFailed]) -> dict[str, str]:
    return {e.field: e.code for e in exc.value.errors}


def run(world: World, username: str, fn, **kwargs):  # type: ignore[no-untyped-def]
    with unit_of_work(world.container.sessions) as s:
        return fn(s, actor=world.who(username), **kwargs)


def assess(world: World, case_id: uuid.UUID, username: str = "protection") -> None:
    run(
        world,
        username,
        service.record_assessment,
        case_id=case_id,
        data=AssessmentCreate(
            assessed_on=TODAY, risk_level="high", summary="Needs medical care and shelter."
        ),
    )


def plan(world: World, case_id: uuid.UUID) -> None:
    run(
        world,
        "protection",
        service.record_case_plan,
        case_id=case_id,
        data=PlanCreate(
            objectives="Safety and health", actions="Refer to clinic", review_on=TODAY + dt.timedelta(days=30)
        ),
    )


def child_case(world: World) -> uuid.UUID:
    with unit_of_work(world.container.sessions) as s:
        case = service.open_case_from_need(
            s,
            actor=world.who("protection"),
            data=CaseFromNeed(need_id=world.child_need_id, supervisor_id=world.users["supervisor"]),
        )
        return case.id


def bia(world: World, case_id: uuid.UUID) -> uuid.UUID:
    row = run(
        world,
        "protection",
        service.submit_bia,
        case_id=case_id,
        data=BiaCreate(
            child_id=world.child_id,
            assessed_on=TODAY,
            findings="Alone since the border.",
            child_views="Wants to find his uncle.",
            recommendation="Foster care and tracing.",
        ),
    )
    return row.id


def referral(world: World, case_id: uuid.UUID, username: str = "protection", **fields: object) -> uuid.UUID:
    data = {
        "service_id": world.health_id,
        "reason": "Medical check-up needed.",
        "consent_given": True,
        **fields,
    }
    return run(world, username, service.refer, case_id=case_id, data=ReferralCreate.model_validate(data)).id


# --- opening ------------------------------------------------------------------------------------


def test_open_a_case_directly(world: World) -> None:
    case_id = open_case(world)
    record = run(world, "protection", queries.get_case, key=case_id)
    assert record.case.code.startswith("JOR-PC-") and record.case.status == "assessment"
    assert record.primary.person.id == world.woman_id
    assert {(a.username, a.role) for a in record.assignments} == {
        ("protection", "caseworker"),
        ("supervisor", "supervisor"),
    }
    assert "case opened" in record.events[-1].summary
    with unit_of_work(world.container.sessions) as s:
        actions = set(s.scalars(select(AuditEntry.action).where(AuditEntry.object_id == str(case_id))))
    assert {"case.open", "case.read"} <= actions


def test_open_from_a_specific_need_makes_a_uasc_child_protection_case(world: World) -> None:
    record = run(world, "protection", queries.get_case, key=child_case(world))
    assert record.case.case_type == "child_protection" and record.case.uasc
    assert record.case.opened_from_need_id == world.child_need_id and record.needs_bia
    with pytest.raises(Conflict, match="already opened from this specific need"):
        child_case(world)


def test_bad_input_when_opening(world: World) -> None:
    with pytest.raises(PydanticError) as exc:
        CaseOpen.model_validate(
            {"individual_id": str(world.woman_id), "case_type": "burglary", "summary": "x" * 10_001}
        )
    assert {e["loc"][0] for e in exc.value.errors()} == {"case_type", "summary"}
    with pytest.raises(ValidationFailed) as refused:
        open_case(world, case_type="child_protection")  # the woman is 30
    assert fields_of(refused) == {"case_type": "not_a_child"}
    with pytest.raises(ValidationFailed) as unknown:
        open_case(world, individual_id=uuid.uuid4())
    assert fields_of(unknown) == {"individual_id": "not_found"}
    with pytest.raises(ValidationFailed) as other:
        open_case(world, caseworker_id=world.users["officer2"])  # an officer cannot assign a colleague
    assert fields_of(other) == {"caseworker_id": "not_permitted"}
    with pytest.raises(PermissionDenied):
        open_case(world, "clerk")
    world.principals["system"] = SYSTEM
    with pytest.raises(ValidationFailed) as nobody:  # the system account is never a caseworker
        open_case(world, "system")
    assert fields_of(nobody) == {"caseworker_id": "required"}
    with unit_of_work(world.container.sessions) as s:
        assert s.scalar(select(func.count()).select_from(ProtectionCase)) == 0  # nothing half-written


def test_a_supervisor_opens_and_assigns_and_unassigns(world: World) -> None:
    case_id = open_case(world, "supervisor", caseworker_id=world.users["officer2"])
    run(world, "supervisor", service.assign_caseworker, case_id=case_id, user_id=world.users["protection"])
    with pytest.raises(Conflict):
        run(
            world, "supervisor", service.assign_caseworker, case_id=case_id, user_id=world.users["protection"]
        )
    with pytest.raises(ValidationFailed) as not_allowed:  # a clerk cannot be a caseworker
        run(world, "supervisor", service.assign_caseworker, case_id=case_id, user_id=world.users["clerk"])
    assert fields_of(not_allowed) == {"user_id": "not_permitted"}
    with pytest.raises(PermissionDenied):  # a caseworker does not assign
        run(world, "protection", service.assign_caseworker, case_id=case_id, user_id=world.users["officer2"])
    run(
        world,
        "supervisor",
        service.unassign,
        case_id=case_id,
        user_id=world.users["officer2"],
        role="caseworker",
        reason="moved",
    )
    with pytest.raises(NotFound):  # officer2 lost access at once
        run(world, "officer2", queries.get_case, key=case_id)
    with pytest.raises(ValidationFailed) as last:
        run(
            world,
            "supervisor",
            service.unassign,
            case_id=case_id,
            user_id=world.users["protection"],
            role="caseworker",
            reason="x",
        )
    assert fields_of(last) == {"user_id": "last_caseworker"}


def test_update_refuses_a_stale_version_and_link_a_caregiver(world: World) -> None:
    case_id = open_case(world, individual_id=world.son_id, case_type="child_protection")
    version = run(world, "protection", queries.get_case, key=case_id).case.version
    run(
        world,
        "protection",
        service.update_case,
        case_id=case_id,
        data=CaseUpdate(version=version, summary="New facts", risk_level="critical"),
    )
    with pytest.raises(Conflict, match="changed meanwhile"):
        run(
            world,
            "protection",
            service.update_case,
            case_id=case_id,
            data=CaseUpdate(version=version, summary="Old"),
        )
    run(
        world,
        "protection",
        service.link_individual,
        case_id=case_id,
        data=MemberLink(individual_id=world.father_id, role="caregiver"),
    )
    record = run(world, "protection", queries.get_case, key=case_id)
    assert record.case.risk_level == "critical" and {p.role for p in record.people} == {
        "primary",
        "caregiver",
    }


# --- workflow -----------------------------------------------------------------------------------


def test_workflow_happy_path_to_closure_and_reopening(world: World) -> None:
    case_id = open_case(world)
    with pytest.raises(Conflict, match="record an assessment"):
        plan(world, case_id)
    assess(world, case_id)
    plan(world, case_id)
    run(world, "protection", service.move_case, case_id=case_id, to=CaseStatus.IMPLEMENTATION)
    with pytest.raises(Conflict, match="cannot move from implementation to plan"):
        run(world, "protection", service.move_case, case_id=case_id, to=CaseStatus.PLAN)
    run(
        world,
        "protection",
        service.move_case,
        case_id=case_id,
        to=CaseStatus.FOLLOW_UP,
        note="services delivered",
    )
    run(world, "protection", service.add_note, case_id=case_id, text="Visited at home; doing well.")
    run(world, "protection", service.request_closure, case_id=case_id, reason="Objectives met")
    with pytest.raises(PermissionDenied, match="assigned supervisor"):  # the caseworker cannot approve
        run(world, "protection", service.close_case, case_id=case_id)
    with pytest.raises(PermissionDenied, match="details are visible only"):  # another supervisor
        run(world, "supervisor2", service.close_case, case_id=case_id)
    with pytest.raises(NotFound):  # another caseworker does not even learn that the case exists
        run(world, "officer2", service.close_case, case_id=case_id)
    run(world, "supervisor", service.reject_closure, case_id=case_id, note="One more visit first")
    assert run(world, "protection", queries.get_case, key=case_id).case.status == "follow_up"
    run(world, "protection", service.request_closure, case_id=case_id, reason="Visit done")
    run(world, "supervisor", service.close_case, case_id=case_id, note="Agreed")
    record = run(world, "protection", queries.get_case, key=case_id)
    assert record.case.status == "closed" and record.case.closed_by == "supervisor"

    for attempt in (
        lambda: assess(world, case_id),
        lambda: run(world, "protection", service.add_note, case_id=case_id, text="late note"),
        lambda: run(
            world,
            "protection",
            service.add_task,
            case_id=case_id,
            data=TaskCreate(title="Call", due_on=TODAY),
        ),
        lambda: referral(world, case_id),
        lambda: run(
            world, "supervisor", service.assign_caseworker, case_id=case_id, user_id=world.users["officer2"]
        ),
    ):
        with pytest.raises(Conflict, match=f"case {record.case.code} is closed; reopen it first"):
            attempt()
    with pytest.raises(ValidationFailed):
        run(world, "protection", service.reopen_case, case_id=case_id, reason="")
    run(world, "protection", service.reopen_case, case_id=case_id, reason="New incident reported")
    assert run(world, "protection", queries.get_case, key=case_id).case.status == "assessment"
    assess(world, case_id)


def test_closure_needs_tasks_done_and_referrals_finished(world: World) -> None:
    case_id = open_case(world)
    task = run(
        world,
        "protection",
        service.add_task,
        case_id=case_id,
        data=TaskCreate(title="Home visit", due_on=TODAY),
    )
    with pytest.raises(Conflict, match="open task"):
        run(world, "protection", service.request_closure, case_id=case_id, reason="done")
    run(world, "protection", service.complete_task, task_id=task.id, note="visited")
    ref = referral(world, case_id)
    with pytest.raises(Conflict, match="still active"):
        run(world, "protection", service.request_closure, case_id=case_id, reason="done")
    run(world, "protection", service.revoke_referral, referral_id=ref, reason="Consent withdrawn")
    run(world, "protection", service.request_closure, case_id=case_id, reason="done")
    with pytest.raises(PermissionDenied, match="other than its author"):  # a supervisor who requested closure
        case2 = open_case(world, "supervisor", caseworker_id=world.users["protection"])
        run(world, "supervisor", service.request_closure, case_id=case2, reason="no longer needed")
        run(world, "supervisor", service.close_case, case_id=case2)


def test_child_cases_need_an_approved_bia_before_the_plan_and_a_bid_before_closing(world: World) -> None:
    case_id = child_case(world)
    assess(world, case_id)
    with pytest.raises(Conflict, match="best-interests assessment approved"):
        plan(world, case_id)
    bia_id = bia(world, case_id)
    with pytest.raises(Conflict, match="awaits the supervisor"):
        bia(world, case_id)
    with pytest.raises(PermissionDenied):  # not by its author's side
        run(world, "protection", service.approve_bia, bia_id=bia_id)
    with pytest.raises(ValidationFailed):
        run(world, "supervisor", service.return_bia, bia_id=bia_id, note="")
    run(world, "supervisor", service.return_bia, bia_id=bia_id, note="Add the child's views in his words")
    with pytest.raises(Conflict, match="already returned"):
        run(world, "supervisor", service.approve_bia, bia_id=bia_id)
    bia_id = bia(world, case_id)
    run(world, "supervisor", service.approve_bia, bia_id=bia_id, note="Thorough")
    plan(world, case_id)

    panel = [{"name": "A. Officer", "role": "UNHCR"}, {"name": "B. Worker", "role": "NGO"}]
    data = {
        "bia_id": bia_id,
        "panel": panel,
        "panel_date": TODAY.isoformat(),
        "decision": "family_reunification",
        "reasons": "Uncle traced in Irbid",
    }
    with pytest.raises(ValidationFailed) as few:
        run(world, "protection", service.submit_bid, case_id=case_id, data=BidCreate.model_validate(data))
    assert fields_of(few) == {"panel": "too_few"}
    with pytest.raises(ValidationFailed) as future:
        future_data = {
            **data,
            "panel": [*panel, {"name": "C. Judge", "role": "court"}],
            "panel_date": (TODAY + dt.timedelta(days=3)).isoformat(),
        }
        run(
            world,
            "protection",
            service.submit_bid,
            case_id=case_id,
            data=BidCreate.model_validate(future_data),
        )
    assert fields_of(future) == {"panel_date": "future_date"}
    with pytest.raises(Conflict, match="approved best-interests determination"):
        run(world, "protection", service.request_closure, case_id=case_id, reason="Reunified")
    bid = run(
        world,
        "protection",
        service.submit_bid,
        case_id=case_id,
        data=BidCreate.model_validate({**data, "panel": [*panel, {"name": "C. Judge", "role": "court"}]}),
    )
    run(world, "supervisor", service.approve_bid, bid_id=bid.id)
    run(world, "protection", service.request_closure, case_id=case_id, reason="Reunified with his uncle")
    run(world, "supervisor", service.close_case, case_id=case_id)
    record = run(world, "protection", queries.get_case, key=case_id)
    assert record.bids[0].status == "approved" and len(record.bids[0].panel) == 3


def test_bia_is_for_children_of_child_protection_cases(world: World) -> None:
    case_id = open_case(world)
    with pytest.raises(Conflict, match="child protection"):
        run(
            world,
            "protection",
            service.submit_bia,
            case_id=case_id,
            data=BiaCreate(
                child_id=world.woman_id,
                assessed_on=TODAY,
                findings="abc",
                child_views="abc",
                recommendation="abc",
            ),
        )
    case2 = open_case(world, individual_id=world.son_id, case_type="child_protection")
    with pytest.raises(ValidationFailed) as exc:
        run(
            world,
            "protection",
            service.submit_bia,
            case_id=case2,
            data=BiaCreate(
                child_id=world.child_id,
                assessed_on=TODAY,
                findings="abc",
                child_views="abc",
                recommendation="abc",
            ),
        )
    assert fields_of(exc) == {"child_id": "not_linked"}


# --- tasks and caseload -------------------------------------------------------------------------


def test_tasks_due_dates_overdue_list_and_caseload(world: World) -> None:
    case_id = open_case(world)
    with pytest.raises(ValidationFailed) as past:
        run(
            world,
            "protection",
            service.add_task,
            case_id=case_id,
            data=TaskCreate(title="Call back", due_on=TODAY - dt.timedelta(days=1)),
        )
    assert fields_of(past) == {"due_on": "past_date"}
    with pytest.raises(ValidationFailed) as who:
        run(
            world,
            "protection",
            service.add_task,
            case_id=case_id,
            data=TaskCreate(title="Call back", due_on=TODAY, assignee_id=world.users["officer2"]),
        )
    assert fields_of(who) == {"assignee_id": "not_assigned"}
    run(
        world,
        "protection",
        service.add_task,
        case_id=case_id,
        data=TaskCreate(title="Call back", due_on=TODAY),
    )
    run(
        world,
        "protection",
        service.add_task,
        case_id=case_id,
        data=TaskCreate(
            title="Visit", due_on=TODAY + dt.timedelta(days=2), assignee_id=world.users["supervisor"]
        ),
    )
    later = dt.datetime.combine(TODAY + dt.timedelta(days=5), dt.time(9), tzinfo=dt.UTC)
    with clock.frozen(later):
        late = run(world, "protection", queries.overdue_tasks)
        assert [(t.title, t.days_overdue) for t in late] == [("Call back", 5), ("Visit", 3)]
        assert [t.title for t in run(world, "protection", queries.overdue_tasks, mine_only=True)] == [
            "Call back"
        ]
        assert run(world, "officer2", queries.overdue_tasks) == []  # not their case
        load = {
            (w.username, w.role): (w.active_cases, w.overdue_tasks)
            for w in run(world, "supervisor", queries.caseload)
        }
        assert load == {("protection", "caseworker"): (1, 1), ("supervisor", "supervisor"): (1, 0)}
        assert [(w.username, w.active_cases) for w in run(world, "protection", queries.caseload)] == [
            ("protection", 1)
        ]
    with unit_of_work(world.container.sessions) as s:
        task = s.scalars(select(CaseTask).where(CaseTask.title == "Call back")).one()
    with pytest.raises(NotFound):
        run(world, "officer2", service.complete_task, task_id=task.id)
    run(world, "protection", service.cancel_task, task_id=task.id, note="Reached by phone already")
    with pytest.raises(Conflict, match="already cancelled"):
        run(world, "protection", service.complete_task, task_id=task.id)


# --- referrals ----------------------------------------------------------------------------------


def test_referral_with_consent_minimum_data_acceptance_and_feedback(world: World) -> None:
    case_id = open_case(world)
    ref_id = referral(world, case_id, urgency="urgent")
    inbox = run(world, "provider", queries.referral_inbox)
    assert [r.id for r in inbox] == [ref_id]
    seen = run(world, "provider", queries.received_referral, referral_id=ref_id)
    assert seen.shared_fields == ["given_name", "sex", "age", "languages", "site"]
    assert seen.shared_data == {
        "given_name": "Amira",
        "sex": "F",
        "age": 30,
        "languages": ["ara"],
        "site": "Zaatari camp",
    }
    assert not hasattr(seen, "case_id") and "Khalil" not in str(seen)  # never the case nor the family name
    assert seen.respond_by - seen.sent_at == dt.timedelta(hours=24)
    with pytest.raises(NotFound):  # only the service's members answer
        run(world, "officer2", service.accept_referral, referral_id=ref_id)
    run(world, "provider", service.accept_referral, referral_id=ref_id, note="Appointment Monday")
    with pytest.raises(Conflict):
        run(world, "provider", service.reject_referral, referral_id=ref_id, reason="full")
    run(
        world,
        "provider",
        service.complete_referral,
        referral_id=ref_id,
        feedback="Seen by the doctor; treated.",
    )
    record = run(world, "protection", queries.get_case, key=case_id)
    (view,) = record.referrals
    assert view.status == "completed" and view.feedback == "Seen by the doctor; treated."
    assert [e.status for e in view.events] == ["sent", "accepted", "completed"]


def test_referral_refusals_name_each_field(world: World) -> None:
    case_id = open_case(world)
    with pytest.raises(ValidationFailed) as exc:
        referral(world, case_id, service_id=world.lbn_service_id, consent_given=False, consent_by="caregiver")
    assert fields_of(exc) == {
        "service_id": "other_operation",
        "consent_given": "consent_missing",
        "consent_by": "adult_consent",
    }
    with pytest.raises(ValidationFailed) as unknown:
        referral(
            world, case_id, service_id=uuid.uuid4(), consent_on=(TODAY + dt.timedelta(days=1)).isoformat()
        )
    assert fields_of(unknown) == {"service_id": "not_found", "consent_on": "future_date"}
    child = open_case(world, individual_id=world.son_id, case_type="child_protection")
    with pytest.raises(ValidationFailed) as kid:
        referral(world, child, consent_by="person")
    assert fields_of(kid) == {"consent_by": "child_consent"}
    with pytest.raises(ValidationFailed) as bi:
        referral(world, child, consent_by="best_interests")
    assert fields_of(bi) == {"consent_note": "required", "consent_by": "no_bia"}
    referral(world, child, consent_by="caregiver")  # the father agreed
    with unit_of_work(world.container.sessions) as s:
        assert s.scalar(select(func.count()).select_from(Referral)) == 1


def test_rejection_and_revocation(world: World) -> None:
    case_id = open_case(world)
    first = referral(world, case_id)
    with pytest.raises(ValidationFailed):
        run(world, "provider", service.reject_referral, referral_id=first, reason="")
    run(world, "provider", service.reject_referral, referral_id=first, reason="No female doctor this month")
    second = referral(world, case_id, shared_fields=["given_name", "family_name", "phone"])
    assert run(world, "provider", queries.received_referral, referral_id=second).shared_data["phone"]
    run(world, "protection", service.revoke_referral, referral_id=second, reason="Consent withdrawn")
    with pytest.raises(NotFound):
        run(world, "provider", queries.received_referral, referral_id=second)
    with pytest.raises(NotFound):
        run(world, "provider", service.accept_referral, referral_id=second)
    assert [r.id for r in run(world, "provider", queries.referral_inbox)] == [first]
    with unit_of_work(world.container.sessions) as s:
        assert s.get(Referral, second).shared_data == {}  # type: ignore[union-attr]


def test_referrals_breaching_their_service_level_time(world: World) -> None:
    case_id = open_case(world)
    urgent = referral(world, case_id, urgency="urgent")
    normal = referral(world, case_id, urgency="normal")
    soon = clock.now() + dt.timedelta(hours=30)
    late = run(world, "protection", queries.referrals_breaching_sla, now=soon)
    assert [(b.referral_id, b.side, b.hours_late) for b in late] == [(urgent, "referrer", 6)]
    assert [b.side for b in run(world, "provider", queries.referrals_breaching_sla, now=soon)] == ["receiver"]
    assert run(world, "officer2", queries.referrals_breaching_sla, now=soon) == []
    run(world, "provider", service.accept_referral, referral_id=urgent)
    much_later = clock.now() + dt.timedelta(days=6)
    assert [
        b.referral_id for b in run(world, "protection", queries.referrals_breaching_sla, now=much_later)
    ] == [normal]


def test_directory_needs_its_permission(world: World) -> None:
    from refugio.protection.schemas import OrganisationCreate

    with pytest.raises(PermissionDenied):
        run(
            world,
            "protection",
            service.create_organisation,
            data=OrganisationCreate(operation_id=world.operation_id, name="X", kind="national_ngo"),
        )
    run(
        world,
        "supervisor",
        service.create_organisation,
        data=OrganisationCreate(operation_id=world.operation_id, name="Safe Haven", kind="national_ngo"),
    )
    assert {o.name for o in run(world, "protection", queries.organisations)} == {
        "Jordan Health Aid",
        "Safe Haven",
    }
    assert [s.service.name for s in run(world, "provider", queries.services)] == ["Clinic"]
    assert [s.service.name for s in run(world, "lbn_officer", queries.services)] == ["Counsel"]
    assert run(world, "clerk", queries.services) == []
    with pytest.raises(ValidationFailed) as member:
        run(
            world,
            "supervisor",
            service.add_service_member,
            service_id=world.health_id,
            user_id=world.users["clerk"],
        )
    assert fields_of(member) == {"user_id": "not_permitted"}
