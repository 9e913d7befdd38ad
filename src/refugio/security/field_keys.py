"""The keys of the encrypted fields: loading and creating data keys, the start-up check, and rotation.

`install` (called by refugio.main.build) reads the field master key file, refuses to start when the
database holds data keys that no version in the file can unwrap (`MasterKeyMissing`, a clear message),
creates the file on a new installation (`FieldKeys.generated` tells the caller), and registers the
engine's `FieldKeys` for `refugio.store.encrypted.EncryptedText`.

Data keys are created on first need, outside any caller's transaction (at the start of a unit of work,
before it writes, so SQLite's single writer cannot deadlock), one per table that has encrypted columns.
A running process re-reads the keys every minute and whenever it meets an unknown key id, so a rotation
made by `refugio keys rotate` in another process is picked up without a restart.

Rotation (`rotate_master`, `rotate_data`) and the conversion of existing rows by the migration
(`convert_rows`) work in batches, each in its own transaction; both are resumable (`refugio keys`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, column, func, inspect, select, table, update
from sqlalchemy.exc import IntegrityError, OperationalError

from refugio.core import clock
from refugio.security.field_crypto import (
    MasterKeyMissing,
    MasterKeys,
    blind_index,
    new_key_id,
    open_token,
    seal,
    token_key_id,
    unwrap,
    wrap,
)
from refugio.security.models import DataKey
from refugio.store.encrypted import (
    BLIND_INDEXES,
    DERIVED_BLIND_KEYS,
    ENCRYPTED_COLUMNS,
    FieldCryptoError,
    canonical_row_id,
    register_cipher,
)
from refugio.store.engine import before_begin

KEY_FILE = "field-master.keys"
REFRESH_SECONDS = 60.0
_DEKS: Table = DataKey.__table__  # type: ignore[assignment]


BLIND_PREFIX = "blind:"  # the data key of a table's blind indexes is stored as "blind:<table>"


def required_keys() -> set[str]:
    """The data keys every database needs: one per table with encrypted columns, one per table with
    blind indexes and one per derived blind key (never rotated by `rotate_data`: every index would have
    to be recomputed)."""
    blind = {t for t, _c in BLIND_INDEXES} | DERIVED_BLIND_KEYS
    return set(encrypted_tables()) | {BLIND_PREFIX + t for t in blind}


def encrypted_tables() -> dict[str, list[str]]:
    """Every table with encrypted columns, with those columns (sorted)."""
    tables: dict[str, list[str]] = {}
    for name, col in sorted(ENCRYPTED_COLUMNS):
        tables.setdefault(name, []).append(col)
    return tables


@dataclass
class _Dek:
    kid: str
    table: str
    generation: int
    kek_version: int
    key: bytes


@dataclass
class FieldKeys:
    """The field cipher of one database: its master key versions and unwrapped data keys."""

    engine: Engine
    master: MasterKeys
    generated: bool = False
    _deks: dict[str, _Dek] = field(default_factory=dict)
    _current: dict[str, str] = field(default_factory=dict)
    _loaded_at: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- the FieldCipher protocol (refugio.store.encrypted) -------------------------------------------
    def encrypt(self, table: str, column: str, row_id: str, plain: str) -> str:
        if time.monotonic() - self._loaded_at > REFRESH_SECONDS:
            self.reload()
        kid = self._current.get(table)
        if kid is None:
            raise FieldCryptoError(
                f"no data key for {table} yet: run `refugio db upgrade` (data keys are created at the start "
                "of a unit of work)"
            )
        return seal(self._deks[kid].key, kid, table, column, row_id, plain)

    def decrypt(self, table: str, column: str, row_id: str, token: str) -> str:
        kid = token_key_id(token)
        if kid not in self._deks:
            self.reload()
        dek = self._deks.get(kid)
        if dek is None or dek.table != table:
            raise FieldCryptoError(f"{table}.{column} of row {row_id} names an unknown data key {kid}")
        return open_token(dek.key, table, column, row_id, token)

    def blind_index(self, table: str, column: str, value: str) -> str:
        kid = self._current.get(BLIND_PREFIX + table)
        if kid is None:
            self.reload()
            kid = self._current.get(BLIND_PREFIX + table)
        if kid is None:
            raise FieldCryptoError(f"no blind index key for {table} yet: run `refugio db upgrade`")
        return blind_index(self._deks[kid].key, f"{table}.{column}", value)

    # -- loading and creating data keys ----------------------------------------------------------------
    def reload(self, conn: Connection | None = None) -> None:
        """Re-read the master key file and the data keys (on `conn`, or a connection of its own)."""
        with self._lock:
            self.master = MasterKeys.load(self.master.path)
            if conn is None:
                with self.engine.connect() as own:
                    rows = list(own.execute(select(_DEKS)).mappings())
            else:
                rows = list(conn.execute(select(_DEKS)).mappings())
            deks = {r["kid"]: self._unwrap(r) for r in rows}
            current: dict[str, str] = {}
            for dek in sorted(deks.values(), key=lambda d: d.generation):
                current[dek.table] = dek.kid
            self._deks, self._current, self._loaded_at = deks, current, time.monotonic()

    def _unwrap(self, row: Any) -> _Dek:
        key = unwrap(
            self.master.key(row["kek_version"]),
            row["kek_version"],
            row["table_name"],
            row["kid"],
            row["wrapped"],
        )
        return _Dek(row["kid"], row["table_name"], row["generation"], row["kek_version"], key)

    def new_data_key(self, conn: Connection, table_name: str) -> str:
        """Insert a new generation of `table_name`'s data key (in `conn`'s transaction); returns its id."""
        generation = conn.execute(
            select(func.coalesce(func.max(_DEKS.c.generation), 0)).where(_DEKS.c.table_name == table_name)
        ).scalar_one()
        kid, version = new_key_id(), self.master.active
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        wrapped = wrap(
            self.master.key(version), version, table_name, kid, AESGCM.generate_key(bit_length=256)
        )
        now = clock.now()
        conn.execute(
            _DEKS.insert().values(
                kid=kid,
                table_name=table_name,
                generation=generation + 1,
                kek_version=version,
                wrapped=wrapped,
                created_at=now,
                wrapped_at=now,
            )
        )
        return kid

    def convert(
        self,
        conn: Connection,
        columns: Iterable[tuple[str, str]],
        *,
        encrypt: bool,
        blind: dict[tuple[str, str], str] | None = None,
    ) -> int:
        """For migrations: encrypt (or decrypt) every value of `columns` in place, and fill the blind
        indexes named by `blind` ((table, column) → sibling column) first (`convert_rows`)."""
        return convert_rows(conn, columns, encrypt=encrypt, blind=blind)

    def ensure_key(self, conn: Connection, name: str) -> None:
        """For migrations: make sure the data key `name` exists (created in `conn`'s transaction) and is
        loaded, read on `conn` (a key just created there is not visible to other connections yet)."""
        self.reload(conn)
        if name not in self._current:
            self.new_data_key(conn, name)
            self.reload(conn)
        self._loaded_at = 0.0  # re-read from the database at the next encryption

    def prepare(self) -> None:
        """Make sure every table with encrypted columns has a data key (once per process; a no-op until
        the schema has the key table)."""
        if self._current and required_keys() <= set(self._current):
            return
        with self.engine.connect() as probe:
            if not inspect(probe).has_table(_DEKS.name):
                return
        self.reload()
        missing = required_keys() - set(self._current)
        if missing:
            try:
                with self.engine.begin() as conn:
                    for name in sorted(missing):
                        self.new_data_key(conn, name)
            except IntegrityError:
                pass  # another process created them at the same moment: read theirs
            self.reload()


def key_file(secrets_dir: Path, configured: Path | None) -> Path:
    return configured or (secrets_dir / KEY_FILE)


def _wrapping_versions(engine: Engine) -> set[int] | None:
    """The master key versions the database's data keys are wrapped with (None: no key table yet, or the
    database cannot be reached now, in which case the first read of a field says what is missing)."""
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table(_DEKS.name):
                return None
            return set(conn.execute(select(_DEKS.c.kek_version).distinct()).scalars())
    except OperationalError:
        return None


CIPHER_INFO_KEY = "refugio.field_cipher"  # in each connection's info: how migrations find the cipher


def install(engine: Engine, path: Path) -> FieldKeys:
    """Load the field master key for `engine` (see the module docstring) and register its cipher."""
    from sqlalchemy import event

    master = MasterKeys.load(path)
    holder: list[FieldKeys] = []

    def on_connect(_dbapi: Any, record: Any) -> None:
        if holder:
            record.info[CIPHER_INFO_KEY] = holder[0]

    event.listen(engine, "connect", on_connect)
    used = _wrapping_versions(engine)
    generated = False
    if not master.versions:
        if used:
            raise MasterKeyMissing(
                f"this database holds encrypted fields but the field master key file {path} is missing: "
                "restore it from its custodian, or name it with REFUGIO_FIELD_KEY_FILE "
                "(see docs/decisions/0015-encryption-at-rest.md)"
            )
        master.add_version()
        generated = True
    absent = sorted((used or set()) - set(master.versions))
    if absent:
        raise MasterKeyMissing(
            f"the field master key file {path} lacks version(s) "
            f"{', '.join(f'v{v}' for v in absent)} that wrap this database's data keys: restore the file"
        )
    keys = FieldKeys(engine, master, generated=generated)
    holder.append(keys)
    engine.pool.dispose()  # the probe's connection was pooled without the cipher in its info
    register_cipher(engine.dialect, keys)

    preparing = threading.local()

    def prepare_first(_connection: Connection) -> None:
        # before the connection's own BEGIN (`store.engine.before_begin`), so that the keys a fresh
        # database lacks are created on another connection while this one holds no lock — after an
        # SQLite `BEGIN IMMEDIATE` that other connection would wait for this one's lock (10 s, then
        # refused). The connections `prepare` opens itself begin too: not again from there.
        if getattr(preparing, "active", False):
            return
        preparing.active = True
        try:
            keys.prepare()
        finally:
            preparing.active = False

    before_begin(engine, prepare_first)
    return keys


# -- conversion of existing rows and rotation --------------------------------------------------------


def _batches(
    conn_factory: Callable[[], Any],
    table_name: str,
    col: str,
    select_where: Callable[[Any], Any],
    change: Callable[[str, str], str],
    batch: int,
    target: str | None = None,
) -> int:
    """Rewrite `col` (or set `target` from it) in the rows chosen by `select_where`, `batch` rows per
    transaction; returns the count. `change(row_id, value)` gives the new value; rows are rewritten only
    if unchanged meanwhile."""
    target = target or col
    t = table(table_name, *{column("id"), column(col), column(target)})
    done = 0
    while True:
        with conn_factory() as conn:
            rows = conn.execute(select(t.c.id, t.c[col]).where(select_where(t.c[col])).limit(batch)).all()
            for row_id, value in rows:
                new = change(canonical_row_id(row_id), value)
                conn.execute(update(t).where(t.c.id == row_id, t.c[col] == value).values({target: new}))
            done += len(rows)
        if len(rows) < batch:
            return done


def _seal_value(dek: bytes, kid: str, table_name: str, col: str, row_id: str, value: str) -> str:
    return seal(dek, kid, table_name, col, row_id, value)


def _plain_without_index(sibling: str, value: Any) -> Any:
    return value.isnot(None) & ~value.like("rf1:%") & column(sibling).is_(None)


def _blind_value(cipher: FieldKeys, table_name: str, col: str, _row_id: str, value: str) -> str:
    return cipher.blind_index(table_name, col, value)


def _open_value(cipher: FieldKeys, table_name: str, col: str, row_id: str, value: str) -> str:
    return cipher.decrypt(table_name, col, row_id, value)


def convert_rows(
    conn: Connection,
    columns: Iterable[tuple[str, str]],
    *,
    encrypt: bool,
    blind: dict[tuple[str, str], str] | None = None,
    batch: int = 500,
) -> int:
    """Encrypt (or, for a downgrade, decrypt) every value of `columns` in place, on the migration's
    connection. Creates the data keys it needs; the registered cipher re-reads them afterwards."""
    from contextlib import nullcontext

    from refugio.store.encrypted import cipher_for

    cipher = cipher_for(conn.dialect)
    if not isinstance(cipher, FieldKeys):  # pragma: no cover - only FieldKeys is ever registered
        raise FieldCryptoError("unexpected field cipher")
    cipher.reload(conn)
    total = 0
    for (table_name, col), sibling in (blind or {}).items() if encrypt else ():
        if BLIND_PREFIX + table_name not in cipher._current:
            cipher.new_data_key(conn, BLIND_PREFIX + table_name)
            cipher.reload(conn)
        index = partial(_blind_value, cipher, table_name, col)
        plain = partial(_plain_without_index, sibling)
        _batches(lambda: nullcontext(conn), table_name, col, plain, index, batch, target=sibling)
    for table_name, col in columns:
        if encrypt and table_name not in cipher._current:
            cipher.new_data_key(conn, table_name)
            cipher.reload(conn)
        change: Callable[[str, str], str]
        if encrypt:
            kid = cipher._current[table_name]
            change = partial(_seal_value, cipher._deks[kid].key, kid, table_name, col)
            where: Callable[[Any], Any] = lambda v: v.isnot(None) & ~v.like("rf1:%")  # noqa: E731
        else:
            change = partial(_open_value, cipher, table_name, col)
            where = lambda v: v.like("rf1:%")  # noqa: E731
        total += _batches(lambda: nullcontext(conn), table_name, col, where, change, batch)
    cipher._loaded_at = 0.0  # re-read from the database at the next use
    return total
