"""The distress log (IAMSAR SITREP) and its sharing: only under a data-sharing agreement of
refugio.agreements for the distress log, in force, by a holder of TRACKING_SHARE, with the agreement's
paragraphs only and a manifest; every share audited like every share to a partner."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.api.conftest import build_app
from tests.helpers import PASSWORD, principal
from tests.tracking.conftest import World
from tests.tracking.test_cli import app, invoke, runner

from refugio.agreements import manifest
from refugio.agreements import service as agreements
from refugio.agreements.models import DataSharingAgreement
from refugio.agreements.schemas import AgreementCreate
from refugio.core import clock
from refugio.core.errors import Conflict, PermissionDenied, ValidationFailed
from refugio.security.models import AuditEntry
from refugio.security.principals import SYSTEM
from refugio.store.uow import unit_of_work
from refugio.tracking import queries, service
from refugio.tracking.schemas import DistressCreate

SITREP_FIELDS = ["identity", "position", "situation", "persons_on_board", "assistance_required",
                 "coordinating_centre", "actions", "further_reports"]  # fmt: skip


def sar_agreement(
    s: Session, world: World, partner: str, start: dt.date, end: dt.date, **kw: object
) -> DataSharingAgreement:
    """A distress-log agreement recorded by the data protection officer's register (here: the system)."""
    data = {
        "operation_id": world.seed.operation_id,
        "dataset": "distress_log",
        "partner": partner,
        "purpose": "search_and_rescue",
        "fields": SITREP_FIELDS,
        "legal_basis": "vital_interest",
        "retention_days": 30,
        "valid_from": start,
        "valid_until": end,
        "notes": "Coordinating rescue at sea",
        **kw,
    }
    return agreements.record_agreement(s, actor=SYSTEM, data=AgreementCreate.model_validate(data))


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
        agreement = sar_agreement(
            s, world, "SAR NGO Sea Rescue", today - dt.timedelta(days=1), today + dt.timedelta(days=30)
        )
        expired = sar_agreement(
            s, world, "Old partner", today - dt.timedelta(days=60), today - dt.timedelta(days=30)
        )
        narrow = sar_agreement(
            s, world, "Coast radio", today, today, fields=["identity", "position", "coordinating_centre"]
        )
        ids = (report.id, agreement.id, expired.id, narrow.id)
    with unit_of_work(world.container.sessions) as s:
        share = service.share_distress_log(s, actor=imo, agreement_id=ids[1])
        text = share.content.decode("utf-8")
        assert "DISTRESS LOG FOR SAR NGO Sea Rescue — PURPOSE: Coordinating rescue at sea" in text
        assert (
            "SITREP 2 (DISTRESS 0001)" in text
            and "B. POSITION: 35.1000N 12.4000E AT 2026-12-01T03:40" in text
        )
        assert "D. NUMBER OF PERSONS: 47" in text and "H. FURTHER REPORTS:" in text and "ETA 2 h" in text
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "agreement.share")).one()
        assert entry.object_id == str(ids[1]) and entry.details["reports"] == [1]
        assert entry.details["kind"] == "distress_log" and entry.details["people"] == 0
        assert entry.details["share_id"] == share.manifest["share_id"]
        assert manifest.verify(share.content, share.manifest) and share.manifest["rows"] == 1
        assert share.manifest["purpose"] == "search_and_rescue" and share.manifest["fields"] == SITREP_FIELDS
        narrow_text = service.share_distress_log(s, actor=imo, agreement_id=ids[3]).content.decode()
        assert "A. IDENTITY OF CASUALTY: Rubber boat" in narrow_text and "MRCC Rome" in narrow_text
        assert "C. SITUATION: WITHHELD" in narrow_text and "Taking on water" not in narrow_text
    with unit_of_work(world.container.sessions) as s, pytest.raises(Conflict, match="expired"):
        service.share_distress_log(s, actor=imo, agreement_id=ids[2])
    with unit_of_work(world.container.sessions) as s, pytest.raises(PermissionDenied):
        service.share_distress_log(s, actor=viewer, agreement_id=ids[1])
    with unit_of_work(world.container.sessions) as s:
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "agreement.share").offset(2)) is None
        service.add_to_report(s, actor=imo, report_id=ids[0], action="Rescued by MV Example", close=True)
    with unit_of_work(world.container.sessions) as s, pytest.raises(Conflict, match="closed"):
        service.add_to_report(s, actor=imo, report_id=ids[0], further="late")
    with unit_of_work(world.container.sessions) as s:
        (read,) = queries.distress_reports(s, actor=imo, operation_id=world.seed.operation_id)
        assert queries.sitrep(read).startswith("SITREP FINAL (DISTRESS 0001)")
    # a distress-log agreement is for search and rescue, with SITREP paragraphs; the registry's, not
    with (
        unit_of_work(world.container.sessions) as s,
        pytest.raises(ValidationFailed, match="search_and_rescue"),
    ):
        sar_agreement(s, world, "X partner", today, today, purpose="assistance")
    with unit_of_work(world.container.sessions) as s, pytest.raises(ValidationFailed, match="given_name"):
        sar_agreement(s, world, "X partner", today, today, fields=["given_name"])
    with (
        unit_of_work(world.container.sessions) as s,
        pytest.raises(ValidationFailed, match="before it starts"),
    ):
        sar_agreement(s, world, "X partner", today, today - dt.timedelta(days=1))
    with unit_of_work(world.container.sessions) as s:
        registry = sar_agreement(
            s, world, "WFP", today, today, dataset="registry", purpose="assistance",
            fields=["registration_number"], legal_basis="public_interest",
        )  # fmt: skip
    with unit_of_work(world.container.sessions) as s, pytest.raises(Conflict, match="covers the registry"):
        service.share_distress_log(s, actor=imo, agreement_id=registry.id)


def test_distress_through_cli_and_api(world: World, tmp_path: Path) -> None:
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
    fields = [arg for name in SITREP_FIELDS for arg in ("--field", name)]
    code, out = invoke(
        world,
        "agreements",
        "record",
        "--dataset",
        "distress_log",
        "--partner",
        "Sea Rescue NGO",
        "--purpose",
        "search_and_rescue",
        *fields,
        "--legal-basis",
        "vital_interest",
        "--retention-days",
        "30",
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
    written = tmp_path / "sitreps.txt"
    code, out = invoke(
        world, "tracking", "distress", "share", "--agreement", agreement_id, "--out", str(written)
    )
    assert code == 0 and "Fishing boat" in written.read_text(encoding="utf-8"), out
    verified = runner.invoke(app, ["agreements", "verify", str(written)])
    assert verified.exit_code == 0 and "matches its manifest" in verified.output, verified.output
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
        made = json.loads(shared.headers["x-share-manifest"])
        assert made["sha256"] == hashlib.sha256(shared.content).hexdigest() and made["rows"] == 2
        listed = api.get(
            "/api/v1/tracking/agreements",
            params={"operation_id": str(world.seed.operation_id)},
            headers=imo,
        )
        assert [(a["id"], a["dataset"], a["in_force"]) for a in listed.json()] == [
            (agreement_id, "distress_log", True)
        ]
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
