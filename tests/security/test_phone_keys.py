"""The derived phone keys are blind indexes (docs/decisions/0015-encryption-at-rest.md, issue 14): after a
registration, a desk check, an import and a tracing request with phones, no column of any table holds a
phone's digits; duplicates and tracing matches are still found by phone; migration 0026 converts the
clear keys of a database migrated before it. SQLite and PostgreSQL."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, select, text
from tests.helpers import Seed, household_payload, principal
from tests.intake.support import commit, rows, run_import

from refugio.core.events import EventBus
from refugio.dedup import index as dedup_index
from refugio.dedup import phones
from refugio.dedup.models import DedupKey, DedupPerson
from refugio.dedup.schemas import DeskCheck, DeskPerson
from refugio.dedup.service import desk_check, import_link
from refugio.main import Container, wire_events
from refugio.protection.tracing import service as tracing
from refugio.protection.tracing.models import TracingCandidate, TracingKey
from refugio.protection.tracing.schemas import RequestCreate
from refugio.registration import service as registration
from refugio.registration.models import Individual
from refugio.registration.schemas import AddressChange, HouseholdCreate, IndividualUpdate
from refugio.security.principals import SYSTEM
from refugio.store import migrate
from refugio.store.uow import unit_of_work

REGISTERED = "+962 79 555 0101"  # the focal point of `household_payload`
IMPORTED = "+962 79 444 0202"
ENQUIRER = "+961 70 123 456"
CORRECTED = "+962 77 000 1111"
HOUSEHOLD = "+962 78 222 3333"


def _digits(phone: str) -> str:
    """The last nine digits: what the derived keys held in clear before 0026 (and the E.164's tail)."""
    return "".join(c for c in phone if c.isdigit())[-9:]


def _leaks(c: Container, needles: list[str]) -> list[str]:
    """Every (table.column, needle) where a needle occurs in a stored value, read raw (no decryption)."""
    found: list[str] = []
    with c.engine.connect() as conn:
        for table in sorted(inspect(conn).get_table_names()):
            for row in conn.execute(text(f'SELECT * FROM "{table}"')).mappings():
                for col, value in row.items():
                    if value is None or isinstance(value, int | float | bool):
                        continue
                    raw = value if isinstance(value, bytes) else str(value).encode()
                    raw += b" " + re.sub(rb"[\s\-().]", b"", raw)  # and as written with separators
                    found += [f"{table}.{col}: {n}" for n in needles if n.encode() in raw]
    return sorted(set(found))


def _register(c: Container, seeded: Seed, phone: str = REGISTERED, family: str = "Haddad") -> uuid.UUID:
    payload = household_payload(seeded.camp_id, members=2, family=family)
    payload["members"][0]["phone"] = phone
    with unit_of_work(c.sessions) as s:
        hh = registration.register_household(s, actor=SYSTEM, data=HouseholdCreate.model_validate(payload))
        focal = s.scalar(
            select(Individual.id).where(Individual.household_id == hh.id, Individual.phone.isnot(None))
        )
        assert focal is not None
        return focal


def _desk(c: Container, seeded: Seed, phone: str) -> dict[uuid.UUID, dict[str, str]]:
    """The desk check of Khalid Hadad (no date of birth) with `phone`: match → {comparison: level}."""
    query = DeskCheck(
        person=DeskPerson(given_name="Khalid", family_name="Hadad", sex="M", phone=phone),
        site_id=seeded.camp_id,
        limit=10,
    )
    with unit_of_work(c.sessions) as s:
        result = desk_check(s, actor=principal(c, "admin"), query=query)
    return {m.individual_id: {x.comparison: x.level for x in m.contributions} for m in result.matches}


def _import(c: Container, seeded: Seed, tmp: Path, lines: list[str]) -> tuple[uuid.UUID, dict[int, str]]:
    """Import `lines` (with import screening wired, as refugio.main does) and commit: the batch and the
    possible-duplicate warnings by row number."""
    path = tmp / "phones.csv"
    header = "HH ID,Member ID,Relationship,First name,Last name,Sex,DOB,Nationality,Consent,Phone"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    events = EventBus()
    wire_events(events)
    admin = principal(c, "admin")
    batch_id = run_import(c, admin, path, seeded.camp_id, events=events)
    warnings = {
        r.row_no: " ".join(e["message"] for e in r.errors if e["code"] == "possible_duplicate")
        for r in rows(c, batch_id)
    }
    commit(c, admin, batch_id, events=events)
    import_link.wait(batch_id)
    return batch_id, warnings


def _request(c: Container, seeded: Seed, sought_phone: str) -> uuid.UUID:
    payload: dict[str, Any] = {
        "site_id": str(seeded.camp_id),
        "enquirer": {"given_name": "Fatima", "family_name": "Nouri", "sex": "F", "phone": ENQUIRER},
        "consent": {"given": True, "given_by": "the enquirer"},
        "sought": [
            {
                "given_name": "Samir",
                "family_name": "Khoury",
                "sex": "M",
                "age": 40,
                "relationship": "sibling",
                "phone": sought_phone,
            }
        ],
    }
    with unit_of_work(c.sessions) as s:
        return tracing.open_request(
            s, actor=principal(c, "protection"), data=RequestCreate.model_validate(payload)
        ).id


def _match(c: Container, request_id: uuid.UUID) -> dict[uuid.UUID, dict[str, str]]:
    """The request's registered candidates → {field: level}."""
    with unit_of_work(c.sessions) as s:
        tracing.match_request(s, actor=principal(c, "protection"), request_id=request_id)
        found = s.scalars(select(TracingCandidate).where(TracingCandidate.request_id == request_id)).all()
        return {
            x.individual_id: {r["field"]: r["level"] for r in x.reasons} for x in found if x.individual_id
        }


def test_no_table_holds_a_phones_digits_and_phones_still_match(
    container: Container, seeded: Seed, tmp_path: Path
) -> None:
    focal = _register(container, seeded)
    # the desk compares the phones: the same number typed another way, and another number
    assert _desk(container, seeded, "0795550101")[focal]["phone"] == "same"
    assert focal not in _desk(container, seeded, "0791112223")  # another number counts against him
    with unit_of_work(container.sessions) as s:
        dedup_index.sync(s)
    # an import: a woman with the registered man's phone, a man with a phone of his own
    _batch, warnings = _import(
        container,
        seeded,
        tmp_path,
        [
            "H7,P1,head,Khalid,Hadad,M,1984,SYR,yes,0795550101",
            "H8,P2,head,Khalid,Hadad,M,1984,SYR,yes,0791112223",
            f"H9,P3,head,Nabil,Aziz,M,1970,SYR,yes,{IMPORTED}",
        ],
    )
    # import screening: the same name with the registered man's phone is him; with another phone, not
    with unit_of_work(container.sessions) as s:
        ref = s.get_one(Individual, focal).ref
    assert f"possibly already registered as {ref}" in warnings[2]
    assert "already registered" not in warnings[3] and warnings[4] == ""
    with unit_of_work(container.sessions) as s:
        dedup_index.sync(s)
    # tracing: the sought person's last known phone is the registered man's
    request_id = _request(container, seeded, REGISTERED)
    assert _match(container, request_id)[focal]["phone"] == "same number"

    # corrections: the person's phone, the household's (their history records the change, not the numbers)
    with unit_of_work(container.sessions) as s:
        person = s.get_one(Individual, focal)
        registration.update_individual(
            s,
            actor=SYSTEM,
            individual_id=focal,
            data=IndividualUpdate(reason="new SIM card", phone=CORRECTED),
        )
        registration.change_address(
            s, actor=SYSTEM, household_id=person.household_id, data=AddressChange(phone=HOUSEHOLD)
        )
    needles = [_digits(p) for p in (REGISTERED, IMPORTED, ENQUIRER, CORRECTED, HOUSEHOLD)]
    leaks = _leaks(container, needles)
    assert not leaks, "phone digits stored in clear:\n" + "\n".join(leaks)
    with unit_of_work(container.sessions) as s:  # the derived keys are there, as tokens
        tel = set(s.scalars(select(DedupKey.value).where(DedupKey.kind == "tel")))
        token = phones.hasher(s)(_digits(REGISTERED))
        assert token in tel and len(tel) == 3  # the registered man and the first Khalid share one
        assert token in set(s.scalars(select(TracingKey.value).where(TracingKey.kind == "tel")))
        assert s.get_one(DedupPerson, focal).prepared["phone"] == token


def _derived(c: Container) -> tuple[set[tuple[Any, ...]], dict[Any, dict[str, Any]], set[tuple[Any, ...]]]:
    """The dedup index's keys (individual, kind, value, operation), its rows by person, and tracing's keys."""
    k = DedupKey.__table__.c
    with c.engine.connect() as conn:
        keys = {tuple(r) for r in conn.execute(select(k.individual_id, k.kind, k.value, k.operation_id))}
        people = {r.individual_id: dict(r._mapping) for r in conn.execute(select(DedupPerson.__table__))}
        tracing_keys = {tuple(r) for r in conn.execute(select(TracingKey.__table__))}
    return keys, people, tracing_keys


def test_the_migration_converts_clear_phone_keys_and_the_downgrade_restores_them(
    container: Container, seeded: Seed
) -> None:
    focal = _register(container, seeded)
    with unit_of_work(container.sessions) as s:
        dedup_index.sync(s)
        token = phones.hasher(s)
    _request(container, seeded, REGISTERED)
    keys, people, tracing_keys = _derived(container)
    assert people[focal]["prepared"]["phone"] == token(_digits(REGISTERED))

    # 0025: the index is emptied (0025's code rebuilds it from the registry, with digits), and tracing's
    # keys are the digits again, recomputed from the encrypted phones
    migrate.downgrade(container.engine, "0025")
    assert _derived(container)[:2] == (set(), {})
    clear_tracing = {r for r in _derived(container)[2] if r[1] == "tel"}
    assert {r[2] for r in clear_tracing} == {_digits(REGISTERED), _digits(ENQUIRER)}
    # what 0025's index wrote: the digits in the keys and the prepared rows
    digits = {token(_digits(p)): _digits(p) for p in (REGISTERED, ENQUIRER)}
    with container.engine.begin() as conn:
        conn.execute(
            DedupKey.__table__.insert(),
            [
                {"individual_id": i, "kind": kind, "value": digits.get(v, v), "operation_id": op}
                for i, kind, v, op in keys
            ],
        )
        conn.execute(
            DedupPerson.__table__.insert(),
            [
                dict(p, prepared=dict(p["prepared"], phone=digits.get(p["prepared"]["phone"])))
                for p in people.values()
            ],
        )
    assert _leaks(container, [_digits(REGISTERED)])  # the database at 0025 holds the digits

    migrate.upgrade(container.engine)
    assert _derived(container) == (keys, people, tracing_keys)  # each clear key is its token again
    assert _leaks(container, [_digits(REGISTERED), _digits(ENQUIRER)]) == []


def test_every_data_key_is_known_before_any_domain_is_imported() -> None:
    """The keys a database needs are created at the start of the first unit of work; a key declared by a
    module imported later (dedup.phones, inside a registration) was created inside the caller's writing
    unit of work and waited on SQLite for the caller's own lock (a lone run of the assistance freeze
    tests: "database is locked")."""
    import subprocess
    import sys

    probe = (
        "import sys; from refugio.security.field_keys import required_keys; "
        "assert 'refugio.dedup.phones' not in sys.modules; print(sorted(required_keys()))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert "blind:phone_match" in out
