"""A fresh database's field data keys are created before a connection's BEGIN, on a connection of their
own: the first unit of work may be one that takes SQLite's write lock at once (`immediate`: an API
request, a form post, the import's pipeline) — created after its BEGIN IMMEDIATE, the keys' writer waited
for that very lock and the unit of work was refused (`DatabaseUnavailable`, after the busy timeout).
SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from tests.helpers import *  # noqa: F403  (the db_url fixture)

from refugio.security import field_keys
from refugio.security.field_keys import _DEKS, required_keys
from refugio.store import migrate
from refugio.store.engine import make_engine
from refugio.store.uow import session_factory, unit_of_work


def test_the_first_unit_of_work_may_take_the_write_lock_at_once(db_url: str, tmp_path: Path) -> None:
    engine = make_engine(db_url)
    try:
        migrate.upgrade(engine)
        with engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(_DEKS)) == 0  # nothing made the keys yet
        keys = field_keys.install(engine, tmp_path / "field.keys")
        with unit_of_work(session_factory(engine), immediate=True) as s:
            names = set(s.scalars(select(_DEKS.c.table_name)))
        assert names >= required_keys()
        assert keys.encrypt("individual", "phone", "row-1", "+962790000001") != "+962790000001"
    finally:
        engine.dispose()
