"""Refugee status determination with due process: a claim for registered people of one household,
staff assigned to it, an interview with an interpreter who speaks the claim's language (and of the
gender the applicant asked for), the interview record, an eligibility assessment with reasons and a
legal basis per outcome, a second officer's review, the decision (each person's own outcome), the
appeal within its deadline (late only with a recorded reason) decided by an officer other than the
first-instance one, and the closure of abandoned claims. Every step is an RsdEvent and an audit
entry naming the claim by reference only. Flushes, never commits."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.core.errors import (
    Conflict,
    FieldError,
    NotFound,
    PermissionDenied,
    UnknownReference,
    ValidationFailed,
)
from refugio.registration import queries as registry
from refugio.security.principals import Principal
from refugio.solutions import policy
from refugio.solutions.common import audited, new_ref
from refugio.solutions.enums import (
    COMPLEMENTARY_BASES,
    NEGATIVE_BASES,
    OPEN_STAGES,
    REFUGEE_BASES,
    InterviewStatus,
    LegalBasis,
    Level,
    Modality,
    Outcome,
    Stage,
)
from refugio.solutions.models import (
    Interpreter,
    RsdAppeal,
    RsdAssessment,
    RsdAssignment,
    RsdClaim,
    RsdDecision,
    RsdEvent,
    RsdInterview,
    RsdMember,
)
from refugio.solutions.schemas import (
    AppealIn,
    AssessmentIn,
    ClaimOpen,
    InterpreterCreate,
    InterviewRecord,
    InterviewSchedule,
    ReviewIn,
)
from refugio.solutions.service import rsd_status

MIN_REASONS = 20  # characters: a decision states its reasons
NO_INTERVIEW = {Modality.SIMPLIFIED.value, Modality.MERGED_REGISTRATION_RSD.value}


def record_step(
    session: Session, claim: RsdClaim, actor: Principal, kind: str, stage: Stage | None = None, **details: Any
) -> None:
    """A step of the claim: its history (RsdEvent), its version and an audit entry."""
    if stage is not None:
        claim.stage = stage.value
    claim.version += 1
    claim.updated_at = clock.now()
    session.add(RsdEvent(claim_id=claim.id, kind=kind, stage=claim.stage, actor=actor.label, details=details))
    audited(session, actor, f"rsd.{kind}", "rsd_claim", str(claim.id), claim=claim.ref, stage=claim.stage)


def load(session: Session, claim_id: uuid.UUID) -> RsdClaim:
    claim = session.get(RsdClaim, claim_id)
    if claim is None:
        raise NotFound("no such claim")
    return claim


def level_of(claim: RsdClaim) -> Level:
    appeal = (Stage.APPEALED, Stage.APPEAL_DECIDED)
    return Level.APPEAL if claim.stage in {s.value for s in appeal} else Level.FIRST_INSTANCE


def _stage_in(claim: RsdClaim, *stages: Stage, doing: str) -> None:
    if claim.stage not in {s.value for s in stages}:
        raise Conflict(f"claim {claim.ref} is {claim.stage.replace('_', ' ')}: cannot {doing} now")


def open_claim(session: Session, *, actor: Principal, data: ClaimOpen) -> RsdClaim:
    """A claim for the principal applicant and the members of the household on it."""
    scope = registry.household_scope(session, data.household_id)
    if scope is None:
        raise UnknownReference.single("household_id", "no such household", "unknown")
    operation_id, site_id = scope
    policy.require_open(actor, operation_id=operation_id, site_id=site_id)
    ids = [data.principal_id, *[m for m in data.member_ids if m != data.principal_id]]
    people = registry.people_brief(session, ids)
    errors = [
        FieldError(
            "principal_id" if i == 0 else f"member_ids.{i - 1}",
            "not a member of this household",
            "not_member",
        )
        for i, pid in enumerate(ids)
        if pid not in people or people[pid].household_id != data.household_id
    ]
    if errors:
        raise ValidationFailed(errors)
    open_on = session.scalar(
        select(RsdClaim.ref)
        .join(RsdMember, RsdMember.claim_id == RsdClaim.id)
        .where(RsdMember.individual_id.in_(ids), RsdClaim.stage.in_(OPEN_STAGES))
    )
    if open_on:
        raise Conflict(f"a person of this claim is already on open claim {open_on}")
    claim = RsdClaim(
        ref=new_ref("RSD", registry.operation_code(session, operation_id)),
        operation_id=operation_id,
        site_id=site_id,
        household_id=data.household_id,
        modality=data.modality.value,
        stage=Stage.REGISTERED.value,
        lodged_on=data.lodged_on or clock.today(),
        language=data.language,
        interpreter_gender=data.interpreter_gender,
        appeal_days=data.appeal_days,
        created_by=actor.label,
    )
    session.add(claim)
    session.flush()
    for pid in ids:
        session.add(RsdMember(claim_id=claim.id, individual_id=pid, principal=pid == data.principal_id))
    record_step(session, claim, actor, "lodged", Stage.REGISTERED, modality=claim.modality, members=len(ids))
    officer = data.officer_id or actor.user_id
    if officer is not None:
        assign(session, actor=actor, claim_id=claim.id, user_id=officer, role="officer", opening=True)
    return claim


def assign(
    session: Session,
    *,
    actor: Principal,
    claim_id: uuid.UUID,
    user_id: uuid.UUID,
    role: str,
    opening: bool = False,
) -> RsdAssignment:
    """Assign a user to the claim as officer, reviewer or appeal officer (an RSD supervisor's act; the
    officer who opens a claim is assigned with it)."""
    from refugio.security import service as security
    from refugio.security.models import User

    claim = load(session, claim_id)
    if role not in policy.ROLE_PERMISSION:
        raise ValidationFailed.single("role", f"one of {', '.join(policy.ROLE_PERMISSION)}")
    if not (opening and role == "officer"):
        policy.require_register(session, actor, claim)
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise ValidationFailed.single("user_id", "no such active user", "unknown")
    who = security.principal_for(session, user)
    if not policy.may_hold(who, role, claim):
        raise ValidationFailed.single(
            "user_id",
            f"{user.username} lacks {policy.ROLE_PERMISSION[role].value} for this claim",
            "not_allowed",
        )
    if role == "appeal_officer":
        first = session.scalar(
            select(RsdDecision.decided_by).where(
                RsdDecision.claim_id == claim.id, RsdDecision.level == Level.FIRST_INSTANCE.value
            )
        )
        if first == user.username:
            raise ValidationFailed.single(
                "user_id",
                f"{user.username} decided the first instance: an appeal goes to another officer",
                "same_officer",
            )
    row = RsdAssignment(
        claim_id=claim.id, user_id=user.id, username=user.username, role=role, assigned_by=actor.label
    )
    session.add(row)
    record_step(session, claim, actor, "assigned", None, user=user.username, role=role)
    return row


def add_interpreter(
    session: Session, *, actor: Principal, operation_id: uuid.UUID, data: InterpreterCreate
) -> Interpreter:
    actor.require(policy.P.RSD_REVIEW, operation_id=operation_id)
    row = Interpreter(operation_id=operation_id, name=data.name, languages=data.languages, gender=data.gender)
    session.add(row)
    audited(session, actor, "rsd.interpreter", "rsd_interpreter", str(row.id), languages=data.languages)
    return row


def _interviewer_role(claim: RsdClaim) -> str:
    return "appeal_officer" if level_of(claim) is Level.APPEAL else "officer"


def schedule_interview(
    session: Session, *, actor: Principal, claim_id: uuid.UUID, data: InterviewSchedule
) -> RsdInterview:
    claim = load(session, claim_id)
    policy.require_role(session, actor, claim, _interviewer_role(claim), "schedule its interview")
    _stage_in(
        claim,
        Stage.REGISTERED,
        Stage.INTERVIEW_SCHEDULED,
        Stage.INTERVIEWED,
        Stage.APPEALED,
        doing="schedule an interview",
    )
    errors: list[FieldError] = []
    if data.interpreter_id is not None:
        interpreter = session.get(Interpreter, data.interpreter_id)
        if interpreter is None or interpreter.operation_id != claim.operation_id or not interpreter.active:
            raise ValidationFailed.single(
                "interpreter_id", "no such interpreter in this operation", "unknown"
            )
        if claim.language not in interpreter.languages:
            errors.append(
                FieldError(
                    "interpreter_id",
                    f"{interpreter.name} does not interpret {claim.language} "
                    f"(speaks {', '.join(interpreter.languages)})",
                    "wrong_language",
                )
            )
        if claim.interpreter_gender and interpreter.gender != claim.interpreter_gender:
            errors.append(
                FieldError(
                    "interpreter_id",
                    f"the applicant asked for an interpreter of gender {claim.interpreter_gender}",
                    "wrong_gender",
                )
            )
    if data.scheduled_at.tzinfo is not None and data.scheduled_at < clock.now():
        errors.append(FieldError("scheduled_at", "an interview is scheduled in the future", "in_past"))
    if errors:
        raise ValidationFailed(errors)
    row = RsdInterview(
        claim_id=claim.id,
        level=level_of(claim).value,
        scheduled_at=data.scheduled_at,
        interviewer=actor.label,
        interpreter_id=data.interpreter_id,
        language=claim.language,
    )
    session.add(row)
    session.flush()
    stage = Stage.APPEALED if level_of(claim) is Level.APPEAL else Stage.INTERVIEW_SCHEDULED
    record_step(
        session,
        claim,
        actor,
        "interview_scheduled",
        stage,
        interview=str(row.id),
        at=data.scheduled_at.isoformat(),
    )
    return row


def record_interview(
    session: Session, *, actor: Principal, claim_id: uuid.UUID, interview_id: uuid.UUID, data: InterviewRecord
) -> RsdInterview:
    claim = load(session, claim_id)
    policy.require_role(session, actor, claim, _interviewer_role(claim), "record its interview")
    row = session.get(RsdInterview, interview_id)
    if row is None or row.claim_id != claim.id:
        raise NotFound("no such interview")
    if row.status != InterviewStatus.SCHEDULED.value:
        raise Conflict("this interview is already recorded")
    if row.interviewer != actor.label:
        raise PermissionDenied(f"the interview is recorded by its interviewer ({row.interviewer})")
    row.record, row.status, row.held_at = data.record, InterviewStatus.HELD.value, clock.now()
    stage = Stage.APPEALED if level_of(claim) is Level.APPEAL else Stage.INTERVIEWED
    record_step(session, claim, actor, "interviewed", stage, interview=str(row.id))
    return row


def _basis_errors(data: AssessmentIn, members: set[uuid.UUID]) -> list[FieldError]:
    errors: list[FieldError] = []
    known = {b.value for b in LegalBasis}
    if len(data.reasons) < MIN_REASONS:
        errors.append(
            FieldError("reasons", f"state the reasons (at least {MIN_REASONS} characters)", "required")
        )
    if not data.legal_basis:
        errors.append(FieldError("legal_basis", "cite the legal basis of the outcome", "required"))
    for i, b in enumerate(data.legal_basis):
        if b not in known:
            errors.append(FieldError(f"legal_basis.{i}", f"unknown legal basis {b!r}", "unknown"))
    missing = members - set(data.outcomes)
    strangers = set(data.outcomes) - members
    if missing:
        errors.append(
            FieldError("outcomes", f"{len(missing)} person(s) on the claim without an outcome", "required")
        )
    if strangers:
        errors.append(FieldError("outcomes", "an outcome for someone not on the claim", "not_member"))
    cited = set(data.legal_basis)
    needs = {
        Outcome.RECOGNISED: (REFUGEE_BASES, "a 1951 Convention ground or a regional instrument"),
        Outcome.COMPLEMENTARY: (COMPLEMENTARY_BASES, "a complementary protection basis"),
        Outcome.REJECTED: (NEGATIVE_BASES, "none_met or exclusion (1951:art_1f)"),
    }
    for outcome in set(data.outcomes.values()):
        if outcome in needs and not cited & needs[outcome][0]:
            errors.append(
                FieldError("legal_basis", f"a {outcome.value} outcome cites {needs[outcome][1]}", "basis")
            )
    return errors


def assess(session: Session, *, actor: Principal, claim_id: uuid.UUID, data: AssessmentIn) -> RsdAssessment:
    """The eligibility assessment of the current level: an outcome per person, reasons, legal basis."""
    claim = load(session, claim_id)
    level = level_of(claim)
    policy.require_role(session, actor, claim, _interviewer_role(claim), "assess it")
    allowed = [Stage.INTERVIEWED, Stage.APPEALED]
    if claim.modality in NO_INTERVIEW:
        allowed += [Stage.REGISTERED]
    _stage_in(claim, *allowed, doing="assess (the interview comes first)")
    members = set(session.scalars(select(RsdMember.individual_id).where(RsdMember.claim_id == claim.id)))
    errors = _basis_errors(data, members)
    if errors:
        raise ValidationFailed(errors)
    row = RsdAssessment(
        claim_id=claim.id,
        level=level.value,
        outcomes={str(k): v.value for k, v in data.outcomes.items()},
        legal_basis=list(data.legal_basis),
        reasons=data.reasons,
        author=actor.label,
    )
    session.add(row)
    session.flush()
    stage = Stage.APPEALED if level is Level.APPEAL else Stage.ASSESSED
    record_step(session, claim, actor, "assessed", stage, level=level.value, assessment=str(row.id))
    return row


def _pending_assessment(session: Session, claim: RsdClaim, level: Level) -> RsdAssessment:
    row = session.scalar(
        select(RsdAssessment)
        .where(RsdAssessment.claim_id == claim.id, RsdAssessment.level == level.value)
        .order_by(RsdAssessment.created_at.desc())
        .limit(1)
    )
    if row is None:
        raise Conflict(f"claim {claim.ref} has no assessment at the {level.value.replace('_', ' ')} level")
    return row


def review(session: Session, *, actor: Principal, claim_id: uuid.UUID, data: ReviewIn) -> RsdAssessment:
    """A second officer's review of the latest assessment: agree (the claim can be decided) or not (it
    goes back to be assessed again)."""
    claim = load(session, claim_id)
    level = level_of(claim)
    policy.require_role(session, actor, claim, "reviewer", "review it")
    row = _pending_assessment(session, claim, level)
    if row.reviewed_by is not None:
        raise Conflict("the latest assessment is already reviewed")
    if row.author == actor.label:
        raise PermissionDenied("an assessment is reviewed by a second officer, not its author")
    row.reviewed_by, row.review_agrees, row.review_note = actor.label, data.agrees, data.note
    back = Stage.REVIEWED if data.agrees else Stage.INTERVIEWED
    stage = Stage.APPEALED if level is Level.APPEAL else back
    record_step(session, claim, actor, "reviewed", stage, agrees=data.agrees, assessment=str(row.id))
    return row


def decide(
    session: Session, *, actor: Principal, claim_id: uuid.UUID, notified_on: dt.date | None = None
) -> RsdDecision:
    """The decision of the current level from its reviewed assessment; the people are notified (the
    appeal deadline runs from then). An appeal is decided by an officer other than the first-instance one."""
    claim = load(session, claim_id)
    level = level_of(claim)
    role = "appeal_officer" if level is Level.APPEAL else "officer"
    policy.require_role(session, actor, claim, role, "decide it")
    actor.require(policy.P.RSD_DECIDE, operation_id=claim.operation_id, site_id=claim.site_id)
    if level is Level.FIRST_INSTANCE:
        _stage_in(claim, Stage.REVIEWED, doing="decide (a second officer reviews the assessment first)")
    else:
        _stage_in(claim, Stage.APPEALED, doing="decide the appeal")
        first = session.scalar(
            select(RsdDecision.decided_by).where(
                RsdDecision.claim_id == claim.id, RsdDecision.level == Level.FIRST_INSTANCE.value
            )
        )
        if first == actor.label:
            raise PermissionDenied(
                f"{actor.label} decided the first instance: the appeal is decided by another officer"
            )
    assessment = _pending_assessment(session, claim, level)
    if not assessment.review_agrees:
        raise Conflict("the latest assessment has not been agreed by a second officer")
    if not assessment.reasons or not assessment.legal_basis:
        raise ValidationFailed.single(
            "reasons", "a decision without reasons or legal basis is refused", "required"
        )
    today = notified_on or clock.today()
    row = RsdDecision(
        claim_id=claim.id,
        level=level.value,
        assessment_id=assessment.id,
        outcomes=dict(assessment.outcomes),
        legal_basis=list(assessment.legal_basis),
        reasons=assessment.reasons,
        decided_by=actor.label,
        decided_on=today,
    )
    session.add(row)
    for member in session.scalars(select(RsdMember).where(RsdMember.claim_id == claim.id)):
        outcome = assessment.outcomes.get(str(member.individual_id))
        if level is Level.APPEAL:
            member.appeal_outcome = outcome
        else:
            member.first_outcome = outcome
    claim.notified_on = today
    if level is Level.FIRST_INSTANCE:
        claim.appeal_deadline = today + dt.timedelta(days=claim.appeal_days)
    stage = Stage.APPEAL_DECIDED if level is Level.APPEAL else Stage.DECIDED
    session.flush()
    changed = rsd_status.on_decided(session, actor=actor, claim=claim, level=level, on=today)
    record_step(
        session,
        claim,
        actor,
        "decided",
        stage,
        level=level.value,
        outcomes=sorted(set(assessment.outcomes.values())),
        statuses_changed=changed,
    )
    return row


def lodge_appeal(session: Session, *, actor: Principal, claim_id: uuid.UUID, data: AppealIn) -> RsdAppeal:
    """An appeal against a first-instance decision; after the deadline only with a recorded reason."""
    claim = load(session, claim_id)
    policy.require_role(session, actor, claim, "officer", "record an appeal")
    _stage_in(claim, Stage.DECIDED, doing="appeal (only a first-instance decision is appealed)")
    negative = session.scalar(
        select(func.count()).where(
            RsdMember.claim_id == claim.id, RsdMember.first_outcome != Outcome.RECOGNISED.value
        )
    )
    if not negative:
        raise Conflict(f"claim {claim.ref}: everyone was recognised, there is nothing to appeal")
    lodged = data.lodged_on or clock.today()
    assert claim.appeal_deadline is not None
    late = lodged > claim.appeal_deadline
    if late and not data.late_reason:
        raise ValidationFailed.single(
            "late_reason",
            f"the appeal deadline was {claim.appeal_deadline.isoformat()}: "
            "record why the late appeal is accepted",
            "late",
        )
    row = RsdAppeal(
        claim_id=claim.id,
        lodged_on=lodged,
        grounds=data.grounds,
        late=late,
        late_reason=data.late_reason if late else None,
        recorded_by=actor.label,
    )
    session.add(row)
    session.flush()
    reopened = rsd_status.on_appeal_lodged(session, actor=actor, claim=claim)
    record_step(session, claim, actor, "appealed", Stage.APPEALED, late=late, statuses_changed=reopened)
    return row


def close(session: Session, *, actor: Principal, claim_id: uuid.UUID, reason: str) -> RsdClaim:
    """Close an open claim (abandoned, withdrawn): its people are `otherwise closed`, outside the rates."""
    claim = load(session, claim_id)
    policy.require_role(session, actor, claim, _interviewer_role(claim), "close it")
    _stage_in(claim, *(Stage(s) for s in OPEN_STAGES), doing="close")
    _close(session, claim, actor, reason)
    return claim


def _close(session: Session, claim: RsdClaim, actor: Principal, reason: str) -> None:
    level = level_of(claim)
    for member in session.scalars(select(RsdMember).where(RsdMember.claim_id == claim.id)):
        if level is Level.APPEAL:
            member.appeal_outcome = Outcome.OTHERWISE_CLOSED.value
        elif member.first_outcome is None:
            member.first_outcome = Outcome.OTHERWISE_CLOSED.value
    claim.closed_on, claim.closure_reason = clock.today(), reason
    record_step(session, claim, actor, "closed", Stage.CLOSED, reason=reason)


def close_abandoned(
    session: Session, *, actor: Principal, operation_id: uuid.UUID, inactive_days: int = 180
) -> list[str]:
    """Close the open claims of an operation with no step for `inactive_days` (abandoned)."""
    actor.require(policy.P.RSD_REVIEW, operation_id=operation_id)
    if inactive_days < 1:
        raise ValidationFailed.single("inactive_days", "at least one day")
    cutoff = clock.now() - dt.timedelta(days=inactive_days)
    last = (
        select(RsdEvent.claim_id, func.max(RsdEvent.at).label("last")).group_by(RsdEvent.claim_id).subquery()
    )
    claims = list(
        session.scalars(
            select(RsdClaim)
            .join(last, last.c.claim_id == RsdClaim.id)
            .where(
                RsdClaim.operation_id == operation_id, RsdClaim.stage.in_(OPEN_STAGES), last.c.last < cutoff
            )
        )
    )
    for claim in claims:
        _close(session, claim, actor, f"abandoned: no step for {inactive_days} days")
    return [c.ref for c in claims]
