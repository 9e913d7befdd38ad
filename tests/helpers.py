"""Shared test helpers and fixtures: a container on the test database, a seeded operation with sites
and users of each role, and valid registration payloads. Import the fixtures into a directory's
conftest.py with `from tests.helpers import *  # noqa: F403`.
"""

from __future__ import annotations

import hashlib
import itertools
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

from refugio.config import Settings
from refugio.main import Container, build
from refugio.registration import service as reg
from refugio.security import service as sec
from refugio.security.permissions import Role
from refugio.security.principals import SYSTEM, Principal
from refugio.store import migrate
from refugio.store.engine import make_engine, normalise_url
from refugio.store.uow import unit_of_work

PASSWORD = "correct horse battery staple"
_doc_counter = itertools.count(100000)


_sqlite_template: dict[str, Path] = {}


def _migrated_sqlite_template() -> Path:
    """A SQLite file migrated to head once per test session, copied for each test."""
    if "path" not in _sqlite_template:
        path = Path(tempfile.mkdtemp(prefix="refugio-template-")) / "template.sqlite3"
        engine = make_engine(f"sqlite:///{path}")
        migrate.upgrade(engine)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        _sqlite_template["path"] = path
    return _sqlite_template["path"]


_postgres_template: dict[str, str] = {}


_TEMPLATE_MAX_AGE_S = 6 * 3600
_TEMPLATE_LOCK = 0x5E_F061_0001  # pg_advisory_lock key of the template build


def _drop_stale_postgres_templates(conn: Connection) -> None:
    """Drop templates of other migration sets only once they are hours old: test sessions on other
    branches may be copying from theirs right now (a template dropped under them fails their tests)."""
    rows = conn.execute(
        text(
            "SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database "
            "WHERE datname LIKE 'refugio_tmpl_%'"
        )
    ).all()
    now = time.time()
    for name, comment in rows:
        stamp = (comment or "").rpartition(" ")[2]
        if not stamp.isdigit() or now - int(stamp) > _TEMPLATE_MAX_AGE_S:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _migrated_postgres_template(admin: Engine, base: URL) -> str:
    """A PostgreSQL database migrated to head once per test session (named after the migrations, so a
    new revision gets a new one), which each test's empty database is then created from: CREATE DATABASE
    … TEMPLATE copies files, where running the migrations took about two seconds per test."""
    server = f"{base.host}:{base.port}"  # one template per server (a test may start a private cluster)
    if server in _postgres_template:
        return _postgres_template[server]
    versions = Path(migrate.__file__).parent / "migrations" / "versions"
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(versions.glob("*.py")))).hexdigest()[:12]
    name = f"refugio_tmpl_{digest}"
    with admin.connect() as conn:
        # One builder at a time per server: pytest-xdist workers (and other test sessions) start together;
        # the others wait here, then find the template built. Released when the connection closes.
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _TEMPLATE_LOCK})
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
        if exists is None:
            _drop_stale_postgres_templates(conn)
            building = f"{name}_{uuid.uuid4().hex[:6]}"
            conn.execute(text(f'CREATE DATABASE "{building}"'))
            engine = make_engine(base.set(database=building).render_as_string(hide_password=False))
            try:
                migrate.upgrade(engine)
            finally:
                engine.dispose()
            conn.execute(text(f'ALTER DATABASE "{building}" RENAME TO "{name}"'))
            stamp = int(time.time())
            conn.execute(text(f"COMMENT ON DATABASE \"{name}\" IS 'refugio test template {stamp}'"))
    _postgres_template[server] = name
    return name


def _from_postgres_template(db_url: str) -> None:
    """Recreate the test's new, empty PostgreSQL database from the migrated template."""
    target = make_url(normalise_url(db_url))
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        template = _migrated_postgres_template(admin, target)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{target.database}" TEMPLATE "{template}"'))
    finally:
        admin.dispose()


def _is_empty_postgres(db_url: str) -> bool:
    engine = create_engine(normalise_url(db_url), poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return not conn.execute(
                text("SELECT 1 FROM information_schema.tables WHERE table_schema = 'public' LIMIT 1")
            ).first()
    finally:
        engine.dispose()


def build_container(db_url: str, data_dir: Path) -> Container:
    """A container on a database migrated to head (the real schema, with the audit log's triggers):
    a new test database is copied from a template migrated once per session (SQLite and PostgreSQL)."""
    settings = Settings(data_dir=data_dir, db_url=db_url, cookie_secure=True)
    target = make_url(normalise_url(db_url))
    if target.get_backend_name() == "sqlite" and target.database and not Path(target.database).exists():
        Path(target.database).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_migrated_sqlite_template(), target.database)
    if target.get_backend_name() == "postgresql" and target.database and _is_empty_postgres(db_url):
        _from_postgres_template(db_url)
    container = build(settings)
    migrate.upgrade(container.engine)  # a no-op on the copied template
    return container


@dataclass
class Seed:
    operation_id: uuid.UUID
    camp_id: uuid.UUID  # site ZAA
    office_id: uuid.UUID  # site AMM
    users: dict[str, uuid.UUID]


