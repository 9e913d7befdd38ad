"""Errors of data subject rights (all from refugio.core.errors)."""

from __future__ import annotations

from refugio.core.errors import Conflict, NotFound


class RequestNotFound(NotFound):
    pass


class RequestClosed(Conflict):
    pass
