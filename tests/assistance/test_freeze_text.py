"""The frozen snapshot text — rendered by PostgreSQL (`service.frozen_sql`, strings escaped by `to_json`),
on SQLite by the streamed path (`service.frozen`, from pieces) — is, character for character, the text
of the Python definition — `json.dumps(lists.snapshot(…), sort_keys=True, separators=(",", ":"),
ensure_ascii=False)` — and its digest the SHA-256 of that text,
for awkward data: Arabic names, quotes, backslashes, every control character PostgreSQL can store,
DEL, U+2028, a byte order mark, emoji, `/`, a text that looks like an escape; missing dates, documents
and focal points; need codes kept by category and by full code beside codes the rules do not look at.
Members are written out of reference order and codes out of code order, so the order the database
reads them in is not the order the snapshot lists them in."""

# ruff: noqa: E501  (the row literals read best unwrapped)
from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from typing import Any

from sqlalchemy import Text, cast, select
from tests.assistance.conftest import START, World, frozen_programme

from refugio.assistance.models import Entitlement
from refugio.assistance.rules import evaluate, parse_rules
from refugio.assistance.service import lists
from refugio.registration.models import Household, IdentityDocument, Individual, SpecificNeed
from refugio.registration.queries import households_for_assistance
from refugio.store.bulk import insert_rows
from refugio.store.uow import unit_of_work

RULES = """
name: Awkward
currency: JOD
amounts: {per_household: 10, per_member: 2.5, topups: [{need: DS, amount: 4, per: member}, {need: ER-NF, amount: 1}]}
basket: [{item: "Tent \\"family\\" / \\\\ ز", per_household: 1}]
"""
CONTROLS = "".join(chr(c) for c in range(1, 32))  # PostgreSQL text holds no NUL
NAMES = [
    'Sa"id', "Back\\slash", "Line\nbreak\r\n", "Tab\there", CONTROLS, "محمد عبد الله", "Zoë 🌿👨‍👩‍👧",
    "Del\x7fx", "Sep\u2028x\u2029", "\ufeffBom", "a/b</script>", "Lit\\u00e9ral", "", " ", "'quoted'",
]  # fmt: skip
# (codes, as written): kept by category (DS-…), by full code (ER-NF), and not looked at
NEEDS = [("SC-UC", "DS-DF"), ("LP-ND",), ("ER-NF", "DS-WH", "DS-DF"), (), ("ER-XX",)]


def _registry(world: World) -> None:
    """Households of 0 to 4 members whose members are written in the reverse of their reference
    order, each member's codes in the reverse of their order."""
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    households: list[dict[str, Any]] = []
    people: list[dict[str, Any]] = []
    needs: list[dict[str, Any]] = []
    documents: list[dict[str, Any]] = []
    for h in range(24):
        hid, size = uuid.uuid4(), h % 5
        members = [uuid.uuid4() for _ in range(size)]
        focal = members[-1] if members and h % 7 else None  # the last by reference; none at times
        households.append({
            "id": hid, "ref": f"AWK-26-{h:06d}", "operation_id": world.operation_id, "site_id": world.camp_id,
            "focal_point_id": focal, "registration_level": "basic", "registration_date": START,
            "registration_method": "in_person", "arrival_date": None if h % 3 else dt.date(2021, 2, 3),
            "size": size, "status": "active", "version": 1, "created_at": now, "updated_at": now,
        })  # fmt: skip
        for m in reversed(range(size)):
            iid, k = members[m], h * 5 + m
            people.append({
                "id": iid, "ref": f"AWK-26-{h:06d}-{m + 1:02d}", "household_id": hid,
                "operation_id": world.operation_id, "site_id": world.camp_id,
                "relationship_to_focal_point": "focal_point" if iid == focal else NAMES[k % len(NAMES)],
                "given_name": NAMES[k % len(NAMES)], "family_name": NAMES[(k * 7 + 3) % len(NAMES)],
                "given_norm": "g", "family_norm": "f", "sex": ["F", "M", "X", "\\"][k % 4],
                "date_of_birth": dt.date(1950 + k % 70, 1 + k % 12, 1 + k % 28),
                "dob_precision": "exact", "languages": [], "population_type": "refugee",
                "status": "active", "consent_given": True, "consent_purposes": [],
                "version": 1, "created_at": now, "updated_at": now,
            })  # fmt: skip
            for code in NEEDS[k % len(NEEDS)]:  # reverse code order
                needs.append({
                    "id": uuid.uuid4(), "individual_id": iid, "code": code, "category": code.split("-")[0],
                    "source": "manual", "rule_id": None, "ruleset_version": None, "reason": "t",
                    "active": True, "flagged_at": now, "flagged_by": "t",
                })  # fmt: skip
        if focal is not None and h % 2:
            documents.append({
                "id": uuid.uuid4(), "individual_id": focal, "doc_type": "passport",
                "number": NAMES[h % len(NAMES)] + f'"{h}\\', "number_norm": f"P{h}",
                "issuing_country": "JOR", "issue_date": None, "expiry_date": None,
                "created_at": now, "updated_at": now,
            })  # fmt: skip
    with unit_of_work(world.container.sessions) as s:
        conn = s.connection()
        for table, rows in [
            (Household.__table__, households),
            (Individual.__table__, people),
            (SpecificNeed.__table__, needs),
            (IdentityDocument.__table__, documents),
        ]:
            insert_rows(conn, table, rows)  # type: ignore[arg-type]


def test_the_database_renders_the_snapshot_text_of_the_python_definition(world: World) -> None:
    _registry(world)
    cycle_id, _count, _total = frozen_programme(world, code="AWK", name="Awkward", rules=RULES)
    rules = parse_rules(RULES)
    with unit_of_work(world.container.sessions) as s:
        expected = {}
        for hh in households_for_assistance(s, operation_id=world.operation_id):
            d = evaluate(rules, lists.facts(hh), on=START)
            if d.eligible and hh.ref.startswith("AWK-"):
                snapshot = lists.snapshot(hh, d, rules, 1, "JOD")
                expected[hh.ref] = json.dumps(
                    snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False
                )
        e = Entitlement.__table__.c
        got = {
            ref: (text, digest)
            for ref, text, digest in s.execute(
                select(e.household_ref, cast(e.snapshot, Text), e.snapshot_sha256).where(
                    e.cycle_id == cycle_id, e.household_ref.like("AWK-%")
                )
            )
        }
    assert len(expected) == 24
    rendered = "".join(expected.values())
    for escaped in ("\\u0001", "\\u001f", "\\n", "\\t", '\\"', "\\\\", "\u2028", "🌿", "محمد"):
        assert escaped in rendered, escaped  # the data is as awkward as said
    for ref in sorted(expected):
        text, digest = got[ref]
        assert text == expected[ref], ref
        assert digest == hashlib.sha256(expected[ref].encode()).hexdigest(), ref
    assert got.keys() == expected.keys()
    members = json.loads(expected["AWK-26-000004"])["members"]  # written in the reverse order
    assert [m["ref"] for m in members] == sorted(m["ref"] for m in members) and len(members) == 4
    kept = [m["needs"] for t in expected.values() for m in json.loads(t)["members"]]
    assert ["DS-DF", "DS-WH", "ER-NF"] in kept and ["DS-DF"] in kept and ["LP-ND"] not in kept
