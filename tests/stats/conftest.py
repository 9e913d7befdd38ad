"""Fixtures of the statistics tests: the shared container/seed helpers, the API client and tokens of
tests/api (seeded users admin, clerk, protection, imo, viewer), and small aggregate CSV files."""

from __future__ import annotations

from tests.api.conftest import client, seeded, token_for  # noqa: F401
from tests.helpers import *  # noqa: F403
