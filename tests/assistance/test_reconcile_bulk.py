"""Reconciliation of a plan of a few hundred payments (the set-based write: PostgreSQL COPY into a
temporary table and one UPDATE … FROM it; SQLite one prepared UPDATE per row), the HMAC chain re-made
from the first changed record on, and a plan whose records were altered refused rather than re-sealed."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, update
from tests.assistance.conftest import START, World, released_plan

from refugio.assistance import queries
from refugio.assistance.models import Payment, PaymentPlan, Programme
from refugio.assistance.service import reconcile, seal
from refugio.core.errors import IntegrityBroken, ValidationFailed
from refugio.registration.models import Household, Individual
from refugio.store.bulk import insert_rows
from refugio.store.uow import unit_of_work

TODAY = dt.date.today().isoformat()
EXTRA = 240


def _more_households(world: World, n: int) -> None:
    """`n` households of 1–3 refugees at ZAA, written with bulk SQL (the registration service is not
    what these tests are about)."""
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    households: list[dict[str, Any]] = []
    people: list[dict[str, Any]] = []
    for h in range(n):
        hid, size = uuid.uuid4(), 1 + h % 3
        members = [uuid.uuid4() for _ in range(size)]
        households.append({
            "id": hid, "ref": f"JOR-26-B{h:06d}", "operation_id": world.operation_id,
            "site_id": world.camp_id,
            "focal_point_id": members[0], "registration_level": "basic", "registration_date": START,
            "registration_method": "in_person", "arrival_date": START, "size": size, "status": "active",
            "version": 1, "created_at": now, "updated_at": now,
        })  # fmt: skip
        for m, iid in enumerate(members):
            people.append({
                "id": iid, "ref": f"JOR-26-B{h:06d}-{m + 1:02d}", "household_id": hid,
                "operation_id": world.operation_id, "site_id": world.camp_id,
                "relationship_to_focal_point": "focal_point" if m == 0 else "son_daughter",
                "given_name": "Bulk", "family_name": f"H{h}", "given_norm": "bulk", "family_norm": f"h{h}",
                "sex": "FM"[m % 2], "date_of_birth": dt.date(1980 + m, 1, 1), "dob_precision": "exact",
                "languages": [], "population_type": "refugee", "status": "active", "consent_given": True,
                "consent_purposes": [], "version": 1, "created_at": now, "updated_at": now,
            })  # fmt: skip
    with unit_of_work(world.container.sessions) as s:
        insert_rows(s.connection(), Household.__table__, households)  # type: ignore[arg-type]
        insert_rows(s.connection(), Individual.__table__, people)  # type: ignore[arg-type]


@pytest.fixture
def big_plan(world: World) -> str:
    _more_households(world, EXTRA)
    with unit_of_work(world.container.sessions) as s:  # two approvers for any total (the world has two)
        s.execute(update(Programme).where(Programme.id == world.programme_id).values(approvals_above=2))
    return released_plan(world)


def _state(world: World, code: str) -> dict[str, tuple[Any, ...]]:
    """Each payment's reconciled columns and MAC, by reference; and the plan's head and seal."""
    with unit_of_work(world.container.sessions) as s:
        plan = s.scalars(select(PaymentPlan).where(PaymentPlan.code == code)).one()
        rows = s.execute(
            select(
                Payment.payment_ref,
                Payment.amount,
                Payment.status,
                Payment.delivered_amount,
                Payment.delivery_date,
                Payment.reference,
                Payment.hmac,
            )
            .where(Payment.plan_id == plan.id)
            .order_by(Payment.seq)
        ).all()
        state = {r[0]: tuple(r[1:]) for r in rows}
        state["plan"] = (plan.status, plan.chain_head, plan.seal)
        return state


def _import(world: World, code: str, body: str):  # type: ignore[no-untyped-def]
    with unit_of_work(world.container.sessions) as s:
        return reconcile.reconcile(
            s, actor=world.who("officer"), plan_key=code, data=body.encode(), key=world.key
        )


def _verify(world: World, code: str) -> list[tuple[str, str | None]]:
    with unit_of_work(world.container.sessions) as s:
        r = queries.verify_plan(s, actor=world.who("officer"), plan_key=code, key=world.key)
        return [(p.kind, p.payment_ref) for p in r.problems]


def test_a_big_report_is_applied_and_the_chain_verifies(world: World, big_plan: str) -> None:
    before = _state(world, big_plan)
    refs = [ref for ref in before if ref != "plan"]
    assert len(refs) == EXTRA + 3
    half = len(refs) // 2
    lines = [f"{ref},{before[ref][0]:.2f},{TODAY},T{i}" for i, ref in enumerate(refs[:half])]
    lines += [f"{ref},10,{TODAY},T{i}" for i, ref in enumerate(refs[half:-1], start=half)]
    result = _import(
        world, big_plan, "payment_id,delivered_amount,delivery_date,reference\n" + "\n".join(lines)
    )
    assert (result.changed, result.status) == (len(refs) - 1, "released")  # the last one is still pending
    after = _state(world, big_plan)
    assert [after[r][1] for r in refs] == ["delivered"] * half + ["partially_delivered"] * (
        len(refs) - 1 - half
    ) + ["pending"]
    assert after[refs[0]][2:5] == (before[refs[0]][0], dt.date.fromisoformat(TODAY), "T0")
    assert all(after[r][5] != before[r][5] for r in refs)  # every MAC re-made (the first record changed)
    assert after["plan"][1] == after[refs[-1]][5] != before["plan"][1]
    assert _verify(world, big_plan) == []
    # one record in the middle: the ones before it keep their MAC, it and every later one get a new one
    middle = refs[half + 5]
    again = _import(world, big_plan, f"payment_id,delivered_amount,delivery_date\n{middle},0,{TODAY}\n")
    assert [(x.payment_id, x.outcome) for x in again.lines] == [(middle, "not_delivered")]
    last = _state(world, big_plan)
    at = refs.index(middle)
    assert [last[r][5] for r in refs[:at]] == [after[r][5] for r in refs[:at]]
    assert all(last[r][5] != after[r][5] for r in refs[at:])
    assert last[middle][1:3] == ("not_delivered", Decimal("0.00"))
    assert [last[r][1:5] for r in refs if r != middle] == [after[r][1:5] for r in refs if r != middle]
    assert _verify(world, big_plan) == []


def test_a_refused_last_line_of_a_big_report_changes_nothing(world: World, big_plan: str) -> None:
    before = _state(world, big_plan)
    refs = [ref for ref in before if ref != "plan"]
    body = "payment_id,delivered_amount,delivery_date\n" + "".join(
        f"{ref},{before[ref][0]:.2f},{TODAY}\n" for ref in refs[:-1]
    )
    last = len(refs) + 1  # the header is line 1
    with pytest.raises(ValidationFailed) as caught:
        _import(world, big_plan, body + f"{refs[3]},1,{TODAY}\n")
    assert [e.message for e in caught.value.errors] == [
        f"line {last}: payment_id {refs[3]} is repeated (first on line 5)"
    ]
    assert _state(world, big_plan) == before
    with pytest.raises(ValidationFailed) as caught:
        _import(world, big_plan, body + f"{refs[-1]},999,{TODAY}\n")
    assert [e.message.split(" than")[0] for e in caught.value.errors] == [
        f"line {last}: delivered_amount 999.00 is more"
    ]
    assert _state(world, big_plan) == before


def test_a_plan_with_an_altered_record_is_refused_not_resealed(world: World) -> None:
    code = released_plan(world)
    before = _state(world, code)
    refs = [ref for ref in before if ref != "plan"]
    with unit_of_work(world.container.sessions) as s:  # someone with database access edits a record
        s.execute(update(Payment).where(Payment.payment_ref == refs[1]).values(collector_name="Mallory"))
    with pytest.raises(IntegrityBroken, match=f"{refs[1]}: record altered"):
        _import(world, code, f"payment_id,delivered_amount,delivery_date\n{refs[2]},0,{TODAY}\n")
    assert _state(world, code) == before  # nothing written, the MACs as they were
    assert _verify(world, code) == [("altered", refs[1])]  # and the altered record still named
    with unit_of_work(world.container.sessions) as s:
        s.execute(update(Payment).where(Payment.payment_ref == refs[1]).values(seq=99))
    with pytest.raises(IntegrityBroken, match="were deleted"):
        _import(world, code, f"payment_id,delivered_amount,delivery_date\n{refs[2]},0,{TODAY}\n")


def test_the_mac_of_a_record_is_the_same_bytes_as_before() -> None:
    """Records sealed by earlier versions still verify: the MAC's body and key use are unchanged."""
    values = {
        "payment_ref": "PLAN-000001",
        "seq": 1,
        "entitlement_id": uuid.UUID(int=5),
        "household_ref": "BEN-26-00000001",
        "site_id": uuid.UUID(int=7),
        "collector_name": 'Zoë "Q" B',
        "collector_document": "",
        "amount": Decimal("150.00"),
        "currency": "JOD",
        "status": "delivered",
        "delivered_amount": Decimal("150.5"),
        "delivery_date": dt.date(2026, 2, 1),
        "reference": None,
        "reason": "café",
    }
    expected = "ad1bbb18356295a8b8e066354a7b1fa1a48a17b9040e624be83e6524d458848d"
    key = b"k" * 32
    assert seal.mac(key, str(uuid.UUID(int=9)), "0" * 64, values, "a" * 64) == expected
    assert seal.mac(seal.keyed(key), str(uuid.UUID(int=9)), "0" * 64, values, "a" * 64) == expected
