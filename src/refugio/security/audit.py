"""The audit log: append-only and hash-chained.

Each entry's hash is SHA-256 over the previous hash and a canonical JSON of the entry, so changing,
deleting or reordering any entry breaks the chain from that point; `verify_chain` finds where.
Appending locks the single `audit_head` row, so concurrent writers extend one linear chain.
Database triggers (see the migrations) also refuse UPDATE and DELETE on `audit_log`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.security.models import AuditEntry, AuditHead

if TYPE_CHECKING:
    from refugio.security.schemas import AuditEntryRead
from refugio.security.principals import Principal
from refugio.store.bulk import insert_rows

GENESIS = "0" * 64


def _canonical(
    seq: int,
    at: str,
    actor: str,
    action: str,
    object_type: str,
    object_id: str | None,
    purpose: str | None,
    details: dict[str, Any],
) -> bytes:
    body = {
        "seq": seq,
        "at": at,
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "purpose": purpose,
        "details": details,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def entry_hash(prev_hash: str, canonical: bytes) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical).hexdigest()


def _timestamp(at: dt.datetime) -> str:
    """Microsecond UTC timestamp, identical whichever database returned it."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def _portable(value: Any) -> Any:
    """Integral floats as integers: PostgreSQL's JSONB gives 1e16 back as 10000000000000000, so the
    stored details must already be in the form every database returns, or the hash would not match."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _portable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_portable(v) for v in value]
    return value


def _lock_head(session: Session) -> AuditHead:
    stmt = select(AuditHead).where(AuditHead.id == 1)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    head = session.scalars(stmt).one_or_none()
    if head is None:
        head = AuditHead(id=1, seq=0, hash=GENESIS)
        session.add(head)
        session.flush()
    return head


def record(
    session: Session,
    *,
    actor: Principal,
    action: str,
    object_type: str,
    object_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the chain (flushes, does not commit)."""
    head = _lock_head(session)
    (entry,) = _chain(head, actor, [(action, object_type, object_id, details or {})])
    row = AuditEntry(**entry)
    session.add(row)
    head.seq, head.hash = entry["seq"], entry["hash"]
    session.flush()
    return row


def record_refusal(
    session: Session,
    *,
    actor: Principal,
    action: str,
    object_type: str,
    object_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Record a refused attempt (a read of a person or a case the actor may not see) so that it outlives
    the refusal, which rolls the caller's unit of work back: the entry is written when that unit of work
    ends, in a transaction of its own (`store.uow.after_transaction`)."""
    from refugio.store.uow import after_transaction

    def write(own: Session) -> None:
        record(own, actor=actor, action=action, object_type=object_type, object_id=object_id, details=details)

    after_transaction(session, write)


def record_many(
    session: Session,
    *,
    actor: Principal,
    entries: list[tuple[str, str, str | None, dict[str, Any]]],
) -> int:
    """Append several entries (action, object_type, object_id, details) in order, under one lock; the
    same chain as `record` entry by entry, written with one executemany (no ORM objects). Returns the
    number appended."""
    if not entries:
        return 0
    head = _lock_head(session)
    rows = _chain(head, actor, entries)
    insert_rows(session.connection(), AuditEntry.__table__, rows)  # type: ignore[arg-type]
    head.seq, head.hash = rows[-1]["seq"], rows[-1]["hash"]
    session.flush()
    return len(rows)


def _chain(
    head: AuditHead, actor: Principal, entries: list[tuple[str, str, str | None, dict[str, Any]]]
) -> list[dict[str, Any]]:
    """The rows that extend the chain from `head` with `entries`, all stamped now."""
    at = clock.now()
    stamp = _timestamp(at)
    rows: list[dict[str, Any]] = []
    seq, prev = head.seq, head.hash
    for action, object_type, object_id, details in entries:
        seq += 1
        clean = _portable(json.loads(json.dumps(details, default=str)))
        digest = entry_hash(
            prev, _canonical(seq, stamp, actor.label, action, object_type, object_id, actor.purpose, clean)
        )
        rows.append(
            {
                "seq": seq,
                "at": at,
                "actor": actor.label,
                "action": action,
                "object_type": object_type,
                "object_id": object_id,
                "purpose": actor.purpose,
                "details": clean,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    return rows


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    entries: int
    problems: list[str]
    last_hash: str


def _iter_entries(session: Session, batch: int = 5000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.seq > last).order_by(AuditEntry.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        session.expunge_all()


def verify_chain(session: Session, *, max_problems: int = 50) -> ChainReport:
    """Recompute every hash; report altered, missing (deleted) or reordered entries, and a moved head."""
    problems: list[str] = []
    prev, expected_seq, count = GENESIS, 1, 0
    for e in _iter_entries(session):
        count += 1
        if e.seq != expected_seq:
            problems.append(f"entries {expected_seq}..{e.seq - 1} are missing (deleted)")
        if e.prev_hash != prev:
            problems.append(
                f"entry {e.seq}: previous-hash link broken (an entry before it was changed or removed)"
            )
        digest = entry_hash(
            e.prev_hash,
            _canonical(
                e.seq, _timestamp(e.at), e.actor, e.action, e.object_type, e.object_id, e.purpose, e.details
            ),
        )
        if digest != e.hash:
            problems.append(f"entry {e.seq}: content does not match its hash (altered)")
        prev, expected_seq = e.hash, e.seq + 1
        if len(problems) >= max_problems:
            break
    head = session.get(AuditHead, 1)
    if head is not None and len(problems) < max_problems:
        if head.seq != expected_seq - 1:
            problems.append(
                f"chain head says {head.seq} entries but the log ends at {expected_seq - 1} "
                "(entries at the end were deleted)"
            )
        elif head.hash != prev:
            problems.append("chain head hash does not match the last entry (the last entry was altered)")
    return ChainReport(ok=not problems, entries=count, problems=problems, last_hash=prev)


def recent_entries(
    session: Session, *, actor: Principal, limit: int = 200, offset: int = 0
) -> list[AuditEntryRead]:
    """The newest audit entries, for those who may read the log (AUDIT_VIEW; the log is global); with
    `offset`, the page that many entries further back (by sequence number: the primary key's range)."""
    from refugio.core.errors import PermissionDenied
    from refugio.security.permissions import Permission

    if not actor.can_anywhere(Permission.AUDIT_VIEW):
        raise PermissionDenied(f"{actor.label} lacks {Permission.AUDIT_VIEW.value}")
    from refugio.security.schemas import AuditEntryRead

    stmt = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(max(1, min(limit, 1000)))
    if offset > 0:
        stmt = stmt.where(AuditEntry.seq <= entry_count(session) - offset)
    return [AuditEntryRead.model_validate(e) for e in session.scalars(stmt)]


def entry_count(session: Session) -> int:
    """How many entries the log holds (its last sequence number: the log is gapless and append-only)."""
    return int(session.scalar(select(func.max(AuditEntry.seq))) or 0)
