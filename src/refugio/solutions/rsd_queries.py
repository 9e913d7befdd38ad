"""Reads of refugee status determination: the register (claims an RSD supervisor may see, without
names), the claims one is assigned to, a claim's file (only for its assigned staff; the read is
audited), and the figures (backlog, median days per stage, recognition rates by level, persons and
cases apart) computed by refugio.solutions.figures."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from refugio.core.errors import NotFound, PermissionDenied
from refugio.registration import queries as registry
from refugio.security import audit
from refugio.security.models import RoleGrant, User
from refugio.security.permissions import ROLE_PERMISSIONS, Role
from refugio.security.principals import Principal
from refugio.solutions import figures, policy
from refugio.solutions.enums import Level, Stage
from refugio.solutions.models import (
    RsdAppeal,
    RsdAssessment,
    RsdAssignment,
    RsdClaim,
    RsdDecision,
    RsdEvent,
    RsdInterview,
    RsdMember,
)
from refugio.solutions.notice_queries import claim_notices
from refugio.solutions.schemas import ClaimDetail, ClaimRead, EventRead, MemberRead


def find_claim(session: Session, key: uuid.UUID | str) -> uuid.UUID:
    try:
        return uuid.UUID(str(key))
    except ValueError:
        found = session.scalar(select(RsdClaim.id).where(RsdClaim.ref == str(key).strip().upper()))
        if found is None:
            raise NotFound("no such claim") from None
        return found


@dataclass(frozen=True)
class StaffMember:
    user_id: uuid.UUID
    username: str
    full_name: str
    roles: tuple[str, ...]  # the claim roles the user's grants allow (officer, reviewer, appeal_officer)


def staff(session: Session, *, actor: Principal, operation_id: uuid.UUID) -> list[StaffMember]:
    """The active users granted a role in this operation (or one of its sites) that allows a claim role:
    the choices when an RSD supervisor assigns staff, or an officer opens a claim for a colleague. Global
    grants (administrators) are not offered; a user granted one site only is refused for a claim of
    another site when assigned (`rsd.assign`). Empty unless the actor processes or reviews claims here."""
    if not (
        actor.can(policy.P.RSD_REVIEW, operation_id=operation_id)
        or actor.can(policy.P.RSD_PROCESS, operation_id=operation_id)
    ):
        return []
    rows = session.execute(
        select(User.id, User.username, User.full_name, RoleGrant.role)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.operation_id == operation_id, User.is_active.is_(True))
        .order_by(User.username)
    )
    found: dict[uuid.UUID, tuple[str, str, set[str]]] = {}
    for user_id, username, full_name, role in rows:
        try:
            held = ROLE_PERMISSIONS[Role(role)]
        except ValueError:
            continue
        claim_roles = {r for r, perm in policy.ROLE_PERMISSION.items() if perm in held}
        if claim_roles:
            found.setdefault(user_id, (username, full_name or username, set()))[2].update(claim_roles)
    order = list(policy.ROLE_PERMISSION)
    return [
        StaffMember(uid, name, full, tuple(sorted(roles, key=order.index)))
        for uid, (name, full, roles) in found.items()
    ]


def readable(session: Session, *, actor: Principal, claim_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these claims' files `actor` may read (assigned, with the role's permission)."""
    if not claim_ids:
        return set()
    return set(
        session.scalars(select(RsdClaim.id).where(RsdClaim.id.in_(claim_ids), policy.detail_clause(actor)))
    )


def _claim_read(session: Session, claim: RsdClaim) -> ClaimRead:
    assigned = [
        f"{u} ({r})"
        for u, r in session.execute(
            select(RsdAssignment.username, RsdAssignment.role).where(
                RsdAssignment.claim_id == claim.id, RsdAssignment.active.is_(True)
            )
        )
    ]
    members = len(list(session.scalars(select(RsdMember.id).where(RsdMember.claim_id == claim.id))))
    level = (
        Level.APPEAL
        if claim.stage in (Stage.APPEALED.value, Stage.APPEAL_DECIDED.value)
        else Level.FIRST_INSTANCE
    )
    return ClaimRead(
        id=claim.id,
        ref=claim.ref,
        operation_id=claim.operation_id,
        site_id=claim.site_id,
        modality=claim.modality,
        stage=claim.stage,
        level=level,
        lodged_on=claim.lodged_on,
        language=claim.language,
        members=members,
        assigned=assigned,
        appeal_deadline=claim.appeal_deadline,
    )


