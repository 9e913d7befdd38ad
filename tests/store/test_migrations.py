"""The Alembic migrations: they build exactly the models' schema on every backend, go down and up
again, form one linear chain of readable ids, and make the audit log append-only."""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    Table,
    delete,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import refugio.main
from refugio.security import audit
from refugio.security.models import AuditEntry
from refugio.security.principals import Principal
from refugio.store import migrate
from refugio.store.engine import make_engine
from refugio.store.types import PortableJSON, UTCDateTime

VERSIONS = migrate.MIGRATIONS_DIR / "versions"


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


def _tables(engine: Engine) -> set[str]:
    """The tables a model could describe (not the ones SQLite makes for a full-text index)."""
    return set(inspect(engine).get_table_names()) - {"alembic_version"} - migrate.database_only_tables(engine)


# --- schema ---------------------------------------------------------------------------------------------


def test_upgrade_head_builds_exactly_the_models(db_url: str, engine: Engine) -> None:
    migrate.upgrade(db_url)  # a URL string works as well as an engine

    assert migrate.current(engine) == migrate.head()
    assert migrate.is_up_to_date(engine)
    metadata = refugio.main.metadata()
    assert _tables(engine) == set(metadata.tables)
    assert migrate.check_schema_matches(engine, metadata) == []


def test_downgrade_to_base_then_upgrade_again(engine: Engine) -> None:
    migrate.upgrade(engine)
    migrate.downgrade(engine, "base")

    assert migrate.current(engine) is None
    assert _tables(engine) == set()

    migrate.upgrade(engine)
    assert migrate.current(engine) == migrate.head()
    assert migrate.check_schema_matches(engine, refugio.main.metadata()) == []


def test_step_by_step_matches_all_at_once(engine: Engine) -> None:
    for revision in _chain():
        migrate.upgrade(engine, revision)
        assert migrate.current(engine) == revision
    assert migrate.check_schema_matches(engine, refugio.main.metadata()) == []


def test_empty_database_differs_from_the_models(engine: Engine) -> None:
    """The check is not vacuous: an unmigrated database reports every table as missing."""
    diffs = migrate.check_schema_matches(engine, refugio.main.metadata())
    added = {d[1].name for d in diffs if d[0] == "add_table"}
    assert added == set(refugio.main.metadata().tables)


def test_type_check_sees_zone_less_timestamps_and_plain_json(engine: Engine) -> None:
    """UTCDateTime must be TIMESTAMP WITH TIME ZONE and PortableJSON JSONB on PostgreSQL; SQLite has
    neither distinction, so nothing differs there."""
    built = MetaData()
    Table("t", built, Column("id", Integer, primary_key=True), Column("at", DateTime()), Column("j", JSON()))
    built.create_all(engine)
    wanted = MetaData()
    Table(
        "t",
        wanted,
        Column("id", Integer, primary_key=True),
        Column("at", UTCDateTime()),
        Column("j", PortableJSON),
    )

    changed = {d[0][3] for d in migrate.check_schema_matches(engine, wanted) if isinstance(d, list)}
    assert changed == ({"at", "j"} if engine.dialect.name == "postgresql" else set())


# --- the chain ------------------------------------------------------------------------------------------


def _chain() -> list[str]:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def test_chain_is_linear_with_readable_ids() -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    chain = _chain()
    assert chain == [f"{n:04d}" for n in range(1, len(chain) + 1)]
    assert script.get_heads() == [chain[-1]]
    for previous, rev in zip([None, *chain], chain, strict=False):
        assert script.get_revision(rev).down_revision == previous
    for path in VERSIONS.glob("*.py"):
        assert re.match(r"^\d{4}_[a-z0-9_]+\.py$", path.name), path.name
    assert migrate.next_revision_id() == f"{len(chain) + 1:04d}"


def test_migrations_folder_is_not_a_package() -> None:
    assert not (migrate.MIGRATIONS_DIR / "__init__.py").exists()
    assert not (VERSIONS / "__init__.py").exists()


@pytest.mark.parametrize("path", sorted(VERSIONS.glob("*.py")), ids=lambda p: Path(p).stem)
def test_revisions_do_not_import_refugio(path: Path) -> None:
    """A revision is frozen history: it must not change when the models or types change later."""
    source = path.read_text(encoding="utf-8")
    assert not re.search(r"^\s*(from|import)\s+refugio\b", source, re.MULTILINE)


