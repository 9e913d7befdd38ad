"""The register of processing activities and their data protection impact assessments (DPIA): record
an activity (purpose, legal basis, data categories, data subjects, recipients and agreements, retention,
systems), open a DPIA of it, list its risks (likelihood × severity before and after mitigation), then
draft → in_review (submitted by its author) → approved (by someone else, with DPIA_APPROVE and the DPO's
opinion; the author's own approval is refused) → to_review (when its review date comes, or asked for) →
in_review again. `seed_activities` records what refugio itself does, for the demo and a first install.
DPIA_MANAGE to read and write; audited. Writes flush, never commit."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.core.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from refugio.dataprotection.register_models import Dpia, ProcessingActivity
from refugio.dataprotection.register_schemas import (
    ActivityCreate,
    ActivityRead,
    DpiaCreate,
    DpiaRead,
    DpiaStatus,
    DpiaTransition,
    RiskInput,
    RiskRead,
    level,
)
from refugio.security import audit
from refugio.security.permissions import Permission
from refugio.security.principals import Principal

LEVELS = ("low", "medium", "high")


class DpiaNotFound(NotFound):
    pass


def require(actor: Principal, permission: Permission = Permission.DPIA_MANAGE) -> None:
    if not actor.can_anywhere(permission):
        raise PermissionDenied(f"{actor.label} lacks {permission.value}")


def can(actor: Principal, permission: Permission = Permission.DPIA_MANAGE) -> bool:
    return actor.can_anywhere(permission)


def _risk_read(raw: dict[str, Any]) -> RiskRead:
    risk = RiskInput.model_validate(raw)
    score, residual = risk.likelihood * risk.severity, risk.residual_likelihood * risk.residual_severity
    return RiskRead(
        **risk.model_dump(),
        score=score,
        level=level(score),
        residual_score=residual,
        residual_level=level(residual),
    )


def _status(dpia: Dpia) -> DpiaStatus:
    status = DpiaStatus(dpia.status)
    if status == DpiaStatus.APPROVED and dpia.review_date is not None and dpia.review_date <= clock.today():
        return DpiaStatus.TO_REVIEW
    return status


def dpia_read(dpia: Dpia, activity: ProcessingActivity) -> DpiaRead:
    risks = [_risk_read(r) for r in dpia.risks]
    residual = max((LEVELS.index(r.residual_level) for r in risks), default=None)
    status = _status(dpia)
    return DpiaRead(
        id=dpia.id,
        activity_id=activity.id,
        activity_code=activity.code,
        activity_name=activity.name,
        status=status,
        summary=dpia.summary,
        risks=risks,
        residual_risk=LEVELS[residual] if residual is not None else None,
        dpo_opinion=dpia.dpo_opinion,
        author=dpia.author,
        approved_by=dpia.approved_by,
        approved_at=dpia.approved_at,
        review_date=dpia.review_date,
        review_due=status == DpiaStatus.TO_REVIEW,
        version=dpia.version,
        created_at=dpia.created_at,
        updated_at=dpia.updated_at,
    )


def _latest(session: Session, activity_id: uuid.UUID) -> Dpia | None:
    return session.scalar(
        select(Dpia).where(Dpia.activity_id == activity_id).order_by(Dpia.created_at.desc()).limit(1)
    )


def _activity_read(session: Session, row: ProcessingActivity) -> ActivityRead:
    latest = _latest(session, row.id)
    out = ActivityRead.model_validate(row)
    if latest is not None:
        out.dpia_id, out.dpia_status = latest.id, _status(latest)
    return out


# --- processing activities ------------------------------------------------------------------------------


def record_activity(session: Session, *, actor: Principal, data: ActivityCreate) -> ActivityRead:
    require(actor)
    if session.scalar(select(ProcessingActivity.id).where(ProcessingActivity.code == data.code)):
        raise ValidationFailed.single("code", f"there is already a processing activity {data.code}")
    row = ProcessingActivity(**data.model_dump(), created_by=actor.label)
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="dpia.activity_record",
        object_type="processing_activity",
        object_id=str(row.id),
        details={"code": row.code},
    )
    return _activity_read(session, row)


def activities(session: Session, *, actor: Principal) -> list[ActivityRead]:
    require(actor)
    rows = session.scalars(select(ProcessingActivity).order_by(ProcessingActivity.code))
    return [_activity_read(session, r) for r in rows]


def _activity(session: Session, code: str, field: str = "activity") -> ProcessingActivity:
    found = session.scalar(select(ProcessingActivity).where(ProcessingActivity.code == code.strip().upper()))
    if found is None:
        raise ValidationFailed.single(field, f"no processing activity {code}")
    return found


# --- DPIAs ----------------------------------------------------------------------------------------------


def _load(session: Session, dpia_id: uuid.UUID, *, lock: bool = False) -> tuple[Dpia, ProcessingActivity]:
    found = session.get(Dpia, dpia_id, with_for_update=lock)
    if found is None:
        raise DpiaNotFound(f"no DPIA {dpia_id}")
    activity = session.get(ProcessingActivity, found.activity_id)
    assert activity is not None
    return found, activity


def open_dpia(session: Session, *, actor: Principal, data: DpiaCreate) -> DpiaRead:
    """A new DPIA (draft) of an activity; one at a time: a draft or one in review is worked on instead."""
    require(actor)
    activity = _activity(session, data.activity)
    latest = _latest(session, activity.id)
    if latest is not None and latest.status in (DpiaStatus.DRAFT, DpiaStatus.IN_REVIEW):
        raise ValidationFailed.single(
            "activity",
            f"{activity.code} has a DPIA {latest.status.replace('_', ' ')} already: work on that one",
        )
    dpia = Dpia(
        activity_id=activity.id,
        status=DpiaStatus.DRAFT.value,
        summary=data.summary,
        risks=list(latest.risks) if latest is not None else [],
        author=actor.label,
        review_date=data.review_date,
        version=(latest.version + 1) if latest is not None else 1,
    )
    session.add(dpia)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="dpia.open",
        object_type="dpia",
        object_id=str(dpia.id),
        details={"activity": activity.code, "version": dpia.version},
    )
    return dpia_read(dpia, activity)


def _editable(dpia: Dpia) -> None:
    if dpia.status != DpiaStatus.DRAFT:
        raise Conflict(f"this DPIA is {dpia.status.replace('_', ' ')}: only a draft can be changed")


def add_risk(session: Session, *, actor: Principal, dpia_id: uuid.UUID, risk: RiskInput) -> DpiaRead:
    require(actor)
    dpia, activity = _load(session, dpia_id, lock=True)
    _editable(dpia)
    dpia.risks = [*dpia.risks, risk.model_dump()]
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="dpia.risk_add",
        object_type="dpia",
        object_id=str(dpia.id),
        details={"risk": risk.risk, "score": risk.likelihood * risk.severity},
    )
    return dpia_read(dpia, activity)


def remove_risk(session: Session, *, actor: Principal, dpia_id: uuid.UUID, index: int) -> DpiaRead:
    require(actor)
    dpia, activity = _load(session, dpia_id, lock=True)
    _editable(dpia)
    if not 0 <= index < len(dpia.risks):
        raise NotFound(f"this DPIA has no risk {index + 1}")
    removed = dpia.risks[index]
    dpia.risks = [r for i, r in enumerate(dpia.risks) if i != index]
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="dpia.risk_remove",
        object_type="dpia",
        object_id=str(dpia.id),
        details={"risk": removed.get("risk")},
    )
    return dpia_read(dpia, activity)


def transition(session: Session, *, actor: Principal, dpia_id: uuid.UUID, data: DpiaTransition) -> DpiaRead:
    """submit (draft or to review → in review, by anyone with DPIA_MANAGE), return (in review → draft),
    approve (in review → approved: DPIA_APPROVE, not the author, with the DPO's opinion and a review
    date), review (approved → to review before its date)."""
    require(actor)
    dpia, activity = _load(session, dpia_id, lock=True)
    status = _status(dpia)
    action = data.action
    if action == "submit":
        if status not in (DpiaStatus.DRAFT, DpiaStatus.TO_REVIEW):
            raise Conflict(f"this DPIA is {status.value.replace('_', ' ')}: only a draft can be submitted")
        if not dpia.risks:
            raise ValidationFailed.single("risks", "list at least one risk before submitting the DPIA")
        dpia.status = DpiaStatus.IN_REVIEW.value
    elif action == "return":
        if status != DpiaStatus.IN_REVIEW:
            raise Conflict("only a DPIA in review can be returned to its author")
        dpia.status = DpiaStatus.DRAFT.value
    elif action == "approve":
        require(actor, Permission.DPIA_APPROVE)
        if status != DpiaStatus.IN_REVIEW:
            raise Conflict(
                f"this DPIA is {status.value.replace('_', ' ')}: only a DPIA in review can be approved"
            )
        if actor.label == dpia.author:
            raise PermissionDenied(
                f"{actor.label} wrote this DPIA: it must be approved by someone else (segregation of duties)"
            )
        errors = []
        opinion = data.dpo_opinion or dpia.dpo_opinion
        if len(opinion) < 3:
            errors.append("dpo_opinion")
        review = data.review_date or dpia.review_date
        if review is None or review <= clock.today():
            errors.append("review_date")
        if errors:
            messages = {
                "dpo_opinion": "give the data protection officer's opinion",
                "review_date": "give a review date after today",
            }
            raise ValidationFailed([FieldError(e, messages[e], "required") for e in errors])
        dpia.status, dpia.dpo_opinion, dpia.review_date = DpiaStatus.APPROVED.value, opinion, review
        dpia.approved_by, dpia.approved_at = actor.label, clock.now()
    elif action == "review":
        if status != DpiaStatus.APPROVED:
            raise Conflict("only an approved DPIA can be put up for review")
        dpia.status = DpiaStatus.TO_REVIEW.value
    if status == DpiaStatus.TO_REVIEW and action == "submit":
        dpia.approved_by, dpia.approved_at = None, None
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=f"dpia.{action}",
        object_type="dpia",
        object_id=str(dpia.id),
        details={"activity": activity.code, "from": status.value, "to": dpia.status},
    )
    return dpia_read(dpia, activity)


def dpias(session: Session, *, actor: Principal) -> list[DpiaRead]:
    require(actor)
    rows = session.execute(
        select(Dpia, ProcessingActivity)
        .join(ProcessingActivity, ProcessingActivity.id == Dpia.activity_id)
        .order_by(ProcessingActivity.code, Dpia.version.desc())
    )
    return [dpia_read(d, a) for d, a in rows]


def get_dpia(session: Session, *, actor: Principal, dpia_id: uuid.UUID) -> DpiaRead:
    require(actor)
    dpia, activity = _load(session, dpia_id)
    return dpia_read(dpia, activity)


def activity_of(session: Session, *, actor: Principal, activity_id: uuid.UUID) -> ActivityRead:
    require(actor)
    found = session.get(ProcessingActivity, activity_id)
    if found is None:
        raise NotFound(f"no processing activity {activity_id}")
    return _activity_read(session, found)
