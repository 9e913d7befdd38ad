"""Clock: the one place that reads the time, so tests can freeze it. Imports nothing from refugio."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    """Current time, timezone-aware UTC."""
    return _frozen if _frozen is not None else dt.datetime.now(dt.UTC)


def today() -> dt.date:
    """Current UTC date."""
    return now().date()


@contextmanager
def frozen(at: dt.datetime) -> Iterator[None]:
    """Freeze the clock (tests)."""
    global _frozen
    previous, _frozen = _frozen, at if at.tzinfo else at.replace(tzinfo=dt.UTC)
    try:
        yield
    finally:
        _frozen = previous
