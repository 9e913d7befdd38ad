"""Tamper evidence of payment records: an HMAC-SHA256 per payment over its fields and the hash of its
entitlement's frozen snapshot, chained within its plan (each record's MAC covers the previous one's),
and a seal over the plan (its code, count, total and the chain's head). The key lives in the secrets
directory (refugio.security.keys.Keyring.payment_key), never in the database, so whoever can write the
database cannot forge a record.

`verify` names each altered, inserted or deleted record, an altered frozen snapshot and an altered plan.

Imports refugio.assistance.models, service.common, sqlalchemy and core.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from refugio.assistance.models import Entitlement, Payment, PaymentPlan
from refugio.assistance.schemas import VerifyProblem, VerifyReport
from refugio.assistance.service.common import canonical, load_plan

GENESIS = "0" * 64

FIELDS = (
    "payment_ref",
    "seq",
    "entitlement_id",
    "household_ref",
    "site_id",
    "collector_name",
    "collector_document",
    "amount",
    "currency",
    "status",
    "delivered_amount",
    "delivery_date",
    "reference",
    "reason",
)


def _text(value: Any) -> Any:
    if value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def mac(key: bytes, plan_id: str, prev: str, values: dict[str, Any], snapshot_sha: str) -> str:
    body = canonical([plan_id, prev, [_text(values[f]) for f in FIELDS], snapshot_sha])
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def plan_seal(key: bytes, plan: PaymentPlan) -> str:
    body = canonical(
        [
            str(plan.id),
            plan.code,
            str(plan.cycle_id),
            plan.currency,
            plan.payment_count,
            f"{plan.total_amount:.2f}",
            plan.chain_head,
        ]
    )
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def _rows(session: Session, plan: PaymentPlan, *, recompute: bool = True) -> Iterable[tuple[Any, str]]:
    """The plan's payments (rows of their sealed columns) in chain order, each with the hash of its
    entitlement's snapshot: recomputed from the snapshot itself (an edited snapshot changes it), or,
    when not `recompute`, the hash stored beside it at the freeze (quick: no JSON read)."""
    snap = Entitlement.snapshot if recompute else Entitlement.snapshot_sha256
    stmt = (
        select(Payment.id, Payment.hmac, *(getattr(Payment, f) for f in FIELDS), snap)
        .join(Entitlement, Entitlement.id == Payment.entitlement_id)
        .where(Payment.plan_id == plan.id)
        .order_by(Payment.seq)
        .execution_options(yield_per=5000)
    )
    for row in session.execute(stmt):
        yield row, hashlib.sha256(canonical(row[-1])).hexdigest() if recompute else row[-1]


def chain(key: bytes, plan: PaymentPlan, rows: Iterable[tuple[dict[str, Any], str]]) -> list[str]:
    """The MACs of `rows` (values, snapshot hash) in order, starting from the genesis."""
    prev = GENESIS
    out: list[str] = []
    for values, snap in rows:
        prev = mac(key, str(plan.id), prev, values, snap)
        out.append(prev)
    return out


def reseal(session: Session, plan: PaymentPlan, key: bytes) -> None:
    """Recompute the chain of every payment of the plan and the plan's seal (after a legitimate
    change: creation or a reconciliation import). Flushes."""
    session.flush()
    rows = [
        ({f: getattr(p, f) for f in FIELDS}, snap, p.id, p.hmac)
        for p, snap in _rows(session, plan, recompute=False)
    ]
    macs = chain(key, plan, ((v, s) for v, s, _, _ in rows))
    changed = [{"pid": pid, "hmac": m} for (_, _, pid, old), m in zip(rows, macs, strict=True) if old != m]
    if changed:
        table = cast(Table, Payment.__table__)
        session.execute(
            update(table).where(table.c.id == bindparam("pid")).values(hmac=bindparam("hmac")), changed
        )
        session.expire_all()
    plan.chain_head = macs[-1] if macs else GENESIS
    plan.seal = plan_seal(key, plan)
    session.flush()


def _stored_hashes(session: Session, plan: PaymentPlan) -> dict[Any, str]:
    """The snapshot hashes stored at the freeze, by entitlement, for the plan's payments."""
    paid = select(Payment.entitlement_id).where(Payment.plan_id == plan.id)
    rows = session.execute(
        select(Entitlement.id, Entitlement.snapshot_sha256).where(Entitlement.id.in_(paid))
    )
    return {eid: sha for eid, sha in rows}


def verify(session: Session, *, plan_key: str, key: bytes, snapshot_hashes: bool = True) -> VerifyReport:
    """Check every record of the plan against its MAC and the chain; name what was altered, inserted
    or deleted. Reads only (the caller checks the permission and audits)."""
    plan = load_plan(session, plan_key)
    problems: list[VerifyProblem] = []
    if not hmac.compare_digest(plan.seal, plan_seal(key, plan)):
        problems.append(
            VerifyProblem(
                kind="plan",
                payment_ref=None,
                message=f"plan {plan.code}: its own record (count, total or head) was altered",
            )
        )
    prev = GENESIS
    expected_seq = 1
    checked = 0
    stored_snap = _stored_hashes(session, plan) if snapshot_hashes else {}
    for p, snap in _rows(session, plan, recompute=snapshot_hashes):
        checked += 1
        gap = p.seq > expected_seq
        if gap:
            problems.append(
                VerifyProblem(
                    kind="deleted",
                    payment_ref=p.payment_ref,
                    message=f"record(s) {expected_seq}–{p.seq - 1} before {p.payment_ref} were deleted",
                )
            )
        if snapshot_hashes and stored_snap.get(p.entitlement_id) != snap:
            problems.append(
                VerifyProblem(
                    kind="snapshot",
                    payment_ref=p.payment_ref,
                    message=f"{p.payment_ref}: the frozen household snapshot was altered",
                )
            )
        values = {f: getattr(p, f) for f in FIELDS}
        if not hmac.compare_digest(p.hmac, mac(key, str(plan.id), prev, values, snap)):
            kind = "inserted" if p.seq > plan.payment_count else "altered"
            snapshot_changed = snapshot_hashes and stored_snap.get(p.entitlement_id) != snap
            if kind == "inserted" or not (snapshot_changed or gap):
                problems.append(
                    VerifyProblem(
                        kind=kind,
                        payment_ref=p.payment_ref,
                        message=f"{p.payment_ref}: record {kind} (its MAC does not match)",
                    )
                )
        prev = p.hmac
        expected_seq = p.seq + 1
    if checked < plan.payment_count and expected_seq <= plan.payment_count:
        problems.append(
            VerifyProblem(
                kind="deleted",
                payment_ref=None,
                message=f"record(s) {expected_seq}–{plan.payment_count} at the end were deleted",
            )
        )
    elif prev != plan.chain_head and not problems:
        problems.append(
            VerifyProblem(
                kind="deleted", payment_ref=None, message="the chain's head does not match its last record"
            )
        )
    if checked > plan.payment_count and not any(x.kind == "inserted" for x in problems):
        problems.append(
            VerifyProblem(
                kind="inserted",
                payment_ref=None,
                message=f"{checked - plan.payment_count} record(s) more than sealed",
            )
        )
    return VerifyReport(plan_code=plan.code, checked=checked, ok=not problems, problems=problems)
