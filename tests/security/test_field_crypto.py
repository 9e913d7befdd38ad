"""Encryption at rest of the sensitive fields (docs/decisions/0015-encryption-at-rest.md): envelope
encryption, row-bound ciphertexts, the start-up check of the master key, rotation, the migration and the
`refugio keys` commands — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select, text
from tests.helpers import Seed
from typer.testing import CliRunner

from refugio.assistance.models import Complaint
from refugio.cli.app import app as cli_app
from refugio.config import Settings
from refugio.main import Container, build
from refugio.protection.models import ProtectionCase
from refugio.security import field_crypto, key_rotation
from refugio.security.field_keys import FieldKeys
from refugio.security.models import DataKey
from refugio.store import migrate
from refugio.store.encrypted import FieldCryptoError
from refugio.store.uow import unit_of_work

SECRET = "She was threatened at the water point by a man from block 7"


def _complaint(c: Container, seeded: Seed, description: str, response: str | None = None) -> uuid.UUID:
    with unit_of_work(c.sessions) as s:
        row = Complaint(
            ref=f"CMP-{uuid.uuid4().hex[:8]}",
            operation_id=seeded.operation_id,
            channel="desk",
            category="other",
            priority="normal",
            description=description,
            response=response,
            due_at=dt.datetime(2027, 1, 1, tzinfo=dt.UTC),
            recorded_by="test",
        )
        s.add(row)
        s.flush()
        return row.id


def _read(c: Container, complaint_id: uuid.UUID) -> Complaint:
    with unit_of_work(c.sessions) as s:
        return s.get_one(Complaint, complaint_id)


def _raw(c: Container, sql: str) -> list[tuple[object, ...]]:
    with c.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def _keys(c: Container) -> FieldKeys:
    assert c.field_keys is not None
    return c.field_keys


def test_round_trip_and_the_database_holds_only_ciphertext(container: Container, seeded: Seed) -> None:
    cid = _complaint(container, seeded, SECRET, response="")
    got = _read(container, cid)
    assert got.description == SECRET and got.response == ""
    (stored, response), *_ = _raw(container, "SELECT description, response FROM assistance_complaint")
    assert isinstance(stored, str) and stored.startswith("rf1:") and "water" not in stored
    assert isinstance(response, str) and response.startswith("rf1:")  # even an empty text is sealed
    # a column select reads plain text too (the row id comes from the database)
    with unit_of_work(container.sessions) as s:
        assert s.scalars(select(Complaint.description)).one() == SECRET
    # an update is re-encrypted, bound to the same row
    with unit_of_work(container.sessions) as s:
        s.get_one(Complaint, cid).description = "changed"
    assert _read(container, cid).description == "changed"
    assert _raw(container, "SELECT description FROM assistance_complaint")[0][0] != stored


def test_a_ciphertext_moved_or_altered_is_refused(container: Container, seeded: Seed) -> None:
    first = _complaint(container, seeded, SECRET, response="answered")
    second = _complaint(container, seeded, "nothing special")
    with container.engine.begin() as conn:  # another row's ciphertext copied in
        conn.execute(
            text(
                "UPDATE assistance_complaint SET description = "
                "(SELECT description FROM assistance_complaint a WHERE a.ref = :r) WHERE ref <> :r"
            ),
            {"r": _read(container, first).ref},
        )
    with pytest.raises(FieldCryptoError, match="fails its authentication"):
        _read(container, second)
    assert _read(container, first).description == SECRET
    with container.engine.begin() as conn:  # another column's ciphertext, same row
        conn.execute(
            text("UPDATE assistance_complaint SET description = response WHERE response IS NOT NULL")
        )
    with pytest.raises(FieldCryptoError, match="fails its authentication"):
        _read(container, first)
    token = field_crypto.seal(b"k" * 32, "abcd1234", "t", "c", "r1", "x")
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with pytest.raises(FieldCryptoError):
        field_crypto.open_token(b"k" * 32, "t", "c", "r1", tampered)
    with pytest.raises(FieldCryptoError):
        field_crypto.open_token(b"k" * 32, "t", "c", "r2", token)


def test_a_core_write_without_its_row_is_refused(container: Container, seeded: Seed) -> None:
    cid = _complaint(container, seeded, SECRET)
    from sqlalchemy import update
    from sqlalchemy.exc import StatementError

    with (
        pytest.raises(StatementError, match="write it through its ORM object"),
        unit_of_work(container.sessions) as s,
    ):
        s.execute(update(Complaint).where(Complaint.id == cid).values(description="plain"))
    assert _read(container, cid).description == SECRET


def test_missing_master_key_is_a_clear_error_at_start_up(
    container: Container, seeded: Seed, tmp_path: Path
) -> None:
    _complaint(container, seeded, SECRET)
    key_file = _keys(container).master.path
    settings = container.settings
    saved = key_file.read_bytes()
    key_file.unlink()
    with pytest.raises(field_crypto.MasterKeyMissing, match=r"field master key file .* is missing"):
        build(settings)
    key_file.write_bytes(saved)
    other = build(settings)
    assert _read(other, _complaint(other, seeded, "again")).description == "again"
    other.engine.dispose()


def test_rotations_keep_every_row_readable(container: Container, seeded: Seed) -> None:
    ids = [_complaint(container, seeded, f"{SECRET} {n}", response=f"r{n}") for n in range(5)]
    keys = _keys(container)
    before = {
        r[0]: (r[1], r[2]) for r in _raw(container, "SELECT kid, kek_version, wrapped FROM crypto_data_key")
    }

    version, rewrapped = key_rotation.rotate_master(keys)
    after = {
        r[0]: (r[1], r[2]) for r in _raw(container, "SELECT kid, kek_version, wrapped FROM crypto_data_key")
    }
    assert version == 2 and rewrapped == len(before) and set(after) == set(before)
    assert all(after[k][0] == 2 and after[k][1] != before[k][1] for k in before)
    with pytest.raises(FieldCryptoError, match=r"active master key version"):
        key_rotation.retire_master(keys, 2)
    key_rotation.retire_master(keys, 1)  # no data key is wrapped by v1 any more
    fresh = build(container.settings)  # a new process: only v2 in the file
    assert [_read(fresh, i).description for i in ids] == [f"{SECRET} {n}" for n in range(5)]

    old_tokens = {r[0] for r in _raw(container, "SELECT description FROM assistance_complaint")}
    done = key_rotation.rotate_data(keys, batch=2)
    assert done["assistance_complaint"] == 10  # 5 descriptions and 5 responses
    new_kid = keys._current["assistance_complaint"]
    tokens = [r[0] for r in _raw(container, "SELECT description FROM assistance_complaint")]
    assert all(t.startswith(f"rf1:{new_kid}:") for t in tokens) and not old_tokens & set(tokens)
    assert [_read(fresh, i).response for i in ids] == [f"r{n}" for n in range(5)]  # the other process
    report = key_rotation.status(keys)
    per_key = {k.kid: k.values for k in report.data_keys if k.table == "assistance_complaint"}
    assert per_key[new_kid] == 10 and sum(per_key.values()) == 10
    fresh.engine.dispose()


def test_an_interrupted_data_rotation_resumes_under_the_same_key(container: Container, seeded: Seed) -> None:
    ids = [_complaint(container, seeded, f"text {n}") for n in range(3)]
    keys = _keys(container)
    with container.engine.begin() as conn:  # as if a rotation had created its key, then stopped
        keys.new_data_key(conn, "assistance_complaint")
    keys.reload()
    kid = keys._current["assistance_complaint"]
    key_rotation.rotate_data(keys)
    assert keys._current["assistance_complaint"] == kid  # no third generation while rows were left
    with unit_of_work(container.sessions) as s:
        generations = s.scalars(
            select(DataKey.generation).where(DataKey.table_name == "assistance_complaint")
        )
        assert sorted(generations) == [1, 2]
    assert [_read(container, i).description for i in ids] == ["text 0", "text 1", "text 2"]


def test_the_migration_encrypts_existing_rows_and_the_downgrade_decrypts(
    container: Container, seeded: Seed
) -> None:
    cid = _complaint(container, seeded, SECRET)
    with unit_of_work(container.sessions) as s:
        case = ProtectionCase(
            code="JOR-PC-26-99999",
            operation_id=seeded.operation_id,
            site_id=seeded.camp_id,
            case_type="gbv",
            status="open",
            risk_level="high",
            summary="Survivor of sexual violence, needs a safe shelter",
            opened_by="test",
        )
        s.add(case)
    from tests.helpers import household_payload, principal
    from tests.registration.support import register

    register(container, principal(container, "admin"), household_payload(seeded.camp_id, members=1))
    (index_before,) = _raw(container, "SELECT phone_index FROM individual")[0]
    migrate.downgrade(container.engine, "0017")
    assert _raw(container, "SELECT description FROM assistance_complaint") == [(SECRET,)]
    assert _raw(container, "SELECT phone FROM individual") == [("+962795550101",)]
    assert "Survivor" in str(_raw(container, "SELECT summary FROM protection_case")[0][0])
    migrate.upgrade(container.engine)
    assert str(_raw(container, "SELECT summary FROM protection_case")[0][0]).startswith("rf1:")
    phone, index = _raw(container, "SELECT phone, phone_index FROM individual")[0]
    assert str(phone).startswith("rf1:") and index != index_before  # the downgrade dropped the keys
    assert index == _keys(container).blind_index("individual", "phone", "+962795550101")
    assert _read(container, cid).description == SECRET
    with unit_of_work(container.sessions) as s:
        assert s.scalars(select(ProtectionCase.summary)).one().startswith("Survivor")


def test_keys_commands(db_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    env = ["--db", db_url, "--data-dir", str(tmp_path / "data")]
    settings = Settings(data_dir=tmp_path / "data", db_url=db_url)
    result = runner.invoke(cli_app, ["keys", "status", *env])
    assert result.exit_code == 0, result.output
    assert "v1 (active)" in result.output and "assistance_complaint" in result.output
    result = runner.invoke(cli_app, ["keys", "rotate", *env])
    assert result.exit_code == 0 and "master key v2 is active" in result.output
    result = runner.invoke(cli_app, ["keys", "rotate", "--data", *env])
    assert result.exit_code == 0 and "re-encrypted under data key" in result.output
    result = runner.invoke(cli_app, ["keys", "retire", "v2", *env])
    assert result.exit_code == 1 and "active" in result.output
    result = runner.invoke(cli_app, ["keys", "retire", "v1", *env])
    assert result.exit_code == 0, result.output
    c = build(settings)
    with c.engine.connect() as conn:
        actions = set(conn.execute(text("SELECT action FROM audit_log")).scalars())
    assert {"keys.rotate_master", "keys.rotate_data", "keys.retire_master"} <= actions
    c.engine.dispose()


def test_phones_are_encrypted_and_found_through_their_blind_index(container: Container, seeded: Seed) -> None:
    from tests.helpers import household_payload, principal
    from tests.registration.support import register

    from refugio.registration import queries

    admin = principal(container, "admin")
    household = register(container, admin, household_payload(seeded.camp_id, members=2))
    raw = _raw(container, "SELECT phone, phone_index FROM individual WHERE phone IS NOT NULL")
    assert len(raw) == 1
    phone, index = raw[0]
    # the number's digits nowhere in clear (three of them, "555", may come up by chance in 32 hex digits)
    assert str(phone).startswith("rf1:") and "795550101" not in str(phone)
    assert isinstance(index, str) and len(index) == 32 and "795550101" not in index
    with unit_of_work(container.sessions) as s:
        hits = queries.search(s, actor=admin, query="+962 79 555 0101")
        assert [(h.person.id, h.matched_by) for h in hits] == [(household.focal_point_id, "phone")]
        assert hits[0].person.phone == "+962795550101"
        from refugio.registration.models import Individual

        labelled = select(Individual.phone.label("p")).where(Individual.phone.isnot(None))
        assert s.execute(labelled).scalar_one() == "+962795550101"  # a labelled column decrypts too
        assert not queries.search(s, actor=admin, query="+962 79 555 0102")
    # the index is keyed: another installation's key gives another index for the same number
    assert field_crypto.blind_index(b"x" * 32, "individual.phone", "+962795550101") != index
