"""The commit's set-based paths give what the row-by-row ones gave: after a commit no staged copy of a
phone is left in clear (cells, values, changes; decision 0015) while everything else staged stays as it
was, on SQLite and PostgreSQL; and ids made in bulk are ordinary version 7 UUIDs."""

from __future__ import annotations

import pickle
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.helpers import Seed, principal
from tests.intake.support import commit, rows, run_import

from refugio.core import ids
from refugio.intake.service import commit as commit_module
from refugio.main import Container
from refugio.registration.models import Household, Individual
from refugio.store.uow import unit_of_work

HEADER = (
    "HH ID,Member ID,Relationship,First name,Last name,Sex,DOB,Nationality,Consent,Address,"
    "Phone,Household phone"
)


def _write(tmp: Path, name: str, lines: list[str]) -> Path:
    path = tmp / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def test_commit_blanks_the_staged_phones_and_keeps_the_rest(
    container: Container, seeded: Seed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(commit_module, "DROP_CHUNK", 2)  # runs of two rows: the last phone in the second
    admin = principal(container, "admin")
    first = _write(
        tmp_path,
        "v1.csv",
        [
            "H1,P1,head,Khaled,Haddad,M,17/05/1984,SYR,yes,Block 1,+962 79 555 0101,+962 78 222 3333",
            "H1,P2,wife,Mariam,Haddad,F,1988-02,SYR,yes,,,",
            "H2,P3,head,Lina,Ahmad,F,1970,SYR,yes,Block 2,+962 79 444 0202,",
        ],
    )
    batch_id = run_import(container, admin, first, seeded.camp_id)
    before = {r.row_no: r for r in rows(container, batch_id)}
    where = [before[2].cells.index(p) for p in ("+962 79 555 0101", "+962 78 222 3333")]
    assert commit(container, admin, batch_id).people_registered == 3
    after = {r.row_no: r for r in rows(container, batch_id)}
    for no, row in after.items():
        was = before[no]
        assert [c for i, c in enumerate(row.cells) if i not in where] == [
            c for i, c in enumerate(was.cells) if i not in where
        ]
        assert all(row.cells[i] == "" for i in where if i < len(row.cells))
        assert {k: v for k, v in row.values.items() if k not in ("phone", "household_phone")} == {
            k: v for k, v in was.values.items() if k not in ("phone", "household_phone")
        }
        assert all(row.values.get(f) is None for f in ("phone", "household_phone"))
        assert (row.status, row.content_hash, row.member_key) == (
            was.status,
            was.content_hash,
            was.member_key,
        )
    assert after[3].values == before[3].values  # no phone on the row: its values as they were
    assert before[4].values["phone"] and before[4].cells[where[0]]  # Lina's phone, in the second run
    with unit_of_work(container.sessions) as s:  # the registry holds them (encrypted at rest)
        assert s.scalar(select(Household.phone).where(Household.address == "Block 1")) == "+962782223333"
        assert s.scalar(select(Individual.phone).where(Individual.given_name == "Khaled")) == "+962795550101"

    second = _write(
        tmp_path,
        "v2.csv",
        [
            "H1,P1,head,Khaled,Haddad,M,17/05/1984,SYR,yes,Block 7,+962 79 555 0101,+962 77 000 1111",
            "H1,P2,wife,Mariam,Haddad,F,1988-02,SYR,yes,,,",
            "H2,P3,head,Lina,Ahmad,F,1970,SYR,yes,Block 2,+962 79 444 0202,",
        ],
    )
    again = run_import(container, admin, second, seeded.camp_id)
    staged = {r.row_no: r for r in rows(container, again)}
    assert staged[2].status == "update"
    assert set(staged[2].changes or {}) == {"household.address", "household.household_phone"}
    assert commit(container, admin, again).people_updated >= 1
    done = {r.row_no: r for r in rows(container, again)}
    assert done[2].changes == {"household.address": ["Block 1", "Block 7"]}  # the phone change removed
    assert all(done[2].cells[i] == "" for i in where)
    assert done[4].changes == staged[4].changes
    assert done[4].values == {**staged[4].values, "phone": None} and done[4].cells[where[0]] == ""
    with unit_of_work(container.sessions) as s:
        assert s.scalar(select(Household.phone).where(Household.address == "Block 7")) == "+962770001111"


def test_ids_made_in_bulk_are_version_7_uuids_like_new_id() -> None:
    made = ids.new_ids(1000)
    assert len(set(made)) == 1000 and ids.new_ids(0) == []
    one = ids.new_id()
    for value in (*made[:50], one):
        same = uuid.UUID(str(value))
        assert same == value and hash(same) == hash(value) and same.int == value.int
        assert value.version == 7 and value.variant == uuid.RFC_4122
        assert pickle.loads(pickle.dumps(value)) == value
    later = ids.new_ids(3)
    assert max(made).int >> 80 <= min(later).int >> 80  # the milliseconds never go back
    assert {u.int >> 80 for u in made} <= {made[0].int >> 80, made[0].int >> 80}  # one clock reading
