"""Helpers of the intake tests: write a CSV, import it, read the batch and its rows."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from refugio.core.events import EventBus
from refugio.intake import pipeline, service
from refugio.intake.models import ImportBatch, StagedRow
from refugio.main import Container
from refugio.registration.models import Individual
from refugio.security.principals import Principal
from refugio.store.uow import unit_of_work

HEADER = "HH ID,Member ID,Relationship,First name,Last name,Sex,DOB,Nationality,Consent,Doc type,Doc number"
FAMILY = [
    "H1,P1,head,Khaled,Haddad,M,17/05/1984,SYR,yes,passport,N1234",
    "H1,P2,wife,Mariam,Haddad,F,1988-02,SYR,yes,,",
    "H1,P3,son,Yusuf,Haddad,M,2014,SYR,yes,,",
]


def write_csv(tmp: Path, lines: list[str], name: str = "in.csv") -> Path:
    path = tmp / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def run_import(
    c: Container, actor: Principal, path: Path, site_id: uuid.UUID, events: EventBus | None = None, **kw: Any
) -> uuid.UUID:
    return pipeline.import_file(
        c.sessions, actor=actor, path=path, site_id=site_id, events=events or EventBus(), **kw
    )


def batch(c: Container, batch_id: uuid.UUID) -> ImportBatch:
    with unit_of_work(c.sessions) as s:
        b = s.get(ImportBatch, batch_id)
        assert b is not None
        s.expunge(b)
        return b


def rows(c: Container, batch_id: uuid.UUID) -> list[StagedRow]:
    with unit_of_work(c.sessions) as s:
        out = list(
            s.scalars(select(StagedRow).where(StagedRow.batch_id == batch_id).order_by(StagedRow.row_no))
        )
        s.expunge_all()
        return out


def commit(
    c: Container, actor: Principal, batch_id: uuid.UUID, events: EventBus | None = None
) -> service.CommitResult:
    with unit_of_work(c.sessions) as s:
        return service.commit_batch(s, actor=actor, batch_id=batch_id, events=events or EventBus())


def people(c: Container) -> int:
    with unit_of_work(c.sessions) as s:
        return int(s.scalar(select(func.count()).select_from(Individual)) or 0)
