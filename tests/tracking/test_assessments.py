"""Multi-sector location assessments (DTM MSLA): people by population group, sex and age where known,
shelter types and needs by sector; every refusal named by line and reason, nothing half-loaded,
remainders reported, duplicates kept out of totals, re-import adds nothing; change since the previous
round; sector needs and shelter of a round. On both backends."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.helpers import principal
from tests.tracking.conftest import World, write
from tests.tracking.test_dtm import AREAS, LENGTH_RULES

from refugio.core.errors import PermissionDenied, ValidationFailed
from refugio.security.principals import SYSTEM
from refugio.store.uow import unit_of_work
from refugio.tracking import pcodes, queries, service

HEADER = (
    "country_iso3,admin1_pcode,admin2_pcode,location,round,date,assessment_type,households,individuals,"
    "idps,returnees,migrants,males,females,children,adults,elderly,reasons,origin_admin1_pcode,"
    "shelter_host_family,shelter_makeshift,need_food,need_wash,need_shelter,priority_needs"
)
GOOD = [
    "TCD,TCD07,TCD0701,Bol,1,2024-01-31,MSLA,200,1000,900,100,,480,500,400,500,,Conflict; flood,TCD08,120,80,"
    "4,3,5,shelter;food",
    "TCD,TD07,TD0703,Kaya village,1,2024-01-31,,50,300,300,,,,,,,,Conflict,,50,,2,2,,food",
    "TCD,TCD07,TCD0701,Bol,2,2024-04-30,MSLA,220,1150,1000,150,,,,,,,Conflict,,100,100,5,4,5,food;wash",
    "TCD,TCD07,TCD0701,Bol,2,2024-04-30,MSLA,220,1150,1000,150,,,,,,,Conflict,,100,100,5,4,5,food;wash",
]


def _file(tmp_path: Path, rows: list[str], name: str = "msla.csv") -> Path:
    return write(tmp_path / name, "\n".join([HEADER, *rows]) + "\n")


@pytest.fixture
def loaded(world: World, tmp_path: Path) -> World:
    with unit_of_work(world.container.sessions) as s:
        pcodes.load_pcodes(s, actor=SYSTEM, areas_path=write(tmp_path / "a.csv", AREAS),
                           lengths_path=write(tmp_path / "l.csv", LENGTH_RULES))  # fmt: skip
    return world


def test_import_reports_remainders_duplicates_and_change(loaded: World, tmp_path: Path) -> None:
    imo = principal(loaded.container, "imo")
    with unit_of_work(loaded.container.sessions) as s:
        report = service.import_assessments(s, actor=imo, path=_file(tmp_path, GOOD))
    assert (report.added, report.duplicates, report.already_loaded) == (4, 1, 0)
    assert report.normalised == {"TD07": "TCD07", "TD0703": "TCD0703"}
    # sex: 1000 − 980 = 20 unknown; age: 1000 − 900 = 100; population group 0 + 0 + 0 …
    assert report.remainders == {"sex": 20, "age": 100, "population group": 0}
    with unit_of_work(loaded.container.sessions) as s:
        again = service.import_assessments(s, actor=imo, path=_file(tmp_path, GOOD, "again.csv"))
    assert (again.added, again.already_loaded) == (0, 4)
    with unit_of_work(loaded.container.sessions) as s:
        rows = queries.assessments(s, actor=imo, country="TCD")
        series = queries.assessment_rounds(s, actor=imo, country="tcd")
        needs, shelter = queries.sector_needs(s, actor=imo, country="TCD", round_number=1)
    bol2 = [r for r in rows if r.location == "Bol" and r.round_number == 2]
    assert [(r.change, r.duplicate) for r in bol2] == [(150, False), (None, True)]
    kaya = next(r for r in rows if r.location == "Kaya village")
    assert kaya.admin2_pcode == "TCD0703" and "PCode length TD0703->TCD0703" in kaya.warnings
    assert [(r.round_number, r.locations, r.individuals, r.idps, r.returnees) for r in series] == [
        (1, 2, 1300, 1200, 100), (2, 1, 1150, 1000, 150)]  # fmt: skip
    assert [(n.sector, n.mean_severity, n.severe, n.first_priority) for n in needs] == [
        ("shelter", 5.0, 1, 1), ("food", 3.0, 1, 1), ("wash", 2.5, 0, 0)]  # fmt: skip
    assert shelter == {"host_family": 170, "makeshift": 80}


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (
            "TCD,TCD07,TCD0701,Bol,1,2024-01-31,MSLA,10,100,,,,60,50,,,,,,,,,,,",
            "males + females = 110 is more",
        ),
        ("TCD,TCD07,TCD0701,Bol,1,2024-01-31,MSLA,10,-5,,,,,,,,,,,,,,,,", "individuals '-5' is negative"),
        ("TCD,,TCD0701,Bol,1,2024-01-31,MSLA,10,100,,,,,,,,,,,,,,,,", "admin-2 row needs admin1_pcode"),
        (
            "TCD,TCD07,TCD0799,Bol,1,2024-01-31,MSLA,10,100,,,,,,,,,,,,,,,,",
            "'TCD0799' is not a P-code of TCD",
        ),
        ("TCD,TCD07,,Bol,1,2024-01-31,BA,10,100,,,,,,,,,,,,,,,,", "assessment_type 'BA' is unknown"),
        ("TCD,TCD07,,Bol,1,2024-01-31,MSLA,10,100,,,,,,,,,,,,,,7,,", "need_wash '7' is not a severity"),
        (
            "TCD,TCD07,,Bol,1,2024-01-31,MSLA,10,100,,,,,,,,,,,20,,,,,",
            "by shelter type (20) exceed households",
        ),
        ("TCD,TCD07,,Bol,1,2024-01-31,MSLA,10,100,,,,,,,,,,,,,,,,cars", "priority_needs 'cars'"),
    ],
)
def test_bad_rows_are_refused_with_line_and_reason(
    loaded: World, tmp_path: Path, row: str, reason: str
) -> None:
    imo = principal(loaded.container, "imo")
    with pytest.raises(ValidationFailed) as caught, unit_of_work(loaded.container.sessions) as s:
        service.import_assessments(s, actor=imo, path=_file(tmp_path, [GOOD[0], row]))
    messages = [e.message for e in caught.value.errors]
    assert len(messages) == 1 and messages[0].startswith("line 3: ") and reason in messages[0], messages
    with unit_of_work(loaded.container.sessions) as s:
        assert queries.assessments(s, actor=imo) == []  # nothing half-loaded


def test_import_needs_tracking_manage(loaded: World, tmp_path: Path) -> None:
    with pytest.raises(PermissionDenied), unit_of_work(loaded.container.sessions) as s:
        service.import_assessments(s, actor=principal(loaded.container, "viewer"), path=_file(tmp_path, GOOD))


def test_assessments_over_the_api(loaded: World) -> None:
    from fastapi.testclient import TestClient
    from tests.api.conftest import build_app
    from tests.tracking.test_api import headers

    csv_body = "\n".join([HEADER, *GOOD]) + "\n"
    with TestClient(build_app(loaded.container), base_url="https://testserver") as client:
        imo, viewer = headers(client, "imo"), headers(client, "viewer")
        url = "/api/v1/tracking/assessments"
        body = {"file_name": "msla.csv", "csv": csv_body}
        assert client.post(url, json=body, headers=viewer).status_code == 403
        r = client.post(url, json=body, headers=imo)
        assert r.status_code == 201 and r.json()["added"] == 4, r.text
        assert client.post(url, json=body, headers=imo).json()["added"] == 0
        bad = client.post(url, json={"csv": csv_body.replace("1000,900", "-1000,900")}, headers=imo)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "line 2"
        assert client.post(url, json={**body, "file_name": "../x.csv"}, headers=imo).status_code == 422
        rows = client.get(url, params={"country": "TCD", "round": 2}, headers=viewer).json()
        assert [(r["location"], r["change"]) for r in rows] == [("Bol", 150), ("Bol", None)]
        series = client.get(f"{url}/rounds", headers=viewer).json()["rows"]
        assert [(s["round_number"], s["individuals"]) for s in series] == [(1, 1300), (2, 1150)]
        needs = client.get(f"{url}/needs", params={"country": "TCD", "round": 2}, headers=viewer).json()
        assert needs["needs"][0]["sector"] in ("food", "shelter")
        shelter = {r["shelter"]: r["households"] for r in needs["shelter"]["rows"]}
        assert shelter == {"host_family": 100, "makeshift": 100, "Total": 200}
