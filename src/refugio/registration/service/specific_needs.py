"""Specific needs: the automatic flags of the rule set (re-evaluated whenever a household's composition
or a member's age-relevant data changes) and the flags set or removed by hand, with their reasons.

Imports registration models, rules and the needs catalogue; never a web framework.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from refugio.registration import rules
from refugio.registration.enums import EventType, NeedSource
from refugio.registration.models import Household, Individual, SpecificNeed
from refugio.registration.needs import CODES
from refugio.registration.schemas import NeedFlag
from refugio.registration.service.common import active_members, active_ruleset, add_event, load_individual
from refugio.registration.service.rows import need_row
from refugio.security import audit
from refugio.security.permissions import Permission
from refugio.security.principals import Principal


def reapply_rules(
    session: Session, *, actor: Principal, household: Household, on: dt.date | None = None
) -> None:
    """Re-evaluate the automatic flags of a household's active members: add new, retire stale ones."""
    ruleset = active_ruleset(session)
    members = active_members(session, household.id)
    current = {
        (n.individual_id, n.code): n
        for n in session.scalars(
            select(SpecificNeed).where(
                SpecificNeed.individual_id.in_([m.id for m in members] or [uuid.uuid4()]),
                SpecificNeed.active.is_(True),
            )
        )
    }
    wanted = _add_rule_flags(session, actor, household, members, current, ruleset, on or clock.today())
    for (iid, code), need in current.items():
        if need.source == NeedSource.RULE.value and (iid, code) not in wanted:
            _retire(session, actor, household, need, f"no longer applies (rule set {ruleset.version})")
    # members who died, departed or left keep no rule-based flags about this household's composition
    active_ids = {m.id for m in members}
    gone = session.scalars(
        select(SpecificNeed)
        .join(Individual, Individual.id == SpecificNeed.individual_id)
        .where(
            SpecificNeed.active.is_(True),
            SpecificNeed.source == NeedSource.RULE.value,
            Individual.household_id == household.id,
        )
    )
    for need in gone:
        if need.individual_id not in active_ids:
            _retire(session, actor, household, need, "no longer applies: no longer an active member")
    session.flush()


def _add_rule_flags(
    session: Session,
    actor: Principal,
    household: Household,
    members: list[Individual],
    current: dict[tuple[uuid.UUID, str], SpecificNeed],
    ruleset: rules.RuleSet,
    on: dt.date,
) -> set[tuple[uuid.UUID, str]]:
    """Flag what the rules find and is not flagged yet; returns every (person, code) the rules find."""
    wanted: set[tuple[uuid.UUID, str]] = set()
    for member, person_facts in zip(members, rules.household_facts(members, on), strict=True):
        for finding in rules.evaluate(ruleset, person_facts):
            wanted.add((member.id, finding.code))
            if (member.id, finding.code) in current:
                continue
            session.add(
                SpecificNeed(
                    **need_row(
                        individual_id=member.id,
                        code=finding.code,
                        source=NeedSource.RULE,
                        reason=finding.explanation,
                        actor=actor,
                        rule_id=finding.rule_id,
                        version=ruleset.version,
                    )
                )
            )
            add_event(
                session,
                operation_id=household.operation_id,
                household_id=household.id,
                individual_id=member.id,
                event_type=EventType.NEED_FLAGGED,
                actor=actor,
                summary=f"{finding.code} flagged by rule {finding.rule_id}: {finding.explanation}",
                details={"code": finding.code, "rule": finding.rule_id, "ruleset": ruleset.version},
            )
    return wanted


def _retire(session: Session, actor: Principal, household: Household, need: SpecificNeed, why: str) -> None:
    """Retire a rule-based flag: `rule <id> <why>` is kept as the reason."""
    need.active = False
    need.removed_at = clock.now()
    need.removed_by = actor.label
    need.removal_reason = f"rule {need.rule_id} {why}"
    add_event(
        session,
        operation_id=household.operation_id,
        household_id=household.id,
        individual_id=need.individual_id,
        event_type=EventType.NEED_REMOVED,
        actor=actor,
        summary=f"{need.code} retired: {need.removal_reason}",
        details={"code": need.code},
    )


def flag_need(
    session: Session,
    *,
    actor: Principal,
    individual_id: uuid.UUID,
    data: NeedFlag,
    skip_if_active: bool = False,
) -> SpecificNeed | None:
    """Set a specific-needs flag by hand, with the reason."""
    person = load_individual(
        session, actor=actor, individual_id=individual_id, permission=Permission.NEEDS_FLAG
    )
    need = CODES.get(data.code)
    if need is None:
        raise ValidationFailed.single(
            "code", f"unknown specific-needs code {data.code!r} (e.g. SC-UC, ER-NF)", "unknown_code"
        )
    if need.sensitive:
        actor.require(
            Permission.NEEDS_SENSITIVE_FLAG, operation_id=person.operation_id, site_id=person.site_id
        )
    existing = session.scalar(
        select(SpecificNeed).where(
            SpecificNeed.individual_id == person.id,
            SpecificNeed.code == need.code,
            SpecificNeed.active.is_(True),
        )
    )
    if existing is not None:
        if skip_if_active:
            return None
        raise Conflict(
            f"{need.code} is already flagged for {person.ref}",
            [FieldError("code", "already flagged", "already_flagged")],
        )
    row = SpecificNeed(
        **need_row(
            individual_id=person.id, code=need.code, source=NeedSource.MANUAL, reason=data.reason, actor=actor
        )
    )
    session.add(row)
    add_event(
        session,
        operation_id=person.operation_id,
        household_id=person.household_id,
        individual_id=person.id,
        event_type=EventType.NEED_FLAGGED,
        actor=actor,
        summary=f"{need.code} flagged by hand" + ("" if need.sensitive else f": {data.reason}"),
        details={"code": need.code, "source": "manual"},
    )
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="need.flag",
        object_type="individual",
        object_id=str(person.id),
        details={"code": need.code},
    )
    return row


def remove_need(session: Session, *, actor: Principal, need_id: uuid.UUID, reason: str) -> SpecificNeed:
    """Retire a flag (kept in the history with the reason)."""
    need = session.get(SpecificNeed, need_id)
    if need is None:
        raise NotFound("no such specific need")
    person = load_individual(
        session, actor=actor, individual_id=need.individual_id, permission=Permission.NEEDS_FLAG
    )
    code = CODES.get(need.code)
    if code is not None and code.sensitive:
        actor.require(
            Permission.NEEDS_SENSITIVE_FLAG, operation_id=person.operation_id, site_id=person.site_id
        )
    if not need.active:
        raise Conflict(f"{need.code} was already removed")
    if len(reason.strip()) < 3:
        raise ValidationFailed.single("reason", "give a reason", "required")
    need.active = False
    need.removed_at = clock.now()
    need.removed_by = actor.label
    need.removal_reason = reason.strip()
    add_event(
        session,
        operation_id=person.operation_id,
        household_id=person.household_id,
        individual_id=person.id,
        event_type=EventType.NEED_REMOVED,
        actor=actor,
        summary=f"{need.code} removed by hand",
        details={"code": need.code, "reason": reason.strip()},
    )
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="need.remove",
        object_type="individual",
        object_id=str(person.id),
        details={"code": need.code},
    )
    return need


__all__ = ["flag_need", "reapply_rules", "remove_need"]
