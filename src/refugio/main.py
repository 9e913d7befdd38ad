"""Composition root: builds the engine, the session factory, the keyring and the ASGI app, and wires
events between domains. The only module (with the CLI) that reads Settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Engine, MetaData
from sqlalchemy.orm import Session, sessionmaker

from refugio.config import Settings
from refugio.security.keys import Keyring
from refugio.store.engine import make_engine
from refugio.store.uow import session_factory

if TYPE_CHECKING:
    from fastapi import FastAPI


def metadata() -> MetaData:
    """The metadata of every model of every domain (for Alembic and schema checks)."""
    import refugio.dedup.models
    import refugio.intake.models
    import refugio.protection.tracing.models
    import refugio.registration.models
    import refugio.security.models
    import refugio.stats.models  # noqa: F401
    from refugio.store.base import Base

    return Base.metadata


@dataclass
class Container:
    """What a running refugio holds: settings, engine, session factory and keyring."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    keyring: Keyring


def build(settings: Settings | None = None) -> Container:
    settings = settings or Settings()
    engine = make_engine(settings.database_url)
    metadata()
    return Container(
        settings=settings,
        engine=engine,
        sessions=session_factory(engine),
        keyring=Keyring(settings.secrets_path),
    )


def create_app(settings: Settings | None = None, container: Container | None = None) -> FastAPI:
    """The ASGI application: REST API under /api/v1 and the web UI, sharing one container."""
    from refugio.api.app import mount_api
    from refugio.web.app import build_web_app

    container = container or build(settings)
    app = build_web_app(container)
    mount_api(app, container)
    return app