@pytest.mark.parametrize("url", ["sqlite:///offline.sqlite3", "postgresql://user@host/db"])
def test_offline_sql_renders(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert migrate.main(["--url", url, "upgrade", "--sql"]) == 0
    sql = capsys.readouterr().out
    assert "CREATE TABLE audit_log" in sql
    assert "CREATE TRIGGER audit_log_no" in sql


# --- the append-only audit log -------------------------------------------------------------------------


def _append_two(engine: Engine) -> None:
    actor = Principal(user_id=None, username="migration-test")
    with Session(engine) as session:
        audit.record(session, actor=actor, action="test.first", object_type="test", details={"n": 1})
        audit.record(session, actor=actor, action="test.second", object_type="test", details={"n": 2})
        session.commit()


def test_audit_log_accepts_inserts(engine: Engine) -> None:
    migrate.upgrade(engine)
    _append_two(engine)
    with Session(engine) as session:
        report = audit.verify_chain(session)
    assert report.ok, report.problems
    assert report.entries == 2


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param(update(AuditEntry).where(AuditEntry.seq == 1).values(action="test.forged"), id="update"),
        pytest.param(delete(AuditEntry).where(AuditEntry.seq == 2), id="delete-one"),
        pytest.param(delete(AuditEntry), id="delete-all"),
    ],
)
def test_audit_log_refuses_update_and_delete(engine: Engine, statement: object) -> None:
    migrate.upgrade(engine)
    _append_two(engine)

    with pytest.raises(IntegrityError, match="audit_log is append-only"), engine.begin() as conn:
        conn.execute(statement)  # type: ignore[call-overload]

    with Session(engine) as session:
        report = audit.verify_chain(session)
    assert report.ok, report.problems
    assert report.entries == 2


def test_audit_log_refuses_truncate_on_postgresql(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE exists on PostgreSQL only")
    migrate.upgrade(engine)
    _append_two(engine)
    with pytest.raises(IntegrityError, match="audit_log is append-only"), engine.begin() as conn:
        conn.execute(text("TRUNCATE audit_log"))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one() == 2


def test_downgrade_removes_the_triggers(engine: Engine) -> None:
    migrate.upgrade(engine)
    _append_two(engine)
    migrate.downgrade(engine, "0001")
    with engine.begin() as conn:
        assert conn.execute(delete(AuditEntry)).rowcount == 2
    migrate.upgrade(engine)
    _append_two(engine)  # row triggers fire only on rows, so give them some
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(delete(AuditEntry))


def test_concurrent_upgrades_do_not_collide(db_url: str, engine: Engine) -> None:
    """Several processes (web workers, a CLI) may start at once and each migrate the same database."""
    if engine.dialect.name == "sqlite":
        pytest.skip("an embedded SQLite database has one process migrating it")
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda _: migrate.upgrade(db_url), range(3)))
    assert results == [None, None, None]
    assert migrate.current(engine) == migrate.head()


# --- the name index (0007) ------------------------------------------------------------------------------


def test_name_index_is_built_from_the_name_tokens_and_taken_back(engine: Engine, tmp_path: Path) -> None:
    """Revision 0007 builds `name_search` from `name_token` in SQL, and its downgrade gives the tokens
    back: the documents it builds are those the service writes, and search works on them."""
    from tests.helpers import household_payload

    from refugio.registration import name_index, queries
    from refugio.registration import service as reg
    from refugio.registration.models import Individual, NameSearch
    from refugio.registration.schemas import HouseholdCreate
    from refugio.security import field_keys
    from refugio.security.principals import SYSTEM

    keys = field_keys.install(engine, tmp_path / "field.keys")  # phones are encrypted
    migrate.upgrade(engine)
    keys.prepare()
    with Session(engine) as s:
        operation = reg.create_operation(s, actor=SYSTEM, code="JOR", name="Jordan", country_iso3="JOR")
        site = reg.create_site(s, actor=SYSTEM, operation=operation, code="ZAA", name="Camp", kind="camp")
        payload = household_payload(site.id, members=2)
        payload["members"][0]["family_name_original"] = "الحداد"
        reg.register_household(s, actor=SYSTEM, data=HouseholdCreate.model_validate(payload))
        s.commit()
    with Session(engine) as s:
        written = {
            r[0]: name_index.stored_tokens(r[1])
            for r in s.execute(select(NameSearch.individual_id, NameSearch.names))
        }

    migrate.downgrade(engine, "0006")
    with engine.connect() as conn:
        tokens = {row[0] for row in conn.execute(text("SELECT token FROM name_token"))}
    assert {"khaled", "haddad", "mariam", "خالد", "الحداد", "حداد"} == tokens

    migrate.upgrade(engine)
    with Session(engine) as s:
        rebuilt = {
            r[0]: name_index.stored_tokens(r[1])
            for r in s.execute(select(NameSearch.individual_id, NameSearch.names))
        }
        assert rebuilt == written
        focal = s.scalars(select(Individual).where(Individual.given_name == "Khaled")).one()
        for query in ("khaled haddad", "حداد", "الحداد", "kha"):
            assert [h.person.id for h in queries.search(s, actor=SYSTEM, query=query)] == [focal.id], query
