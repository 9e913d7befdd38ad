"""A database that is busy or gone (SQLite locked past its timeout, PostgreSQL restarting) is a
DatabaseUnavailable (503 with Retry-After in the API), rolled back, never a bare driver error."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError
from tests.helpers import *  # noqa: F403  (the container fixture)

from refugio.core.errors import DatabaseUnavailable
from refugio.main import Container
from refugio.store.uow import unit_of_work


def test_operational_error_becomes_database_unavailable(container: Container) -> None:
    with pytest.raises(DatabaseUnavailable) as err, unit_of_work(container.sessions):
        raise OperationalError("BEGIN", {}, Exception("database is locked"))
    assert err.value.status == 503 and err.value.retry_after > 0
    assert "locked" not in err.value.message  # the driver's message never leaves
