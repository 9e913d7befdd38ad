"""The assistance part of `refugio demo`: a winter cash programme for the camps with a finished cycle
whose plan was prepared, approved, released, reconciled against a synthetic provider report and closed,
and an open cycle (frozen, active, its plan waiting to be locked). Everything goes through the
assistance services, as any client would; the three roles are three different people.

A few complaints are lodged (one sensitive: visible only to an accountability officer). PDM samples
are not seeded: this version computes their size only.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.orm import Session

from refugio.assistance import queries
from refugio.assistance.schemas import ComplaintCreate, CycleCreate, PlanCreate, ProgrammeCreate
from refugio.assistance.service import complaints, lists, plans, programmes, reconcile
from refugio.core import clock
from refugio.security.principals import Principal

RULES = """\
name: Winter cash for camp households
currency: JOD
eligibility:
  population_types: [refugee, asylum_seeker]
  sites: [ZAA, AZR]
  household_size: {min: 1, max: 30}
amounts:
  per_household: 40
  per_member: 15
  max_counted_members: 6
  topups:
    - {need: DS, amount: 10, per: member}
    - {need: SC, amount: 20, per: household}
  rounding: {to: 5, mode: up}
  fee: {percent: 1.5}
basket:
  - {item: Blanket, unit: piece, per_member: 1}
  - {item: Heating fuel, unit: litre, per_household: 40}
"""


COMPLAINTS = [
    ("desk", "amount", "normal", "The amount was lower than announced for a family of eight."),
    ("hotline", "delay", "high", "The mobile money transfer has not arrived after ten days."),
    (
        "phone",
        "sea",
        "urgent",
        "Report received through the hotline; details with the accountability officer.",
    ),
]


def _report(session: Session, actor: Principal, plan_code: str, day: dt.date) -> bytes:
    """A provider report for every payment: most delivered, every 20th partly, every 50th not at all."""
    lines = ["payment_id,delivered_amount,delivery_date,reference,reason"]
    offset = 0
    while True:
        page = queries.list_payments(session, actor=actor, plan_key=plan_code, limit=1000, offset=offset)
        if not page:
            break
        for p in page:
            if p.seq % 50 == 0:
                lines.append(f"{p.payment_ref},0,{day},,not reached")
            elif p.seq % 20 == 0:
                lines.append(f"{p.payment_ref},{p.amount / 2:.2f},{day},TX{p.seq},cash shortage at agent")
            else:
                lines.append(f"{p.payment_ref},{p.amount:.2f},{day},TX{p.seq},")
        offset += len(page)
    return ("\n".join(lines) + "\n").encode()


def seed_demo(
    session: Session,
    *,
    operation_id: uuid.UUID,
    actor: Principal,
    approver: Principal,
    releaser: Principal,
    key: bytes,
) -> str:
    """Seed the programme and its two cycles; returns a one-line summary."""
    today = clock.today()
    start = today - dt.timedelta(days=60)
    programme = programmes.create_programme(
        session,
        actor=actor,
        data=ProgrammeCreate(
            operation_id=operation_id,
            code="WINTER",
            name="Winter cash assistance",
            kind="cash",
            currency="JOD",
            usd_rate="1.41",
            site_codes=["ZAA", "AZR"],
            start_date=start,
            min_interval_days=20,
            approval_thresholds=[],
            approvals_above=1,
        ),
    )
    programmes.load_rules(session, actor=actor, programme_id=programme.id, text=RULES)
    first = programmes.create_cycle(
        session, actor=actor, programme_id=programme.id, data=CycleCreate(name="November", start_date=start)
    )
    lists.freeze(session, actor=actor, cycle_key=first.id)
    programmes.move_cycle(session, actor=actor, cycle_key=first.id, to="active")
    if not first.total_amount:
        return "Assistance: programme WINTER created; no eligible household in ZAA or AZR: no plan seeded"
    plan = plans.create_plan(
        session, actor=actor, cycle_key=first.id, data=PlanCreate(provider="Jordan Mobile Money"), key=key
    )
    plans.lock(session, actor=actor, plan_key=plan.id)
    plans.submit(session, actor=actor, plan_key=plan.id)
    plans.approve(session, actor=approver, plan_key=plan.id, version=plan.version, key=key)
    plans.release(session, actor=releaser, plan_key=plan.id, key=key)
    report = _report(session, actor, plan.code, start + dt.timedelta(days=7))
    reconcile.reconcile(session, actor=actor, plan_key=plan.id, data=report, key=key)
    plans.close(session, actor=actor, plan_key=plan.id)
    programmes.move_cycle(session, actor=actor, cycle_key=first.id, to="finished")
    second = programmes.create_cycle(
        session,
        actor=actor,
        programme_id=programme.id,
        data=CycleCreate(name="December", start_date=today - dt.timedelta(days=5)),
    )
    lists.freeze(session, actor=actor, cycle_key=second.id)
    programmes.move_cycle(session, actor=actor, cycle_key=second.id, to="active")
    open_plan = plans.create_plan(
        session, actor=actor, cycle_key=second.id, data=PlanCreate(provider="Jordan Mobile Money"), key=key
    )
    for channel, category, priority, text in COMPLAINTS:
        complaints.lodge_complaint(
            session,
            actor=actor,
            data=ComplaintCreate(
                operation_id=operation_id,
                channel=channel,
                category=category,
                priority=priority,
                description=text,
                programme="WINTER",
                site_code="ZAA",
                anonymous=category == "sea",
            ),
        )
    return (
        f"Assistance: programme WINTER, cycle 1 ({first.household_count} households) paid, reconciled and "
        f"closed as {plan.code}; cycle 2 active with plan {open_plan.code} open; "
        f"{len(COMPLAINTS)} complaints (one sensitive); PDM samples are not seeded "
        "(only their size is computed)"
    )
