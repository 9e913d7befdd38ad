"""Portable column types: timezone-aware UTC datetimes, JSON that is JSONB on PostgreSQL, and JSON
kept as written (`json` on PostgreSQL).

Imports nothing from refugio but refugio.core.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

PortableJSON = JSON().with_variant(JSONB(), "postgresql")
# JSON kept as the text written (PostgreSQL `json`, not `jsonb`): for records written once and never
# queried inside, whose exact text matters (a frozen entitlement's snapshot is hashed as written);
# `json` only checks the syntax on the way in, where `jsonb` parses it into its binary form.
TextJSON = JSON()


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Stores UTC; always returns an aware datetime (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        stamp: dt.datetime = value
        if stamp.tzinfo is None:
            return stamp.replace(tzinfo=dt.UTC)
        return stamp.astimezone(dt.UTC)
