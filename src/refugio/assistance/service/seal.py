"""Tamper evidence of payment records: an HMAC-SHA256 per payment over its fields and the hash of its
entitlement's frozen snapshot, chained within its plan (each record's MAC covers the previous one's),
and a seal over the plan (its code, count, total and the chain's head). The key lives in the secrets
directory (refugio.security.keys.Keyring.payment_key), never in the database, so whoever can write the
database cannot forge a record.

`verify` names each altered, inserted or deleted record, an altered frozen snapshot and an altered plan;
`require_intact` refuses a plan that fails the quick check (approval, release, reconciliation); `rechain`
re-makes the chain after a reconciliation's changes, checking the stored one on the way.

Imports refugio.assistance.models, service.common, sqlalchemy and core.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from refugio.assistance.models import Entitlement, Payment, PaymentPlan
from refugio.assistance.schemas import VerifyProblem, VerifyReport
from refugio.assistance.service.common import canonical, load_plan
from refugio.core.errors import IntegrityBroken

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
CHANGEABLE = ("status", "delivered_amount", "delivery_date", "reference", "reason")  # by reconciliation


_PLAIN = (str, int, type(None))
# the same bytes as refugio.assistance.service.common.canonical (json.dumps with these settings), with
# one encoder made once rather than one per call
_ENCODE = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode


def _text(value: Any) -> Any:
    if type(value) in _PLAIN or isinstance(value, (int, str)):
        return value
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def keyed(key: bytes) -> hmac.HMAC:
    """HMAC-SHA256 keyed with `key`, copied for each record (the key is prepared once, not per record)."""
    return hmac.new(key, digestmod=hashlib.sha256)


def mac_of_texts(keyed_mac: hmac.HMAC, plan_id: str, prev: str, fields: list[Any], snapshot_sha: str) -> str:
    """`mac` of a record whose fields are already `texts`, with a `keyed` HMAC."""
    h = keyed_mac.copy()
    h.update(_ENCODE([plan_id, prev, fields, snapshot_sha]).encode())
    return h.hexdigest()


def mac(key: bytes | hmac.HMAC, plan_id: str, prev: str, values: dict[str, Any], snapshot_sha: str) -> str:
    """The MAC of one record: its plan, the previous record's MAC, its `FIELDS` and its snapshot's hash
    (canonical JSON of them, HMAC-SHA256). `key` is the key or a `keyed` HMAC of it."""
    base = key if isinstance(key, hmac.HMAC) else keyed(key)
    return mac_of_texts(base, plan_id, prev, [_text(values[f]) for f in FIELDS], snapshot_sha)


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


def records(session: Session, plan: PaymentPlan) -> Sequence[Any]:
    """Every payment of the plan in chain order, as rows of `id, hmac, *FIELDS, snapshot_sha` (the hash
    stored beside its entitlement's snapshot at the freeze): one Core query, no ORM objects."""
    session.flush()
    p = cast(Table, Payment.__table__)
    e = cast(Table, Entitlement.__table__)
    stmt = (
        select(p.c.id, p.c.hmac, *(p.c[f] for f in FIELDS), e.c.snapshot_sha256.label("snapshot_sha"))
        .join(e, e.c.id == p.c.entitlement_id)
        .where(p.c.plan_id == plan.id)
        .order_by(p.c.seq)
    )
    return session.connection().execute(stmt).all()


_FIRST = 2  # records(): FIELDS start after id and hmac
_SEQ = _FIRST + FIELDS.index("seq")


def require_intact(session: Session, plan: PaymentPlan, key: bytes) -> None:
    """Raise IntegrityBroken naming the first problem when the plan's records fail the quick check
    (MACs, chain, count, the plan's seal; the snapshot hashes stored at the freeze)."""
    report = verify(session, plan_key=str(plan.id), key=key, snapshot_hashes=False)
    if not report.ok:
        raise IntegrityBroken(
            f"plan {plan.code}: its records fail verification ({report.problems[0].message}); "
            f"run `refugio assistance verify {plan.code}`"
        )


def rechain(
    session: Session,
    plan: PaymentPlan,
    key: bytes,
    rows: Sequence[Any],
    changes: Mapping[Any, Sequence[Any]],
) -> list[str]:
    """The new MAC of each of `rows` (all the plan's `records`, in order) once `changes` (new values of
    the `CHANGEABLE` fields, in that order, by payment id) are applied: a changed record and every one
    after it gets a new MAC (each covers the previous one). Checks the stored chain on the way — each
    record's stored MAC over its stored fields and the previous stored MAC, no gap, the count, the head
    and the plan's seal — and raises IntegrityBroken (naming the first problem, as `verify` does) when
    it fails: a legitimate change never seals over an altered, inserted or deleted record. Sets the
    plan's head and seal (the caller writes the rows)."""
    base = keyed(key)
    plan_id = str(plan.id)
    positions = [FIELDS.index(name) for name in CHANGEABLE]
    prev_old = prev_new = GENESIS
    out: list[str] = []
    intact = len(rows) == plan.payment_count and hmac.compare_digest(plan.seal, plan_seal(key, plan))
    for n, row in enumerate(rows, start=1):
        if not intact or row[_SEQ] != n:
            intact = False
            break
        fields = [v if type(v) in _PLAIN else _text(v) for v in row[_FIRST:-1]]
        snap = row[-1]
        old = mac_of_texts(base, plan_id, prev_old, fields, snap)
        if not hmac.compare_digest(old, row.hmac):
            intact = False
            break
        change = changes.get(row.id)
        if change is not None:
            for i, value in zip(positions, change, strict=True):
                fields[i] = _text(value)
            new = mac_of_texts(base, plan_id, prev_new, fields, snap)
        elif prev_new == prev_old:  # nothing changed up to here: the stored MAC stands
            new = old
        else:
            new = mac_of_texts(base, plan_id, prev_new, fields, snap)
        out.append(new)
        prev_old, prev_new = row.hmac, new
    if not intact or prev_old != plan.chain_head:
        require_intact(session, plan, key)
        raise IntegrityBroken(
            f"plan {plan.code}: its records fail verification; run `refugio assistance verify`"
        )
    plan.chain_head = prev_new
    plan.seal = plan_seal(key, plan)
    return out


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
    base = keyed(key)
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
        if not hmac.compare_digest(p.hmac, mac(base, str(plan.id), prev, values, snap)):
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
