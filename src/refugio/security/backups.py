"""Encrypted, verified backups of the whole database and their restore: the dump (refugio.store.backup),
the envelope encryption (backup_crypto), the audit entries, and the check of a restored copy (the audit
chain and the row count of every table against the source).

A backup is audited in the source database before its dump (so the backup holds its own entry and the
counts of the copy equal the source's); a restore is audited in the restored database, after the chain of
the restored copy was checked. Nothing personal is printed or recorded: table names, counts, key ids,
hashes and revisions only. Imports refugio.store and refugio.core, never a domain.
"""

from __future__ import annotations

import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from refugio.core import clock
from refugio.core.errors import IntegrityBroken
from refugio.security import audit
from refugio.security.backup_crypto import BackupHeader, decrypt_file, encrypt_file, key_id, read_header
from refugio.security.principals import SYSTEM, Principal
from refugio.store import backup as store_backup
from refugio.store import migrate
from refugio.store.engine import make_engine
from refugio.store.uow import session_factory, unit_of_work


@dataclass(frozen=True)
class Verification:
    """What the check of a restored copy found."""

    chain_ok: bool
    chain_entries: int
    chain_problems: list[str]
    source_counts: dict[str, int]
    copy_counts: dict[str, int]

    @property
    def differences(self) -> list[str]:
        tables = sorted(set(self.source_counts) | set(self.copy_counts))
        return [
            f"{t}: source {self.source_counts.get(t, 'missing')}, copy {self.copy_counts.get(t, 'missing')}"
            for t in tables
            if self.source_counts.get(t) != self.copy_counts.get(t)
        ]

    @property
    def ok(self) -> bool:
        return self.chain_ok and not self.differences


@dataclass(frozen=True)
class BackupResult:
    header: BackupHeader
    path: Path
    size: int
    verification: Verification | None = None


@dataclass(frozen=True)
class RestoreResult:
    header: BackupHeader
    schema_revision: str | None
    chain: audit.ChainReport
    counts: dict[str, int] = field(default_factory=dict)


def _check_chain(engine: Engine) -> audit.ChainReport:
    with unit_of_work(session_factory(engine)) as s:
        return audit.verify_chain(s)


def create_backup(
    url: str, out: Path, *, master_key: bytes, verify: bool = False, actor: Principal = SYSTEM
) -> BackupResult:
    """Dump the database at `url`, encrypt it into `out`, and, with `verify`, restore it into a scratch
    database and compare it with the source."""
    kind = store_backup.backend(url)
    engine = make_engine(url)
    try:
        revision = migrate.current(engine)
        if revision is None:
            raise store_backup.BackupFailed("the database has no refugio schema (run `refugio db upgrade`)")
        created_at = clock.now().isoformat()
        with unit_of_work(session_factory(engine)) as s:
            audit.record(
                s,
                actor=actor,
                action="db.backup",
                object_type="database",
                details={
                    "backend": kind,
                    "schema_revision": revision,
                    "key_id": key_id(master_key),
                    "created_at": created_at,
                    "file": out.name,
                },
            )
    finally:
        engine.dispose()
    with tempfile.TemporaryDirectory(prefix="refugio-backup-") as folder:
        plain = Path(folder) / "dump"
        store_backup.dump(url, plain)
        source_counts = store_backup.row_counts(url) if verify else {}
        header = encrypt_file(
            plain, out, master_key=master_key, backend=kind, schema_revision=revision, created_at=created_at
        )
    verification = (
        verify_backup(out, like=url, master_key=master_key, source_counts=source_counts) if verify else None
    )
    return BackupResult(header=header, path=out, size=out.stat().st_size, verification=verification)


def verify_backup(
    backup: Path, *, like: str, master_key: bytes, source_counts: dict[str, int]
) -> Verification:
    """Restore `backup` into a scratch database of the backend of `like`, check its audit chain and
    compare its row counts with `source_counts`; the scratch database is dropped afterwards."""
    with store_backup.scratch_database(like) as scratch:
        restore_backup(backup, scratch, master_key=master_key, audit_restore=False)
        engine = make_engine(scratch)
        try:
            chain = _check_chain(engine)
        finally:
            engine.dispose()
        copy_counts = store_backup.row_counts(scratch)
    return Verification(
        chain_ok=chain.ok,
        chain_entries=chain.entries,
        chain_problems=chain.problems,
        source_counts=source_counts,
        copy_counts=copy_counts,
    )


def restore_backup(
    backup: Path,
    url: str,
    *,
    master_key: bytes,
    force: bool = False,
    actor: Principal = SYSTEM,
    audit_restore: bool = True,
) -> RestoreResult:
    """Decrypt and check `backup` completely, then restore it into the database at `url` (empty, unless
    `force`), check the restored audit chain and record the restore in it. A tampered backup or a wrong
    key raises before the target is touched."""
    header = read_header(backup)
    kind = store_backup.backend(url)
    if header.backend != kind:
        raise store_backup.BackupFailed(
            f"this backup is of a {header.backend} database; it cannot be restored into {kind}"
        )
    if not force and not store_backup.is_empty(url):
        raise store_backup.BackupFailed(
            "the target database is not empty: restore into an empty database, or give --force to replace it"
        )
    with tempfile.TemporaryDirectory(prefix="refugio-restore-") as folder:
        plain = Path(folder) / "dump"
        decrypt_file(backup, plain, master_key=master_key)
        store_backup.load(url, plain, force=force)
    engine = make_engine(url)
    try:
        revision = migrate.current(engine)
        chain = _check_chain(engine)
        if audit_restore:
            if not chain.ok:
                raise IntegrityBroken(f"the restored audit chain is broken: {'; '.join(chain.problems[:3])}")
            details = {
                k: v
                for k, v in asdict(header).items()
                if k not in ("wrapped_key", "wrap_nonce", "nonce_prefix")
            }
            with unit_of_work(session_factory(engine)) as s:
                audit.record(s, actor=actor, action="db.restore", object_type="database", details=details)
    finally:
        engine.dispose()
    counts = store_backup.row_counts(url) if audit_restore else {}
    return RestoreResult(header=header, schema_revision=revision, chain=chain, counts=counts)