def list_claims(
    session: Session, *, actor: Principal, stage: str | None = None, limit: int = 500
) -> list[ClaimRead]:
    """The claims one is assigned to, and the register for RSD supervisors (no names either way)."""
    stmt = (
        select(RsdClaim)
        .where(or_(policy.detail_clause(actor), policy.register_clause(actor)))
        .order_by(RsdClaim.lodged_on.desc(), RsdClaim.ref)
        .limit(max(1, min(limit, 5000)))
    )
    if stage:
        stmt = stmt.where(RsdClaim.stage == stage)
    return [_claim_read(session, c) for c in session.scalars(stmt)]


def _may(session: Session, actor: Principal, claim: RsdClaim, roles: frozenset[str]) -> list[str]:
    level_appeal = claim.stage in (Stage.APPEALED.value, Stage.APPEAL_DECIDED.value)
    worker = "appeal_officer" if level_appeal else "officer"
    may: list[str] = []
    if worker in roles:
        may += ["schedule", "record", "assess", "decide", "close"]
    if "officer" in roles and claim.stage == Stage.DECIDED.value:
        may.append("appeal")
    if "reviewer" in roles:
        may.append("review")
    if roles & {"officer", "appeal_officer"}:
        may.append("deliver")
    if actor.can(policy.P.RSD_REVIEW, operation_id=claim.operation_id, site_id=claim.site_id):
        may.append("assign")
    return may


def _plain(row: Any, *names: str) -> dict[str, Any]:
    return {n: getattr(row, n) for n in ("id", *names)}


def _steps(
    session: Session, claim_id: uuid.UUID
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], dict[str, Any] | None]:
    """A claim's interviews, assessments, decisions and appeal, as plain dictionaries."""
    Iv, A, D = RsdInterview, RsdAssessment, RsdDecision
    interviews = [
        _plain(
            i,
            "level",
            "scheduled_at",
            "interviewer",
            "interpreter_id",
            "language",
            "status",
            "record",
            "held_at",
        )
        for i in session.scalars(select(Iv).where(Iv.claim_id == claim_id).order_by(Iv.scheduled_at))
    ]
    assessments = [
        _plain(
            a,
            "level",
            "outcomes",
            "legal_basis",
            "reasons",
            "author",
            "reviewed_by",
            "review_agrees",
            "review_note",
        )
        for a in session.scalars(select(A).where(A.claim_id == claim_id).order_by(A.created_at))
    ]
    decisions = [
        _plain(d, "level", "outcomes", "legal_basis", "reasons", "decided_by", "decided_on")
        for d in session.scalars(select(D).where(D.claim_id == claim_id).order_by(D.decided_on))
    ]
    row = session.scalar(select(RsdAppeal).where(RsdAppeal.claim_id == claim_id))
    appeal = _plain(row, "lodged_on", "grounds", "late", "late_reason", "recorded_by") if row else None
    return interviews, assessments, decisions, appeal


def get_claim(session: Session, *, actor: Principal, claim_id: uuid.UUID) -> ClaimDetail:
    """The file of a claim, for its assigned staff only; the read is audited."""
    claim = session.get(RsdClaim, claim_id)
    if claim is None:
        raise NotFound("no such claim")
    access = policy.require_file(session, actor, claim)
    rows = list(session.scalars(select(RsdMember).where(RsdMember.claim_id == claim.id)))
    people = registry.people_brief(session, [m.individual_id for m in rows])
    members = [
        MemberRead(
            individual_id=m.individual_id,
            ref=people[m.individual_id].ref,
            name=people[m.individual_id].name,
            sex=people[m.individual_id].sex,
            principal=m.principal,
            first_outcome=m.first_outcome,
            appeal_outcome=m.appeal_outcome,
        )
        for m in sorted(rows, key=lambda m: (not m.principal, people[m.individual_id].ref))
    ]

    interviews, assessments, decisions, appeal = _steps(session, claim.id)
    events = [
        EventRead(kind=e.kind, stage=e.stage, at=e.at, actor=e.actor, details=e.details)
        for e in session.scalars(select(RsdEvent).where(RsdEvent.claim_id == claim.id).order_by(RsdEvent.at))
    ]
    audit.record(
        session,
        actor=actor,
        action="rsd.read",
        object_type="rsd_claim",
        object_id=str(claim.id),
        details={"claim": claim.ref},
    )
    return ClaimDetail(
        claim=_claim_read(session, claim),
        members=members,
        interviews=interviews,
        assessments=assessments,
        decisions=decisions,
        appeal=appeal,
        events=events,
        may=_may(session, actor, claim, access.roles),
        notifications=claim_notices(session, claim.id),
    )