def seed(container: Container) -> Seed:
    """Operation JOR with sites ZAA (camp) and AMM (office) and one user per role:
    admin (everywhere), clerk (ZAA only), protection (JOR), imo (JOR), viewer (AMM only)."""
    with unit_of_work(container.sessions) as s:
        op = reg.create_operation(s, actor=SYSTEM, code="JOR", name="Jordan operation", country_iso3="JOR")
        camp = reg.create_site(s, actor=SYSTEM, operation=op, code="ZAA", name="Zaatari camp", kind="camp")
        office = reg.create_site(
            s, actor=SYSTEM, operation=op, code="AMM", name="Amman office", kind="urban_office"
        )
        users: dict[str, uuid.UUID] = {}
        for username, role, op_id, site_id in [
            ("admin", Role.ADMINISTRATOR, None, None),
            ("clerk", Role.REGISTRATION_CLERK, op.id, camp.id),
            ("protection", Role.PROTECTION_OFFICER, op.id, None),
            ("imo", Role.IM_OFFICER, op.id, None),
            ("viewer", Role.VIEWER, op.id, office.id),
        ]:
            user = sec.create_user(
                s, actor=SYSTEM, username=username, full_name=username.title(), password=PASSWORD
            )
            sec.grant_role(s, actor=SYSTEM, user=user, role=role, operation_id=op_id, site_id=site_id)
            users[username] = user.id
        return Seed(op.id, camp.id, office.id, users)


def principal(container: Container, username: str) -> Principal:
    with unit_of_work(container.sessions) as s:
        return sec.principal_for(s, sec.get_user(s, username))


def household_payload(
    site_id: uuid.UUID, *, members: int = 4, family: str = "Haddad", **overrides: Any
) -> dict[str, Any]:
    """A valid household: focal point (father), spouse, and children; unique passport numbers."""
    people: list[dict[str, Any]] = [
        {
            "relationship": "focal_point",
            "given_name": "Khaled",
            "family_name": family,
            "given_name_original": "خالد",
            "family_name_original": "حداد",
            "sex": "M",
            "date_of_birth": "1984-05-17",
            "nationality": "SYR",
            "languages": ["ara"],
            "phone": "+962 79 555 0101",
            "documents": [
                {"doc_type": "passport", "number": f"N{next(_doc_counter)}", "issuing_country": "SYR"}
            ],
        },
        {
            "relationship": "spouse",
            "given_name": "Mariam",
            "family_name": family,
            "sex": "F",
            "date_of_birth": "1988-02",
            "nationality": "SYR",
        },
        {
            "relationship": "son_daughter",
            "given_name": "Yusuf",
            "family_name": family,
            "sex": "M",
            "date_of_birth": "2014",
        },
        {
            "relationship": "son_daughter",
            "given_name": "Lina",
            "family_name": family,
            "sex": "F",
            "stated_age": 6,
        },
        {
            "relationship": "son_daughter",
            "given_name": "Adam",
            "family_name": family,
            "sex": "M",
            "date_of_birth": "2022-09-30",
        },
    ]
    payload: dict[str, Any] = {
        "site_id": str(site_id),
        "consent_given": True,
        "consent_purposes": ["registration", "assistance"],
        "country_of_origin": "SYR",
        "arrival_date": "2026-11-01",
        "address": "District 5, Block 12",
        "population_type": "refugee",
        "members": people[:members],
    }
    payload.update(overrides)
    return payload


def name_index_out_of_step(container: Container) -> dict[str, tuple[set[str], set[str]]]:
    """People whose row in the name index differs from the one their current names, operation, site
    and status give: {ref: (stored tokens, expected tokens)}; {} when the index is in step."""
    from sqlalchemy import select

    from refugio.registration import name_index
    from refugio.registration.models import Individual, NameSearch

    with unit_of_work(container.sessions) as s:
        columns = (NameSearch.names, NameSearch.family_norm, NameSearch.given_norm, NameSearch.ref)
        stored = {r[0]: r[1:] for r in s.execute(select(NameSearch.individual_id, *columns))}
        wrong: dict[str, tuple[set[str], set[str]]] = {}
        for p in s.scalars(select(Individual)):
            expected = set(
                name_index.document(
                    [getattr(p, f) for f in reg._NAME_FIELDS], p.operation_id, p.site_id, p.status
                ).split(" ")
            ) | {f"sorted as {p.family_norm}|{p.given_norm}|{p.ref}"}
            names, family, given, ref = stored.pop(p.id, ("", "", "", ""))
            got = name_index.stored_tokens(names) | {f"sorted as {family}|{given}|{ref}"}
            if got != expected:
                wrong[p.ref] = (got, expected)
        assert not stored, "index rows of no individual"
        return wrong


@pytest.fixture
def container(db_url: str, tmp_path: Path) -> Iterator[Container]:
    c = build_container(db_url, tmp_path / "data")
    yield c
    c.close()  # joins the background linkage threads first


@pytest.fixture
def seeded(container: Container) -> Seed:
    return seed(container)


__all__ = [
    "PASSWORD",
    "Seed",
    "build_container",
    "container",
    "household_payload",
    "name_index_out_of_step",
    "principal",
    "seed",
    "seeded",
]
