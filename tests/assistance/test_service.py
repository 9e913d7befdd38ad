"""Programmes, cycles, rules, preview, freeze and payment plans with segregation of duties, on the
real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from sqlalchemy import select
from tests.assistance.conftest import RULES, START, World, frozen_cycle, plan_in_approval, released_plan

from refugio.assistance import openpyxl_files, queries
from refugio.assistance.enums import CycleStatus
from refugio.assistance.models import Entitlement
from refugio.assistance.rules import parse_rules
from refugio.assistance.sampling import sample_size
from refugio.assistance.schemas import CycleCreate, PlanCreate
from refugio.assistance.service import lists, plans, programmes
from refugio.core.errors import Conflict, PermissionDenied, ValidationFailed
from refugio.registration import service as reg
from refugio.registration.schemas import IndividualUpdate
from refugio.security.principals import SYSTEM
from refugio.store.uow import unit_of_work


def test_cycle_moves_draft_active_finished_and_only_so(world: World) -> None:
    officer = world.who("officer")
    with unit_of_work(world.container.sessions) as s:
        cycle = programmes.create_cycle(
            s, actor=officer, programme_id=world.programme_id, data=CycleCreate(name="Feb", start_date=START)
        )
        with pytest.raises(Conflict, match="freeze its list"):
            programmes.move_cycle(s, actor=officer, cycle_key=cycle.id, to=CycleStatus.ACTIVE)
        lists.freeze(s, actor=officer, cycle_key="WINTER/1")
        programmes.move_cycle(s, actor=officer, cycle_key=cycle.id, to=CycleStatus.ACTIVE)
        with pytest.raises(Conflict, match="cannot become active"):
            programmes.move_cycle(s, actor=officer, cycle_key=cycle.id, to=CycleStatus.ACTIVE)
        programmes.move_cycle(s, actor=officer, cycle_key=cycle.id, to=CycleStatus.FINISHED)
        with pytest.raises(ValidationFailed, match="outside the programme"):
            programmes.create_cycle(
                s,
                actor=officer,
                programme_id=world.programme_id,
                data=CycleCreate(name="Too early", start_date=START.replace(year=2025)),
            )
    with unit_of_work(world.container.sessions) as s, pytest.raises(PermissionDenied):
        programmes.create_cycle(
            s,
            actor=world.who("viewer"),
            programme_id=world.programme_id,
            data=CycleCreate(name="x", start_date=START),
        )


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        ("per_member: 20", "amounts.per_member", "greater than or equal to 0"),
        ("per_household: 50", "amounts.per_household", "valid decimal"),
        (
            "topups: [{need: DS, amount: 15, per: member}]",
            "amounts.topups.0.need",
            "not a specific-need code",
        ),
        ("currency: JOD", "currency", "not the programme's currency"),
        ("rounding: {to: 5, mode: nearest}", "amounts.rounding.mode", "'nearest'"),
    ],
)
def test_a_rule_that_does_not_validate_names_rule_field_and_problem(
    world: World, change: str, field: str, problem: str
) -> None:
    bad = {
        "per_member: 20": "per_member: -5",
        "per_household: 50": "per_household: fifty",
        "topups: [{need: DS, amount: 15, per: member}]": "topups: [{need: XX-YY, amount: 15}]",
        "currency: JOD": "currency: USD",
        "rounding: {to: 5, mode: nearest}": "rounding: {to: 5, mode: sideways}",
    }[change]
    text = RULES.replace(change, bad)
    with unit_of_work(world.container.sessions) as s, pytest.raises(ValidationFailed) as caught:
        programmes.load_rules(s, actor=world.who("officer"), programme_id=world.programme_id, text=text)
    (error,) = caught.value.errors
    assert error.field == field
    assert "'Winter cash'" in error.message and problem in error.message


def test_rules_are_versioned_data_and_identical_content_is_not_a_new_version(world: World) -> None:
    officer = world.who("officer")
    with unit_of_work(world.container.sessions) as s:
        same = programmes.load_rules(s, actor=officer, programme_id=world.programme_id, text=RULES)
        assert same.version == 1
        newer = programmes.load_rules(
            s,
            actor=officer,
            programme_id=world.programme_id,
            text=RULES.replace("per_household: 50", "per_household: 60"),
        )
        assert newer.version == 2
        assert [r.version for r in queries.list_rulesets(s, actor=officer, programme_key="WINTER")] == [2, 1]
    assert parse_rules('{"name": "json", "currency": "JOD"}').name == "json"


def test_preview_says_who_gets_what_and_why(world: World) -> None:
    officer = world.who("officer")
    with unit_of_work(world.container.sessions) as s:
        cycle = programmes.create_cycle(
            s, actor=officer, programme_id=world.programme_id, data=CycleCreate(name="Jan", start_date=START)
        )
        preview = lists.preview(s, actor=officer, cycle_key=cycle.id)
    assert (preview.households, preview.eligible) == (3, 3)
    by_ref = {r.household_ref: r for r in preview.rows}
    family = by_ref[world.family_ref]
    # 50 + 4 (capped from 5) × 20 + 1 × 15 (DS) = 145; fee 1 %
    assert (family.amount, family.fee) == (Decimal("145.00"), Decimal("1.45"))
    assert any("capped at 4 of 5" in r and "top-up DS" in r for r in family.reasons)
    assert family.basket == [{"item": "Blanket", "unit": "piece", "quantity": "5"}]
    assert preview.total_amount == Decimal("305.00")
    with unit_of_work(world.container.sessions) as s:
        programmes.load_rules(
            s,
            actor=officer,
            programme_id=world.programme_id,
            text=RULES.replace("household_size: {min: 1, max: 12}", "household_size: {min: 2}"),
        )
        narrowed = lists.preview(s, actor=officer, cycle_key=cycle.id)
    single = next(r for r in narrowed.rows if r.size == 1)
    assert not single.eligible and "✗ household size 1 (wanted 2–∞)" in single.reasons


def test_a_frozen_list_keeps_its_snapshot_whatever_the_registry_does(world: World) -> None:
    cycle_id = frozen_cycle(world)
    with unit_of_work(world.container.sessions) as s:
        reg.update_individual(
            s,
            actor=SYSTEM,
            individual_id=world.focal_person_id,
            data=IndividualUpdate(reason="spelling", given_name="Khalid"),
        )
    with unit_of_work(world.container.sessions) as s:
        ents = queries.list_entitlements(s, actor=world.who("officer"), cycle_key=cycle_id)
        family = next(e for e in ents if e.household_ref == world.family_ref)
        assert family.snapshot["focal_point"]["name"] == "Khaled Haddad"
        assert family.rule_version == 1 and family.snapshot["amount"] == "145.00"
        assert [m["needs"] for m in family.snapshot["members"]].count(["DS-DF"]) == 1
        with pytest.raises(Conflict, match="frozen already"):
            lists.freeze(s, actor=world.who("officer"), cycle_key=cycle_id)
        assert len(s.scalars(select(Entitlement).where(Entitlement.cycle_id == cycle_id)).all()) == 3


def test_preparer_approvers_and_releaser_are_different_people(world: World) -> None:
    code = plan_in_approval(world)
    with unit_of_work(world.container.sessions) as s:
        plan = queries.get_plan(s, actor=world.who("officer"), key=code)
        assert (plan.approvals_required, plan.total_amount, plan.status) == (
            2,
            Decimal("305.00"),
            "in_approval",
        )
    with (
        unit_of_work(world.container.sessions) as s,
        pytest.raises(PermissionDenied, match="lacks ASSISTANCE_APPROVE"),
    ):
        plans.approve(s, actor=world.who("officer"), plan_key=code, version=1, key=world.key)
    with unit_of_work(world.container.sessions) as s, pytest.raises(PermissionDenied, match="prepared it"):
        plans.approve(s, actor=_as_label(world, "admin", "officer"), plan_key=code, version=1, key=world.key)
    with unit_of_work(world.container.sessions) as s, pytest.raises(PermissionDenied):
        plans.approve(s, actor=world.who("releaser"), plan_key=code, version=1, key=world.key)
    with unit_of_work(world.container.sessions) as s:
        plans.approve(s, actor=world.who("approver1"), plan_key=code, version=1, key=world.key)
    with (
        unit_of_work(world.container.sessions) as s,
        pytest.raises(Conflict, match="approved this version already"),
    ):
        plans.approve(s, actor=world.who("approver1"), plan_key=code, version=1, key=world.key)
    with unit_of_work(world.container.sessions) as s:
        assert plans.approve(
            s, actor=world.who("approver2"), plan_key=code, version=1, key=world.key
        ).status == ("authorised")
    with unit_of_work(world.container.sessions) as s, pytest.raises(PermissionDenied, match="prepared it"):
        plans.release(s, actor=_as_label(world, "admin", "officer"), plan_key=code, key=world.key)
    with unit_of_work(world.container.sessions) as s, pytest.raises(PermissionDenied, match="approved it"):
        plans.release(s, actor=_as_label(world, "admin", "approver2"), plan_key=code, key=world.key)
    with unit_of_work(world.container.sessions) as s:
        assert (
            plans.release(s, actor=world.who("releaser"), plan_key=code, key=world.key).status == "released"
        )


def _as_label(world: World, username: str, label: str):  # type: ignore[no-untyped-def]
    """`username`'s permissions under another's name: segregation holds whatever the permissions."""
    from dataclasses import replace

    return replace(world.who(username), username=label)


def test_an_approval_after_the_plan_changed_is_refused_and_rejection_voids_approvals(world: World) -> None:
    code = plan_in_approval(world)
    with unit_of_work(world.container.sessions) as s:
        plans.approve(s, actor=world.who("approver1"), plan_key=code, version=1, key=world.key)
        plans.reject(s, actor=world.who("approver2"), plan_key=code, reason="wrong provider")
    with unit_of_work(world.container.sessions) as s:
        plan = queries.get_plan(s, actor=world.who("officer"), key=code)
        assert (plan.status, plan.version, plan.approvals) == ("locked", 2, [])
        plans.submit(s, actor=world.who("officer"), plan_key=code)
    with (
        unit_of_work(world.container.sessions) as s,
        pytest.raises(Conflict, match="changed since you saw it"),
    ):
        plans.approve(s, actor=world.who("approver1"), plan_key=code, version=1, key=world.key)
    with unit_of_work(world.container.sessions) as s:
        plans.abort(s, actor=world.who("officer"), plan_key=code, reason="programme suspended")
    with unit_of_work(world.container.sessions) as s, pytest.raises(Conflict, match="aborted"):
        plans.lock(s, actor=world.who("officer"), plan_key=code)


def test_payment_file_in_csv_and_xlsx_with_the_default_template(world: World) -> None:
    code = released_plan(world)
    with unit_of_work(world.container.sessions) as s:
        data = plans.export_csv(s, actor=world.who("officer"), plan_key=code)
        xlsx = plans.export_xlsx(s, actor=world.who("officer"), plan_key=code)
    rows = list(csv.reader(io.StringIO(data.decode())))
    assert rows[0] == [
        "payment_id",
        "household_id",
        "collector_name",
        "collector_document",
        "amount",
        "currency",
    ]
    assert len(rows) == 4 and {r[4] for r in rows[1:]} == {"145.00", "90.00", "70.00"}
    assert rows[1][2] == "Khaled " + rows[1][2].split(" ", 1)[1] and rows[1][3].startswith("N")
    assert openpyxl_files.read_sheet(xlsx) == rows


def test_a_plan_is_not_exported_before_it_is_authorised(world: World) -> None:
    cycle_id = frozen_cycle(world)
    with unit_of_work(world.container.sessions) as s:
        plan = plans.create_plan(
            s, actor=world.who("officer"), cycle_key=cycle_id, data=PlanCreate(provider="x"), key=world.key
        )
        with pytest.raises(Conflict, match="needs it authorised"):
            plans.export_csv(s, actor=world.who("officer"), plan_key=plan.id)
        with pytest.raises(Conflict, match="nothing left to pay"):
            plans.create_plan(
                s,
                actor=world.who("officer"),
                cycle_key=cycle_id,
                data=PlanCreate(provider="y"),
                key=world.key,
            )


@pytest.mark.parametrize(
    ("population", "confidence", "margin", "deff", "expected"),
    [
        (10_000, 0.95, 0.05, 1.5, 555),
        (10_000, 95, 5, 1.0, 370),
        (100, 0.95, 0.05, 1.5, 100),
        (1_000_000, 0.99, 0.03, 1.0, 1840),
    ],
)
def test_cochran_with_finite_population_correction_and_design_effect(
    population: int, confidence: float, margin: float, deff: float, expected: int
) -> None:
    assert (
        sample_size(population=population, confidence=confidence, margin=margin, design_effect=deff).size
        == expected
    )
