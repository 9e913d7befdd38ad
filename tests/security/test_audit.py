"""The hash-chained audit log: a fresh chain verifies; any entry altered, deleted (in the middle or at the
end) or reordered directly in the database is found by `verify_chain`, which names the entry.

The migrations install triggers that refuse UPDATE and DELETE on `audit_log`; to play the attacker
who gets past them, each tampering test drops them first.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, delete, func, select, text, update
from tests.helpers import Seed

from refugio.main import Container
from refugio.security import audit
from refugio.security.models import AuditEntry, AuditHead
from refugio.security.principals import SYSTEM, Principal
from refugio.store.uow import unit_of_work


def _drop_append_only_triggers(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        names = conn.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'")
        ).scalars()
        for name in list(names):
            conn.execute(text(f'DROP TRIGGER "{name}"'))
    else:
        names = conn.execute(
            text("SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_log'::regclass AND NOT tgisinternal")
        ).scalars()
        for name in list(names):
            conn.execute(text(f'DROP TRIGGER "{name}" ON audit_log'))


@pytest.fixture
def chain(container: Container, seeded: Seed) -> Iterator[int]:
    """A chain of at least ten entries, with the append-only triggers removed; yields its length."""
    actor = Principal(uuid.uuid4(), "auditor")
    with unit_of_work(container.sessions) as s:
        for n in range(6):
            audit.record(
                s, actor=actor, action="test.write", object_type="thing", object_id=str(n), details={"n": n}
            )
    with container.engine.begin() as conn:
        _drop_append_only_triggers(conn)
    yield _length(container)


def _length(container: Container) -> int:
    with unit_of_work(container.sessions) as s:
        return s.scalar(select(func.count()).select_from(AuditEntry)) or 0


def _verify(container: Container) -> audit.ChainReport:
    with unit_of_work(container.sessions) as s:
        return audit.verify_chain(s)


def _tamper(container: Container, *statements: object) -> None:
    with container.engine.begin() as conn:
        for statement in statements:
            conn.execute(statement)  # type: ignore[call-overload]


def _entry(container: Container, seq: int) -> AuditEntry:
    with unit_of_work(container.sessions) as s:
        found = s.get(AuditEntry, seq)
        assert found is not None
        return found


def _problems(report: audit.ChainReport) -> str:
    assert not report.ok
    return " | ".join(report.problems)


# --- an honest chain ------------------------------------------------------------------------------------


def test_a_fresh_chain_verifies(container: Container, seeded: Seed) -> None:
    report = _verify(container)
    assert report.ok and report.problems == []
    assert report.entries == _length(container) > 0
    with unit_of_work(container.sessions) as s:
        head = s.get(AuditHead, 1)
        assert head is not None and (head.seq, head.hash) == (report.entries, report.last_hash)


def test_entries_link_to_the_previous_hash(container: Container, seeded: Seed) -> None:
    with unit_of_work(container.sessions) as s:
        entries = s.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    assert entries[0].prev_hash == audit.GENESIS
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))


def test_details_of_every_kind_survive_the_database_round_trip(container: Container, seeded: Seed) -> None:
    details = {
        "name": "خالد حداد — Ünïcode",
        "nested": {"list": [1, 2.5, None, True], "empty": {}},
        "when": dt.date(2026, 11, 22),
        "id": uuid.UUID(int=7),
        "small": 0.1,
        "big_int": 2**63,
    }
    with unit_of_work(container.sessions) as s:
        audit.record(s, actor=SYSTEM, action="test.kinds", object_type="thing", details=details)
    assert _verify(container).ok


def test_large_floats_survive_the_database_round_trip(container: Container, seeded: Seed) -> None:
    with unit_of_work(container.sessions) as s:
        audit.record(s, actor=SYSTEM, action="test.amount", object_type="thing", details={"total": 1e16})
    assert _verify(container).ok


# --- tampering ------------------------------------------------------------------------------------------


def test_altered_details_are_found(container: Container, chain: int) -> None:
    _tamper(container, update(AuditEntry).where(AuditEntry.seq == 5).values(details={"n": 99}))
    assert "entry 5: content does not match its hash (altered)" in _problems(_verify(container))


@pytest.mark.parametrize(
    "column",
    [
        pytest.param(text("UPDATE audit_log SET actor = 'mallory' WHERE seq = 4"), id="actor"),
        pytest.param(text("UPDATE audit_log SET action = 'test.read' WHERE seq = 4"), id="action"),
        pytest.param(text("UPDATE audit_log SET object_id = NULL WHERE seq = 4"), id="object"),
        pytest.param(text("UPDATE audit_log SET purpose = 'marketing' WHERE seq = 4"), id="purpose"),
    ],
)
def test_any_altered_column_is_found(container: Container, chain: int, column: object) -> None:
    _tamper(container, column)
    assert "entry 4: content does not match its hash" in _problems(_verify(container))


def test_an_altered_timestamp_is_found(container: Container, chain: int) -> None:
    original = _entry(container, 6).at
    _tamper(
        container, update(AuditEntry).where(AuditEntry.seq == 6).values(at=original - dt.timedelta(days=3))
    )
    assert "entry 6" in _problems(_verify(container))


def test_an_entry_deleted_in_the_middle_is_found(container: Container, chain: int) -> None:
    _tamper(container, delete(AuditEntry).where(AuditEntry.seq == 5))
    problems = _problems(_verify(container))
    assert "entries 5..5 are missing (deleted)" in problems
    assert "entry 6: previous-hash link broken" in problems


def test_entries_deleted_at_the_end_are_found(container: Container, chain: int) -> None:
    _tamper(container, delete(AuditEntry).where(AuditEntry.seq > chain - 2))
    problems = _problems(_verify(container))
    assert f"chain head says {chain} entries but the log ends at {chain - 2}" in problems


def test_reordered_entries_are_found(container: Container, chain: int) -> None:
    _tamper(
        container,
        update(AuditEntry).where(AuditEntry.seq == 4).values(seq=-4),
        update(AuditEntry).where(AuditEntry.seq == 5).values(seq=4),
        update(AuditEntry).where(AuditEntry.seq == -4).values(seq=5),
    )
    problems = _problems(_verify(container))
    assert "entry 4" in problems and "entry 5" in problems


def test_an_altered_entry_with_a_recomputed_hash_breaks_the_next_link(
    container: Container, chain: int
) -> None:
    victim = _entry(container, 5)
    forged_details = {"n": 42}
    forged_hash = audit.entry_hash(
        victim.prev_hash,
        audit._canonical(
            victim.seq,
            audit._timestamp(victim.at),
            victim.actor,
            victim.action,
            victim.object_type,
            victim.object_id,
            victim.purpose,
            forged_details,
        ),
    )
    _tamper(
        container,
        update(AuditEntry).where(AuditEntry.seq == 5).values(details=forged_details, hash=forged_hash),
    )
    problems = _problems(_verify(container))
    assert "entry 6: previous-hash link broken" in problems
    assert "entry 5: content" not in problems


def test_an_altered_last_entry_with_a_recomputed_hash_no_longer_matches_the_head(
    container: Container, chain: int
) -> None:
    last = _entry(container, chain)
    forged_hash = audit.entry_hash(
        last.prev_hash,
        audit._canonical(
            last.seq,
            audit._timestamp(last.at),
            "mallory",
            last.action,
            last.object_type,
            last.object_id,
            last.purpose,
            last.details,
        ),
    )
    _tamper(
        container,
        update(AuditEntry).where(AuditEntry.seq == chain).values(actor="mallory", hash=forged_hash),
    )
    assert "chain head hash does not match the last entry" in _problems(_verify(container))


def test_the_chain_goes_on_after_a_verification(container: Container, chain: int) -> None:
    assert _verify(container).ok
    with unit_of_work(container.sessions) as s:
        entry = audit.record(s, actor=SYSTEM, action="test.after", object_type="thing")
        assert entry.seq == chain + 1
    report = _verify(container)
    assert report.ok and report.entries == chain + 1
