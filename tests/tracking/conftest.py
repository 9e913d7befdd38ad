"""Fixtures of the tracking tests, once per backend: a container with operation JOR (sites ZAA, AMM)
and users of each role (tests.helpers.seed), and the shared reference files read in place.

The shared files (`shared/data/external`, beside the checkout or beside the worktrees' folder) are
never copied into the repository; tests that need them skip when they are absent.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.helpers import *  # noqa: F403
from tests.helpers import Seed, build_container, seed

from refugio.main import Container

ROOT = Path(__file__).resolve().parents[2]


def external() -> Path | None:
    for base in (ROOT.parent, ROOT.parent.parent):
        folder = base / "shared" / "data" / "external"
        if folder.is_dir():
            return folder
    return None


EXTERNAL = external()
needs_external = pytest.mark.skipif(
    EXTERNAL is None, reason="shared/data/external is not beside the checkout"
)


def ext(relative: str) -> Path:
    assert EXTERNAL is not None
    return EXTERNAL / relative


DTM = "iom_dtm/global-iom-dtm-from-api-admin-0-to-2.csv.gz"
HAPI = "iom_dtm/hdx_hapi_idps_global.csv.gz"
PCODES = "ocha_pcodes/global-pcodes-adm-1-2.csv.gz"
LENGTHS = "ocha_pcodes/global-pcode-lengths.csv"
MMP = "iom_missing_migrants/iom_mmp.csv.gz"


@dataclass
class World:
    container: Container
    seed: Seed


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> Iterator[World]:
    container = build_container(db_url, tmp_path / "data")
    try:
        yield World(container, seed(container))
    finally:
        container.engine.dispose()


def write(path: Path, text: str, *, gz: bool = False) -> Path:
    data = text.encode("utf-8")
    path.write_bytes(gzip.compress(data) if gz else data)
    return path
