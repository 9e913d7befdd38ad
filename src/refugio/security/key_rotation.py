"""Rotation of the field encryption keys (`refugio keys …`), without downtime.

* `rotate_master` adds a new version of the master key to the key file, then re-wraps every data key
  under it, one key per transaction. Until it is done both versions are in the file, so every process
  (which re-reads the file when it meets a key it cannot unwrap) keeps reading and writing. The old
  version stays in the file (older backups need it) until `retire_master` removes it, which is refused
  while a data key is still wrapped by it.
* `rotate_data` gives every table a new data key and re-encrypts its rows in batches, each batch in its
  own transaction. Interrupted, it resumes: a table still holding rows under an older key gets no new
  key, its remaining rows are re-encrypted.
* `status` lists the keys, their ages, and how many values each data key encrypts.

Each rotation is audited (`keys.rotate_master`, `keys.rotate_data`, `keys.retire_master`) by the caller.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnClause, column, func, select, table, update

from refugio.core import clock
from refugio.security.field_crypto import seal, wrap
from refugio.security.field_keys import _DEKS, FieldKeys, _batches, encrypted_tables
from refugio.store.encrypted import FieldCryptoError


@dataclass(frozen=True)
class DataKeyStatus:
    kid: str
    table: str
    generation: int
    kek_version: int
    created_at: dt.datetime
    wrapped_at: dt.datetime
    values: int  # encrypted values under this key, all columns of its table
    current: bool


@dataclass(frozen=True)
class KeyStatus:
    key_file: str
    master_versions: list[int]
    active_version: int
    data_keys: list[DataKeyStatus]


def _values_per_key(keys: FieldKeys) -> dict[str, int]:
    counts: dict[str, int] = {}
    with keys.engine.connect() as conn:
        for table_name, cols in encrypted_tables().items():
            for col in cols:
                c: ColumnClause[str] = column(col)
                kid = func.substr(c, 5, 8)
                stmt = (
                    select(kid, func.count())
                    .select_from(table(table_name, c))
                    .where(c.isnot(None))
                    .group_by(kid)
                )
                for found, n in conn.execute(stmt):
                    counts[found] = counts.get(found, 0) + n
    return counts


def status(keys: FieldKeys) -> KeyStatus:
    keys.prepare()
    keys.reload()
    counts = _values_per_key(keys)
    with keys.engine.connect() as conn:
        rows = conn.execute(select(_DEKS).order_by(_DEKS.c.table_name, _DEKS.c.generation)).mappings().all()
    current = set(keys._current.values())
    data_keys = [
        DataKeyStatus(
            kid=r["kid"],
            table=r["table_name"],
            generation=r["generation"],
            kek_version=r["kek_version"],
            created_at=r["created_at"],
            wrapped_at=r["wrapped_at"],
            values=counts.get(r["kid"], 0),
            current=r["kid"] in current,
        )
        for r in rows
    ]
    return KeyStatus(str(keys.master.path), sorted(keys.master.versions), keys.master.active, data_keys)


def rotate_master(keys: FieldKeys) -> tuple[int, int]:
    """A new master key version, then every data key re-wrapped under it. Returns (version, re-wrapped).
    Resumable: run again, it adds no version while data keys remain wrapped by an older one."""
    keys.prepare()
    keys.reload()
    active = keys.master.active
    if all(d.kek_version == active for d in keys._deks.values()):
        active = keys.master.add_version()
    rewrapped = 0
    for dek in sorted(keys._deks.values(), key=lambda d: (d.table, d.generation)):
        if dek.kek_version == active:
            continue
        wrapped = wrap(keys.master.key(active), active, dek.table, dek.kid, dek.key)
        with keys.engine.begin() as conn:
            conn.execute(
                update(_DEKS)
                .where(_DEKS.c.kid == dek.kid, _DEKS.c.kek_version == dek.kek_version)
                .values(kek_version=active, wrapped=wrapped, wrapped_at=clock.now())
            )
        rewrapped += 1
    keys.reload()
    return active, rewrapped


def retire_master(keys: FieldKeys, version: int) -> None:
    """Remove master key `version` from the key file; refused while it wraps a data key or is active."""
    keys.reload()
    if version not in keys.master.versions:
        raise FieldCryptoError(f"there is no master key version v{version} in {keys.master.path}")
    if version == keys.master.active:
        raise FieldCryptoError(f"v{version} is the active master key version: rotate first")
    using = sorted(d.kid for d in keys._deks.values() if d.kek_version == version)
    if using:
        raise FieldCryptoError(
            f"v{version} still wraps data key(s) {', '.join(using)}: run `refugio keys rotate` to finish"
        )
    keys.master.remove_version(version)


def rotate_data(keys: FieldKeys, *, batch: int = 500) -> dict[str, int]:
    """Re-encrypt every encrypted value under a new data key of its table; returns values per table."""
    keys.prepare()
    keys.reload()
    counts = _values_per_key(keys)
    done: dict[str, int] = {}
    for table_name, cols in encrypted_tables().items():
        current = keys._current.get(table_name)
        stale = [d.kid for d in keys._deks.values() if d.table == table_name and d.kid != current]
        if current is None or not any(counts.get(k) for k in stale):
            with keys.engine.begin() as conn:  # nothing left under an older key: start a new generation
                keys.new_data_key(conn, table_name)
            keys.reload()
            current = keys._current[table_name]
        dek = keys._deks[current].key
        done[table_name] = 0
        for col in cols:

            def change(
                row_id: str, value: str, t: str = table_name, c: str = col, d: bytes = dek, k: str = current
            ) -> str:
                return seal(d, k, t, c, row_id, keys.decrypt(t, c, row_id, value))

            prefix = f"rf1:{current}:%"
            done[table_name] += _batches(
                keys.engine.begin,
                table_name,
                col,
                lambda v, p=prefix: v.isnot(None) & ~v.like(p),  # type: ignore[misc]
                change,
                batch,
            )
    return done
