"""Assistance reads, returning the read models of schemas.py: programmes, cycles, rule sets, frozen
entitlements, payment plans with their approvals and history, payments, and the verification of a
plan's sealed records. Lists are limited to the operations where the actor holds ASSISTANCE_VIEW;
reads of frozen household snapshots are audited.

Imports refugio.assistance (models, schemas, policy, service.common, service.seal),
refugio.registration.queries, security and core.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from refugio.assistance import policy
from refugio.assistance.models import Cycle, Entitlement, Payment, PaymentPlan, PlanEvent, Programme, RuleSet
from refugio.assistance.schemas import (
    CycleRead,
    EntitlementRead,
    OverduePlan,
    PaymentRead,
    PlanEventRead,
    PlanRead,
    ProgrammeRead,
    RuleSetRead,
    TotalsRow,
    VerifyReport,
)
from refugio.assistance.service import seal
from refugio.assistance.service.common import audited, load_cycle, load_plan, load_programme
from refugio.core import clock
from refugio.core.errors import PermissionDenied
from refugio.registration.queries import visible_sites
from refugio.security.permissions import Permission
from refugio.security.principals import SYSTEM, Principal

P = Permission


def _site_codes(session: Session) -> dict[str, str]:
    return {str(s.id): s.code for s in visible_sites(session, actor=SYSTEM)}


def _programme_read(session: Session, p: Programme, codes: dict[str, str]) -> ProgrammeRead:
    versions = list(
        session.scalars(select(RuleSet.version).where(RuleSet.programme_id == p.id).order_by(RuleSet.version))
    )
    return ProgrammeRead.model_validate(
        {
            **{k: getattr(p, k) for k in ProgrammeRead.model_fields if hasattr(p, k)},
            "site_codes": [codes.get(s, s) for s in p.site_ids],
            "rule_versions": versions,
        }
    )


def list_programmes(session: Session, *, actor: Principal) -> list[ProgrammeRead]:
    codes = _site_codes(session)
    rows = session.scalars(select(Programme).order_by(Programme.start_date.desc(), Programme.code))
    return [_programme_read(session, p, codes) for p in rows if policy.may_view(actor, p.operation_id)]


def get_programme(session: Session, *, actor: Principal, key: str | uuid.UUID) -> ProgrammeRead:
    p = load_programme(session, key)
    policy.require_view(actor, p.operation_id)
    return _programme_read(session, p, _site_codes(session))


def _cycle_read(c: Cycle, p: Programme) -> CycleRead:
    return CycleRead.model_validate(
        {
            **{k: getattr(c, k) for k in CycleRead.model_fields if hasattr(c, k)},
            "programme_code": p.code,
            "currency": p.currency,
        }
    )


def list_cycles(session: Session, *, actor: Principal, programme_key: str | uuid.UUID) -> list[CycleRead]:
    p = load_programme(session, programme_key)
    policy.require_view(actor, p.operation_id)
    return [
        _cycle_read(c, p)
        for c in session.scalars(select(Cycle).where(Cycle.programme_id == p.id).order_by(Cycle.number))
    ]


def get_cycle(session: Session, *, actor: Principal, key: str | uuid.UUID) -> CycleRead:
    c = load_cycle(session, key)
    p = load_programme(session, c.programme_id)
    policy.require_view(actor, p.operation_id)
    return _cycle_read(c, p)


def list_rulesets(session: Session, *, actor: Principal, programme_key: str | uuid.UUID) -> list[RuleSetRead]:
    p = load_programme(session, programme_key)
    policy.require_view(actor, p.operation_id)
    rows = session.scalars(
        select(RuleSet).where(RuleSet.programme_id == p.id).order_by(RuleSet.version.desc())
    )
    return [RuleSetRead.model_validate(r) for r in rows]


def list_entitlements(
    session: Session, *, actor: Principal, cycle_key: str | uuid.UUID, limit: int = 100, offset: int = 0
) -> list[EntitlementRead]:
    """A page of a frozen list, with each household's snapshot (audited: it names people)."""
    c = load_cycle(session, cycle_key)
    p = load_programme(session, c.programme_id)
    actor.require(P.ASSISTANCE_PLAN, operation_id=p.operation_id)
    rows = list(
        session.scalars(
            select(Entitlement)
            .where(Entitlement.cycle_id == c.id)
            .order_by(Entitlement.household_ref)
            .limit(limit)
            .offset(offset)
        )
    )
    audited(
        session,
        actor,
        "assistance.entitlements.read",
        "assistance_cycle",
        c.id,
        {"rows": len(rows), "offset": offset},
    )
    return [EntitlementRead.model_validate(r) for r in rows]


