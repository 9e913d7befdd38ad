"""Best-interests procedures of a child-protection case: the best-interests assessment (BIA) of a child
and the panel's best-interests determination (BID), each submitted by someone assigned to the case and
approved, or returned for revision, by an assigned supervisor who did not submit it. A BID rests on an
approved BIA and needs a panel of at least `BID_MIN_PANEL` different members. Writes flush, never
commit, and are audited; refugio.protection.service re-exports the verbs.
"""

from __future__ import annotations

import uuid
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from refugio.protection import policy
from refugio.protection.common import (
    audited,
    ensure_editable,
    ensure_not_closing,
    event,
    is_child,
    load_case,
    members,
    not_in_future,
    primary_person,
    raise_if,
)
from refugio.protection.enums import BID_MIN_PANEL, ApprovalStatus, CaseType
from refugio.protection.models import BestInterestsAssessment, BestInterestsDetermination, ProtectionCase
from refugio.protection.schemas import BiaCreate, BiaRead, BidCreate, BidRead
from refugio.registration.models import Individual
from refugio.security.principals import Principal


def _child_of_case(session: Session, case: ProtectionCase, child_id: uuid.UUID) -> Individual:
    for _link, person in members(session, case):
        if person.id == child_id:
            if not is_child(person):
                raise ValidationFailed.single(
                    "child_id", "the person is not a child (18 or older)", "not_a_child"
                )
            return person
    raise ValidationFailed.single("child_id", "the child is not linked to this case", "not_linked")


def submit_bia(session: Session, *, actor: Principal, case_id: uuid.UUID, data: BiaCreate) -> BiaRead:
    """A best-interests assessment of a child of a child-protection case, for a supervisor's approval."""
    case = load_case(session, case_id)
    policy.require_work(session, actor, case)
    ensure_not_closing(case)
    if case.case_type != CaseType.CHILD_PROTECTION:
        raise Conflict(f"case {case.code}: best-interests procedures belong to child protection cases")
    child = _child_of_case(session, case, data.child_id)
    errors: list[FieldError] = []
    not_in_future(data.assessed_on, "assessed_on", errors)
    raise_if(errors)
    pending = session.scalar(
        select(BestInterestsAssessment.id).where(
            BestInterestsAssessment.case_id == case.id,
            BestInterestsAssessment.child_id == child.id,
            BestInterestsAssessment.status == ApprovalStatus.SUBMITTED.value,
        )
    )
    if pending is not None:
        raise Conflict(f"case {case.code}: a BIA of this child awaits the supervisor's decision")
    row = BestInterestsAssessment(
        case_id=case.id,
        child_id=child.id,
        assessed_on=data.assessed_on,
        findings=data.findings,
        child_views=data.child_views,
        recommendation=data.recommendation,
        status=ApprovalStatus.SUBMITTED.value,
        submitted_by=actor.label,
    )
    session.add(row)
    session.flush()
    event(
        session, case, actor, "bia_submitted", "best-interests assessment submitted", {"bia_id": str(row.id)}
    )
    audited(session, actor, "case.bia_submit", case, {"bia_id": str(row.id)})
    return BiaRead.model_validate(row)


def _decide(
    session: Session,
    *,
    actor: Principal,
    row: BestInterestsAssessment | BestInterestsDetermination,
    approve: bool,
    note: str,
    what: str,
) -> ProtectionCase:
    case = load_case(session, row.case_id)
    policy.require_supervisor(session, actor, case, submitted_by=row.submitted_by)
    ensure_editable(case)
    if row.status != ApprovalStatus.SUBMITTED:
        raise Conflict(f"case {case.code}: this {what.upper()} was already {row.status}")
    if not approve and len(note.strip()) < 3:
        raise ValidationFailed.single("note", "say what must be revised", "required")
    row.status = (ApprovalStatus.APPROVED if approve else ApprovalStatus.RETURNED).value
    row.decided_at, row.decided_by, row.decision_note = clock.now(), actor.label, note.strip() or None
    verb = "approved" if approve else "returned for revision"
    event(session, case, actor, f"{what}_{row.status}", f"{what.upper()} {verb}", {f"{what}_id": str(row.id)})
    audited(
        session, actor, f"case.{what}_{'approve' if approve else 'return'}", case, {f"{what}_id": str(row.id)}
    )
    return case


