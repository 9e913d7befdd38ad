"""Web pages of tracing: the new request form (consent required, errors beside the fields, more rows),
the request page with ranked candidates and reasons, the actions behind CSRF, and access control."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.protection.tracing.conftest import World, open_request, request_payload
from tests.web.support import BASE, csrf_of, field_error, login

from refugio.main import Container, create_app
from refugio.security.principals import Principal


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container=container), base_url=BASE, follow_redirects=False) as c:
        yield c


def _form(world: World, csrf: str, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "csrf_token": csrf,
        "action": "save",
        "site_id": str(world.seed.camp_id),
        "consent_given": "on",
        "consent_given_by": "the enquirer",
        "enquirer_given_name": "Fatima",
        "enquirer_family_name": "Al-Ahmad",
        "enquirer_sex": "F",
        "enquirer_phone": "+961 70 123 456",
        "sought[0][relationship]": "child",
        "sought[0][given_name_original]": "محمد",
        "sought[0][family_name_original]": "الأحمد",
        "sought[0][sex]": "M",
        "sought[0][age]": "12",
        "sought[0][place_of_origin]": "Homs",
    }
    data.update(overrides)
    return data


def test_open_match_and_confirm_through_the_pages(client: TestClient, world: World) -> None:
    assert login(client, "protection").status_code == 303
    assert 'href="/tracing"' in client.get("/").text  # the nav link
    page = client.get("/tracing/new")
    assert page.status_code == 200 and "Tracing consent" in page.text
    csrf = csrf_of(page.text)

    refused = client.post("/tracing/new", data=_form(world, csrf, consent_given=""))
    assert refused.status_code == 422
    assert "tracing needs consent" in (field_error(refused.text, "f-consent_given") or "")
    assert 'value="Fatima"' in refused.text  # the values are kept
    refused = client.post("/tracing/new", data=_form(world, csrf, **{"sought[0][age]": "x"}))
    assert refused.status_code == 422 and field_error(refused.text, "f-sought-0-age")

    more = client.post("/tracing/new", data=_form(world, csrf, action="add_row"))
    assert more.status_code == 200 and "Person sought 2" in more.text

    assert (
        client.post(
            "/tracing/new", data={k: v for k, v in _form(world, csrf).items() if k != "csrf_token"}
        ).status_code
        == 403
    )
    created = client.post("/tracing/new", data=_form(world, csrf))
    assert created.status_code == 303, created.text
    url = created.headers["location"]
    page = client.get(url)
    assert page.status_code == 200 and "TR-JOR-" in page.text
    assert client.post(f"{url}/match", data={}).status_code == 403  # no CSRF token
    assert client.post(f"{url}/match", data={"csrf_token": csrf}).status_code == 303
    page = client.get(url).text
    assert "Mohammed A." in page and "same name, other spelling" in page and "same place of origin" in page
    candidate = re.search(r'name="candidate_id" value="([^"]+)"', page)
    assert candidate
    refused = client.post(
        f"{url}/review",
        data={"csrf_token": csrf, "candidate_id": candidate.group(1), "decision": "confirm", "reason": ""},
    )
    assert refused.status_code == 422
    done = client.post(
        f"{url}/review",
        data={
            "csrf_token": csrf,
            "candidate_id": candidate.group(1),
            "decision": "confirm",
            "reason": "age and place",
        },
    )
    assert done.status_code == 303
    assert client.post(f"{url}/assign", data={"csrf_token": csrf, "username": "nobody"}).status_code == 422
    assert (
        client.post(f"{url}/assign", data={"csrf_token": csrf, "username": "protection"}).status_code == 303
    )
    page = client.get(url).text
    assert "Caseworker protection" in page
    assert "Verification interview" in page and "Mohammed Khaled Al-Ahmad" in page  # revealed once confirmed
    client.cookies.set("refugio_locale", "fr")
    assert "Recherche familiale" in client.get("/tracing").text
    client.cookies.set("refugio_locale", "ar")
    page = client.get(url).text
    assert 'dir="rtl"' in page and "الشخص المطلوب 1" in page and "نفس الاسم بتهجئة أخرى" in page


def test_no_page_shows_a_request_to_a_worker_without_the_right(
    client: TestClient, container: Container, world: World, protection: Principal
) -> None:
    request_id = open_request(container, protection, request_payload(world.seed.camp_id))
    assert login(client, "protection").status_code == 303
    ref = re.search(r"TR-JOR-\d\d-\d+", client.get("/tracing").text)
    assert ref
    for outsider in ("officer_lbn", "clerk"):
        assert login(client, outsider).status_code == 303
        assert client.get(f"/tracing/{request_id}").status_code in (403, 404)
        listing = client.get("/tracing?q=Fatima")
        export = client.get("/tracing/export.csv")
        if outsider == "clerk":
            assert listing.status_code == 403 and export.status_code == 403
            assert 'href="/tracing"' not in client.get("/").text
        else:
            assert listing.status_code == 200 and ref.group(0) not in listing.text
            assert export.status_code == 200 and ref.group(0) not in export.text
        search = client.post(
            "/search", data={"q": "Fatima", "csrf_token": csrf_of(client.get("/search").text)}
        )
        assert ref.group(0) not in search.text


def test_close_and_withdraw_are_dangerous_confirmed_and_the_caseworker_is_chosen_from_a_list(
    client: TestClient, container: Container, world: World, protection: Principal
) -> None:
    request_id = open_request(container, protection, request_payload(world.seed.camp_id))
    assert login(client, "protection").status_code == 303
    url = f"/tracing/{request_id}"
    page = client.get(url).text
    csrf = csrf_of(page)
    for action, label in (("close", "Close the request"), ("withdraw", "Record the withdrawal of consent")):
        form = re.search(rf'<form method="post" action="{url}/{action}">.*?</form>', page, re.S)
        assert form is not None
        assert re.search(rf'<button type="submit" class="danger">{label}</button>', form.group(0))
        assert re.search(
            r'<input type="checkbox" id="\w-confirm" name="confirm" value="on" required', form.group(0)
        )
        assert "primary" not in form.group(0)  # not styled like "Confirm for verification"
    # the caseworker: a list of the users who may manage this request (ZAA), not a typed user name
    select = re.search(r'<select id="a-user" name="username" required>(.*?)</select>', page, re.S)
    assert select is not None
    offered = re.findall(r'<option value="([^"]+)"', select.group(1))
    assert offered == ["protection"]  # not tracer_amm (AMM only), officer_lbn (LBN), nor the administrator
    refused = client.post(f"{url}/close", data={"csrf_token": csrf, "outcome": "not_found", "reason": "gone"})
    assert refused.status_code == 422 and "Tick the confirmation box" in refused.text
    done = client.post(
        f"{url}/close", data={"csrf_token": csrf, "outcome": "not_found", "reason": "gone", "confirm": "on"}
    )
    assert done.status_code == 303
    client.cookies.set("refugio_locale", "fr")
    history = client.get(url).text.split('<ol class="history">', 1)[1]
    assert "Demande ouverte" in history
