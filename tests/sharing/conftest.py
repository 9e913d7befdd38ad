"""Fixtures of the sharing tests: the shared container/seed helpers and the API client and tokens of
tests/api (users admin, clerk, protection, imo, viewer), and a small indicator CSV."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.api.conftest import client, seeded, token_for  # noqa: F401
from tests.helpers import *  # noqa: F403

INDICATORS = """country,population,gdp,unemployment_rate,asylum_per_million
DEU,80800000,3.7e12,5.0,2000
FRA,66000000,2.8e12,10.3,900
POL,38000000,0.5e12,9.0,200
MLT,400000,9e9,5.9,3000
EST,1300000,2e10,7.4,50
"""


@pytest.fixture
def indicators_csv(tmp_path: Path) -> Path:
    path = tmp_path / "indicators.csv"
    path.write_text(INDICATORS)
    return path
