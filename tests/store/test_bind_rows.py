"""`encrypted.bind_rows`: a bulk insert's rows with their encrypted values bound to their row ids and
their blind indexes filled in; rows with nothing to bind are passed on as they are (not copied), and
every row handed on names the same columns."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import sqlite

from refugio.core import ids
from refugio.registration.models import Individual
from refugio.store.encrypted import RowBound, bind_rows, register_cipher


class _Cipher:
    def encrypt(self, table: str, column: str, row_id: str, plain: str) -> str:
        raise AssertionError("bind_rows binds; the type encrypts")

    def decrypt(self, table: str, column: str, row_id: str, token: str) -> str:
        raise AssertionError("not read here")

    def blind_index(self, table: str, column: str, value: str) -> str:
        return f"{table}.{column}:{value}"


def test_bind_rows_binds_what_holds_a_value_and_passes_the_rest_on() -> None:
    dialect = sqlite.dialect()
    register_cipher(dialect, _Cipher())
    table: Any = Individual.__table__
    a, b, c = ids.new_ids(3)
    rows = [
        {"id": a, "phone": None, "phone_index": None, "given_name": "Ali"},
        {"id": b, "phone": "+962795550101", "phone_index": None, "given_name": "Sara"},
        {"id": c, "phone": None, "phone_index": "stale", "given_name": "Nour"},
    ]
    before = [dict(r) for r in rows]
    out = bind_rows(dialect, table, rows)
    assert rows == before  # the caller's rows are not changed
    assert out[0] is rows[0]  # nothing to bind: not copied
    assert isinstance(out[1]["phone"], RowBound) and out[1]["phone"] == "+962795550101"
    assert out[1]["phone"].row_id == str(b)
    assert out[1]["phone_index"] == "individual.phone:+962795550101"
    assert out[2] is not rows[2] and out[2]["phone_index"] is None  # a stale index is cleared
    assert [r["given_name"] for r in out] == ["Ali", "Sara", "Nour"]


def test_rows_without_their_blind_index_column_get_it() -> None:
    dialect = sqlite.dialect()
    register_cipher(dialect, _Cipher())
    a, b = ids.new_ids(2)
    out = bind_rows(dialect, Individual.__table__, [{"id": a, "phone": None}, {"id": b, "phone": "+1"}])
    assert [sorted(r) for r in out] == [["id", "phone", "phone_index"]] * 2
    assert [r["phone_index"] for r in out] == [None, "individual.phone:+1"]
