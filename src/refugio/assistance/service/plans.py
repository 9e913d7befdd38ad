"""Payment plans: open → locked → in approval → authorised → released → reconciled → closed, rejection
back to locked, abort. The number of approvals is set by the plan's total against the programme's
thresholds; the preparer, the approvers and the releaser are different people (refugio.assistance
.policy). An approval names the plan version it saw: a plan changed since is refused. Approval and
release first verify the sealed records. Payment files per provider template (CSV or XLSX).

Imports refugio.assistance (models, enums, policy, schemas, service.common, service.seal), store, core.
"""

from __future__ import annotations

import csv
import io
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from refugio.assistance import policy
from refugio.assistance.enums import CycleStatus, PlanStatus, ProgrammeKind
from refugio.assistance.models import Cycle, Entitlement, Payment, PaymentPlan, PlanEvent, Programme
from refugio.assistance.schemas import PlanCreate
from refugio.assistance.service import seal
from refugio.assistance.service.common import audited, load_cycle, load_plan, programme_of_cycle
from refugio.core import clock, ids
from refugio.core.errors import Conflict, ValidationFailed
from refugio.security.permissions import Permission
from refugio.security.principals import Principal
from refugio.store.bulk import insert_rows

P = Permission
S = PlanStatus

DEFAULT_TEMPLATE = [
    "payment_id",
    "household_id",
    "collector_name",
    "collector_document",
    "amount",
    "currency",
]
TEMPLATE_FIELDS = {
    "payment_id": "payment_ref",
    "household_id": "household_ref",
    "collector_name": "collector_name",
    "collector_document": "collector_document",
    "amount": "amount",
    "currency": "currency",
    "plan": None,
    "provider": None,
}


def approvals_required(programme: Programme, total: Decimal) -> int:
    for limit, count in programme.approval_thresholds:
        if total <= Decimal(str(limit)):
            return int(count)
    return programme.approvals_above


def _event(
    session: Session,
    plan: PaymentPlan,
    actor: Principal,
    kind: str,
    reason: str | None = None,
    **details: Any,
) -> None:
    session.add(
        PlanEvent(
            plan_id=plan.id,
            kind=kind,
            by=actor.label,
            plan_version=plan.version,
            reason=reason,
            details=details,
        )
    )


def create_plan(
    session: Session, *, actor: Principal, cycle_key: str | uuid.UUID, data: PlanCreate, key: bytes
) -> PaymentPlan:
    """A plan paying every entitlement (amount > 0) of a frozen cycle of a cash or voucher programme
    that no other live plan pays; its records are chained and sealed at once."""
    cycle = load_cycle(session, cycle_key)
    programme = programme_of_cycle(session, cycle)
    actor.require(P.ASSISTANCE_PLAN, operation_id=programme.operation_id)
    if programme.kind not in (ProgrammeKind.CASH, ProgrammeKind.VOUCHER):
        raise Conflict(
            f"programme {programme.code} is {programme.kind}: it is delivered at the desk, not paid"
        )
    if cycle.frozen_at is None or cycle.status == CycleStatus.FINISHED:
        raise Conflict(f"cycle {programme.code}/{cycle.number}: freeze its list first (and not finished)")
    template = data.template or DEFAULT_TEMPLATE
    unknown = [c for c in template if c not in TEMPLATE_FIELDS]
    if unknown:
        raise ValidationFailed.single(
            "template", f"unknown column(s) {', '.join(unknown)}; known: {', '.join(TEMPLATE_FIELDS)}"
        )
    paid = (
        select(Payment.entitlement_id)
        .join(PaymentPlan, PaymentPlan.id == Payment.plan_id)
        .where(PaymentPlan.cycle_id == cycle.id, PaymentPlan.status != S.ABORTED)
    )
    ents = session.execute(
        select(
            Entitlement.id,
            Entitlement.household_ref,
            Entitlement.site_id,
            Entitlement.amount,
            Entitlement.snapshot,
            Entitlement.snapshot_sha256,
        )
        .where(Entitlement.cycle_id == cycle.id, Entitlement.amount > 0, Entitlement.id.not_in(paid))
        .order_by(Entitlement.household_ref)
    ).all()
    if not ents:
        raise Conflict(f"cycle {programme.code}/{cycle.number}: nothing left to pay")
    n = (
        session.scalar(select(func.count()).select_from(PaymentPlan).where(PaymentPlan.cycle_id == cycle.id))
        or 0
    ) + 1
    plan = PaymentPlan(
        id=ids.new_id(),
        code=f"{programme.code}-{cycle.number}-{n}",
        cycle_id=cycle.id,
        provider=data.provider,
        template=template,
        status=S.OPEN.value,
        currency=programme.currency,
        usd_rate=programme.usd_rate,
        prepared_by=actor.label,
        version=1,
    )
    session.add(plan)
    session.flush()
    rows, total = _payment_rows(plan, ents, key)
    prev = rows[-1]["hmac"]
    insert_rows(session.connection(), Payment.__table__, rows)  # type: ignore[arg-type]
    plan.payment_count = len(rows)
    plan.total_amount = total
    plan.approvals_required = approvals_required(programme, total)
    plan.chain_head = prev
    plan.seal = seal.plan_seal(key, plan)
    _event(session, plan, actor, "create", payments=len(rows), total=f"{total:.2f}")
    audited(
        session,
        actor,
        "assistance.plan.create",
        "assistance_payment_plan",
        plan.id,
        {"code": plan.code, "payments": len(rows)},
    )
    return plan


