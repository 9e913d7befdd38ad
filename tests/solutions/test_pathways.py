"""Complementary pathways: an offer with criteria; profiles; the shortlist refused with every gap named
(age, language, education, skills, a family link verified by tracing); applications through their
stages, acceptance never past the places, a rejection without a reason refused; the figures; then the
API, the command line and the pages."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from fastapi.testclient import TestClient
from tests.helpers import PASSWORD
from tests.web.support import BASE, csrf_of, login
from typer.testing import CliRunner

from refugio.cli.app import app as cli
from refugio.core.errors import Conflict, PermissionDenied, ValidationFailed
from refugio.main import create_app
from refugio.solutions import queries
from refugio.solutions.schemas import ApplicationMove, OfferCreate, ProfileIn
from refugio.solutions.service import pathways
from refugio.solutions.service.pathways import criteria_gaps
from refugio.store.uow import unit_of_work

from .conftest import World


def offer(w: World, **extra: object) -> uuid.UUID:
    data = {
        "operation_id": str(w.operation_id),
        "kind": "labour_mobility",
        "title": "Nurses for Canada",
        "provider": "Economic Mobility Pathways Pilot",
        "destination_iso3": "can",
        "places": 1,
        "criteria": {"min_age": 18, "languages": ["eng"], "education": "secondary", "skills": ["nursing"]},
        **extra,
    }
    with unit_of_work(w.container.sessions) as s:
        return pathways.create_offer(s, actor=w.who("resettler"), data=OfferCreate.model_validate(data)).id


def profile(w: World, person: uuid.UUID, **data: object) -> None:
    with unit_of_work(w.container.sessions) as s:
        pathways.set_profile(
            s, actor=w.who("resettler"), individual_id=person, data=ProfileIn.model_validate(data)
        )


def test_shortlist_and_stages(world: World) -> None:
    offer_id = offer(world)
    father, mother = world.haddad_people[0], world.haddad_people[1]
    profile(world, father, education="tertiary", skills=["Nursing"], languages=["eng"])
    profile(world, mother, education="primary", skills=["teaching"], languages=["ara"])
    with pytest.raises(ValidationFailed) as info, unit_of_work(world.container.sessions) as s:
        pathways.shortlist(s, actor=world.who("resettler"), offer_id=offer_id, individual_id=mother)
    said = info.value.errors[0].message
    assert "speaks none of eng" in said and "education below secondary" in said and "nursing" in said
    with pytest.raises(PermissionDenied), unit_of_work(world.container.sessions) as s:
        pathways.shortlist(s, actor=world.who("rsd1"), offer_id=offer_id, individual_id=father)
    with unit_of_work(world.container.sessions) as s:
        detail = queries.get_offer(s, actor=world.who("resettler"), offer_id=offer_id)
        app = pathways.shortlist(s, actor=world.who("resettler"), offer_id=offer_id, individual_id=father)
        app_id = app.id
    assert [e.gaps == [] for e in detail.eligible] == [True, False]
    with pytest.raises(Conflict), unit_of_work(world.container.sessions) as s:
        pathways.shortlist(s, actor=world.who("resettler"), offer_id=offer_id, individual_id=father)
    move = {"actor": world.who("resettler"), "application_id": app_id}
    with pytest.raises(Conflict), unit_of_work(world.container.sessions) as s:
        pathways.move(s, **move, data=ApplicationMove(status="accepted"))  # type: ignore[arg-type]
    with unit_of_work(world.container.sessions) as s:
        pathways.move(s, **move, data=ApplicationMove(status="applied"))  # type: ignore[arg-type]
        pathways.move(s, **move, data=ApplicationMove(status="accepted"))  # type: ignore[arg-type]
    # a second candidate: the one place is taken
    profile(world, world.saleh_people[0], education="secondary", skills=["nursing"], languages=["eng"])
    with unit_of_work(world.container.sessions) as s:
        other = pathways.shortlist(
            s, actor=world.who("resettler"), offer_id=offer_id, individual_id=world.saleh_people[0]
        ).id
        pathways.move(
            s, actor=world.who("resettler"), application_id=other, data=ApplicationMove(status="applied")
        )  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed) as full, unit_of_work(world.container.sessions) as s:
        pathways.move(
            s, actor=world.who("resettler"), application_id=other, data=ApplicationMove(status="accepted")
        )  # type: ignore[arg-type]
    assert full.value.errors[0].code == "places_full"
    with pytest.raises(ValidationFailed), unit_of_work(world.container.sessions) as s:
        pathways.move(
            s, actor=world.who("resettler"), application_id=other, data=ApplicationMove(status="rejected")
        )  # type: ignore[arg-type]
    with unit_of_work(world.container.sessions) as s:
        pathways.move(s, **move, data=ApplicationMove(status="departed"))  # type: ignore[arg-type]
        numbers = queries.pathway_figures(s, actor=world.who("imo"))
    assert numbers["by_kind"]["labour_mobility"] == {
        "offers": 1,
        "places": 1,
        "applications": {"departed": 1, "applied": 1},
    }


def test_family_reunification_needs_a_verified_link(world: World) -> None:
    offer_id = offer(world, kind="family_reunification", criteria={})
    profile(world, world.haddad_people[0], education="none")
    with pytest.raises(ValidationFailed) as info, unit_of_work(world.container.sessions) as s:
        pathways.shortlist(
            s, actor=world.who("resettler"), offer_id=offer_id, individual_id=world.haddad_people[0]
        )
    assert "no family link verified by tracing" in info.value.errors[0].message
    assert criteria_gaps({"family_link": True}, age=30, languages=[], profile=None, linked=True) == []


def test_bad_offers_are_refused(world: World) -> None:
    with pytest.raises(ValidationFailed), unit_of_work(world.container.sessions) as s:
        pathways.create_offer(
            s,
            actor=world.who("resettler"),
            data=OfferCreate.model_validate(
                {
                    "operation_id": str(world.operation_id),
                    "kind": "education",
                    "title": "Scholarships",
                    "provider": "University",
                    "destination_iso3": "ITA",
                    "places": 3,
                    "criteria": {"min_age": 30, "max_age": 20},
                }
            ),
        )
    with pytest.raises(ValidationFailed), unit_of_work(world.container.sessions) as s:
        pathways.create_offer(
            s,
            actor=world.who("resettler"),
            data=OfferCreate.model_validate(
                {
                    "operation_id": str(world.operation_id),
                    "kind": "education",
                    "title": "Scholarships",
                    "provider": "University",
                    "destination_iso3": "ITA",
                    "places": 3,
                    "closes_on": (dt.date.today() - dt.timedelta(days=1)).isoformat(),
                }
            ),
        )


def test_pathways_through_the_api_the_command_line_and_the_pages(world: World) -> None:
    father = world.haddad_people[0]
    with TestClient(create_app(container=world.container), base_url=BASE, follow_redirects=False) as client:
        token = client.post("/api/v1/tokens", json={"username": "resettler", "password": PASSWORD}).json()[
            "token"
        ]
        auth = {"Authorization": f"Bearer {token}"}
        api = "/api/v1/solutions/pathways"
        body = {
            "operation_id": str(world.operation_id),
            "kind": "education",
            "title": "Scholarships",
            "provider": "University of Bologna",
            "destination_iso3": "ITA",
            "places": 2,
            "criteria": {"max_age": 60},
        }
        made = client.post(f"{api}/offers", json=body, headers=auth)
        assert made.status_code == 201, made.text
        ref = made.json()["offer"]["ref"]
        bad = client.put(f"{api}/profiles/{father}", json={"education": "phd"}, headers=auth)
        assert bad.status_code == 422 and "education" in bad.text
        assert (
            client.put(f"{api}/profiles/{father}", json={"education": "tertiary"}, headers=auth).status_code
            == 200
        )
        listed = client.post(
            f"{api}/offers/{ref}/shortlist", json={"individual_id": str(father)}, headers=auth
        )
        assert listed.status_code == 201 and listed.json()["status"] == "shortlisted", listed.text
        app_id = listed.json()["id"]
        moved = client.post(f"{api}/applications/{app_id}/status", json={"status": "applied"}, headers=auth)
        assert moved.status_code == 200 and moved.json()["status"] == "applied"
        assert client.get(f"{api}/figures", headers=auth).json()["by_kind"]["education"]["places"] == 2

        settings = world.container.settings
        base = ["--db", settings.database_url, "--data-dir", str(settings.data_dir), "--as", "resettler"]
        run = CliRunner()
        out = run.invoke(cli, ["solutions", "pathways", "offers", *base])
        assert out.exit_code == 0 and ref in out.output and "1 application(s)" in out.output
        out = run.invoke(cli, ["solutions", "pathways", "move", app_id, "rejected", *base])
        assert out.exit_code == 1 and "say why" in out.output
        out = run.invoke(
            cli, ["solutions", "pathways", "move", app_id, "rejected", "--note", "no visa", *base]
        )
        assert out.exit_code == 0 and "rejected" in out.output

        assert login(client, "resettler").status_code == 303
        page = client.get("/solutions/pathways")
        csrf = csrf_of(page.text)
        assert page.status_code == 200 and ref in page.text and "Add an offer" in page.text
        refused = client.post(
            "/solutions/pathways/offers",
            data={
                "csrf_token": csrf,
                "kind": "education",
                "operation_id": str(world.operation_id),
                "title": "x",
                "places": "0",
            },
        )
        assert refused.status_code == 422
        assert 'id="e-offer-title"' in refused.text and 'id="e-offer-places"' in refused.text
        saved = client.post(
            "/solutions/pathways/profiles",
            data={"csrf_token": csrf, "person": "NOPE", "education": "primary"},
        )
        assert saved.status_code == 422 and 'id="e-profile-person"' in saved.text
        offer_id = made.json()["offer"]["id"]
        page = client.get(f"/solutions/pathways/{offer_id}")
        assert page.status_code == 200 and "Rejected" in page.text and "no visa" in page.text