def _bia(session: Session, bia_id: uuid.UUID) -> BestInterestsAssessment:
    row = session.get(BestInterestsAssessment, bia_id)
    if row is None:
        raise NotFound("no such best-interests assessment")
    return row


def _bid(session: Session, bid_id: uuid.UUID) -> BestInterestsDetermination:
    row = session.get(BestInterestsDetermination, bid_id)
    if row is None:
        raise NotFound("no such best-interests determination")
    return row


def decide_bia(
    session: Session, *, actor: Principal, bia_id: uuid.UUID, approve: bool, note: str = ""
) -> BiaRead:
    """An assigned supervisor, other than its author, approves the BIA or returns it for revision (a new
    one is then submitted; a return says what must be revised)."""
    row = _bia(session, bia_id)
    _decide(session, actor=actor, row=row, approve=approve, note=note, what="bia")
    return BiaRead.model_validate(row)


approve_bia = partial(decide_bia, approve=True)
return_bia = partial(decide_bia, approve=False)


def submit_bid(session: Session, *, actor: Principal, case_id: uuid.UUID, data: BidCreate) -> BidRead:
    """The panel's best-interests determination (members, decision, reasons), on an approved BIA."""
    case = load_case(session, case_id)
    policy.require_work(session, actor, case)
    ensure_not_closing(case)
    bia = session.get(BestInterestsAssessment, data.bia_id)
    errors: list[FieldError] = []
    if bia is None or bia.case_id != case.id:
        errors.append(FieldError("bia_id", "no such best-interests assessment on this case", "not_found"))
    elif bia.status != ApprovalStatus.APPROVED:
        errors.append(FieldError("bia_id", "the BIA has not been approved by a supervisor", "not_approved"))
    names = {m.name.casefold() for m in data.panel}
    if len(names) < BID_MIN_PANEL:
        errors.append(
            FieldError("panel", f"a BID panel has at least {BID_MIN_PANEL} different members", "too_few")
        )
    not_in_future(data.panel_date, "panel_date", errors)
    raise_if(errors)
    assert bia is not None
    pending = session.scalar(
        select(BestInterestsDetermination.id).where(
            BestInterestsDetermination.case_id == case.id,
            BestInterestsDetermination.child_id == bia.child_id,
            BestInterestsDetermination.status == ApprovalStatus.SUBMITTED.value,
        )
    )
    if pending is not None:
        raise Conflict(f"case {case.code}: a BID of this child awaits the supervisor's decision")
    row = BestInterestsDetermination(
        case_id=case.id,
        child_id=bia.child_id,
        bia_id=bia.id,
        panel=[m.model_dump() for m in data.panel],
        panel_date=data.panel_date,
        decision=data.decision.value,
        reasons=data.reasons,
        status=ApprovalStatus.SUBMITTED.value,
        submitted_by=actor.label,
    )
    session.add(row)
    session.flush()
    event(
        session,
        case,
        actor,
        "bid_submitted",
        f"best-interests determination submitted: {data.decision.value}",
    )
    audited(session, actor, "case.bid_submit", case, {"bid_id": str(row.id), "decision": data.decision.value})
    return BidRead.model_validate(row)


def decide_bid(
    session: Session, *, actor: Principal, bid_id: uuid.UUID, approve: bool, note: str = ""
) -> BidRead:
    """The same supervisor's decision on a BID."""
    row = _bid(session, bid_id)
    _decide(session, actor=actor, row=row, approve=approve, note=note, what="bid")
    return BidRead.model_validate(row)


approve_bid = partial(decide_bid, approve=True)
return_bid = partial(decide_bid, approve=False)


def approved_exists(
    session: Session,
    model: type[BestInterestsAssessment] | type[BestInterestsDetermination],
    case: ProtectionCase,
) -> bool:
    return (
        session.scalar(
            select(model.id)
            .where(model.case_id == case.id, model.status == ApprovalStatus.APPROVED.value)
            .limit(1)
        )
        is not None
    )


def needs_bia(session: Session, case: ProtectionCase) -> bool:
    """A child-protection case of a child needs an approved BIA before its plan."""
    return case.case_type == CaseType.CHILD_PROTECTION and is_child(primary_person(session, case))
