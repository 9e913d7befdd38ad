"""The column-wise freeze (`service.frozen` over `registration.queries.assistance_roster`) writes, on
SQLite and PostgreSQL, exactly the rows of the household-by-household definition: the households of
`households_for_assistance` less those of `households_withdrawn`, each decided by `rules.evaluate`,
its snapshot `lists.snapshot` as canonical JSON text and its SHA-256 — on a varied registry (names
with quotes, backslashes, control characters, Arabic and emoji; missing and inactive focal points,
inactive members and households, households without members, several documents, inactive needs,
needs the rules do not look at beside ones they do, unknown arrival dates, withdrawn consent). On
PostgreSQL the rows are rendered in SQL (`service.frozen_sql`): the digest equal to the definition's
proves the text equal, character for character."""

# ruff: noqa: E501  (the row literals read best unwrapped)
from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import uuid
from typing import Any

import pytest
from sqlalchemy import select
from tests.assistance.conftest import START, World, frozen_programme
from tests.assistance.test_freeze_classes import EVERYTHING, SIMPLE

from refugio.assistance.models import Entitlement
from refugio.assistance.rules import evaluate, parse_rules
from refugio.assistance.service import frozen, lists
from refugio.registration.models import (
    ConsentWithdrawal,
    Household,
    IdentityDocument,
    Individual,
    SpecificNeed,
)
from refugio.registration.queries import households_for_assistance, households_withdrawn
from refugio.store.bulk import insert_rows
from refugio.store.uow import unit_of_work

AGES = """
name: Young children, by code
currency: JOD
eligibility:
  needs_any: [DS-DF, ER]
  member_age: {min: 0, max: 17, at_least: 2}
amounts: {per_member: 7.5, topups: [{need: ER-NF, amount: 3, per: household}], rounding: {to: 1, mode: down}}
basket: [{item: Soap, unit: bar, per_member: 2}, {item: "Tent \\"family\\"", per_household: 1}]
"""
GIVEN = ["Ahmad", 'Sa"id', "Back\\slash", "Line\nbreak", "Tab\there", "Ctl\x01x", "محمد", "Zoë 🌿", ""]
GIVEN += [
    "Del\x7fx",
    "Sep\u2028x",
    "Us\x1fx\r\x08\x0c",
    "a/b",
    "Lit\\u00e9ral",
    "\ufeffBom",
]  # escaped by neither encoder or all
NEEDS = [(), (), (), ("DS-DF",), ("SC-UC",), ("DS-DF", "ER-NF"), ("ER-NF",), ("LP-ND",), ("DS-DF", "LP-ND")]


