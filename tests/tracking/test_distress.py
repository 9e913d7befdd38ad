"""The distress log (IAMSAR SITREP) and its sharing: only under a data-sharing agreement in force,
naming the partner and the purpose, by a holder of TRACKING_SHARE; every share audited."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.api.conftest import build_app
from tests.helpers import PASSWORD, principal
from tests.tracking.conftest import World
from tests.tracking.test_cli import invoke

from refugio.core import clock
from refugio.core.errors import Conflict, PermissionDenied, ValidationFailed
from refugio.security.models import AuditEntry
from refugio.store.uow import unit_of_work
from refugio.tracking import queries, service
from refugio.tracking.schemas import AgreementCreate, DistressCreate


def _report(world: World, **kw: object) -> DistressCreate:
    values: dict[str, object] = {
        "operation_id": world.seed.operation_id,
        "identity": "Rubber boat, white, about 10 m",
        "latitude": 35.1,
        "longitude": 12.4,
        "position_at": "2026-12-01T03:40:00Z",
        "situation": "Taking on water, engine failure",
        "persons_on_board": 47,
        "assistance_required": "Immediate rescue; life jackets",
        "coordinating_centre": "MRCC Rome",
        "actions": "Alert relayed to MRCC Rome",
    }
    return DistressCreate.model_validate({**values, **kw})


def test_log_update_and_share_under_an_agreement(world: World) -> None:
    imo, viewer = principal(world.container, "imo"), principal(world.container, "viewer")
    today = clock.today()
    with unit_of_work(world.container.sessions) as s:
        report = service.log_distress(s, actor=imo, data=_report(world))
        service.add_to_report(s, actor=imo, report_id=report.id, further="Merchant vessel diverted, ETA 2 h")
        agreement = service.record_agreement(
            s,
            actor=imo,
            data=AgreementCreate(
                operation_id=world.seed.operation_id,
                partner="SAR NGO Sea Rescue",
                purpose="Coordinating rescue at sea",
                valid_from=today - dt.timedelta(days=1),
                valid_until=today + dt.timedelta(days=30),
            ),
        )
        expired = service.record_agreement(
            s,
            actor=imo,
            data=AgreementCreate(
                operation_id=world.seed.operation_id,
                partner="Old partner",
                purpose="Coordinating rescue at sea",
                valid_from=today - dt.timedelta(days=60),
                valid_until=today - dt.timedelta(days=30),
            ),
        )
        ids = (report.id, agreement.id, expired.id)
    with unit_of_work(world.container.sessions) as s:
        text = service.share_distress_log(s, actor=imo, agreement_id=ids[1])
        assert "DISTRESS LOG FOR SAR NGO Sea Rescue — PURPOSE: Coordinating rescue at sea" in text
        assert (
            "SITREP 2 (DISTRESS 0001)" in text
            and "B. POSITION: 35.1000N 12.4000E AT 2026-12-01T03:40" in text
        )
        assert "D. NUMBER OF PERSONS: 47" in text and "H. FURTHER REPORTS:" in text and "ETA 2 h" in text
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "tracking.distress_shared")).one()
        assert entry.details["partner"] == "SAR NGO Sea Rescue" and entry.details["reports"] == [1]
    with unit_of_work(world.container.sessions) as s, pytest.raises(Conflict, match="not in force"):
        service.share_distress_log(s, actor=imo, agreement_id=ids[2])
    with unit_of_work(world.container.sessions) as s, pytest.raises(PermissionDenied):
        service.share_distress_log(s, actor=viewer, agreement_id=ids[1])
    with unit_of_work(world.container.sessions) as s:
        assert (
            s.scalar(select(AuditEntry).where(AuditEntry.action == "tracking.distress_shared").offset(1))
            is None
        )
        service.add_to_report(s, actor=imo, report_id=ids[0], action="Rescued by MV Example", close=True)
    with unit_of_work(world.container.sessions) as s, pytest.raises(Conflict, match="closed"):
        service.add_to_report(s, actor=imo, report_id=ids[0], further="late")
    with unit_of_work(world.container.sessions) as s:
        (read,) = queries.distress_reports(s, actor=imo, operation_id=world.seed.operation_id)
        assert queries.sitrep(read).startswith("SITREP FINAL (DISTRESS 0001)")
    with unit_of_work(world.container.sessions) as s, pytest.raises(ValidationFailed):
        service.record_agreement(
            s,
            actor=imo,
            data=AgreementCreate(
                operation_id=world.seed.operation_id,
                partner="X partner",
                purpose="Coordinating rescue at sea",
                valid_from=today,
                valid_until=today - dt.timedelta(days=1),
            ),
        )


def test_distress_through_cli_and_api(world: World) -> None:
    code, out = invoke(
        world,
        "tracking",
        "distress",
        "log",
        "--identity",
        "Fishing boat",
        "--lat",
        "36.2",
        "--lon",
        "14.1",
        "--at",
        "2026-12-02T05:00:00Z",
        "--situation",
        "Adrift",
        "--assistance",
        "Tow",
        "--rcc",
        "RCC Malta",
        "--pob",
        "12",
        "--operation",
        "JOR",
    )
    assert code == 0 and "distress report 0001 logged" in out, out
    today = clock.today()
    code, out = invoke(
        world,
        "tracking",
        "distress",
        "agreement",
        "--partner",
        "Sea Rescue NGO",
        "--purpose",
        "Coordinating rescue at sea",
        "--from",
        str(today),
        "--until",
        str(today),
        "--operation",
        "JOR",
    )
    assert code == 0, out
    agreement_id = out.split()[1]
    code, out = invoke(world, "tracking", "distress", "share", "--agreement", agreement_id)
    assert code == 0 and "A. IDENTITY OF CASUALTY: Fishing boat" in out
    with TestClient(build_app(world.container), base_url="https://testserver") as api:

        def h(user: str) -> dict[str, str]:
            token = api.post("/api/v1/tokens", json={"username": user, "password": PASSWORD}).json()["token"]
            return {"Authorization": f"Bearer {token}"}

        imo, viewer = h("imo"), h("viewer")
        body = _report(world).model_dump(mode="json")
        assert api.post("/api/v1/tracking/distress", json=body, headers=viewer).status_code == 403
        r = api.post("/api/v1/tracking/distress", json=body, headers=imo)
        assert r.status_code == 201 and r.json()["serial"] == 2
        r = api.post(
            f"/api/v1/tracking/distress/{r.json()['id']}/updates", json={"further": "Located"}, headers=imo
        )
        assert r.status_code == 200 and r.json()["further_reports"][0]["text"] == "Located"
        shared = api.post("/api/v1/tracking/distress/share", json={"agreement_id": agreement_id}, headers=imo)
        assert shared.status_code == 200 and "DISTRESS 0002" in shared.text and "DISTRESS 0001" in shared.text
        assert (
            api.post(
                "/api/v1/tracking/distress/share", json={"agreement_id": agreement_id}, headers=viewer
            ).status_code
            == 403
        )
        listed = api.get(
            "/api/v1/tracking/distress", params={"operation_id": str(world.seed.operation_id)}, headers=imo
        )
        assert [d["serial"] for d in listed.json()] == [2, 1]


def test_distress_page(world: World) -> None:
    from tests.web.support import login

    imo = principal(world.container, "imo")
    with unit_of_work(world.container.sessions) as s:
        service.log_distress(s, actor=imo, data=_report(world))
    with TestClient(build_app(world.container), base_url="https://testserver", follow_redirects=False) as web:
        login(web, "viewer")  # TRACKING_VIEW for site AMM only: not the operation's log
        assert web.get("/tracking/distress").status_code == 200
        assert "Rubber boat" not in web.get("/tracking/distress").text
        web.cookies.clear()
        login(web, "imo")
        page = web.get("/tracking/distress")
        assert page.status_code == 200 and "A. IDENTITY OF CASUALTY: Rubber boat" in page.text
        assert "the log cannot be shared" in page.text
