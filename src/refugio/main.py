"""Composition root: builds the engine, the session factory, the keyring and the ASGI app, and wires
events between domains. The only module (with the CLI) that reads Settings.

Events wired (`wire_events`, once per bus, by `build`), each handler called with the event (ids and
plain data, `refugio.intake.events`) and the publisher's session:
* intake's `ImportScreening` → `dedup.screening`: a validated import's new people against each other and
  the registry (possible duplicates flagged as row warnings; a batch mostly registered already is refused);
* intake's `ImportCommitted` → `dedup.service.run_batch` on the flagged households (pairs to review).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Engine, MetaData
from sqlalchemy.orm import Session, sessionmaker

from refugio.config import Settings
from refugio.core.events import EventBus, bus
from refugio.intake.events import ImportCommitted, ImportScreening
from refugio.security.keys import Keyring
from refugio.store.engine import make_engine
from refugio.store.uow import session_factory

if TYPE_CHECKING:
    from fastapi import FastAPI

    from refugio.security.field_keys import FieldKeys

logger = logging.getLogger("refugio")


def metadata() -> MetaData:
    """The metadata of every model of every domain (for Alembic and schema checks)."""
    import refugio.assistance.models
    import refugio.dedup.models
    import refugio.intake.models
    import refugio.protection.models
    import refugio.protection.tracing.models
    import refugio.registration.models
    import refugio.security.models
    import refugio.sharing.models
    import refugio.solutions.models
    import refugio.stats.models
    import refugio.tracking.models  # noqa: F401
    from refugio.store.base import Base

    return Base.metadata


@dataclass
class Container:
    """What a running refugio holds: settings, engine, session factory and keyring."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    keyring: Keyring
    field_keys: FieldKeys | None = None


_WIRED: set[int] = set()


def _screen_import(event: ImportScreening, session: Session) -> None:
    """A validated import batch: its new people against each other and against everyone registered.
    Possible duplicates become warnings on their rows; a batch mostly registered already is refused."""
    from refugio.dedup import screening
    from refugio.intake.service import screening_records

    rows = {r["record_id"]: r for r in screening_records(session, batch_id=event.batch_id)}
    result = screening.screen_records(session, operation_id=event.operation_id, rows=rows.values())
    for record_id, found in result.matches.items():
        best = found[0]
        if best.registered:
            message = f"possibly already registered as {best.other} (probability {best.probability:.2f})"
        else:
            other = rows.get(best.other, {}).get("row_no") or best.other
            message = (
                f"possibly the same person as row {other} of this import (probability {best.probability:.2f})"
            )
        if len(found) > 1:
            message += f"; {len(found) - 1} other possible match(es)"
        event.flag(record_id, message)
    screening.guard(result)


def _link_import(event: ImportCommitted, session: Session) -> None:
    """A committed import: the households of its possible duplicates go through a batch linkage run,
    which puts the pairs (now with registered ids) in the review queue. A failure of the linkage does
    not undo the registration: it runs in a savepoint, and the pairs can be found by a later run."""
    from sqlalchemy import select

    from refugio.core.errors import RefugioError
    from refugio.dedup import service as dedup_service
    from refugio.intake.service import flagged_people
    from refugio.registration.models import Individual
    from refugio.security.principals import SYSTEM

    people = flagged_people(session, batch_id=event.batch_id)
    if not people:
        return
    households = set(session.scalars(select(Individual.household_id).where(Individual.id.in_(people))))
    try:
        with session.begin_nested():
            dedup_service.run_batch(
                session,
                actor=SYSTEM,
                operation_id=event.operation_id,
                household_ids=sorted(households),
            )
    except RefugioError as exc:
        logger.warning("linkage of import %s skipped: %s", event.batch_id, exc.message)


def wire_events(events: EventBus | None = None) -> None:
    """Subscribe the handlers that connect domains (once per bus)."""
    events = events or bus
    if id(events) in _WIRED:
        return
    _WIRED.add(id(events))
    events.subscribe(ImportScreening, _screen_import)
    events.subscribe(ImportCommitted, _link_import)


def build(settings: Settings | None = None) -> Container:
    settings = settings or Settings()
    from refugio.security import field_keys

    engine = make_engine(settings.database_url)
    metadata()
    wire_events()
    sessions = session_factory(engine)
    key_file = field_keys.key_file(settings.secrets_path, settings.field_key_file)
    return Container(
        settings=settings,
        engine=engine,
        sessions=sessions,
        keyring=Keyring(settings.secrets_path),
        field_keys=field_keys.install(engine, sessions, key_file),
    )


def create_app(settings: Settings | None = None, container: Container | None = None) -> FastAPI:
    """The ASGI application: REST API under /api/v1 and the web UI, sharing one container."""
    from refugio.api.app import mount_api
    from refugio.web.app import build_web_app

    container = container or build(settings)
    app = build_web_app(container)
    mount_api(app, container)
    return app