def _registry(world: World, count: int) -> None:
    """`count` varied households in the world's operation, written with bulk SQL."""
    rng = random.Random(42)
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    hh_rows: list[dict[str, Any]] = []
    people: list[dict[str, Any]] = []
    needs: list[dict[str, Any]] = []
    docs: list[dict[str, Any]] = []
    withdrawn: list[dict[str, Any]] = []
    for h in range(count):
        hid, size = uuid.uuid4(), rng.choice([0, 1, 2, 3, 5, 8])
        site = rng.choice([world.camp_id, world.office_id])
        members = [uuid.uuid4() for _ in range(size)]
        focal = members[0] if members and rng.random() > 0.1 else None
        hh_rows.append({
            "id": hid, "ref": f"VAR-26-{h:05d}", "operation_id": world.operation_id, "site_id": site,
            "focal_point_id": focal, "registration_level": "basic", "registration_date": START,
            "registration_method": "in_person", "arrival_date": rng.choice([None, dt.date(2019, 5, 1), dt.date(2022, 3, 3)]),
            "size": size, "status": "active" if rng.random() > 0.05 else "closed",
            "version": 1, "created_at": now, "updated_at": now,
        })  # fmt: skip
        for m, iid in enumerate(members):
            people.append({
                "id": iid, "ref": f"VAR-26-{h:05d}-{m + 1:02d}", "household_id": hid,
                "operation_id": world.operation_id, "site_id": site,
                "relationship_to_focal_point": "focal_point" if m == 0 else rng.choice(["son_daughter", "spouse"]),
                "given_name": rng.choice(GIVEN), "family_name": rng.choice(["Haddad", "O'Brien", "عبد الله"]),
                "given_norm": "g", "family_norm": "f", "sex": rng.choice("FMX"),
                "date_of_birth": dt.date(rng.randint(1950, 2025), rng.randint(1, 12), rng.randint(1, 28)),
                "dob_precision": "exact", "languages": [],
                "population_type": rng.choice(["refugee", "asylum_seeker", "migrant"]),
                "status": "active" if rng.random() > 0.08 else "inactive",
                "consent_given": True, "consent_purposes": [], "version": 1, "created_at": now, "updated_at": now,
            })  # fmt: skip
            for code in rng.choice(NEEDS):
                needs.append({
                    "id": uuid.uuid4(), "individual_id": iid, "code": code, "category": code.split("-")[0],
                    "source": "manual", "rule_id": None, "ruleset_version": None, "reason": "t",
                    "active": rng.random() > 0.1, "flagged_at": now, "flagged_by": "t",
                })  # fmt: skip
        if focal is not None and rng.random() < 0.3:
            for d in range(rng.choice([1, 2])):
                docs.append({
                    "id": uuid.uuid4(), "individual_id": focal, "doc_type": "passport", "number": f'P"{h}\\{d}',
                    "number_norm": f"P{h}X{d}", "issuing_country": "JOR", "issue_date": None, "expiry_date": None,
                    "created_at": now + dt.timedelta(days=d), "updated_at": now,
                })  # fmt: skip
        if focal is not None and rng.random() < 0.07:
            withdrawn.append(
                {"individual_id": focal, "purpose": "assistance", "withdrawn_at": now, "withdrawn_by": "t"}
            )
    with unit_of_work(world.container.sessions) as s:
        conn = s.connection()
        for table, rows in [
            (Household.__table__, hh_rows),
            (Individual.__table__, people),
            (SpecificNeed.__table__, needs),
            (IdentityDocument.__table__, docs),
            (ConsentWithdrawal.__table__, withdrawn),
        ]:
            insert_rows(conn, table, rows)  # type: ignore[arg-type]


def _expected(world: World, rules_text: str, version: int) -> dict[str, tuple[Any, ...]]:
    """The rows by the household-by-household definition."""
    rules = parse_rules(rules_text)
    out = {}
    with unit_of_work(world.container.sessions) as s:
        gone = households_withdrawn(s, purpose="assistance", operation_id=world.operation_id)
        for hh in households_for_assistance(s, operation_id=world.operation_id):
            d = evaluate(rules, lists.facts(hh), on=START)
            if hh.id in gone or not d.eligible:
                continue
            text = json.dumps(
                lists.snapshot(hh, d, rules, version, "JOD"),
                sort_keys=True,
                separators=(",", ":"),
                ensure_ascii=False,
            )
            out[hh.ref] = (hh.id, hh.site_id, version, d.amount, d.fee, "JOD", d.basket, json.loads(text))
            out[hh.ref] += (hashlib.sha256(text.encode()).hexdigest(),)
    return out


@pytest.mark.parametrize("rules_text", [EVERYTHING, SIMPLE, AGES], ids=["everything", "simple", "ages"])
def test_the_frozen_rows_equal_the_household_by_household_definition(
    world: World, rules_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(frozen, "BATCH", 37)  # batches written while the registry still streams
    _registry(world, 500)
    cycle_id, count, total = frozen_programme(world, code="VARIED", name="Varied", rules=rules_text)
    expected = _expected(world, rules_text, 1)
    with unit_of_work(world.container.sessions) as s:
        got = {
            e.household_ref: (
                e.household_id,
                e.site_id,
                e.rule_version,
                e.amount,
                e.fee,
                e.currency,
                e.basket,
                e.snapshot,
                e.snapshot_sha256,
            )
            for e in s.scalars(select(Entitlement).where(Entitlement.cycle_id == cycle_id))
        }
    assert len(expected) > (8 if rules_text is EVERYTHING else 60)
    for ref in sorted(expected.keys() | got.keys()):
        assert got.get(ref) == expected.get(ref), ref
    assert count == len(expected) and total == sum(v[3] for v in expected.values())
