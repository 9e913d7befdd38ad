"""Programmes, their cycles (draft → active → finished) and their versioned rule sets.

Imports refugio.assistance (models, rules, schemas, enums, policy), refugio.registration.queries,
security, store and core.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from refugio.assistance.enums import CycleStatus
from refugio.assistance.models import Cycle, Programme, RuleSet
from refugio.assistance.rules import Rules, parse_rules, validate_rules
from refugio.assistance.schemas import CycleCreate, ProgrammeCreate, RuleSetRead
from refugio.assistance.service.common import audited, load_cycle, load_programme, sha256
from refugio.core import clock, ids
from refugio.core.errors import Conflict, NotFound, ValidationFailed
from refugio.registration.queries import visible_sites
from refugio.security.permissions import Permission
from refugio.security.principals import SYSTEM, Principal

P = Permission


def create_programme(session: Session, *, actor: Principal, data: ProgrammeCreate) -> Programme:
    actor.require(P.ASSISTANCE_PLAN, operation_id=data.operation_id)
    sites = {
        s.code: s.id for s in visible_sites(session, actor=SYSTEM) if s.operation_id == data.operation_id
    }
    if not sites:
        raise NotFound("no such operation (or it has no site)")
    unknown = [c for c in data.site_codes if c not in sites]
    if unknown:
        raise ValidationFailed.single("site_codes", f"no site {', '.join(unknown)} in this operation")
    code = data.code.upper()
    if session.scalar(
        select(Programme.id).where(Programme.operation_id == data.operation_id, Programme.code == code)
    ):
        raise Conflict(f"programme {code} exists already", [])
    programme = Programme(
        operation_id=data.operation_id,
        code=code,
        name=data.name,
        kind=data.kind.value,
        currency=data.currency,
        usd_rate=data.usd_rate,
        site_ids=[str(sites[c]) for c in data.site_codes],
        start_date=data.start_date,
        end_date=data.end_date,
        min_interval_days=data.min_interval_days,
        approval_thresholds=[[float(limit), n] for limit, n in data.approval_thresholds],
        approvals_above=data.approvals_above,
        created_by=actor.label,
    )
    session.add(programme)
    audited(
        session, actor, "assistance.programme.create", "assistance_programme", programme.id, {"code": code}
    )
    return programme


def load_rules(
    session: Session, *, actor: Principal, programme_id: uuid.UUID, text: str | bytes
) -> RuleSetRead:
    """A new version of the programme's rules from YAML or JSON; refused (naming the rule set, the
    field and the problem) when it does not validate. Identical content is not loaded twice."""
    programme = load_programme(session, programme_id)
    actor.require(P.ASSISTANCE_PLAN, operation_id=programme.operation_id)
    rules = parse_rules(text, currency=programme.currency)
    content = rules.canonical()
    digest = sha256(content)
    latest = latest_ruleset(session, programme.id)
    if latest is not None and latest.sha256 == digest:
        return RuleSetRead.model_validate(latest)
    version = (latest.version if latest else 0) + 1
    row = RuleSet(
        id=ids.new_id(),
        programme_id=programme.id,
        version=version,
        name=rules.name,
        content=content,
        sha256=digest,
        loaded_at=clock.now(),
        loaded_by=actor.label,
    )
    session.add(row)
    audited(
        session,
        actor,
        "assistance.rules.load",
        "assistance_programme",
        programme.id,
        {"version": version, "sha256": digest},
    )
    return RuleSetRead.model_validate(row)


def latest_ruleset(session: Session, programme_id: uuid.UUID) -> RuleSet | None:
    return session.scalar(
        select(RuleSet).where(RuleSet.programme_id == programme_id).order_by(RuleSet.version.desc()).limit(1)
    )


def ruleset(session: Session, programme_id: uuid.UUID, version: int | None = None) -> tuple[RuleSet, Rules]:
    """A version of the rules (the latest when None), validated again on the way out."""
    row = (
        latest_ruleset(session, programme_id)
        if version is None
        else session.scalar(
            select(RuleSet).where(RuleSet.programme_id == programme_id, RuleSet.version == version)
        )
    )
    if row is None:
        raise NotFound(
            "this programme has no rules yet (load a rule set first)"
            if version is None
            else f"no rules version {version}"
        )
    return row, validate_rules(row.content, source=f"rules v{row.version}")


def create_cycle(session: Session, *, actor: Principal, programme_id: uuid.UUID, data: CycleCreate) -> Cycle:
    programme = load_programme(session, programme_id)
    actor.require(P.ASSISTANCE_PLAN, operation_id=programme.operation_id)
    if data.start_date < programme.start_date or (
        programme.end_date and data.start_date > programme.end_date
    ):
        raise ValidationFailed.single("start_date", "the cycle starts outside the programme's dates")
    number = (
        session.scalar(select(func.max(Cycle.number)).where(Cycle.programme_id == programme.id)) or 0
    ) + 1
    cycle = Cycle(
        programme_id=programme.id,
        number=number,
        name=data.name,
        status=CycleStatus.DRAFT.value,
        start_date=data.start_date,
        end_date=data.end_date,
    )
    session.add(cycle)
    audited(
        session,
        actor,
        "assistance.cycle.create",
        "assistance_cycle",
        cycle.id,
        {"programme": programme.code, "number": number},
    )
    return cycle


_NEXT: dict[str, tuple[str, ...]] = {
    CycleStatus.DRAFT: (CycleStatus.ACTIVE,),
    CycleStatus.ACTIVE: (CycleStatus.FINISHED,),
    CycleStatus.FINISHED: (),
}


def move_cycle(
    session: Session, *, actor: Principal, cycle_key: str | uuid.UUID, to: CycleStatus | str
) -> Cycle:
    """draft → active (its list must be frozen) → finished."""
    to = CycleStatus(to)
    cycle = load_cycle(session, cycle_key)
    programme = session.get(Programme, cycle.programme_id)
    assert programme is not None
    actor.require(P.ASSISTANCE_PLAN, operation_id=programme.operation_id)
    if to not in _NEXT[cycle.status]:
        raise Conflict(
            f"cycle {programme.code}/{cycle.number} is {cycle.status}; it cannot become {to.value}"
        )
    if to == CycleStatus.ACTIVE and cycle.frozen_at is None:
        raise Conflict(f"cycle {programme.code}/{cycle.number}: freeze its list before activating it")
    details: dict[str, Any] = {"from": cycle.status, "to": to.value}
    cycle.status = to.value
    audited(session, actor, "assistance.cycle.status", "assistance_cycle", cycle.id, details)
    return cycle
