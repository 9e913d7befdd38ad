"""Reads of the data protection domain: the runs of the retention rules with their reports, the legal
holds. Read models of refugio.dataprotection.schemas only; references and counts, no personal data."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.dataprotection import policy
from refugio.dataprotection.enums import HoldObject, RunTrigger
from refugio.dataprotection.errors import RunNotFound
from refugio.dataprotection.models import LegalHold, RetentionRun
from refugio.dataprotection.schemas import LegalHoldRead, RetentionRunRead, RuleReport
from refugio.security.principals import Principal


def run_read(run: RetentionRun) -> RetentionRunRead:
    report = run.report or {}
    return RetentionRunRead(
        id=run.id,
        started_at=run.started_at,
        finished_at=run.finished_at,
        dry_run=run.dry_run,
        trigger=run.trigger,
        run_by=run.run_by,
        policy=report.get("policy", {}),
        rules=[RuleReport.model_validate(r) for r in report.get("rules", [])],
    )


def hold_read(hold: LegalHold) -> LegalHoldRead:
    return LegalHoldRead(
        id=hold.id,
        object_type=HoldObject(hold.object_type),
        object_ref=hold.object_ref,
        reason=hold.reason,
        placed_at=hold.placed_at,
        placed_by=hold.placed_by,
        active=hold.active,
        lifted_at=hold.lifted_at,
        lifted_by=hold.lifted_by,
        lift_reason=hold.lift_reason,
    )


def runs(session: Session, *, actor: Principal, limit: int = 20) -> list[RetentionRunRead]:
    """The latest runs, newest first."""
    policy.require_view(actor)
    rows = session.scalars(select(RetentionRun).order_by(RetentionRun.started_at.desc()).limit(limit))
    return [run_read(r) for r in rows]


def run(session: Session, *, actor: Principal, run_id: uuid.UUID) -> RetentionRunRead:
    policy.require_view(actor)
    found = session.get(RetentionRun, run_id)
    if found is None:
        raise RunNotFound(f"no retention run {run_id}")
    return run_read(found)


def last_scheduled(session: Session) -> RetentionRunRead | None:
    """The latest run the scheduler started (for the scheduler itself: no actor)."""
    found = session.scalar(
        select(RetentionRun)
        .where(RetentionRun.trigger == RunTrigger.SCHEDULER.value, RetentionRun.dry_run.is_(False))
        .order_by(RetentionRun.started_at.desc())
        .limit(1)
    )
    return run_read(found) if found else None


def holds(session: Session, *, actor: Principal, active_only: bool = False) -> list[LegalHoldRead]:
    policy.require_view(actor)
    query = select(LegalHold).order_by(LegalHold.active.desc(), LegalHold.placed_at.desc())
    if active_only:
        query = query.where(LegalHold.active.is_(True))
    return [hold_read(h) for h in session.scalars(query)]
