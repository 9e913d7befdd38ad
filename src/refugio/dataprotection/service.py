"""Writes of the data protection domain: `run_retention` applies the retention rules (or reports what
they would do), `place_hold` and `lift_hold` manage legal holds. They flush, never commit; every change
is audited (one entry per record anonymised, one per run, one per hold placed or lifted)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.core.errors import UnknownReference, ValidationFailed
from refugio.dataprotection import anonymise, policy
from refugio.dataprotection.enums import HoldObject, RetentionRule, RunTrigger
from refugio.dataprotection.errors import HoldAlreadyLifted, HoldNotFound
from refugio.dataprotection.models import Anonymised, LegalHold, RetentionRun
from refugio.dataprotection.queries import hold_read, run_read
from refugio.dataprotection.schemas import (
    LegalHoldCreate,
    LegalHoldRead,
    RetentionPolicy,
    RetentionRunRead,
    RuleReport,
)
from refugio.intake import queries as intake_queries
from refugio.intake import service as intake_service
from refugio.security import audit
from refugio.security.principals import SYSTEM, Principal


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _active_holds(session: Session) -> dict[str, dict[uuid.UUID, str]]:
    holds: dict[str, dict[uuid.UUID, str]] = {kind.value: {} for kind in HoldObject}
    for hold in session.scalars(select(LegalHold).where(LegalHold.active.is_(True))):
        holds[hold.object_type][hold.object_id] = hold.object_ref
    return holds


def _already(session: Session, object_type: str) -> set[uuid.UUID]:
    return set(session.scalars(select(Anonymised.object_id).where(Anonymised.object_type == object_type)))


class _Run:
    """One run in progress: the records it anonymised, kept for the marks and the audit entries."""

    def __init__(self, session: Session, run: RetentionRun, dry_run: bool) -> None:
        self.session, self.run, self.dry_run = session, run, dry_run
        self.marks: list[tuple[str, uuid.UUID, str]] = []
        self.holds = _active_holds(session)

    def mark(self, object_type: str, ids: list[uuid.UUID], rule: RetentionRule) -> None:
        for object_id in ids:
            self.marks.append((object_type, object_id, rule.value))
            self.session.add(
                Anonymised(object_type=object_type, object_id=object_id, run_id=self.run.id, rule=rule.value)
            )
        self.session.flush()

    def closed_cases(self, years: int) -> RuleReport:
        cutoff = years_before(clock.today(), years)
        before = dt.datetime.combine(cutoff, dt.time(), tzinfo=dt.UTC)
        done = _already(self.session, "case")
        eligible = [c for c in anonymise.closed_cases(self.session, before) if c not in done]
        on_hold = self.holds["case"]
        todo = [c for c in eligible if c not in on_hold]
        codes = anonymise.refs(self.session, "case", [c for c in eligible if c in on_hold])
        held = [{"ref": codes[c], "hold": on_hold[c]} for c in eligible if c in on_hold]
        if not self.dry_run:
            anonymise.cases(self.session, todo)
            self.mark("case", todo, RetentionRule.CLOSED_CASES)
        return RuleReport(
            rule=RetentionRule.CLOSED_CASES,
            cutoff=cutoff,
            eligible=len(eligible),
            processed=len(todo),
            held=held,
        )

    def people(self, rule: RetentionRule, status: str, years: int) -> RuleReport:
        cutoff = years_before(clock.today(), years)
        done = _already(self.session, "individual")
        candidates = [p for p in anonymise.people_with_status(self.session, status) if p not in done]
        left = anonymise.departures(self.session, candidates)
        eligible = [p for p in candidates if left[p] < cutoff]
        on_hold = anonymise.held_people(self.session, eligible, self.holds)
        todo = [p for p in eligible if p not in on_hold]
        refs = anonymise.refs(self.session, "individual", list(on_hold))
        held = [{"ref": refs[p], "hold": on_hold[p]} for p in eligible if p in on_hold]
        emptied: list[uuid.UUID] = []
        if not self.dry_run and todo:
            anonymise.people(self.session, todo)
            self.mark("individual", todo, rule)
            gone = done | set(todo)
            emptied = [
                h
                for h in anonymise.emptied_households(self.session, todo, gone)
                if h not in self.holds["household"] and h not in _already(self.session, "household")
            ]
            anonymise.households(self.session, emptied)
            self.mark("household", emptied, rule)
        return RuleReport(
            rule=rule,
            cutoff=cutoff,
            eligible=len(eligible),
            processed=len(todo),
            households=len(emptied),
            held=held,
        )

    def staging(self, days: int) -> RuleReport:
        idle = dt.timedelta(days=days)
        cutoff = clock.now() - idle
        if self.dry_run:
            count = intake_queries.abandoned_count(self.session, idle_before=cutoff)
            return RuleReport(
                rule=RetentionRule.STAGING, cutoff=cutoff.date(), eligible=count, processed=count
            )
        purged = intake_service.purge_abandoned(self.session, actor=SYSTEM, older_than=idle)
        return RuleReport(
            rule=RetentionRule.STAGING, cutoff=cutoff.date(), eligible=len(purged), processed=len(purged)
        )


def run_retention(
    session: Session,
    *,
    actor: Principal,
    rules: RetentionPolicy,
    dry_run: bool = False,
    trigger: RunTrigger = RunTrigger.CLI,
) -> RetentionRunRead:
    """Apply every retention rule (closed cases, departed and deceased people, abandoned imports) to the
    records past their period and not under a legal hold; with `dry_run`, only count. The run and its
    report are stored; each record anonymised is audited."""
    policy.require_run(actor)
    run = RetentionRun(dry_run=dry_run, trigger=trigger.value, run_by=actor.label, started_at=clock.now())
    session.add(run)
    session.flush()
    work = _Run(session, run, dry_run)
    reports = [
        work.closed_cases(rules.closed_case_years),
        work.people(RetentionRule.DEPARTED_PEOPLE, "departed", rules.departed_years),
        work.people(RetentionRule.DECEASED_PEOPLE, "deceased", rules.deceased_years),
        work.staging(rules.staging_days),
    ]
    run.report = {
        "policy": rules.model_dump(),
        "rules": [r.model_dump(mode="json") for r in reports],
    }
    run.finished_at = clock.now()
    counts: dict[str, Any] = {r.rule.value: r.processed for r in reports}
    audit.record(
        session,
        actor=actor,
        action="dataprotection.retention_dry_run" if dry_run else "dataprotection.retention_run",
        object_type="retention_run",
        object_id=str(run.id),
        details={"trigger": trigger.value, "processed": counts},
    )
    audit.record_many(
        session,
        actor=actor,
        entries=[
            ("dataprotection.anonymised", object_type, str(object_id), {"rule": rule, "run": str(run.id)})
            for object_type, object_id, rule in work.marks
        ],
    )
    session.flush()
    return run_read(run)


def place_hold(session: Session, *, actor: Principal, data: LegalHoldCreate) -> LegalHoldRead:
    """Put a person, a household or a protection case under a legal hold: no retention rule touches it
    (nor, for a household or a case, any of its people) until the hold is lifted."""
    policy.require_holds(actor)
    object_id = anonymise.resolve(session, data.object_type.value, data.ref)
    if object_id is None:
        raise UnknownReference.single(
            "ref", f"no {data.object_type.value} with the reference {data.ref}", "not_found"
        )
    exists = session.scalar(
        select(LegalHold.id).where(
            LegalHold.object_type == data.object_type.value,
            LegalHold.object_id == object_id,
            LegalHold.active.is_(True),
        )
    )
    if exists:
        raise ValidationFailed.single("ref", f"{data.ref} is already under a legal hold")
    hold = LegalHold(
        object_type=data.object_type.value,
        object_id=object_id,
        object_ref=data.ref.strip().upper(),
        reason=data.reason,
        placed_by=actor.label,
        placed_at=clock.now(),
        active=True,
    )
    session.add(hold)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="dataprotection.hold_placed",
        object_type=data.object_type.value,
        object_id=str(object_id),
        details={"hold": str(hold.id), "reason": data.reason},
    )
    return hold_read(hold)


def lift_hold(session: Session, *, actor: Principal, hold_id: uuid.UUID, reason: str) -> LegalHoldRead:
    policy.require_holds(actor)
    reason = reason.strip()
    if len(reason) < 3:
        raise ValidationFailed.single("reason", "say why the hold is lifted (3 characters or more)")
    hold = session.get(LegalHold, hold_id, with_for_update=True)
    if hold is None:
        raise HoldNotFound(f"no legal hold {hold_id}")
    if not hold.active:
        raise HoldAlreadyLifted(f"the legal hold on {hold.object_ref} was lifted already")
    hold.active, hold.lifted_at, hold.lifted_by, hold.lift_reason = False, clock.now(), actor.label, reason
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="dataprotection.hold_lifted",
        object_type=hold.object_type,
        object_id=str(hold.object_id),
        details={"hold": str(hold.id), "reason": reason},
    )
    return hold_read(hold)