def rsd_figures(
    session: Session, *, actor: Principal, operation_id: uuid.UUID | None = None
) -> dict[str, Any]:
    """Backlog, median days per stage and the rates by level (persons and cases apart): aggregates of
    the claims in the actor's SOLUTIONS_VIEW scope."""
    if not actor.can_anywhere(policy.P.SOLUTIONS_VIEW):
        raise PermissionDenied(f"{actor.label} lacks {policy.P.SOLUTIONS_VIEW.value}")
    scope = policy.figures_clause(actor)
    claim_filter = [scope] if operation_id is None else [scope, RsdClaim.operation_id == operation_id]
    stage_code = {s: i for i, s in enumerate(figures.STAGES)}
    outcome_code = {o: i for i, o in enumerate(figures.OUTCOMES)}
    stages = np.array(
        [stage_code[s] for s in session.scalars(select(RsdClaim.stage).where(*claim_filter))], dtype=np.int64
    )
    ev = session.execute(
        select(RsdEvent.claim_id, RsdEvent.stage, RsdEvent.at)
        .join(RsdClaim, RsdClaim.id == RsdEvent.claim_id)
        .where(*claim_filter)
        .order_by(RsdEvent.claim_id, RsdEvent.at)
    ).all()
    index: dict[uuid.UUID, int] = {}
    epoch = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    claim_idx = np.array([index.setdefault(c, len(index)) for c, _s, _a in ev], dtype=np.int64)
    ev_stage = np.array([stage_code[s] for _c, s, _a in ev], dtype=np.int64)
    at = np.array(
        [((a if a.tzinfo else a.replace(tzinfo=dt.UTC)) - epoch).total_seconds() / 86400 for _c, _s, a in ev]
    )
    members = session.execute(
        select(RsdMember.principal, RsdMember.first_outcome, RsdMember.appeal_outcome)
        .join(RsdClaim, RsdClaim.id == RsdMember.claim_id)
        .where(*claim_filter)
    ).all()

    def codes(column: int, principal_only: bool) -> np.ndarray[Any, np.dtype[np.int64]]:
        return np.array(
            [outcome_code.get(str(row[column] or ""), -1) for row in members if row[0] or not principal_only],
            dtype=np.int64,
        )

    return {
        "claims": len(stages),
        "backlog": figures.backlog(stages),
        "median_days": figures.stage_medians(claim_idx, ev_stage, at),
        "rates": {
            level: {
                "persons": figures.rates(codes(col, False)).as_dict(),
                "cases": figures.rates(codes(col, True)).as_dict(),
            }
            for level, col in (("first_instance", 1), ("appeal", 2))
        },
    }


def list_interpreters(session: Session, *, actor: Principal, operation_id: uuid.UUID) -> list[dict[str, Any]]:
    """The active interpreters of an operation (name, languages, gender), for RSD staff there."""
    if not actor.can(policy.P.RSD_PROCESS, operation_id=operation_id) and not actor.can(
        policy.P.RSD_REVIEW, operation_id=operation_id
    ):
        return []
    from refugio.solutions.models import Interpreter

    rows = session.scalars(
        select(Interpreter)
        .where(Interpreter.operation_id == operation_id, Interpreter.active.is_(True))
        .order_by(Interpreter.name)
    )
    return [{"id": i.id, "name": i.name, "languages": list(i.languages), "gender": i.gender} for i in rows]


def decision_letter(
    session: Session, *, actor: Principal, claim_id: uuid.UUID, level: str = "first_instance"
) -> bytes:
    """The decision letter of a level as PDF, in the claim's language, for its assigned staff (audited)."""
    from refugio.solutions import fpdf_letters

    claim = session.get(RsdClaim, claim_id)
    if claim is None:
        raise NotFound("no such claim")
    policy.require_file(session, actor, claim)
    decision = session.scalar(
        select(RsdDecision).where(RsdDecision.claim_id == claim.id, RsdDecision.level == level)
    )
    if decision is None:
        raise NotFound(f"claim {claim.ref} has no {level.replace('_', ' ')} decision")
    members = list(session.scalars(select(RsdMember).where(RsdMember.claim_id == claim.id)))
    people = registry.people_brief(session, [m.individual_id for m in members])
    ordered = sorted(members, key=lambda m: (not m.principal, people[m.individual_id].ref))
    letter = fpdf_letters.Letter(
        claim_ref=claim.ref,
        operation=registry.operation_code(session, claim.operation_id),
        language=claim.language,
        level=level,
        decided_on=decision.decided_on,
        people=[
            (people[m.individual_id].name, decision.outcomes.get(str(m.individual_id), "")) for m in ordered
        ],
        legal_basis=list(decision.legal_basis),
        reasons=decision.reasons,
        appeal_deadline=claim.appeal_deadline,
    )
    audit.record(
        session,
        actor=actor,
        action="rsd.letter",
        object_type="rsd_claim",
        object_id=str(claim.id),
        details={"claim": claim.ref, "level": level},
    )
    return fpdf_letters.render(letter)