def _plan_context(session: Session, actor: Principal, key: str | uuid.UUID) -> tuple[PaymentPlan, Programme]:
    plan = load_plan(session, key)
    cycle = session.get(Cycle, plan.cycle_id)
    assert cycle is not None
    programme = load_programme(session, cycle.programme_id)
    policy.require_view(actor, programme.operation_id)
    return plan, programme


def get_plan(session: Session, *, actor: Principal, key: str | uuid.UUID) -> PlanRead:
    plan, _ = _plan_context(session, actor, key)
    events = list(
        session.scalars(select(PlanEvent).where(PlanEvent.plan_id == plan.id).order_by(PlanEvent.at))
    )
    approvals = [e.by for e in events if e.kind == "approve" and e.plan_version == plan.version]
    totals = {
        status: Decimal(total or 0)
        for status, total in session.execute(
            select(Payment.status, func.sum(func.coalesce(Payment.delivered_amount, Payment.amount)))
            .where(Payment.plan_id == plan.id)
            .group_by(Payment.status)
        )
    }
    data = {k: getattr(plan, k) for k in PlanRead.model_fields if hasattr(plan, k)}
    data.update(
        total_usd=(plan.total_amount * plan.usd_rate).quantize(Decimal("0.01")),
        approvals=approvals,
        totals_by_status=totals,
        events=[PlanEventRead.model_validate(e) for e in events],
    )
    return PlanRead.model_validate(data)


def list_plans(
    session: Session, *, actor: Principal, cycle_key: str | uuid.UUID | None = None
) -> list[PlanRead]:
    stmt = select(PaymentPlan.id).order_by(PaymentPlan.created_at.desc())
    if cycle_key is not None:
        stmt = stmt.where(PaymentPlan.cycle_id == load_cycle(session, cycle_key).id)
    out = []
    for pid in session.scalars(stmt):
        try:
            out.append(get_plan(session, actor=actor, key=pid))
        except PermissionDenied:  # a plan outside the actor's scope is left out
            continue
    return out


def list_payments(
    session: Session, *, actor: Principal, plan_key: str | uuid.UUID, limit: int = 100, offset: int = 0
) -> list[PaymentRead]:
    plan, programme = _plan_context(session, actor, plan_key)
    actor.require(P.ASSISTANCE_PLAN, operation_id=programme.operation_id)
    rows = list(
        session.scalars(
            select(Payment)
            .where(Payment.plan_id == plan.id)
            .order_by(Payment.seq)
            .limit(limit)
            .offset(offset)
        )
    )
    audited(
        session,
        actor,
        "assistance.payments.read",
        "assistance_payment_plan",
        plan.id,
        {"rows": len(rows), "offset": offset},
    )
    return [PaymentRead.model_validate(r) for r in rows]


def verify_plan(session: Session, *, actor: Principal, plan_key: str | uuid.UUID, key: bytes) -> VerifyReport:
    """Check the plan's records against their MACs and chain (audited)."""
    plan, _ = _plan_context(session, actor, plan_key)
    report = seal.verify(session, plan_key=str(plan.id), key=key)
    audited(
        session,
        actor,
        "assistance.plan.verify",
        "assistance_payment_plan",
        plan.id,
        {"ok": report.ok, "problems": len(report.problems)},
    )
    return report


