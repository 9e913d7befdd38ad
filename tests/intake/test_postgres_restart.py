"""PostgreSQL restarted in the middle of an import's commit (issue 14, reliability): the commit fails
as "database unavailable" with nothing of it kept, the service recovers by itself (the next request
succeeds on a new connection), and committing the import again registers every household once.

Runs only when REFUGIO_TEST_POSTGRES_URL is set (the PostgreSQL tests are wanted) and a private
cluster can be started here (tests.private_postgres): the shared server is never restarted.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.pool import NullPool
from tests.api.conftest import build_app
from tests.conftest import postgres_server_url
from tests.helpers import PASSWORD, build_container, principal, seed
from tests.intake.support import batch, people, run_import, write_csv
from tests.private_postgres import private_cluster

from refugio.core.errors import DatabaseUnavailable
from refugio.core.events import EventBus
from refugio.intake import service
from refugio.intake.service import commit as commit_module
from refugio.registration.models import Household
from refugio.security import audit
from refugio.store.engine import normalise_url
from refugio.store.uow import unit_of_work

HOUSEHOLDS = 24
PAGE = 6  # households per page of the commit: the restart comes after the first page


def _households(n: int) -> list[str]:
    given = ["Omar", "Lina", "Sara", "Yusuf", "Mariam", "Adam", "Huda", "Karim"]
    lines = []
    for i in range(n):
        family = f"Restart{chr(65 + i % 26)}{chr(65 + i // 26)}"
        lines.append(f"H{i},P{i}a,head,{given[i % 8]},{family},M,{1960 + i % 40}-03-1{i % 9},SYR,yes,,")
        lines.append(f"H{i},P{i}b,wife,{given[(i + 3) % 8]},{family},F,{1962 + i % 40}-07-2{i % 8},SYR,yes,,")
    return lines


@pytest.mark.postgres
def test_import_commit_survives_a_postgresql_restart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if postgres_server_url() is None:
        pytest.skip("PostgreSQL tests need REFUGIO_TEST_POSTGRES_URL (and a private cluster, started here)")
    with private_cluster() as cluster:
        admin_engine = create_engine(
            normalise_url(cluster.url("postgres")), isolation_level="AUTOCOMMIT", poolclass=NullPool
        )
        with admin_engine.connect() as conn:
            conn.execute(text('CREATE DATABASE "refugio"'))
        admin_engine.dispose()
        container = build_container(cluster.url("refugio"), tmp_path / "data")
        try:
            _restart_during_commit(container, cluster, tmp_path, monkeypatch)
        finally:
            container.close()


def _restart_during_commit(container, cluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    seeded = seed(container)
    admin = principal(container, "admin")
    batch_id = run_import(container, admin, write_csv(tmp_path, _households(HOUSEHOLDS)), seeded.camp_id)
    assert batch(container, batch_id).counts["households_new"] == HOUSEHOLDS

    monkeypatch.setattr(commit_module, "PAGE_HOUSEHOLDS", PAGE)
    pages: list[int] = []

    def restart_after_first_page(done: int, total: int) -> None:
        pages.append(done)
        if len(pages) == 1:  # the first households are registered (flushed) in this transaction
            with container.sessions() as probe:  # another connection does not see them yet
                assert probe.scalar(select(func.count()).select_from(Household)) == 0
            cluster.restart()

    with pytest.raises(DatabaseUnavailable), unit_of_work(container.sessions) as s:
        service.commit_batch(
            s,
            actor=admin,
            batch_id=batch_id,
            events=EventBus(),
            chunk=3,
            on_progress=restart_after_first_page,
        )
    assert pages == [2 * PAGE]  # it failed on the first statement after the restart

    # nothing half-written: no household of the import, the import still ready to commit
    assert people(container) == 0
    assert batch(container, batch_id).status == "ready"

    with TestClient(build_app(container), base_url="https://testserver") as client:
        # the service recovers by itself: the pool's dead connections are replaced on the next request
        r = client.post("/api/v1/tokens", json={"username": "admin", "password": PASSWORD})
        assert r.status_code == 201, r.text
        auth = {"Authorization": f"Bearer {r.json()['token']}"}
        r = client.get(f"/api/v1/imports/{batch_id}", headers=auth)
        assert r.status_code == 200 and r.json()["status"] == "ready", r.text
        # the import is resumable: committing it again registers every household, once
        r = client.post(f"/api/v1/imports/{batch_id}/commit", headers=auth)
        assert r.status_code == 200, r.text
        assert (r.json()["households_registered"], r.json()["people_registered"]) == (
            HOUSEHOLDS,
            2 * HOUSEHOLDS,
        )
    assert people(container) == 2 * HOUSEHOLDS
    assert batch(container, batch_id).status == "committed"
    with unit_of_work(container.sessions) as s:
        assert audit.verify_chain(s).ok
