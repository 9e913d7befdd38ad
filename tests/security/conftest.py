"""Fixtures of the security tests: the shared container/seeded fixtures (once per backend)."""

from __future__ import annotations

from tests.helpers import *  # noqa: F403
