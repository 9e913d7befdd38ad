"""The desk benchmark's set-based set-up (benchmarks/desk_setup.py) writes exactly the rows of the service
path: the same households registered through `register_households` and indexed by `index.rebuild` give
identical registration rows, dedup person rows and dedup keys (ids replaced by references), on SQLite
and PostgreSQL; and the index it leaves is current (the desk check finds the people, with no lag)."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

from sqlalchemy import select
from tests.conftest import fresh_postgres_database, postgres_server_url
from tests.helpers import build_container

from refugio.dedup import index as dedup_index
from refugio.dedup import service
from refugio.dedup.schemas import DeskCheck
from refugio.main import Container
from refugio.registration.models import Individual
from refugio.security.principals import SYSTEM
from refugio.store.uow import unit_of_work

PEOPLE = 600


def _desk_setup() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "desk_setup.py"
    spec = importlib.util.spec_from_file_location("desk_setup", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["desk_setup"] = module
    spec.loader.exec_module(module)
    return module


ds = _desk_setup()


@contextmanager
def _second_database(db_url: str, tmp_path: Path) -> Iterator[str]:
    """Another empty database on the same backend as `db_url`."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'second.sqlite3'}"
        return
    server = postgres_server_url()
    assert server is not None
    with fresh_postgres_database(server) as url:
        yield url


def _built(url: str, data_dir: Path) -> Container:
    return build_container(url, data_dir)


def test_set_based_setup_writes_the_rows_of_the_service_path(db_url: str, tmp_path: Path) -> None:
    service_side = _built(db_url, tmp_path / "a")
    try:
        bench = ds.create_operation(service_side)
        assert ds.register_service(service_side, bench, PEOPLE) >= PEOPLE
        expected = ds.snapshot(service_side)
    finally:
        service_side.close()
    with _second_database(db_url, tmp_path) as url:
        fast_side = _built(url, tmp_path / "b")
        try:
            bench = ds.create_operation(fast_side)
            assert ds.register_fast(fast_side, bench, PEOPLE, workers=1) >= PEOPLE
            got = ds.snapshot(fast_side)
            with unit_of_work(fast_side.sessions) as s:
                assert dedup_index.is_built(s) and dedup_index.lag(s) == 0
                given, family, dob, sex = s.execute(
                    select(
                        Individual.given_name,
                        Individual.family_name,
                        Individual.date_of_birth,
                        Individual.sex,
                    )
                    .order_by(Individual.ref)
                    .limit(1)
                ).one()
                query = DeskCheck.model_validate(
                    {
                        "site_id": str(bench.site_ids[0]),
                        "person": {
                            "given_name": given,
                            "family_name": family,
                            "sex": sex,
                            "date_of_birth": str(dob),
                        },
                    }
                )
                result = service.desk_check(s, actor=SYSTEM, query=query)
            assert result.index_lag == 0
            assert any(m.given_name == given and m.family_name == family for m in result.matches)
        finally:
            fast_side.close()
    assert len(expected["individual"]) >= PEOPLE and len(expected["dedup_key"]) > len(
        expected["dedup_person"]
    )
    assert ds.compare(expected, got) == []
    # the comparison sees a difference in one key
    altered = dict(got, dedup_key=got["dedup_key"][1:])
    assert ds.compare(expected, altered)
