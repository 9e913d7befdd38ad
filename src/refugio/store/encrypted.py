"""Encrypted columns: `EncryptedText(table, column)` keeps a sensitive free-text field encrypted in the
database while domain code reads and writes plain strings.

The cryptography lives in refugio.security.field_crypto, which registers a `FieldCipher` per engine
(`register_cipher`, keyed by the engine's dialect object, so two databases in one process never share keys).
This module only decides *what* is bound to each value:

* the associated data of every value names its table, its column and its row's id, so a ciphertext
  copied into another row or another column does not decrypt;
* on write, a mapper event (`before_insert`, `before_update`) hands each plain value to the type as a
  `RowBound` string that carries its row's id; a value written without an ORM object (Core insert or
  update) has no row id and is refused with a clear error instead of being stored unbound;
* on read, the column is selected as `id || '|' || column` (`column_expression`), so the row id comes from
  the database, not from the token: a moved ciphertext fails its authentication;
* a column declared with `blind_index="<sibling column>"` also gets, in that sibling, a keyed hash of its
  value (HMAC, `FieldCipher.blind_index`), set by the same events and by `bind_rows` for bulk inserts:
  equality search (`blind_indexes`) without decrypting, and without storing the value in clear.

Imports nothing from refugio but refugio.core.
"""

from __future__ import annotations

import uuid
import weakref
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy import Text, event, literal_column, type_coerce
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapper
from sqlalchemy.sql.elements import ColumnElement, Label
from sqlalchemy.types import TypeDecorator

from refugio.core import ids
from refugio.core.errors import RefugioError

SEPARATOR = "|"


class FieldCryptoError(RefugioError):
    """An encrypted field cannot be written or read (no key, altered or moved ciphertext)."""


class FieldCipher(Protocol):
    def encrypt(self, table: str, column: str, row_id: str, plain: str) -> str: ...

    def decrypt(self, table: str, column: str, row_id: str, token: str) -> str: ...

    def blind_index(self, table: str, column: str, value: str) -> str: ...


_CIPHERS: weakref.WeakKeyDictionary[Dialect, FieldCipher] = weakref.WeakKeyDictionary()
# every encrypted column declared, as (table, column): the data keys to create and the rows to rotate
ENCRYPTED_COLUMNS: set[tuple[str, str]] = set()
# (table, column) → the sibling column holding its blind index
BLIND_INDEXES: dict[tuple[str, str], str] = {}
# blind index keys of derived values kept in other tables, without a sibling column (e.g. the phone match
# tokens of the dedup index and the tracing keys): each name gets the data key "blind:<name>"
# Blind index keys for derived values, declared here (not where they are used) so that every key a
# database needs is known before any domain module is imported: the field keys create them at the start
# of the first unit of work. One created later, from a module imported inside a writing unit of work,
# waited on SQLite for the caller's own write lock. "phone_match": refugio.dedup.phones.
DERIVED_BLIND_KEYS: frozenset[str] = frozenset({"phone_match"})


def register_cipher(dialect: Dialect, cipher: FieldCipher) -> None:
    _CIPHERS[dialect] = cipher


def cipher_for(dialect: Dialect) -> FieldCipher:
    try:
        return _CIPHERS[dialect]
    except KeyError:
        raise FieldCryptoError(
            "encrypted fields need the field master key: this database engine was not opened through "
            "refugio.main.build (no field cipher registered)"
        ) from None


class RowBound(str):
    """A plain value on its way to an encrypted column, carrying the id of its row."""

    row_id: str

    def __new__(cls, value: str, row_id: str) -> RowBound:
        made = super().__new__(cls, value)
        made.row_id = row_id
        return made


def canonical_row_id(value: Any) -> str:
    """The row id as bound into the associated data: a UUID in its canonical text, whatever the
    database stored (32 hex digits on SQLite, a uuid on PostgreSQL)."""
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))


