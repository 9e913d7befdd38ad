"""Tracking's figures through the disclosure control (issue 16 item 6): a small flow count of refugio's
own collection is withheld (`<5`) in the web table, the API JSON, the CSV files (web, API, CLI) and
the SVG chart, with complementary suppression so that no total gives it away; assessments and a
site's population likewise; the PNG/SVG downloads are drawn from the protected figures; and the
published aggregates imported from outside (a DTM figure of 3) stay exact in the HAPI/HXL exports and
the DTM chart."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from collections.abc import Sequence
from pathlib import Path

from fastapi.testclient import TestClient
from tests.api.conftest import build_app
from tests.helpers import PASSWORD, principal
from tests.tracking.conftest import World, needs_external, write
from tests.tracking.test_cli import invoke
from tests.tracking.test_dtm import HEADER as DTM_HEADER
from tests.tracking.test_dtm import _import, _load_small_gazetteer, _row
from tests.web.support import login

from refugio.core import clock
from refugio.security.principals import SYSTEM
from refugio.stats import tracking_charts, tracking_report
from refugio.stats.tracking_report import TOTAL, Cell
from refugio.store.uow import unit_of_work
from refugio.tracking import service
from refugio.tracking.enums import IdpFormat
from refugio.tracking.schemas import FlowCountIn, FlowPointCreate, SiteCreate

# 3 women aged 0-17 came in yesterday: a small count, beside larger ones
COUNTS = [("F", "0-17", 3), ("F", "18-59", 40), ("M", "0-17", 20), ("M", "18-59", 30), ("M", "60+", 12)]


def _point_with_counts(world: World) -> uuid.UUID:
    day = clock.today() - dt.timedelta(days=1)
    with unit_of_work(world.container.sessions) as s:
        point = service.add_flow_point(
            s,
            actor=SYSTEM,
            data=FlowPointCreate(
                operation_id=world.seed.operation_id,
                code="JAB",
                name="Jaber border crossing",
                kind="border_crossing",
                latitude=32.54,
                longitude=36.21,
            ),
        )
        counts = [
            FlowCountIn.model_validate(
                {
                    "day": day,
                    "direction": "incoming",
                    "sex": sex,
                    "age_group": age,
                    "nationality": "SYR",
                    "transport": "bus",
                    "count": n,
                }
            )
            for sex, age, n in COUNTS
        ]
        service.record_flow_counts(s, actor=SYSTEM, point_id=point.id, counts=counts)
        return point.id


def _lines(rows: Sequence[dict[str, Cell]], key: str, parts: Sequence[str]) -> list[list[Cell]]:
    """Every relation of a table with its totals: each row (parts, total) and each column."""
    body = [r for r in rows if r[key] != TOTAL]
    total = next(r for r in rows if r[key] == TOTAL)
    out = [[r[p] for p in [*parts, "total"]] for r in rows]
    out += [[*(r[c] for r in body), total[c]] for c in [*parts, "total"]]
    return out


def assert_protected(rows: Sequence[dict[str, Cell]], key: str, parts: Sequence[str]) -> None:
    """No relation of the table holds exactly one withheld cell, and no small count is shown."""
    for line in _lines(rows, key, parts):
        hidden = [c for c in line if isinstance(c, str)]
        assert len(hidden) != 1, line
        assert not [c for c in line if isinstance(c, int) and 0 < c < 5], line


def test_a_small_flow_count_is_withheld_in_every_channel(world: World, tmp_path: Path) -> None:
    point_id = _point_with_counts(world)
    start, end = service.flow_day_range(2)
    imo = principal(world.container, "imo")
    with unit_of_work(world.container.sessions) as s:
        table = tracking_report.flow_table(
            s, actor=imo, point_id=point_id, start=start, end=end, by="sex_age"
        )
        days = tracking_report.flow_table(s, actor=imo, point_id=point_id, start=start, end=end, by="day")
        by_sex = tracking_report.flow_table(s, actor=imo, point_id=point_id, start=start, end=end, by="sex")
    assert table.cell("0-17", "female") == "<5" and table.source == "flow_counts"
    assert table.rule is not None and table.rule.startswith("refugio-sdc/1 suppress<5")
    # complementary suppression: the 0-17 total minus the boys, or the women's total minus the adults,
    # would give the 3 away: one more cell of its row and of its column is withheld
    assert_protected(table.rows, "age_group", ["female", "male", "sex_unknown"])
    row = next(r for r in table.rows if r["age_group"] == "0-17")
    column = [r["female"] for r in table.rows]
    assert sum(isinstance(c, str) for c in row.values()) >= 2 and sum(isinstance(c, str) for c in column) >= 2
    assert table.cell(TOTAL, "total") == 105  # nothing small about the grand total
    assert_protected(days.rows, "day", ["incoming", "outgoing"])
    assert by_sex.cell("F", "incoming") == 43  # the women together are not a small count

    with TestClient(build_app(world.container), base_url="https://testserver") as api:
        token = api.post("/api/v1/tokens", json={"username": "imo", "password": PASSWORD}).json()["token"]
        h = {"Authorization": f"Bearer {token}"}
        url = f"/api/v1/tracking/flow-points/{point_id}"
        got = api.get(f"{url}/breakdown", params={"by": "sex_age", "days": 2}, headers=h).json()
        assert got["rows"] == table.model_dump(mode="json")["rows"] and got["rows"][0]["female"] == "<5"
        text = api.get(
            f"{url}/breakdown", params={"by": "sex_age", "days": 2, "format": "csv"}, headers=h
        ).text
        first = next(r for r in csv.DictReader(io.StringIO(text)) if r["age_group"] == "0-17")
        assert first["female"] == "<5" and "3" not in first.values()
        svg = api.get(
            "/api/v1/tracking/charts/flows.svg", params={"point": str(point_id), "days": 2}, headers=h
        )
        assert svg.status_code == 200 and "&lt;5" in svg.text and "refugio-sdc/1" in svg.text

    with TestClient(build_app(world.container), base_url="https://testserver", follow_redirects=False) as web:
        login(web, "imo")
        page = web.get(f"/tracking/flows?point={point_id}&days=2").text
        sex_age = page.split('id="flow-sex-age"', 1)[1].split("</table>", 1)[0]
        assert '<td>0-17</td><td class="num">&lt;5</td>' in sex_age
        assert '<td class="num">3</td>' not in sex_age
        download = web.get(f"/tracking/flows/table.csv?point={point_id}&days=2&by=sex_age")
        assert download.status_code == 200 and download.text == text
        svg_web = web.get(f"/tracking/charts/flows.svg?point={point_id}&days=2")
        assert svg_web.status_code == 200 and "&lt;5" in svg_web.text
        png = web.get(f"/tracking/charts/flows.png?point={point_id}&days=2")
        assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"

    code, out = invoke(
        world,
        "tracking",
        "flows",
        "table",
        "JAB",
        "--by",
        "sex_age",
        "--days",
        "2",
        "--format",
        "csv",
        "--as",
        "imo",
    )
    assert code == 0 and out.splitlines()[1].startswith("0-17,<5,") and out == text, out
    code, out = invoke(world, "tracking", "flows", "show", "--days", "2", "--as", "imo")
    assert code == 0 and "Rule refugio-sdc/1" in out


def test_charts_are_drawn_from_the_protected_figures(world: World) -> None:
    point_id = _point_with_counts(world)
    imo = principal(world.container, "imo")
    with unit_of_work(world.container.sessions) as s:
        points, title, _, _, note = tracking_charts.chart_points(
            s, actor=imo, name="flows", point_id=point_id, days=2
        )
        svg = tracking_charts.chart_image(
            s, actor=imo, name="flows", country=None, fmt="svg", point_id=point_id, days=2
        ).decode()
    drawn = dict(points)
    assert drawn["F 0-17"] == "<5" and title.startswith("JAB") and "refugio-sdc/1" in note
    # every bar is the published cell of the table, never the raw count
    assert all(v != 3 for v in drawn.values()) and any(v == "x" for v in drawn.values())
    assert "&lt;5" in svg and "F 0-17" in svg


def test_assessment_figures_and_a_site_population_are_protected(world: World, tmp_path: Path) -> None:
    header = (
        "country_iso3,admin1_pcode,admin2_pcode,location,round,date,households,individuals,idps,returnees"
    )
    body = (
        "\n".join(
            [
                header,
                "TCD,,,Bol,1,2024-01-31,200,1000,997,3",
                "TCD,,,Kaya,1,2024-01-31,50,300,300,0",
                "TCD,,,Tiny,1,2024-01-31,1,3,3,0",
            ]
        )
        + "\n"
    )
    imo = principal(world.container, "imo")
    with unit_of_work(world.container.sessions) as s:
        service.import_assessments(s, actor=imo, path=write(tmp_path / "msla.csv", body))
        service.add_site(
            s,
            actor=SYSTEM,
            data=SiteCreate(
                operation_id=world.seed.operation_id,
                code="S1",
                name="Small shelter",
                kind="collective_centre",
                status="open",
                latitude=31.95,
                longitude=35.93,
                population=3,
            ),
        )
    with unit_of_work(world.container.sessions) as s:
        rows = {r["location"]: r for r in tracking_report.assessment_rows(s, actor=imo, country="TCD")}
        rounds = tracking_report.assessment_rounds(s, actor=imo, country="TCD")
        chart, *_ = tracking_charts.chart_points(s, actor=imo, name="assessments", country="TCD")
        layers = tracking_charts.map_layers(s, actor=imo)
    assert rows["Bol"]["returnees"] == "<5" and rows["Tiny"]["individuals"] == "<5"
    assert rows["Bol"]["idps"] == "x"  # 1000 - 997 would give the 3 returnees away
    # the round's individuals (1,303) are published: Kaya's are withheld beside Tiny's (smallest other)
    assert rows["Bol"]["individuals"] == 1000 and rows["Kaya"]["individuals"] == "x"
    assert rows["Tiny"]["households"] == "<5" and rows["Kaya"]["households"] == "x"
    (first,) = rounds.rows
    assert first["locations"] == 3 and first["individuals"] == 1303 and first["returnees"] == "<5"
    assert chart == [("R1", 1303)]
    (site,) = layers["sites"]
    assert site["population"] == "<5" and layers["disclosure"]["rule"].startswith("refugio-sdc/1")


@needs_external
def test_published_dtm_figures_stay_exact(world: World, tmp_path: Path) -> None:
    _load_small_gazetteer(world, tmp_path)
    lines = [DTM_HEADER, _row(0, "", "", 3), _row(1, "TD07", "", 3), _row(2, "TD07", "TD0701", 3)]
    _import(world, write(tmp_path / "dtm.csv", "\n".join(lines) + "\n"))
    imo = principal(world.container, "imo")
    assert tracking_report.is_exact("dtm") and tracking_report.is_exact("mmp")
    assert not tracking_report.is_exact("flow_counts")
    with unit_of_work(world.container.sessions) as s:
        hapi = tracking_charts.idps_export(s, actor=imo, fmt=IdpFormat.HAPI)
        hxl = tracking_charts.idps_export(s, actor=imo, fmt=IdpFormat.HXL)
        points, *_, note = tracking_charts.chart_points(s, actor=imo, name="rounds", country="TCD")
    populations = [r["population"] for r in csv.DictReader(io.StringIO(hapi))]
    assert populations == ["3", "3", "3"]
    assert "<5" not in hxl and all(",3," in line for line in hxl.splitlines()[2:])
    assert points == [("2024-01", 3)] and "exact" in note
    code, out = invoke(world, "tracking", "idps", "--format", "hapi", "--as", "imo")
    assert code == 0 and out == hapi
