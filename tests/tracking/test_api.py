"""/api/v1/tracking: locations, sites (add, read, change, scope), rounds, additivity, the IDPs export,
incidents and their summaries."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.api.conftest import build_app
from tests.helpers import PASSWORD
from tests.tracking.conftest import World, write
from tests.tracking.test_dtm import AREAS, HEADER, LENGTH_RULES, _row
from tests.tracking.test_mmp import FULL_HEADER, FULL_ROWS

from refugio.security.principals import SYSTEM
from refugio.store.uow import unit_of_work
from refugio.tracking import dtm, mmp, pcodes

API = "/api/v1"


@pytest.fixture
def client(world: World, tmp_path: Path) -> Iterator[TestClient]:
    with unit_of_work(world.container.sessions) as s:
        pcodes.load_pcodes(s, actor=SYSTEM, areas_path=write(tmp_path / "a.csv", AREAS),
                           lengths_path=write(tmp_path / "l.csv", LENGTH_RULES))  # fmt: skip
        rows = [HEADER, _row(0, "", "", 150), _row(1, "TD07", "", 150), _row(2, "TD07", "TD0701", 150),
                _row(0, "", "", 90, rnd=2, day="2024-05-31")]  # fmt: skip
        dtm.import_dtm(s, actor=SYSTEM, path=write(tmp_path / "d.csv", "\n".join(rows) + "\n"))
        mmp.import_mmp(
            s, actor=SYSTEM, path=write(tmp_path / "m.csv", FULL_HEADER + "\n" + "\n".join(FULL_ROWS) + "\n")
        )
    with TestClient(build_app(world.container), base_url="https://testserver") as c:
        yield c


def headers(client: TestClient, username: str) -> dict[str, str]:
    r = client.post(f"{API}/tokens", json={"username": username, "password": PASSWORD})
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def test_reads(client: TestClient) -> None:
    h = headers(client, "viewer")
    areas = client.get(f"{API}/tracking/locations", params={"country": "TCD", "level": 2}, headers=h).json()
    assert [a["pcode"] for a in areas] == ["TCD0701", "TCD0703"]
    rounds = client.get(f"{API}/tracking/rounds", params={"country": "TCD", "level": 0}, headers=h).json()
    assert [(r["round_number"], r["idps"], r["change"]) for r in rounds] == [(1, 150, None), (2, 90, -60)]
    check = client.get(f"{API}/tracking/additivity", headers=h).json()
    assert check["checked"] == check["consistent"] == 2
    hapi = client.get(f"{API}/tracking/idps", params={"format": "hapi"}, headers=h)
    assert hapi.status_code == 200 and len(list(csv.DictReader(io.StringIO(hapi.text)))) == 4
    as_json = client.get(f"{API}/tracking/idps", params={"format": "json"}, headers=h).json()
    assert as_json[0]["admin0Pcode"] == "TCD" and len(as_json) == 4
    assert client.get(f"{API}/tracking/idps", params={"format": "xml"}, headers=h).status_code == 422
    found = client.get(f"{API}/tracking/incidents", params={"year": 2023}, headers=h).json()
    assert found["total"] == 3 and found["items"][0]["causes"]
    summary = client.get(f"{API}/tracking/incidents/summary", params={"by": "cause"}, headers=h).json()
    assert sum(r["dead_and_missing"] for r in summary) == 589
    text = client.get(
        f"{API}/tracking/incidents/summary", params={"by": "year", "format": "csv"}, headers=h
    ).text
    assert text.splitlines() == [
        "year,incidents,dead_and_missing,dead,missing,survivors",
        "2023,3,589,85,504,116",
    ]
    assert client.get(f"{API}/tracking/countries", headers=h).json()[0]["idps"] == 90
    assert len(client.get(f"{API}/tracking/imports", headers=h).json()) == 3


def test_sites_and_scope(client: TestClient, world: World) -> None:
    imo, viewer, clerk = headers(client, "imo"), headers(client, "viewer"), headers(client, "clerk")
    body = {"operation_id": str(world.seed.operation_id), "code": "ZAA", "name": "Zaatari", "kind": "camp",
            "admin_pcode": "TCD0701", "latitude": 13.45, "longitude": 14.73, "capacity": 80000,
            "registration_site_id": str(world.seed.camp_id)}  # fmt: skip
    r = client.post(f"{API}/tracking/sites", json=body, headers=imo)
    assert r.status_code == 201, r.text
    site = r.json()
    assert site["admin_name"] == "Mamdi" and site["registration_site_code"] == "ZAA"
    assert client.post(f"{API}/tracking/sites", json=body, headers=imo).status_code == 409
    bad = client.post(f"{API}/tracking/sites", json={**body, "code": "B", "admin_pcode": "XX99"}, headers=imo)
    assert bad.status_code == 404 and bad.json()["errors"][0]["field"] == "admin_pcode"  # an unknown P-code
    away = client.post(  # Zaatari's coordinates are in Jordan, not in Chad (the P-code's country)
        f"{API}/tracking/sites",
        json={**body, "code": "D", "latitude": 32.29, "longitude": 36.32},
        headers=imo,
    )
    assert away.status_code == 422 and [e["code"] for e in away.json()["errors"]] == ["outside_country"] * 2
    assert "outside TCD" in away.json()["errors"][0]["message"]
    moved = client.patch(f"{API}/tracking/sites/{site['id']}", json={"latitude": 48.85, "longitude": 2.35},
                         headers=imo)  # fmt: skip
    assert moved.status_code == 422 and moved.json()["errors"][0]["field"] == "latitude"
    assert client.post(f"{API}/tracking/sites", json={**body, "code": "C"}, headers=viewer).status_code == 403
    r = client.patch(
        f"{API}/tracking/sites/{site['id']}", json={"status": "closed", "population": 61000}, headers=imo
    )
    assert r.status_code == 200 and (r.json()["status"], r.json()["population"]) == ("closed", 61000)
    assert client.get(f"{API}/tracking/sites/{site['id']}", headers=viewer).status_code == 404  # AMM only
    assert client.get(f"{API}/tracking/sites", headers=viewer).json() == []
    assert client.get(f"{API}/tracking/rounds", headers=clerk).status_code == 403
