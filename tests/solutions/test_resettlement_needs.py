"""Resettlement needs identified from protection data: specific-needs codes mapped to submission
categories household by household, the most pressing first; cautions never counted as needs; a
household with an open case left out; only in the reader's scope; then the resettlement page: a case
opened from a suggestion, refused actions shown beside their form, submitted against a quota, decided,
departed; the API and the command line."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.helpers import PASSWORD
from tests.web.support import BASE, csrf_of, login
from typer.testing import CliRunner

from refugio.cli.app import app as cli
from refugio.main import create_app
from refugio.registration import service as reg
from refugio.registration.schemas import NeedFlag
from refugio.security.models import AuditEntry
from refugio.security.principals import SYSTEM
from refugio.solutions import queries
from refugio.solutions.enums import Priority, SubmissionCategory
from refugio.store.uow import unit_of_work

from .conftest import World


def flag(w: World, person: uuid.UUID, *codes: str) -> None:
    with unit_of_work(w.container.sessions) as s:
        for code in codes:
            reg.flag_need(s, actor=SYSTEM, individual_id=person, data=NeedFlag(code=code, reason="interview"))


def test_needs_mapped_to_categories(world: World) -> None:
    flag(world, world.haddad_people[1], "SV-VA", "SM-CI")
    flag(world, world.haddad_people[2], "SM-OT")
    flag(world, world.saleh_people[0], "LP-RR", "LP-CR")
    with unit_of_work(world.container.sessions) as s:
        found = queries.resettlement_needs(s, actor=world.who("resettler"))
        nobody = queries.resettlement_needs(s, actor=world.who("rsd1"))  # no RESETTLEMENT_MANAGE
        audited = s.scalar(select(AuditEntry.action).where(AuditEntry.action == "resettlement.needs_read"))
    assert nobody == [] and audited is not None
    saleh, haddad = found  # the emergency first
    assert saleh.household_id == world.saleh and saleh.priority is Priority.EMERGENCY
    assert saleh.primary_category is SubmissionCategory.LEGAL_PHYSICAL_PROTECTION
    assert saleh.codes == ["LP-RR"] and saleh.cautions and "LP-CR" in saleh.cautions[0]
    assert haddad.priority is Priority.URGENT and haddad.people == 2
    # survivors (urgent) before medical needs (normal), though medical needs has more codes
    assert haddad.primary_category is SubmissionCategory.SURVIVOR_VIOLENCE_TORTURE
    assert haddad.secondary_category is SubmissionCategory.MEDICAL_NEEDS


def test_the_resettlement_page_from_needs_to_departure(world: World) -> None:
    flag(world, world.haddad_people[1], "WR-WR")
    with TestClient(create_app(container=world.container), base_url=BASE, follow_redirects=False) as client:
        assert login(client, "resettler").status_code == 303
        page = client.get("/solutions/resettlement")
        token = csrf_of(page.text)
        assert page.status_code == 200 and "Needs identified from protection data" in page.text
        assert "WR-WR" in page.text and "Women and girls at risk" in page.text
        bad = client.post(
            "/solutions/resettlement/quotas",
            data={"csrf_token": token, "state_iso3": "C4N", "year": "2027", "label": "GAR", "places": "0"},
        )
        assert (
            bad.status_code == 422
            and 'id="e-quota-state_iso3"' in bad.text
            and 'id="e-quota-places"' in bad.text
        )
        ok = client.post(
            "/solutions/resettlement/quotas",
            data={
                "csrf_token": token,
                "state_iso3": "CAN",
                "year": "2027",
                "label": "GAR",
                "places": "5",
                "operation_id": str(world.operation_id),
            },
        )
        assert ok.status_code == 303
        same = {
            "csrf_token": token,
            "household_id": str(world.haddad),
            "primary_category": "women_girls_at_risk",
        }
        refused = client.post(
            "/solutions/resettlement/cases",
            data={
                **same,
                "secondary_category": "women_girls_at_risk",
                "priority": "urgent",
                "needs_summary": "x",
            },
        )
        assert refused.status_code == 422
        assert f'id="e-identify-{world.haddad}-needs_summary"' in refused.text
        opened = client.post(
            "/solutions/resettlement/cases",
            data={**same, "priority": "urgent", "needs_summary": "Woman at risk, threats by a relative"},
        )
        assert opened.status_code == 303
        page = client.get("/solutions/resettlement")
        assert "WR-WR" not in page.text  # the household now has a case
        with unit_of_work(world.container.sessions) as s:
            (case,) = queries.list_resettlement_cases(s, actor=world.who("resettler"))
            (quota,) = queries.list_quotas(s, actor=world.who("resettler"))
        full = client.post(
            f"/solutions/resettlement/cases/{case.id}/submit", data={"csrf_token": token, "quota_id": ""}
        )
        assert full.status_code == 422 and f'id="e-{case.id}-quota_id"' in full.text
        for verb, data in (
            ("submit", {"quota_id": str(quota.id)}),
            ("decision", {"accepted": "yes", "note": "accepted at interview"}),
            ("departure", {}),
        ):
            r = client.post(
                f"/solutions/resettlement/cases/{case.id}/{verb}", data={"csrf_token": token, **data}
            )
            assert r.status_code == 303, r.text
        page = client.get("/solutions/resettlement")
        assert "Departed" in page.text and "not arrivals" in page.text


def test_needs_through_the_api_and_the_command_line(world: World) -> None:
    flag(world, world.saleh_people[1], "SC-UC")
    with TestClient(create_app(container=world.container), base_url="https://testserver") as client:
        token = client.post("/api/v1/tokens", json={"username": "resettler", "password": PASSWORD}).json()[
            "token"
        ]
        auth = {"Authorization": f"Bearer {token}"}
        rows = client.get("/api/v1/solutions/resettlement/needs", headers=auth).json()
        assert [(r["household_id"], r["primary_category"], r["priority"]) for r in rows] == [
            (str(world.saleh), "children_adolescents_at_risk", "urgent")
        ]
    settings = world.container.settings
    base = ["--db", settings.database_url, "--data-dir", str(settings.data_dir)]
    result = CliRunner().invoke(cli, ["solutions", "resettlement-needs", "--as", "resettler", *base])
    assert result.exit_code == 0 and "children_adolescents_at_risk" in result.output
    assert "1 household(s) to consider" in result.output


def test_the_rrf_dossier(world: World, tmp_path: object) -> None:
    import io
    from pathlib import Path

    import pytest
    from pypdf import PdfReader

    from refugio.core.errors import NotFound, PermissionDenied
    from refugio.solutions.schemas import ResettlementIdentify
    from refugio.solutions.service import resettlement

    with unit_of_work(world.container.sessions) as s:
        case = resettlement.identify(
            s,
            actor=world.who("resettler"),
            data=ResettlementIdentify(
                household_id=world.saleh,
                primary_category=SubmissionCategory.MEDICAL_NEEDS,
                secondary_category=SubmissionCategory.CHILDREN_AT_RISK,
                priority=Priority.URGENT,
                needs_summary="Chronic illness of the mother needing treatment unavailable here",
            ),
        )
        ref = case.ref
        _, pdf = queries.rrf_dossier(s, actor=world.who("resettler"), case_key=ref.lower())
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert ref in text and "MED" in text and "CHL" in text and "UG" in text and "Chronic illness" in text
    assert "Family members (3" in text
    with pytest.raises(PermissionDenied), unit_of_work(world.container.sessions) as s:
        queries.rrf_dossier(s, actor=world.who("rsd1"), case_key=ref)
    with pytest.raises(NotFound), unit_of_work(world.container.sessions) as s:
        queries.rrf_dossier(s, actor=world.who("resettler"), case_key="RST-JOR-NOPE")
    with unit_of_work(world.container.sessions) as s:
        assert s.scalar(select(AuditEntry.action).where(AuditEntry.action == "resettlement.rrf"))
    settings = world.container.settings
    out = Path(str(tmp_path)) / "rrf.pdf"
    base = ["--db", settings.database_url, "--data-dir", str(settings.data_dir), "--as", "resettler"]
    result = CliRunner().invoke(cli, ["solutions", "rrf", ref, "--out", str(out), *base])
    assert result.exit_code == 0 and out.read_bytes().startswith(b"%PDF"), result.output
    with TestClient(create_app(container=world.container), base_url=BASE, follow_redirects=False) as client:
        token = client.post("/api/v1/tokens", json={"username": "resettler", "password": PASSWORD}).json()[
            "token"
        ]
        got = client.get(
            f"/api/v1/solutions/resettlement/cases/{ref}/rrf.pdf",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert got.status_code == 200 and got.headers["content-type"] == "application/pdf"
        assert login(client, "resettler").status_code == 303
        page = client.get("/solutions/resettlement")
        assert "Resettlement registration form (PDF)" in page.text
        assert client.get(f"/solutions/resettlement/cases/{case.id}/rrf.pdf").content.startswith(b"%PDF")
