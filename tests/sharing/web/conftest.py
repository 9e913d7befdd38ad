"""The web fixtures (real application, signing in) for the sharing pages."""

from __future__ import annotations

from tests.helpers import *  # noqa: F403
from tests.web.conftest import app, client, seeded, signed_in  # noqa: F401
