"""Fixtures of the registration tests: the shared container/seeded fixtures (once per backend) and the
principals of the seeded users."""

from __future__ import annotations

import pytest
from tests.helpers import *  # noqa: F403
from tests.helpers import Seed, principal

from refugio.main import Container
from refugio.security.principals import Principal


@pytest.fixture
def clerk(container: Container, seeded: Seed) -> Principal:
    """Registration clerk at site ZAA (camp) only."""
    return principal(container, "clerk")


@pytest.fixture
def admin(container: Container, seeded: Seed) -> Principal:
    return principal(container, "admin")


@pytest.fixture
def protection(container: Container, seeded: Seed) -> Principal:
    """Protection officer for the whole JOR operation (may see and set sensitive codes)."""
    return principal(container, "protection")


@pytest.fixture
def viewer(container: Container, seeded: Seed) -> Principal:
    """Viewer at site AMM (office) only."""
    return principal(container, "viewer")
