"""Reconciliation of provider reports (every rule of the issue) and tamper evidence of payment records."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import delete, select, update
from tests.assistance.conftest import World, plan_in_approval, released_plan

from refugio.assistance import openpyxl_files, queries
from refugio.assistance.models import Entitlement, Payment
from refugio.assistance.service import plans, reconcile
from refugio.core.errors import IntegrityBroken, ValidationFailed
from refugio.store.uow import unit_of_work

TODAY = dt.date.today().isoformat()


def _payments(world: World, code: str) -> dict[str, tuple[str, Decimal, str | None]]:
    with unit_of_work(world.container.sessions) as s:
        return {
            p.payment_ref: (p.household_ref, p.amount, p.status)
            for p in queries.list_payments(s, actor=world.who("officer"), plan_key=code)
        }


def _ids(world: World, code: str) -> list[str]:
    return sorted(_payments(world, code), key=lambda ref: _payments(world, code)[ref][1], reverse=True)


def _import(world: World, code: str, body: str | bytes):  # type: ignore[no-untyped-def]
    data = body.encode() if isinstance(body, str) else body
    with unit_of_work(world.container.sessions) as s:
        return reconcile.reconcile(s, actor=world.who("officer"), plan_key=code, data=data, key=world.key)


def test_statuses_from_delivered_amounts_and_the_plan_reconciles(world: World) -> None:
    code = released_plan(world)
    big, mid, small = _ids(world, code)  # 145, 90, 70
    result = _import(
        world,
        code,
        "payment_id,delivered_amount,delivery_date,reference,reason\n"
        f"{big},145.00,{TODAY},TX1,\n{mid},40,{TODAY},TX2,card blocked\n{small},0,{TODAY},,absent\n",
    )
    assert [line.outcome for line in result.lines] == ["delivered", "partially_delivered", "not_delivered"]
    assert result.status == "reconciled"  # none pending; partial and not delivered may still change
    status = {ref: st for ref, (_, _, st) in _payments(world, code).items()}
    assert status == {big: "delivered", mid: "partially_delivered", small: "not_delivered"}
    # delivered is final: skipped and reported; the others may still change
    again = _import(
        world, code, f"payment_id,delivered_amount,delivery_date\n{big},145,{TODAY}\n{small},-1,{TODAY}\n"
    )
    assert [(x.line, x.outcome) for x in again.lines] == [(2, "skipped"), (3, "erroneous")]
    with unit_of_work(world.container.sessions) as s:
        assert queries.verify_plan(s, actor=world.who("officer"), plan_key=code, key=world.key).ok


def test_every_pending_payment_reported_reconciles_the_plan_then_it_closes(world: World) -> None:
    code = released_plan(world)
    with unit_of_work(world.container.sessions) as s:
        assert [p.code for p in queries.overdue_reconciliations(s, actor=world.who("officer"), days=0)] == [
            code
        ]
        cycle = queries.get_plan(s, actor=world.who("officer"), key=code).cycle_id
        totals = {
            (t.site_code, t.provider): t
            for t in queries.cycle_totals(s, actor=world.who("officer"), cycle_key=cycle)
        }
    zaa = totals[("ZAA", "Cairo Amman Bank")]
    assert (zaa.planned, zaa.paid, zaa.reported) == (Decimal("235.00"), Decimal("235.00"), Decimal("0.00"))
    assert zaa.planned_usd == Decimal("331.35")
    rows = "".join(f"{ref},{amount},{TODAY}\n" for ref, (_, amount, _) in _payments(world, code).items())
    assert _import(world, code, "payment_id,delivered_amount,delivery_date\n" + rows).status == "reconciled"
    with unit_of_work(world.container.sessions) as s:
        assert plans.close(s, actor=world.who("officer"), plan_key=code).status == "closed"
        assert queries.overdue_reconciliations(s, actor=world.who("officer"), days=0) == []
        amm = next(
            t
            for t in queries.cycle_totals(s, actor=world.who("officer"), cycle_key=cycle)
            if t.site_code == "AMM"
        )
    assert amm.reported == amm.paid == amm.planned == Decimal("70.00")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{big},146,{today}", "line 3: delivered_amount 146.00 is more than the 145.00 entitled: refused"),
        ("NOPE-1,10,{today}", "line 3: unknown payment_id NOPE-1"),
        ("{small},10,{today}", "line 3: payment_id {small} is repeated (first on line 2)"),
        ("{big},10,2999-01-01", "line 3: delivery_date 2999-01-01 is in the future"),
        (
            "{big},10,2025-12-31",
            "line 3: delivery_date 2025-12-31 is before the programme started (2026-01-01)",
        ),
        ("{big},ten,{today}", "line 3: delivered_amount 'ten' is not an amount"),
        ("{big},10,31/12/2026", "line 3: delivery_date '31/12/2026' is not a date"),
        ("{big},=SUM(A1),{today}", "line 3: delivered_amount '=SUM(A1)' looks like a formula"),
        ("{big},10,{today},@cmd", "line 3: reference '@cmd' looks like a formula"),
    ],
)
def test_a_refused_line_refuses_the_file_and_changes_nothing(world: World, line: str, message: str) -> None:
    code = released_plan(world)
    big, _, small = _ids(world, code)
    body = f"payment_id,delivered_amount,delivery_date,reference\n{small},70,{TODAY},\n" + line.format(
        big=big, small=small, today=TODAY
    )
    with pytest.raises(ValidationFailed) as caught:
        _import(world, code, body + "\n")
    assert message.format(small=small) in [
        e.message[: len(message.format(small=small))] for e in caught.value.errors
    ]
    assert {st for _, _, st in _payments(world, code).values()} == {"pending"}


def test_wrong_encoding_no_change_and_xlsx_formulas_are_refused(world: World) -> None:
    code = released_plan(world)
    big, _, _ = _ids(world, code)
    with pytest.raises(ValidationFailed, match="not UTF-8"):
        _import(
            world,
            code,
            f"payment_id,delivered_amount,delivery_date,reason\n{big},145,{TODAY},café\n".encode("cp1252"),
        )
    with pytest.raises(ValidationFailed, match="missing column delivery_date"):
        _import(world, code, f"payment_id,delivered_amount\n{big},145\n")
    _import(world, code, f"payment_id,delivered_amount,delivery_date\n{big},100,{TODAY}\n")
    with pytest.raises(ValidationFailed, match="changes nothing"):
        _import(world, code, f"payment_id,delivered_amount,delivery_date\n{big},100,{TODAY}\n")
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["payment_id", "delivered_amount", "delivery_date"])
    sheet.append([big, "=100+45", TODAY])
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(ValidationFailed, match="line 2: cell B2 holds a formula"):
        _import(world, code, out.getvalue())
    good = openpyxl_files.write_sheet(
        "r", ["payment_id", "delivered_amount", "delivery_date"], [[big, "145", TODAY]]
    )
    assert _import(world, code, good).lines[0].outcome == "delivered"


def test_verify_names_altered_inserted_and_deleted_records_and_altered_snapshots(world: World) -> None:
    code = released_plan(world)
    payments = _payments(world, code)
    refs = sorted(payments)

    def report() -> list[tuple[str, str | None]]:
        with unit_of_work(world.container.sessions) as s:
            r = queries.verify_plan(s, actor=world.who("officer"), plan_key=code, key=world.key)
            return [(p.kind, p.payment_ref) for p in r.problems]

    def set_amount(ref: str, amount: Decimal) -> None:
        with unit_of_work(world.container.sessions) as s:
            s.execute(update(Payment).where(Payment.payment_ref == ref).values(amount=amount))

    assert report() == []
    set_amount(refs[1], Decimal("999.00"))
    assert report() == [("altered", refs[1])]
    set_amount(refs[1], payments[refs[1]][1])
    assert report() == []
    with unit_of_work(world.container.sessions) as s:
        first = s.scalar(select(Payment).where(Payment.payment_ref == refs[0]))
        assert first is not None
        ent = s.get(Entitlement, first.entitlement_id)
        assert ent is not None
        s.execute(
            update(Entitlement)
            .where(Entitlement.id == ent.id)
            .values(snapshot={**ent.snapshot, "amount": "1000.00"})
        )
    assert report() == [("snapshot", refs[0])]
    with unit_of_work(world.container.sessions) as s:
        s.execute(delete(Payment).where(Payment.payment_ref == refs[1]))
    assert ("deleted", refs[2]) in report()


def test_an_inserted_record_is_reported_and_blocks_approval(world: World) -> None:
    code = plan_in_approval(world)
    with unit_of_work(world.container.sessions) as s:
        last = s.scalar(select(Payment).order_by(Payment.seq.desc()).limit(1))
        assert last is not None
        s.add(
            Payment(
                id=uuid.uuid4(),
                payment_ref="FORGED-1",
                plan_id=last.plan_id,
                seq=last.seq + 1,
                entitlement_id=last.entitlement_id,
                household_ref=last.household_ref,
                site_id=last.site_id,
                collector_name="Mallory",
                collector_document="X1",
                amount=Decimal(500),
                currency="JOD",
                status="pending",
                hmac=last.hmac,
            )
        )
    with unit_of_work(world.container.sessions) as s:
        r = queries.verify_plan(s, actor=world.who("officer"), plan_key=code, key=world.key)
    assert ("inserted", "FORGED-1") in [(p.kind, p.payment_ref) for p in r.problems]
    with (
        unit_of_work(world.container.sessions) as s,
        pytest.raises(IntegrityBroken, match="fail verification"),
    ):
        plans.approve(s, actor=world.who("approver1"), plan_key=code, version=1, key=world.key)