def _payment_rows(plan: PaymentPlan, ents: Any, key: bytes) -> tuple[list[dict[str, Any]], Decimal]:
    """The plan's payment rows, one per entitlement row (id, household ref, site, amount, snapshot, its
    hash), each with its MAC chained to the previous one; and their total."""
    rows: list[dict[str, Any]] = []
    prev = seal.GENESIS
    total = Decimal(0)
    base = seal.keyed(key)
    for seq, (eid, ref, site_id, amount, snap, snap_sha) in enumerate(ents, start=1):
        focal = snap.get("focal_point", {})
        values = {
            "payment_ref": f"{plan.code}-{seq:06d}",
            "seq": seq,
            "entitlement_id": eid,
            "household_ref": ref,
            "site_id": site_id,
            "collector_name": focal.get("name", ""),
            "collector_document": focal.get("document", ""),
            "amount": amount,
            "currency": plan.currency,
            "status": "pending",
            "delivered_amount": None,
            "delivery_date": None,
            "reference": None,
            "reason": None,
        }
        prev = seal.mac(base, str(plan.id), prev, values, snap_sha)
        rows.append({"id": ids.new_id(), "plan_id": plan.id, **values, "hmac": prev})
        total += amount
    return rows, total


def _context(session: Session, plan_key: str | uuid.UUID) -> tuple[PaymentPlan, Programme]:
    plan = load_plan(session, plan_key, lock=True)
    cycle = session.get(Cycle, plan.cycle_id)
    assert cycle is not None
    return plan, programme_of_cycle(session, cycle)


def _expect(plan: PaymentPlan, *allowed: PlanStatus) -> None:
    if plan.status not in allowed:
        raise Conflict(
            f"plan {plan.code} is {plan.status}; this step needs it {' or '.join(a.value for a in allowed)}"
        )


def _move(
    session: Session,
    actor: Principal,
    plan: PaymentPlan,
    to: PlanStatus,
    kind: str,
    reason: str | None = None,
) -> PaymentPlan:
    before = plan.status
    plan.status = to.value
    _event(session, plan, actor, kind, reason)
    audited(
        session,
        actor,
        f"assistance.plan.{kind}",
        "assistance_payment_plan",
        plan.id,
        {"code": plan.code, "from": before, "to": to.value},
    )
    return plan


def _intact(session: Session, plan: PaymentPlan, key: bytes) -> None:
    """The plan's records match their MACs and chain (the quick check: the snapshot hashes stored at the
    freeze; `refugio assistance verify` also re-reads every snapshot)."""
    seal.require_intact(session, plan, key)


def current_approvers(session: Session, plan: PaymentPlan) -> list[str]:
    return list(
        session.scalars(
            select(PlanEvent.by)
            .where(
                PlanEvent.plan_id == plan.id,
                PlanEvent.kind == "approve",
                PlanEvent.plan_version == plan.version,
            )
            .order_by(PlanEvent.at)
        )
    )


def lock(session: Session, *, actor: Principal, plan_key: str | uuid.UUID) -> PaymentPlan:
    plan, programme = _context(session, plan_key)
    actor.require(P.ASSISTANCE_PLAN, operation_id=programme.operation_id)
    _expect(plan, S.OPEN)
    return _move(session, actor, plan, S.LOCKED, "lock")


def unlock(session: Session, *, actor: Principal, plan_key: str | uuid.UUID) -> PaymentPlan:
    plan, programme = _context(session, plan_key)
    actor.require(P.ASSISTANCE_PLAN, operation_id=programme.operation_id)
    _expect(plan, S.LOCKED)
    plan.version += 1
    return _move(session, actor, plan, S.OPEN, "unlock")


def submit(session: Session, *, actor: Principal, plan_key: str | uuid.UUID) -> PaymentPlan:
    plan, programme = _context(session, plan_key)
    actor.require(P.ASSISTANCE_PLAN, operation_id=programme.operation_id)
    _expect(plan, S.LOCKED)
    return _move(session, actor, plan, S.IN_APPROVAL, "submit")


