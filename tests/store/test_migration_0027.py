"""Revision 0027 (issue 14): the tracking agreements for sharing the distress log become distress-log
agreements of refugio.agreements (same id, partner, dates; the free-text purpose kept as notes; a
revoked one terminated), the tracking table goes, and the downgrade gives them back. On SQLite and
PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine, inspect, select
from sqlalchemy.orm import Session

import refugio.main  # noqa: F401  (every model, for the ORM reads)
from refugio.agreements.models import DataSharingAgreement
from refugio.agreements.queries import in_force
from refugio.registration import service as reg
from refugio.security.principals import SYSTEM
from refugio.store import migrate
from refugio.store.engine import make_engine

TRACKING = sa.table(
    "tracking_sharing_agreement",
    sa.column("id", sa.Uuid()),
    sa.column("operation_id", sa.Uuid()),
    sa.column("partner", sa.String()),
    sa.column("purpose", sa.Text()),
    sa.column("valid_from", sa.Date()),
    sa.column("valid_until", sa.Date()),
    sa.column("recorded_by", sa.String()),
    sa.column("revoked_at", sa.DateTime(timezone=True)),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
SITREP = ["identity", "position", "situation", "persons_on_board", "assistance_required",
          "coordinating_centre", "actions", "further_reports"]  # fmt: skip


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


def _seed_tracking_agreements(engine: Engine) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """An operation, then, back at 0026 (tracking's table still there), two tracking agreements."""
    migrate.upgrade(engine)
    with Session(engine) as s:
        op_id = reg.create_operation(s, actor=SYSTEM, code="ITA", name="Italy", country_iso3="ITA").id
        s.commit()
    migrate.downgrade(engine, "0026")  # the revision before 0027
    assert "tracking_sharing_agreement" in inspect(engine).get_table_names()
    today, now = dt.date.today(), dt.datetime.now(dt.UTC)
    live, revoked = uuid.uuid4(), uuid.uuid4()
    rows = [
        {"id": live, "partner": "Sea-Watch", "purpose": "Coordinating rescue at sea, central Med",
         "valid_from": today - dt.timedelta(days=5), "valid_until": today + dt.timedelta(days=30),
         "revoked_at": None},
        {"id": revoked, "partner": "Old partner", "purpose": "Search and rescue, 2025 season",
         "valid_from": today - dt.timedelta(days=90), "valid_until": today + dt.timedelta(days=10),
         "revoked_at": now - dt.timedelta(days=1)},
    ]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(
            sa.insert(TRACKING),
            [
                {**r, "operation_id": op_id, "recorded_by": "imo", "created_at": now, "updated_at": now}
                for r in rows
            ],
        )
    return op_id, live, revoked


def test_tracking_agreements_become_distress_log_agreements_and_come_back(engine: Engine) -> None:
    op_id, live, revoked = _seed_tracking_agreements(engine)
    migrate.upgrade(engine)
    assert "tracking_sharing_agreement" not in inspect(engine).get_table_names()
    with Session(engine) as s:
        found = {a.id: a for a in s.scalars(select(DataSharingAgreement))}
        assert set(found) == {live, revoked}
        sea = found[live]
        assert (sea.operation_id, sea.dataset, sea.partner, sea.purpose) == (
            op_id, "distress_log", "Sea-Watch", "search_and_rescue"
        )  # fmt: skip
        assert sea.fields == SITREP and sea.legal_basis == "vital_interest" and sea.retention_days == 365
        assert sea.notes == "Coordinating rescue at sea, central Med" and sea.recorded_by == "imo"
        assert sea.status == "active" and in_force(sea) and sea.partner_username is None
        assert found[revoked].status == "terminated" and not in_force(found[revoked])
    migrate.downgrade(engine, "0026")  # the revision before 0027
    with engine.connect() as conn:
        back = {r.id: r for r in conn.execute(sa.select(TRACKING))}
        assert set(back) == {live, revoked}
        assert (
            back[live].purpose == "Coordinating rescue at sea, central Med" and back[live].revoked_at is None
        )
        assert back[revoked].revoked_at is not None and back[revoked].partner == "Old partner"
        assert conn.execute(sa.text("SELECT count(*) FROM data_sharing_agreement")).scalar() == 0
    migrate.upgrade(engine)
    assert migrate.is_up_to_date(engine)