class EncryptedText(TypeDecorator[str]):
    """A text column stored as an authenticated ciphertext token (see refugio.security.field_crypto)."""

    impl = Text
    cache_ok = True

    def __init__(self, table: str, column: str, blind_index: str | None = None) -> None:
        super().__init__()
        self.table_name, self.column_name, self.blind_index = table, column, blind_index
        ENCRYPTED_COLUMNS.add((table, column))
        if blind_index:
            BLIND_INDEXES[(table, column)] = blind_index

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not isinstance(value, RowBound) and value == "":
            return ""  # an erased text written set-based (retention, erasure); through the ORM "" is sealed
        if not isinstance(value, RowBound):
            raise FieldCryptoError(
                f"{self.table_name}.{self.column_name} is encrypted: write it through its ORM object "
                "(the row id is part of the ciphertext)"
            )
        return cipher_for(dialect).encrypt(self.table_name, self.column_name, value.row_id, str(value))

    def column_expression(self, column: ColumnElement[Any]) -> ColumnElement[Any] | None:
        inner: Any = column
        while isinstance(inner, Label):  # `Individual.phone.label("phone")`
            inner = inner.element
        table = getattr(inner, "table", None)
        row_id = None if table is None else table.c.get("id")
        if row_id is None:
            return column  # a derived column: read without its row; process_result_value refuses it
        joined = type_coerce(row_id, Text) + literal_column(f"'{SEPARATOR}'", Text) + type_coerce(inner, Text)
        return type_coerce(joined, self)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        row_id, sep, token = str(value).partition(SEPARATOR)
        if sep and token == "":
            return RowBound("", canonical_row_id(row_id))
        if not sep:
            raise FieldCryptoError(
                f"{self.table_name}.{self.column_name} was read without its row id "
                "(select the table's column)"
            )
        plain = cipher_for(dialect).decrypt(
            self.table_name, self.column_name, canonical_row_id(row_id), token
        )
        return RowBound(plain, canonical_row_id(row_id))


_KEYS: weakref.WeakKeyDictionary[Mapper[Any], list[tuple[str, EncryptedText]]] = weakref.WeakKeyDictionary()


def _encrypted_keys(mapper: Mapper[Any]) -> list[tuple[str, EncryptedText]]:
    cached = _KEYS.get(mapper)
    if cached is None:
        cached = [
            (attr.key, col.type)
            for attr in mapper.column_attrs
            for col in attr.columns[:1]
            if isinstance(col.type, EncryptedText)
        ]
        _KEYS[mapper] = cached
    return cached


def _bind_rows(mapper: Mapper[Any], connection: Any, target: Any) -> None:
    keys = _encrypted_keys(mapper)
    if not keys:
        return
    if target.id is None:
        target.id = ids.new_id()  # the column default, taken now: the ciphertext is bound to it
    row_id = canonical_row_id(target.id)
    for key, type_ in keys:
        if key in target.__dict__:
            value = target.__dict__[key]
        else:  # not set: the column's scalar default, which must be encrypted as well
            default = mapper.columns[key].default
            value = getattr(default, "arg", None) if default is not None and default.is_scalar else None
        if isinstance(value, str) and not (isinstance(value, RowBound) and value.row_id == row_id):
            setattr(target, key, RowBound(value, row_id))
        if type_.blind_index:
            index = None
            if isinstance(value, str):
                index = cipher_for(connection.dialect).blind_index(type_.table_name, type_.column_name, value)
            if target.__dict__.get(type_.blind_index) != index:
                setattr(target, type_.blind_index, index)


_ABSENT = object()


def bind_rows(dialect: Dialect, table: Any, rows: Sequence[Mapping[str, Any]]) -> Sequence[Mapping[str, Any]]:
    """The rows of a bulk insert into `table` with their encrypted values bound to their row ids (the
    `id` of each row) and their blind indexes filled in; `rows` itself is not changed."""
    encrypted = [c for c in table.columns if isinstance(c.type, EncryptedText) and rows and c.key in rows[0]]
    if not encrypted:
        return rows
    cipher = cipher_for(dialect)
    keys = [col.key for col in encrypted]
    blinds = [col.type.blind_index for col in encrypted if col.type.blind_index]
    out = []
    for row in rows:
        if all(row[k] is None for k in keys) and all(row.get(b, _ABSENT) is None for b in blinds):
            out.append(row)  # nothing to bind (no value, its blind index already None): not copied
            continue
        new = dict(row)
        row_id = canonical_row_id(row["id"])
        for col in encrypted:
            value, type_ = row[col.key], col.type
            if value is not None:
                new[col.key] = RowBound(value, row_id)
            if type_.blind_index:
                new[type_.blind_index] = (
                    None if value is None else cipher.blind_index(type_.table_name, type_.column_name, value)
                )
        out.append(new)
    return out


def blind_indexes(session: Any, table: str, column: str, values: Any) -> list[str]:
    """The blind indexes of `values` for an equality search of an encrypted column (`session`: the unit
    of work, whose database's key is used), e.g. `Individual.phone_index.in_(blind_indexes(s, "individual",
    "phone", forms))`."""
    cipher = cipher_for(session.get_bind().dialect)
    return sorted({cipher.blind_index(table, column, v) for v in values if v})


def derived_blind_key(name: str) -> str:
    """The name of a blind index key for derived values declared in `DERIVED_BLIND_KEYS` (created with
    the others by the field keys), to be passed as the table of `FieldCipher.blind_index`."""
    if name not in DERIVED_BLIND_KEYS:
        raise ValueError(f"blind index key {name!r} is not declared in store.encrypted.DERIVED_BLIND_KEYS")
    return name


event.listen(Mapper, "before_insert", _bind_rows)
event.listen(Mapper, "before_update", _bind_rows)
