"""Progress reports: pledges as they stood on a date, tallied by type and status, contributions and
indicators with sources; HTML page, PDF through the page, the API and the CLI."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from tests.helpers import Seed
from typer.testing import CliRunner

from refugio.cli.app import app as cli
from refugio.main import Container
from refugio.security.principals import SYSTEM
from refugio.sharing import demo, queries
from refugio.store.uow import unit_of_work


def _seed(container: Container, seeded: Seed, tmp_path: Path) -> None:
    with unit_of_work(container.sessions) as s:
        demo.seed_demo(
            s,
            operation_id=seeded.operation_id,
            actor=SYSTEM,
            echo=lambda _m: None,
            worldbank=tmp_path / "absent",
        )


def test_a_report_as_of_a_date(container: Container, seeded: Seed, tmp_path: Path) -> None:
    _seed(container, seeded, tmp_path)
    with unit_of_work(container.sessions) as s:
        now = queries.progress_report(s, actor=SYSTEM, country=None, as_of=dt.date(2025, 1, 1))
        then = queries.progress_report(s, actor=SYSTEM, country="can", as_of=dt.date(2024, 1, 1))
    places = next(t for t in now.tallies if t.pledge_type == "places")
    assert (places.places_pledged, places.places_delivered) == (1500, 750)
    assert places.by_status == {"in_progress": 1, "fulfilled": 1}
    financial = next(t for t in now.tallies if t.pledge_type == "financial")
    assert financial.amounts_delivered == {"EUR": 10_000_000}
    assert len(now.contributions) == 5
    # Canada on 1 January 2024: pledged, no update yet; no contribution received yet
    assert [p.status for p in then.pledges] == ["planning"] and then.contributions == []
    assert queries.progress_report_pdf(now)[:5] == b"%PDF-"


def test_report_page_pdf_api_and_cli(
    container: Container,
    seeded: Seed,
    tmp_path: Path,
    client: TestClient,
    token_for: Callable[[str], dict[str, str]],
) -> None:
    _seed(container, seeded, tmp_path)
    h = token_for("admin")
    r = client.get("/api/v1/sharing/reports", headers=h, params={"as_of": "2025-01-01", "country": "DEU"})
    assert r.status_code == 200 and r.json()["pledges"][0]["pledger"] == "Government of Germany"
    pdf = client.get("/api/v1/sharing/reports.pdf", headers=h, params={"as_of": "2025-01-01"})
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content[:5] == b"%PDF-"
    url = container.engine.url.render_as_string(hide_password=False)
    out = tmp_path / "report.pdf"
    result = CliRunner().invoke(
        cli,
        [
            "sharing",
            "report",
            "--out",
            str(out),
            "--as-of",
            "2025-01-01",
            "--db",
            url,
            "--data-dir",
            str(container.settings.data_dir),  # its secrets: the field master key
        ],
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:5] == b"%PDF-"