# ---------------------------------------------------------------------------------------------
# totals and overdue reconciliations

PAID_STATUSES = ("released", "reconciled", "closed")


def cycle_totals(session: Session, *, actor: Principal, cycle_key: str | uuid.UUID) -> list[TotalsRow]:
    """Planned (frozen) vs paid (released plans) vs reported (delivered) per site and provider, in the
    programme's currency and in USD at each plan's rate (the programme's rate for what is not paid)."""
    c = load_cycle(session, cycle_key)
    p = load_programme(session, c.programme_id)
    policy.require_view(actor, p.operation_id)
    codes = _site_codes(session)
    planned = {
        str(site): Decimal(total or 0)
        for site, total in session.execute(
            select(Entitlement.site_id, func.sum(Entitlement.amount))
            .where(Entitlement.cycle_id == c.id)
            .group_by(Entitlement.site_id)
        )
    }
    rows: dict[tuple[str, str], TotalsRow] = {}
    zero = Decimal(0)
    for site, provider, rate, paid, reported in session.execute(
        select(
            Payment.site_id,
            PaymentPlan.provider,
            PaymentPlan.usd_rate,
            func.sum(Payment.amount),
            func.sum(func.coalesce(Payment.delivered_amount, 0)),
        )
        .join(PaymentPlan, PaymentPlan.id == Payment.plan_id)
        .where(PaymentPlan.cycle_id == c.id, PaymentPlan.status.in_(PAID_STATUSES))
        .group_by(Payment.site_id, PaymentPlan.provider, PaymentPlan.usd_rate)
    ):
        key = (codes.get(str(site), str(site)), provider)
        paid_d, rep_d = Decimal(paid or 0), max(Decimal(reported or 0), zero)
        usd = Decimal(rate)
        row = rows.get(key) or TotalsRow(
            site_code=key[0], provider=provider, planned=zero, paid=zero, reported=zero,
            planned_usd=zero, paid_usd=zero, reported_usd=zero,
        )  # fmt: skip
        row.paid += paid_d
        row.reported += rep_d
        row.paid_usd += (paid_d * usd).quantize(Decimal("0.01"))
        row.reported_usd += (rep_d * usd).quantize(Decimal("0.01"))
        rows[key] = row
    for site_key, total in planned.items():
        code = codes.get(site_key, site_key)
        found = next((r for (s, _), r in rows.items() if s == code), None)
        if found is None:
            found = rows[(code, "")] = TotalsRow(
                site_code=code, provider="", planned=zero, paid=zero, reported=zero,
                planned_usd=zero, paid_usd=zero, reported_usd=zero,
            )  # fmt: skip
        found.planned += total  # per site: on the row of its first provider
        found.planned_usd += (total * p.usd_rate).quantize(Decimal("0.01"))
    return sorted(rows.values(), key=lambda r: (r.site_code, r.provider))


def overdue_reconciliations(session: Session, *, actor: Principal, days: int = 30) -> list[OverduePlan]:
    """Released plans with payments still pending more than `days` after their release."""
    cutoff = clock.now() - dt.timedelta(days=days)
    out = []
    for plan, pending in session.execute(
        select(PaymentPlan, func.count(Payment.id))
        .join(Payment, Payment.plan_id == PaymentPlan.id)
        .where(
            PaymentPlan.status == "released", PaymentPlan.released_at < cutoff, Payment.status == "pending"
        )
        .group_by(PaymentPlan.id)
        .order_by(PaymentPlan.released_at)
    ):
        cycle = session.get(Cycle, plan.cycle_id)
        assert cycle is not None and plan.released_at is not None
        if policy.may_view(actor, load_programme(session, cycle.programme_id).operation_id):
            late = (clock.now() - plan.released_at).days
            out.append(
                OverduePlan(
                    code=plan.code,
                    provider=plan.provider,
                    released_at=plan.released_at,
                    pending=pending,
                    days=late,
                )
            )
    return out
