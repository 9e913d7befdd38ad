"""A cycle's list: the preview (who gets what and why, household by household) and the freeze, which
writes each eligible household's snapshot (members, the needs the rules look at, amounts, basket,
reasons) with the rule version used. A frozen list is never recomputed: later registry changes do not
reach it.

Households alike are decided once: a decision depends only on the inputs the rules read (the focal
point's population type, the site and arrival date when the rules look at them, the size, the members'
need codes, the count of members in the age range), so `decisions` groups the households by those
inputs and evaluates each group once — at 500,000 households a few hundred evaluations, not 500,000 —
and the withdrawals of consent are one join (`households_withdrawn`), not a list of every household.
The freeze does the same column-wise over the registry streamed as tuples (`frozen`), and on
PostgreSQL set-based in the database (`frozen_sql`): `snapshot` is the definition of the frozen text
both render, which tests compare them with.

Reads the registry through refugio.registration.queries (set-based); writes with refugio.store.bulk.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.orm import Session

from refugio.assistance.enums import CycleStatus
from refugio.assistance.models import Cycle, Entitlement, Programme
from refugio.assistance.rules import Decision, HouseholdFacts, Member, Rules, age_on, evaluate
from refugio.assistance.schemas import Preview, PreviewRow
from refugio.assistance.service import frozen, frozen_sql
from refugio.assistance.service.common import audited, load_cycle, programme_of_cycle
from refugio.assistance.service.programmes import ruleset
from refugio.core import clock
from refugio.core.errors import Conflict
from refugio.registration.enums import ConsentPurpose
from refugio.registration.queries import (
    AssistanceHousehold,
    assistance_roster,
    assistance_roster_selects,
    households_for_assistance,
    households_withdrawn,
)
from refugio.security.permissions import Permission
from refugio.security.principals import Principal
from refugio.store.bulk import bind_processor, insert_tuples

P = Permission


@dataclass(frozen=True)
class Evaluated:
    household: AssistanceHousehold
    decision: Decision


def facts(hh: AssistanceHousehold) -> HouseholdFacts:
    members = tuple(
        Member(
            ref=m.ref,
            name=f"{m.given_name} {m.family_name}",
            sex=m.sex,
            date_of_birth=m.date_of_birth,
            population_type=m.population_type,
            relationship=m.relationship,
            needs=m.needs,
        )
        for m in hh.members
    )
    focal = next((m for m in hh.members if m.is_focal_point), None)
    return HouseholdFacts(
        ref=hh.ref,
        site_code=hh.site_code,
        arrival_date=hh.arrival_date,
        members=members,
        focal_population_type=focal.population_type if focal else "",
    )


def decision_class(rules: Rules, hh: AssistanceHousehold, on: dt.date) -> tuple[Any, ...]:
    """Everything `evaluate` reads of the household under these rules: two households with the same
    class get the same decision, reasons included."""
    e = rules.eligibility
    focal = next((m for m in hh.members if m.is_focal_point), None)
    in_age = None
    if e.member_age is not None:
        a = e.member_age
        in_age = sum(1 for m in hh.members if a.min <= age_on(m.date_of_birth, on) <= a.max)
    arrival_ruled = e.arrived_from is not None or e.arrived_until is not None
    counted = rules.counted_needs()
    needs = []  # the codes of each member with a code the rules look at: the reasons name them all
    for m in hh.members:
        if counted and any(c in counted or c.split("-", 1)[0] in counted for c in m.needs):
            needs.append(m.needs)
    return (
        (focal.population_type if focal else "") if e.population_types is not None else None,
        hh.site_code if e.sites is not None else None,
        hh.arrival_date if arrival_ruled else None,
        len(hh.members),
        tuple(sorted(needs)),
        in_age,
    )


def decisions(
    rules: Rules, households: list[AssistanceHousehold], on: dt.date
) -> Iterator[tuple[AssistanceHousehold, Decision]]:
    """Each household with its decision, evaluated once per decision class."""
    decided: dict[tuple[Any, ...], Decision] = {}
    for hh in households:
        key = decision_class(rules, hh, on)
        found = decided.get(key)
        if found is None:
            found = decided[key] = evaluate(rules, facts(hh), on=on)
        yield hh, found


def evaluate_all(session: Session, programme: Programme, rules: Rules, on: dt.date) -> Iterator[Evaluated]:
    site_ids = [uuid.UUID(s) for s in programme.site_ids] or None
    found = households_for_assistance(session, operation_id=programme.operation_id, site_ids=site_ids)
    # a household whose focal point withdrew consent for assistance is not on any list
    withdrawn = households_withdrawn(
        session, purpose=ConsentPurpose.ASSISTANCE.value, operation_id=programme.operation_id
    )
    allowed = [hh for hh in found if hh.id not in withdrawn]
    for hh, decision in decisions(rules, allowed, on):
        yield Evaluated(hh, decision)


def preview(
    session: Session,
    *,
    actor: Principal,
    cycle_key: str | uuid.UUID,
    version: int | None = None,
    limit: int | None = 200,
    offset: int = 0,
    eligible_only: bool = False,
) -> Preview:
    """Who would get what under the rules (the latest version unless given), and why. Nothing written
    but the audit entry of the read."""
    cycle = load_cycle(session, cycle_key)
    programme = programme_of_cycle(session, cycle)
    actor.require(P.ASSISTANCE_PLAN, operation_id=programme.operation_id)
    row, rules = ruleset(session, programme.id, version)
    rows: list[PreviewRow] = []
    households = eligible = 0
    total = fees = Decimal(0)
    for ev in evaluate_all(session, programme, rules, cycle.start_date):
        households += 1
        d = ev.decision
        if d.eligible:
            eligible += 1
            total += d.amount
            fees += d.fee
        if eligible_only and not d.eligible:
            continue
        shown = eligible if eligible_only else households
        if shown > offset and (limit is None or len(rows) < limit):
            rows.append(
                PreviewRow(
                    household_id=ev.household.id,
                    household_ref=ev.household.ref,
                    site_code=ev.household.site_code,
                    size=len(ev.household.members),
                    eligible=d.eligible,
                    amount=d.amount,
                    fee=d.fee,
                    basket=d.basket,
                    reasons=d.reasons,
                )
            )
    audited(
        session,
        actor,
        "assistance.cycle.preview",
        "assistance_cycle",
        cycle.id,
        {"rule_version": row.version, "households": households, "eligible": eligible},
    )
    return Preview(
        rule_version=row.version,
        households=households,
        eligible=eligible,
        total_amount=total,
        total_fees=fees,
        currency=programme.currency,
        rows=rows,
    )


def snapshot(
    hh: AssistanceHousehold, d: Decision, rules: Rules, version: int, currency: str
) -> dict[str, Any]:
    """What is frozen of a household: its members, the needs the rules look at, amounts and reasons."""
    counted = rules.counted_needs()

    def kept(codes: tuple[str, ...]) -> list[str]:
        if not codes or not counted:
            return []
        return [c for c in codes if c in counted or c.split("-", 1)[0] in counted]

    focal = next((m for m in hh.members if m.is_focal_point), None)
    return {
        "household_ref": hh.ref,
        "site_code": hh.site_code,
        "arrival_date": hh.arrival_date.isoformat() if hh.arrival_date else None,
        "focal_point": {
            "ref": focal.ref if focal else None,
            "name": f"{focal.given_name} {focal.family_name}" if focal else "",
            "document": hh.focal_document or "",
        },
        "members": [
            {
                "ref": m.ref,
                "name": f"{m.given_name} {m.family_name}",
                "sex": m.sex,
                "date_of_birth": m.date_of_birth.isoformat(),
                "relationship": m.relationship,
                "needs": kept(m.needs),
            }
            for m in hh.members
        ],
        "rule_version": version,
        "currency": currency,
        "amount": f"{d.amount:.2f}",
        "fee": f"{d.fee:.2f}",
        "basket": d.basket,
        "reasons": d.reasons,
    }


def _frozen_in_sql(
    session: Session, builder: frozen.Builder, programme: Programme, cycle: Cycle, table: Table
) -> tuple[int, Decimal]:
    """The PostgreSQL freeze (`frozen_sql`): the decision classes counted by the database, one
    household of each read and decided here, the rows rendered and written by one INSERT … SELECT."""
    site_ids = [uuid.UUID(s) for s in programme.site_ids] or None
    roster = assistance_roster_selects(
        operation_id=programme.operation_id,
        site_ids=site_ids,
        withdrawn_from=ConsentPurpose.ASSISTANCE.value,  # withdrawn consent: on no list
    )
    statements = frozen_sql.Statements(builder, roster)
    conn = session.connection()
    frozen_sql.tune(conn)
    found = conn.execute(statements.classes()).all()
    one_of_each = {
        hh.id: hh
        for hh in households_for_assistance(
            session,
            operation_id=programme.operation_id,
            site_ids=site_ids,
            household_ids=[uuid.UUID(one) for _, _, one in found],
        )
    }
    label = f"cycle {programme.code}/{cycle.number}"
    decided = []
    for key, _, one in found:
        hh = one_of_each.get(uuid.UUID(one))
        if hh is None:  # gone since the classes were counted
            raise Conflict(
                f"the registry changed while {label} was being frozen; nothing was written: freeze again"
            )
        decided.append((key, evaluate(builder.rules, facts(hh), on=builder.on)))
    return frozen_sql.write(
        conn, statements, decided, table, cycle_id=cycle.id, insert_tuples=insert_tuples, label=label
    )


def freeze(
    session: Session, *, actor: Principal, cycle_key: str | uuid.UUID, version: int | None = None
) -> Cycle:
    """Freeze the cycle's list under the rules (latest version unless given): one entitlement per
    eligible household, built column-wise (`frozen`) and written in large batches — on PostgreSQL
    rendered and written by the database (`frozen_sql`). A cycle is frozen once; the caller's
    transaction holds every write, so a failure leaves nothing written."""
    cycle = load_cycle(session, cycle_key)
    programme = programme_of_cycle(session, cycle)
    actor.require(P.ASSISTANCE_PLAN, operation_id=programme.operation_id)
    if cycle.frozen_at is not None or cycle.status != CycleStatus.DRAFT:
        raise Conflict(
            f"cycle {programme.code}/{cycle.number} is frozen already (rules v{cycle.rule_version})"
        )
    row, rules = ruleset(session, programme.id, version)
    session.flush()
    conn = session.connection()
    table = cast(Table, Entitlement.__table__)
    bind = {c: bind_processor(conn, table, c) for c in frozen.COLUMNS}
    builder = frozen.Builder(rules, row.version, programme.currency, cycle.start_date, bind)
    if conn.dialect.name == "postgresql":
        count, total = _frozen_in_sql(session, builder, programme, cycle, table)
    else:
        count, total = 0, Decimal(0)
        households = assistance_roster(
            session,
            operation_id=programme.operation_id,
            site_ids=[uuid.UUID(s) for s in programme.site_ids] or None,
            withdrawn_from=ConsentPurpose.ASSISTANCE.value,  # withdrawn consent: on no list
        )
        for rows, subtotal in frozen.batches(builder, households, bind["cycle_id"](cycle.id)):
            count += insert_tuples(conn, table, frozen.COLUMNS, rows)
            total += subtotal
    cycle.rule_version = row.version
    cycle.frozen_at = clock.now()
    cycle.frozen_by = actor.label
    cycle.household_count = count
    cycle.total_amount = total
    audited(
        session,
        actor,
        "assistance.cycle.freeze",
        "assistance_cycle",
        cycle.id,
        {"rule_version": row.version, "households": count, "total": f"{total:.2f}"},
    )
    return cycle
