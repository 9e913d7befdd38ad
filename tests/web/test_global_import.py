"""/stats/global offers the import of the published tables in the browser (the same service as
`refugio stats import`), to a user who holds STATS_VIEW everywhere only; refused rows are listed."""

from __future__ import annotations

from tests.helpers import Seed
from tests.stats.test_aggregates import COUNTRIES, POPULATION
from tests.web.support import csrf_of


def test_the_global_tables_page_offers_the_import_to_whom_may_import(client, seeded: Seed, signed_in) -> None:
    signed_in("imo")  # STATS_VIEW for JOR only: may read, may not import global tables
    page = client.get("/stats/global")
    assert page.status_code == 200 and "refugio stats import" not in page.text
    assert "/stats/global/import" not in page.text
    assert client.get("/stats/global/import").status_code == 403
    signed_in("admin")
    page = client.get("/stats/global")
    assert 'href="/stats/global/import"' in page.text and "refugio stats import" not in page.text
    form = client.get("/stats/global/import")
    assert form.status_code == 200
    token = csrf_of(form.text)
    missing = client.post("/stats/global/import", data={"csrf_token": token})
    assert missing.status_code == 422 and "Choose a CSV file" in missing.text
    assert (
        client.post("/stats/global/import", files={"file": ("countries.csv", COUNTRIES.encode())}).status_code
        == 403
    )
    done = client.post(
        "/stats/global/import",
        data={"csrf_token": token},
        files={"file": ("countries.csv", COUNTRIES.encode())},
    )
    assert done.status_code == 200 and "countries.csv imported as countries" in done.text
    bad = POPULATION.replace("600000", "lots")
    refused = client.post(
        "/stats/global/import", data={"csrf_token": token}, files={"file": ("population.csv", bad.encode())}
    )
    assert (
        refused.status_code == 422 and "nothing was imported" in refused.text and "refugees" in refused.text
    )
    loaded = client.post(
        "/stats/global/import",
        data={"csrf_token": token, "skip_invalid": "on"},
        files={"file": ("population.csv", bad.encode())},
    )
    assert loaded.status_code == 200 and "4 rows read, 3 loaded" in loaded.text
    assert "2024" in client.get("/stats/global").text