def approve(
    session: Session, *, actor: Principal, plan_key: str | uuid.UUID, version: int, key: bytes
) -> PaymentPlan:
    """One approval of the version the approver saw; the last one needed authorises the plan."""
    plan, programme = _context(session, plan_key)
    policy.require_approver(
        actor, operation_id=programme.operation_id, prepared_by=plan.prepared_by, plan_code=plan.code
    )
    _expect(plan, S.IN_APPROVAL)
    if version != plan.version:
        raise Conflict(
            f"plan {plan.code} changed since you saw it (version {version}, now {plan.version}): look again"
        )
    approvers = current_approvers(session, plan)
    if actor.label in approvers:
        raise Conflict(f"plan {plan.code}: {actor.label} approved this version already")
    _intact(session, plan, key)
    _event(session, plan, actor, "approve")
    audited(
        session,
        actor,
        "assistance.plan.approve",
        "assistance_payment_plan",
        plan.id,
        {"code": plan.code, "version": version},
    )
    if len(approvers) + 1 >= plan.approvals_required:
        return _move(session, actor, plan, S.AUTHORISED, "authorise")
    return plan


def reject(session: Session, *, actor: Principal, plan_key: str | uuid.UUID, reason: str) -> PaymentPlan:
    plan, programme = _context(session, plan_key)
    policy.require_approver(
        actor, operation_id=programme.operation_id, prepared_by=plan.prepared_by, plan_code=plan.code
    )
    _expect(plan, S.IN_APPROVAL, S.AUTHORISED)
    if not reason.strip():
        raise ValidationFailed.single("reason", "say why the plan is rejected")
    _move(session, actor, plan, S.LOCKED, "reject", reason)
    plan.version += 1  # the approvals given so far no longer count
    return plan


def release(session: Session, *, actor: Principal, plan_key: str | uuid.UUID, key: bytes) -> PaymentPlan:
    plan, programme = _context(session, plan_key)
    policy.require_releaser(
        actor,
        operation_id=programme.operation_id,
        prepared_by=plan.prepared_by,
        approvers=current_approvers(session, plan),
        plan_code=plan.code,
    )
    _expect(plan, S.AUTHORISED)
    _intact(session, plan, key)
    plan.released_by = actor.label
    plan.released_at = clock.now()
    return _move(session, actor, plan, S.RELEASED, "release")


def abort(session: Session, *, actor: Principal, plan_key: str | uuid.UUID, reason: str) -> PaymentPlan:
    plan, programme = _context(session, plan_key)
    actor.require(P.ASSISTANCE_PLAN, operation_id=programme.operation_id)
    _expect(plan, S.OPEN, S.LOCKED, S.IN_APPROVAL, S.AUTHORISED)
    if not reason.strip():
        raise ValidationFailed.single("reason", "say why the plan is aborted")
    return _move(session, actor, plan, S.ABORTED, "abort", reason)


def close(session: Session, *, actor: Principal, plan_key: str | uuid.UUID) -> PaymentPlan:
    plan, programme = _context(session, plan_key)
    actor.require(P.ASSISTANCE_PLAN, operation_id=programme.operation_id)
    _expect(plan, S.RECONCILED)
    return _move(session, actor, plan, S.CLOSED, "close")


# ---------------------------------------------------------------------------------------------
# payment files


def _cell(value: str) -> str:
    """A text cell a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def export_rows(
    session: Session, *, actor: Principal, plan_key: str | uuid.UUID
) -> tuple[list[str], list[list[str]]]:
    """The payment file's header and rows for the plan's provider template (authorised plans onward);
    audited."""
    plan, programme = _context(session, plan_key)
    actor.require(P.ASSISTANCE_PLAN, operation_id=programme.operation_id)
    _expect(plan, S.AUTHORISED, S.RELEASED, S.RECONCILED, S.CLOSED)
    header = list(plan.template)
    rows: list[list[str]] = []
    for p in session.scalars(
        select(Payment)
        .where(Payment.plan_id == plan.id)
        .order_by(Payment.seq)
        .execution_options(yield_per=5000)
    ):
        out = []
        for col in header:
            attr = TEMPLATE_FIELDS[col]
            if attr is None:
                out.append(plan.code if col == "plan" else plan.provider)
            elif attr == "amount":
                out.append(f"{p.amount:.2f}")
            else:
                out.append(_cell(str(getattr(p, attr) or "")))
        rows.append(out)
    audited(
        session,
        actor,
        "assistance.plan.export",
        "assistance_payment_plan",
        plan.id,
        {"code": plan.code, "rows": len(rows)},
    )
    return header, rows


def export_csv(session: Session, *, actor: Principal, plan_key: str | uuid.UUID) -> bytes:
    header, rows = export_rows(session, actor=actor, plan_key=plan_key)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def export_xlsx(session: Session, *, actor: Principal, plan_key: str | uuid.UUID) -> bytes:
    from refugio.assistance import openpyxl_files

    header, rows = export_rows(session, actor=actor, plan_key=plan_key)
    return openpyxl_files.write_sheet("payments", header, rows)
