"""Encrypted, verified backups and their restore (issue 14), on SQLite and PostgreSQL: a database with
registrations is backed up, checked in a scratch database and restored into a new one with the same rows
and an intact audit chain; a tampered backup, a wrong key and a non-empty target are refused, and nothing
is restored then. Real databases, real files, the real `refugio db …` commands.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from tests.conftest import fresh_postgres_database, postgres_server_url
from tests.helpers import build_container, household_payload, principal, seed
from tests.registration.support import register
from typer.testing import CliRunner

from refugio.cli.app import app
from refugio.core.errors import IntegrityBroken
from refugio.main import Container
from refugio.security import backups
from refugio.security.backup_crypto import MAGIC, BackupKeyError, read_header
from refugio.security.keys import Keyring
from refugio.store import backup as store_backup
from refugio.store.uow import unit_of_work

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes is not None else "")


@contextmanager
def another_database(db_url: str, tmp_path: Path, name: str = "restored") -> Iterator[str]:
    """A new empty database of the backend of `db_url`."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / f'{name}.sqlite3'}"
        return
    server = postgres_server_url()
    assert server is not None
    with fresh_postgres_database(server) as url:
        yield url


@pytest.fixture
def source(db_url: str, tmp_path: Path) -> Iterator[Container]:
    """A database with an operation, users and three registered households."""
    container = build_container(db_url, tmp_path / "data")
    seeded = seed(container)
    clerk = principal(container, "clerk")
    for family in ("Haddad", "Khalil", "Nasser"):
        register(container, clerk, household_payload(seeded.camp_id, family=family))
    yield container
    container.engine.dispose()


def _data_dir(tmp_path: Path) -> str:
    return str(tmp_path / "data")


def _backup(source: Container, tmp_path: Path, *extra: str) -> Path:
    out = tmp_path / "refugio.backup"
    code, text = invoke(
        "db", "backup", "--out", str(out), "--verify", "--db", source.settings.database_url,
        "--data-dir", _data_dir(tmp_path), *extra,
    )  # fmt: skip
    assert code == 0, text
    assert "verification passed" in text and "audit chain ok" in text
    return out


def _last_audit_action(url: str) -> str:
    from sqlalchemy import create_engine, text

    from refugio.store.engine import normalise_url

    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as conn:
            return str(
                conn.execute(text("SELECT action FROM audit_log ORDER BY seq DESC LIMIT 1")).scalar_one()
            )
    finally:
        engine.dispose()


def test_backup_verifies_and_restores_into_a_new_database(
    source: Container, db_url: str, tmp_path: Path
) -> None:
    out = _backup(source, tmp_path)
    raw = out.read_bytes()
    assert raw.startswith(MAGIC) and b"Haddad" not in raw and "خالد".encode() not in raw  # encrypted
    assert out.stat().st_mode & 0o777 == 0o600
    header = read_header(out)
    assert header.backend == store_backup.backend(db_url) and header.schema_revision
    before = store_backup.row_counts(source.settings.database_url)
    assert before["individual"] == 12 and before["household"] == 3
    with another_database(db_url, tmp_path) as target:
        code, text = invoke("db", "restore", str(out), "--db", target, "--data-dir", _data_dir(tmp_path))
        assert code == 0, text
        assert "audit chain ok" in text and "Haddad" not in text
        after = store_backup.row_counts(target)
        # the restore is audited in the restored database: one entry more, everything else equal
        assert after.pop("audit_log") == before.pop("audit_log") + 1
        assert after == before
        assert _last_audit_action(target) == "db.restore"
        restored = build_container(target, tmp_path / "data")
        try:
            with unit_of_work(restored.sessions) as s:
                from refugio.security.audit import verify_chain

                assert verify_chain(s).ok
        finally:
            restored.engine.dispose()
    # the backup itself was audited in the source, before its dump
    assert _last_audit_action(source.settings.database_url) == "db.backup"


@pytest.mark.parametrize("where", ["header", "middle", "last"])
def test_a_tampered_backup_is_refused_and_nothing_is_restored(
    source: Container, db_url: str, tmp_path: Path, where: str
) -> None:
    out = _backup(source, tmp_path)
    data = bytearray(out.read_bytes())
    position = {"header": len(MAGIC) + 30, "middle": len(data) // 2, "last": len(data) - 1}[where]
    data[position] ^= 0x01
    out.write_bytes(bytes(data))
    key = Keyring(tmp_path / "data" / "secrets").backup_key()
    with another_database(db_url, tmp_path) as target:
        with pytest.raises(IntegrityBroken):
            backups.restore_backup(out, target, master_key=key)
        assert store_backup.is_empty(target)
        code, text = invoke("db", "restore", str(out), "--db", target, "--data-dir", _data_dir(tmp_path))
        assert code != 0 and "error:" in text
        assert store_backup.is_empty(target)


def test_a_wrong_key_is_refused_and_the_exported_key_restores_elsewhere(
    source: Container, db_url: str, tmp_path: Path
) -> None:
    out = _backup(source, tmp_path)
    wrong = tmp_path / "wrong.key"
    wrong.write_bytes(base64.b64encode(os.urandom(32)))
    elsewhere = str(tmp_path / "another-machine")  # its own secrets: a different backup key
    with another_database(db_url, tmp_path) as target:
        for key_args in ([], ["--key-file", str(wrong)]):
            code, text = invoke("db", "restore", str(out), "--db", target, "--data-dir", elsewhere, *key_args)
            assert code != 0 and "wrong backup key" in text, text
            assert store_backup.is_empty(target)
        with pytest.raises(BackupKeyError):
            backups.restore_backup(out, target, master_key=os.urandom(32))
        exported = tmp_path / "exported.key"
        code, text = invoke("db", "backup-key", "--out", str(exported), "--data-dir", _data_dir(tmp_path))
        assert code == 0 and "store it apart" in text
        assert exported.stat().st_mode & 0o777 == 0o600
        code, text = invoke(
            "db", "restore", str(out), "--db", target, "--data-dir", elsewhere, "--key-file", str(exported)
        )
        assert code == 0, text
        assert store_backup.row_counts(target)["individual"] == 12


def test_restoring_over_a_database_that_is_not_empty_needs_force(
    source: Container, db_url: str, tmp_path: Path
) -> None:
    out = _backup(source, tmp_path)
    with another_database(db_url, tmp_path, "busy") as target:
        busy = build_container(target, tmp_path / "busy-data")
        seed(busy)  # an operation and users, no households
        busy.engine.dispose()
        before = store_backup.row_counts(target)
        code, text = invoke("db", "restore", str(out), "--db", target, "--data-dir", _data_dir(tmp_path))
        assert code != 0 and "not empty" in text and "--force" in text
        assert store_backup.row_counts(target) == before
        code, text = invoke(
            "db", "restore", str(out), "--db", target, "--data-dir", _data_dir(tmp_path), "--force"
        )
        assert code == 0, text
        assert store_backup.row_counts(target)["individual"] == 12
        assert _last_audit_action(target) == "db.restore"


def test_an_existing_output_file_is_not_overwritten(source: Container, tmp_path: Path) -> None:
    out = tmp_path / "taken.backup"
    out.write_bytes(b"keep me")
    code, text = invoke(
        "db",
        "backup",
        "--out",
        str(out),
        "--db",
        source.settings.database_url,
        "--data-dir",
        _data_dir(tmp_path),
    )
    assert code != 0 and "exists already" in text
    assert out.read_bytes() == b"keep me"
