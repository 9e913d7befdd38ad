"""Flow monitoring: points, daily counts (recorded, corrected, from a CSV file with line-numbered
errors), daily totals and breakdowns, scope; through the service, the CLI, the API and the web page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.api.conftest import build_app
from tests.helpers import PASSWORD, principal
from tests.tracking.conftest import World, write
from tests.tracking.test_cli import invoke
from tests.web.support import login

from refugio.core import clock
from refugio.core.errors import Conflict, PermissionDenied, ValidationFailed
from refugio.security.principals import SYSTEM
from refugio.store.uow import unit_of_work
from refugio.tracking import queries, service
from refugio.tracking.models import FlowCount
from refugio.tracking.schemas import FlowCountIn, FlowPointCreate


def _point(world: World, code: str = "JAB") -> object:
    with unit_of_work(world.container.sessions) as s:
        data = FlowPointCreate(
            operation_id=world.seed.operation_id,
            code=code,
            name="Jaber border crossing",
            kind="border_crossing",
            latitude=32.54,
            longitude=36.21,
        )
        return service.add_flow_point(s, actor=SYSTEM, data=data).id


def test_counts_recorded_corrected_and_summed(world: World) -> None:
    point_id = _point(world)
    today = clock.today()
    yesterday = today - dt.timedelta(days=1)
    counts = [
        FlowCountIn(
            day=yesterday,
            direction="incoming",
            sex="F",
            age_group="18-59",
            nationality="SYR",
            transport="bus",
            count=40,
        ),
        FlowCountIn(
            day=yesterday,
            direction="incoming",
            sex="M",
            age_group="0-17",
            nationality="IRQ",
            transport="car",
            count=10,
        ),
        FlowCountIn(
            day=today,
            direction="outgoing",
            sex="F",
            age_group="18-59",
            nationality="SYR",
            transport="bus",
            count=7,
        ),
    ]
    imo = principal(world.container, "imo")
    with unit_of_work(world.container.sessions) as s:
        assert service.record_flow_counts(s, actor=imo, point_id=point_id, counts=counts) == 3  # type: ignore[arg-type]
    with unit_of_work(world.container.sessions) as s:  # a correction replaces the count
        service.record_flow_counts(
            s, actor=imo, point_id=point_id, counts=[counts[0].model_copy(update={"count": 45})]
        )  # type: ignore[arg-type]
    with unit_of_work(world.container.sessions) as s:
        assert s.scalar(select(func.count()).select_from(FlowCount)) == 3
        days = queries.flow_days(s, actor=imo, point_id=point_id, start=yesterday, end=today)  # type: ignore[arg-type]
        assert [(d.incoming, d.outgoing) for d in days] == [(55, 0), (0, 7)]
        by_nat = queries.flow_breakdown(
            s, actor=imo, point_id=point_id, start=yesterday, end=today, by="nationality"
        )  # type: ignore[arg-type]
        assert by_nat == [
            {"nationality": "SYR", "incoming": 45, "outgoing": 7},
            {"nationality": "IRQ", "incoming": 10, "outgoing": 0},
        ]
        with pytest.raises(ValidationFailed):
            queries.flow_breakdown(s, actor=imo, point_id=point_id, start=yesterday, end=today, by="colour")  # type: ignore[arg-type]
    future = counts[0].model_copy(update={"day": today + dt.timedelta(days=2)})
    with unit_of_work(world.container.sessions) as s, pytest.raises(ValidationFailed, match="future"):
        service.record_flow_counts(s, actor=imo, point_id=point_id, counts=[future])  # type: ignore[arg-type]
    with unit_of_work(world.container.sessions) as s, pytest.raises(PermissionDenied):
        service.record_flow_counts(
            s, actor=principal(world.container, "viewer"), point_id=point_id, counts=counts
        )  # type: ignore[arg-type]
    with pytest.raises(Conflict):
        _point(world)


def test_flows_through_cli_api_and_web(world: World, tmp_path: Path) -> None:
    code, out = invoke(
        world,
        "tracking",
        "flows",
        "add-point",
        "RMT",
        "--name",
        "Ramtha border crossing",
        "--kind",
        "border_crossing",
        "--lat",
        "32.56",
        "--lon",
        "36.01",
        "--operation",
        "JOR",
    )
    assert code == 0, out
    day = (clock.today() - dt.timedelta(days=1)).isoformat()
    bad = write(
        tmp_path / "bad.csv",
        "point,day,direction,sex,age_group,nationality,transport,count\n"
        f"RMT,{day},incoming,F,18-59,SYR,bus,12\nXXX,{day},incoming,F,18-59,SYR,bus,3\nRMT,{day},sideways,F,18-59,SYR,bus,-1\n",
    )
    code, out = invoke(world, "tracking", "flows", "record", str(bad))
    assert (
        code == 1
        and "line 3: no flow monitoring point 'XXX'" in out
        and "line 4: direction" in out
        and "line 4: count" in out
    )
    good = write(
        tmp_path / "good.csv",
        "point,day,direction,sex,age_group,nationality,transport,count\n"
        f"RMT,{day},incoming,F,18-59,SYR,bus,12\nRMT,{day},outgoing,M,60+,IRQ,foot,3\n",
    )
    code, out = invoke(world, "tracking", "flows", "record", str(good))
    assert code == 0 and "2 count(s) recorded" in out
    code, out = invoke(world, "tracking", "flows", "show", "--days", "2")
    # 3 going out is a small count (<5); the 12 coming in would reveal it beside the day's total (x)
    assert code == 0 and "in       x  out      <5" in out and "Rule refugio-sdc/1" in out

    with TestClient(build_app(world.container), base_url="https://testserver") as api:
        token = api.post("/api/v1/tokens", json={"username": "imo", "password": PASSWORD}).json()["token"]
        h = {"Authorization": f"Bearer {token}"}
        (point,) = api.get("/api/v1/tracking/flow-points", headers=h).json()
        r = api.post(
            f"/api/v1/tracking/flow-points/{point['id']}/counts",
            headers=h,
            json=[{"day": day, "direction": "incoming", "sex": "M", "nationality": "SDN", "count": 5}],
        )
        assert r.status_code == 201 and r.json() == {"recorded": 1}
        days = api.get(
            f"/api/v1/tracking/flow-points/{point['id']}/days", params={"days": 2}, headers=h
        ).json()
        assert days["rows"][0] == {"day": day, "incoming": "x", "outgoing": "<5", "total": 20}
        assert days["rule"].startswith("refugio-sdc/1") and days["source"] == "flow_counts"
        by = api.get(
            f"/api/v1/tracking/flow-points/{point['id']}/breakdown", params={"by": "transport"}, headers=h
        ).json()["rows"]
        incoming = {r["transport"]: r["incoming"] for r in by}
        outgoing = {r["transport"]: r["outgoing"] for r in by}
        assert incoming == {"bus": 12, "other": "x", "foot": 0, "Total": "x"}
        assert outgoing == {"bus": 0, "other": 0, "foot": "<5", "Total": "<5"}
        neg = api.post(
            f"/api/v1/tracking/flow-points/{point['id']}/counts",
            headers=h,
            json=[{"day": day, "direction": "incoming", "count": -1}],
        )
        assert neg.status_code == 422
    with TestClient(build_app(world.container), base_url="https://testserver", follow_redirects=False) as web:
        login(web, "imo")
        page = web.get("/tracking/flows?days=2&by=nationality")
        assert page.status_code == 200 and "Ramtha border crossing" in page.text and "SDN" in page.text
        assert web.get("/tracking/map/data.json").json()["flow_points"][0]["code"] == "RMT"
