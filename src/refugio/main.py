"""Composition root: builds the engine, the session factory, the keyring and the ASGI app, and wires
events between domains. The only module (with the CLI) that reads Settings.

Events wired (`wire_events`, once per bus, by `build`), each handler called with the event (ids and
plain data, `refugio.intake.events`) and the publisher's session:
* intake's `ImportScreening` → `dedup.screening`: a validated import's new people against each other and
  the registry (possible duplicates flagged as row warnings; a batch mostly registered already is refused);
* intake's `ImportCommitted` → `dedup.service.link_import_later`: every household of the import against
  the registry, in a background thread after the commit (progress on the run; pairs to review);
* registration's `HouseholdRegistered` → `dedup.service.link_household`: the new members against the
  registry, the pairs at or above the review threshold in the review queue in the same request.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Engine, MetaData
from sqlalchemy.orm import Session, sessionmaker

from refugio.config import Settings
from refugio.core.events import EventBus, bus
from refugio.dataprotection.schemas import RetentionPolicy
from refugio.intake.events import ImportCommitted, ImportScreening
from refugio.registration.events import HouseholdRegistered
from refugio.security.keys import Keyring
from refugio.store.engine import make_engine
from refugio.store.uow import session_factory

if TYPE_CHECKING:
    from fastapi import FastAPI

    from refugio.dataprotection.scheduler import RetentionScheduler
    from refugio.security.field_keys import FieldKeys

logger = logging.getLogger("refugio")


def metadata() -> MetaData:
    """The metadata of every model of every domain (for Alembic and schema checks)."""
    import refugio.agreements.models
    import refugio.assistance.models
    import refugio.dataprotection.models
    import refugio.dataprotection.register_models
    import refugio.dataprotection.rights.models
    import refugio.dedup.models
    import refugio.intake.models
    import refugio.protection.models
    import refugio.protection.tracing.models
    import refugio.registration.models
    import refugio.security.models
    import refugio.sharing.models
    import refugio.solutions.models
    import refugio.solutions.returns.models
    import refugio.stats.models
    import refugio.tracking.models  # noqa: F401
    from refugio.store.base import Base

    return Base.metadata


@dataclass
class Container:
    """What a running refugio holds: settings, engine, session factory, keyring, and the retention
    rules' periods (for the channels, which do not read Settings)."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    keyring: Keyring
    retention: RetentionPolicy = field(default_factory=RetentionPolicy)
    field_keys: FieldKeys | None = None

    def close(self, timeout: float = 600.0) -> None:
        """Wait for the work this process started in the background (`core.background`: an import staged
        from the web, an import's linkage), then close the engine's connections: no thread outlives the
        container."""
        from refugio.core import background

        if not background.join_all(timeout):
            logger.warning("background work still running after %.0f s", timeout)
        self.engine.dispose()


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
    """A committed import: all its households go through a linkage against the registry, in the
    background once the commit is done (progress on the run, `dedup.service.import_linkage`); the pairs
    land in the review queue without any command. A failure of the linkage does not undo the import."""
    from sqlalchemy import select

    from refugio.dedup import service as dedup_service
    from refugio.intake.service import committed_people
    from refugio.registration.models import Individual

    people = list(committed_people(session, batch_id=event.batch_id))
    households: set[uuid.UUID] = set()
    for start in range(0, len(people), 5000):
        households.update(
            session.scalars(
                select(Individual.household_id).where(Individual.id.in_(people[start : start + 5000]))
            )
        )
    dedup_service.link_import_later(
        session, operation_id=event.operation_id, batch_id=event.batch_id, household_ids=sorted(households)
    )


def _link_household(event: HouseholdRegistered, session: Session) -> None:
    """A household just registered: its members against the registry, the pairs in the review queue.
    A failure of the linkage does not undo the registration (a savepoint; a later run finds the pairs)."""
    from refugio.core.errors import RefugioError
    from refugio.dedup import service as dedup_service

    try:
        with session.begin_nested():
            dedup_service.link_household(
                session, operation_id=event.operation_id, household_id=event.household_id
            )
    except RefugioError as exc:
        logger.warning("linkage of household %s skipped: %s", event.household_id, exc.message)


def _refresh_statistics(event: ImportCommitted, session: Session) -> None:
    """A committed import: its people are taken into the statistics snapshot once it is committed (in a
    transaction of its own), so that the next reader of statistics does not wait for them."""
    from refugio.stats import snapshot
    from refugio.store.uow import after_transaction

    def refresh(own: Session) -> None:
        snapshot.refresh(own)

    after_transaction(session, refresh)


def wire_events(events: EventBus | None = None) -> None:
    """Subscribe the handlers that connect domains (once per bus)."""
    events = events or bus
    if id(events) in _WIRED:
        return
    _WIRED.add(id(events))
    events.subscribe(ImportScreening, _screen_import)
    # the statistics refresh first: follow-ups run in the order registered, and the linkage's background
    # start takes SQLite's writer to bring deduplication's index up to date, which the refresh then
    # waited for (20,000 people into 100,000: 22.9 s after the commit instead of the refresh's 1.9 s)
    events.subscribe(ImportCommitted, _refresh_statistics)
    events.subscribe(ImportCommitted, _link_import)
    events.subscribe(HouseholdRegistered, _link_household)


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
        retention=retention_policy(settings),
        field_keys=field_keys.install(engine, key_file),
    )


def retention_policy(settings: Settings) -> RetentionPolicy:
    """The retention rules' periods from the settings (`REFUGIO_RETENTION_*`, `REFUGIO_STAGING_*`)."""
    return RetentionPolicy(
        closed_case_years=settings.retention_closed_case_years,
        departed_years=settings.retention_departed_years,
        deceased_years=settings.retention_deceased_years,
        staging_days=settings.staging_retention_days,
    )


def start_retention_scheduler(container: Container) -> RetentionScheduler | None:
    """The daemon thread of `refugio serve` that runs the retention rules every
    `REFUGIO_RETENTION_INTERVAL_HOURS` (24; 0 turns it off)."""
    import datetime as dt

    from refugio.dataprotection.scheduler import RetentionScheduler

    hours = container.settings.retention_interval_hours
    if hours <= 0:
        return None
    interval = dt.timedelta(hours=hours)
    return RetentionScheduler(container.sessions, container.retention, interval).start()


def create_app(settings: Settings | None = None, container: Container | None = None) -> FastAPI:
    """The ASGI application: REST API under /api/v1 and the web UI, sharing one container."""
    from refugio.api.app import mount_api
    from refugio.web.app import build_web_app

    container = container or build(settings)
    app = build_web_app(container)
    mount_api(app, container)
    return app
