"""Errors of the data protection domain (all from refugio.core.errors)."""

from __future__ import annotations

from refugio.core.errors import Conflict, NotFound


class HoldNotFound(NotFound):
    pass


class HoldAlreadyLifted(Conflict):
    pass


class RunNotFound(NotFound):
    pass
