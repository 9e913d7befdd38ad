"""The return pages, both backends: a return registered through the form (a refused one shown again
with the error beside its field), the departure and a monitoring visit through the return's page, a
caseworker's sign-off, a go-and-see visit planned and recorded; pages in French, Arabic and Spanish."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.web.support import BASE, csrf_of, login

from refugio.core import clock
from refugio.main import create_app
from refugio.protection import service as protection
from refugio.protection.schemas import CaseOpen
from refugio.registration.models import Household, Individual
from refugio.store.uow import unit_of_work

from .conftest import World
from .test_returns import ANSWERS


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(container=world.container), base_url=BASE, follow_redirects=False) as c:
        yield c


def sign_in(client: TestClient, username: str) -> str:
    assert login(client, username).status_code == 303
    return csrf_of(client.get("/").text)


def refs(world: World) -> tuple[str, list[str]]:
    with unit_of_work(world.container.sessions) as s:
        hh = s.get(Household, world.haddad)
        people = [s.get(Individual, i) for i in world.haddad_people]
        assert hh is not None
        return hh.ref, [p.ref for p in people if p is not None]


def test_a_return_through_its_pages(client: TestClient, world: World) -> None:
    hh, people = refs(world)
    with unit_of_work(world.container.sessions) as s:
        protection.open_case(
            s,
            actor=world.who("protection"),
            data=CaseOpen.model_validate(
                {"individual_id": str(world.haddad_people[0]), "case_type": "other"}
            ),
        )
    token = sign_in(client, "resettler")
    page = client.get("/solutions/returns")
    assert page.status_code == 200 and "Register a return" in page.text and "Caseworker" not in page.text
    form = {
        "csrf_token": token,
        "household": hh,
        "members": f"{people[0]}, {people[2]}",
        "kind": "avrr",
        "return_date": clock.today().isoformat(),
        "destination_iso3": "SYR",
        "destination_area": "Daraa",
        "assisted": "1",
    }
    refused = client.post("/solutions/returns/register", data={**form, "new_focal_point": people[1]})
    assert refused.status_code == 422 and 'id="e-register-individual_ids"' in refused.text
    assert "sign-off" in refused.text and f'value="{people[1]}"' in refused.text  # the form keeps its values
    # the caseworker signs off
    ptoken = sign_in(client, "protection")
    assert "Sign off the return" in client.get("/solutions/returns").text
    signed = client.post(
        "/solutions/returns/sign-off",
        data={"csrf_token": ptoken, "person": people[0], "note": "Safe to return now"},
    )
    assert signed.status_code == 303
    token = sign_in(client, "resettler")
    refused = client.post("/solutions/returns/register", data={**form, "csrf_token": token})
    assert refused.status_code == 422 and 'id="e-register-new_focal_point_id"' in refused.text
    made = client.post(
        "/solutions/returns/register", data={**form, "csrf_token": token, "new_focal_point": people[1]}
    )
    assert made.status_code == 303, made.text
    url = made.headers["location"]
    page = client.get(url)
    assert page.status_code == 200 and "Some members return" in page.text and people[2] in page.text
    assert client.post(f"{url}/depart", data={"csrf_token": token}).status_code == 303
    bad = client.post(
        f"{url}/monitoring", data={"csrf_token": token, "visited_on": clock.today().isoformat()}
    )
    assert bad.status_code == 422 and 'id="e-monitoring-income_sources"' in bad.text
    answers = {k: str(v) for k, v in ANSWERS.items()}
    done = client.post(
        f"{url}/monitoring", data={"csrf_token": token, "visited_on": clock.today().isoformat(), **answers}
    )
    assert done.status_code == 303
    page = client.get(url)
    assert "Reintegration monitoring" in page.text and "<td>2</td>" in page.text  # the weights version
    listing = client.get("/solutions/returns")
    assert "Departed" in listing.text
    for lang, word in (("fr", "Retour volontaire"), ("ar", "العودة الطوعية"), ("es", "Retorno voluntario")):
        client.cookies.set("refugio_locale", lang)
        assert word in client.get("/solutions/returns").text
        assert client.get(url).status_code == 200
    client.cookies.delete("refugio_locale")


def test_go_and_see_visit_pages(client: TestClient, world: World) -> None:
    _hh, people = refs(world)
    token = sign_in(client, "resettler")
    page = client.get("/solutions/returns/visits")
    assert page.status_code == 200 and "Plan a visit" in page.text
    form = {
        "csrf_token": token,
        "operation_id": str(world.operation_id),
        "destination_iso3": "SYR",
        "destination_area": "Daraa",
        "planned_on": clock.today().isoformat(),
        "participants": "NOBODY",
    }
    refused = client.post("/solutions/returns/visits/plan", data=form)
    assert refused.status_code == 422 and 'id="e-plan_visit-participants"' in refused.text
    assert (
        client.post("/solutions/returns/visits/plan", data={**form, "participants": people[0]}).status_code
        == 303
    )
    page = client.get("/solutions/returns/visits")
    visit_id = page.text.split('id="visit-')[1].split('"')[0]
    short = client.post(
        f"/solutions/returns/visits/{visit_id}/done",
        data={"csrf_token": token, "done_on": clock.today().isoformat(), "findings": "ok"},
    )
    assert short.status_code == 422 and f'id="e-{visit_id}-findings"' in short.text
    done = client.post(
        f"/solutions/returns/visits/{visit_id}/done",
        data={
            "csrf_token": token,
            "done_on": clock.today().isoformat(),
            "findings": "The school reopened; the market works; mines cleared on the main road.",
        },
    )
    assert done.status_code == 303
    assert "mines cleared" in client.get("/solutions/returns/visits").text
