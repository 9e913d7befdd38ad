"""The assistance pages: the cycle wizard (rules → preview → freeze → activate), a plan approved and
released by different people in the browser's forms, the reconciliation upload with its line-by-line
result, and the desk at work (typed ID, collection, second collection refused)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.assistance.conftest import World, frozen_cycle
from tests.web.support import BASE, csrf_of, login

from refugio.main import create_app


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(container=world.container), base_url=BASE, follow_redirects=False) as c:
        yield c


def post(client: TestClient, page: str, action: str, **data: str) -> object:
    token = csrf_of(client.get(page).text)
    return client.post(action, data={**data, "csrf_token": token})


def test_cycle_wizard_and_plan_through_the_pages(client: TestClient, world: World) -> None:
    login(client, "officer")
    home = client.get("/assistance")
    assert home.status_code == 200 and "WINTER" in home.text and 'href="/assistance"' in home.text
    page = "/assistance/programmes/WINTER"
    r = post(client, page, f"{page}/rules", rules="name: Bad\ncurrency: USD\n")
    assert r.status_code == 422 and "not the programme&#39;s currency" in r.text  # type: ignore[attr-defined]
    r = post(client, page, f"{page}/cycles", name="January", start_date="2026-01-05")
    assert r.status_code == 303  # type: ignore[attr-defined]
    cycle = r.headers["location"].split("?")[0]  # type: ignore[attr-defined]
    text = client.get(cycle).text
    assert "3 of 3 households eligible" in text and "top-up DS" in text
    assert post(client, cycle, f"{cycle}/freeze").status_code == 303  # type: ignore[attr-defined]
    assert "Frozen list" in client.get(cycle).text
    post(client, cycle, f"{cycle}/activate")
    r = post(client, cycle, f"{cycle}/plan", provider="Bank")
    plan = r.headers["location"].split("?")[0]  # type: ignore[attr-defined]
    for step in ("lock", "submit"):
        assert post(client, plan, f"{plan}/step", step=step).status_code == 303  # type: ignore[attr-defined]
    for approver in ("approver1", "approver2"):
        login(client, approver)
        html = client.get(plan).text
        version = re.search(r'name="version" value="(\d+)"', html)
        assert version, "the approve form names the version seen"
        r = post(client, plan, f"{plan}/step", step="approve", version=version.group(1))
        assert r.status_code == 303, r.text  # type: ignore[attr-defined]
    login(client, "approver2")
    assert "Release" not in client.get(plan).text
    login(client, "releaser")
    assert post(client, plan, f"{plan}/step", step="release").status_code == 303  # type: ignore[attr-defined]
    login(client, "officer")
    payments = client.get(f"{plan}/payments.csv").text.strip().splitlines()[1:]
    today = dt.date.today().isoformat()
    body = "payment_id,delivered_amount,delivery_date\n" + "".join(
        f"{p.split(',')[0]},{p.split(',')[4]},{today}\n" for p in payments
    )
    token = csrf_of(client.get(plan).text)
    bad = body + f"{payments[0].split(',')[0]},1,{today}\n"
    r = client.post(f"{plan}/reconcile", data={"csrf_token": token}, files={"file": ("r.csv", bad.encode())})
    assert r.status_code == 422 and "line 5: payment_id" in r.text
    r = client.post(f"{plan}/reconcile", data={"csrf_token": token}, files={"file": ("r.csv", body.encode())})
    assert r.status_code == 200 and "3 changed, 0 unchanged, 0 skipped" in r.text and "Reconciled" in r.text


def test_the_desk_page(client: TestClient, world: World) -> None:
    frozen_cycle(world)
    login(client, "desk")
    page = client.get("/assistance/desk")
    assert page.status_code == 200 and 'name="key"' in page.text
    r = post(
        client,
        "/assistance/desk",
        "/assistance/desk",
        programme="WINTER",
        desk="Gate 1",
        key=world.family_ref,
    )
    assert r.status_code == 200 and "145.00 JOD" in r.text  # type: ignore[attr-defined]
    entitlement = re.search(r'name="entitlement_id" value="([^"]+)"', r.text)  # type: ignore[attr-defined]
    assert entitlement
    data = {
        "entitlement_id": entitlement.group(1),
        "programme": "WINTER",
        "desk": "Gate 1",
        "household": world.family_ref,
    }
    r = post(client, "/assistance/desk", "/assistance/desk/collect", **data)
    assert r.status_code == 200 and "The collection was recorded." in r.text  # type: ignore[attr-defined]
    assert "Already collected" in r.text  # type: ignore[attr-defined]
    r = post(client, "/assistance/desk", "/assistance/desk/collect", **{**data, "desk": "Gate 2"})
    assert r.status_code == 422 and "collected already at desk Gate 1" in r.text  # type: ignore[attr-defined]
    r = post(
        client,
        "/assistance/desk",
        "/assistance/desk",
        programme="WINTER",
        desk="Gate 1",
        token="RFG1.e30.AAAA",
    )
    assert r.status_code == 422 and "certificate refused (tampered)" in r.text  # type: ignore[attr-defined]


def test_the_pages_speak_french_arabic_and_spanish(client: TestClient, world: World) -> None:
    login(client, "desk")
    for lang, word in (("fr", "Guichet"), ("ar", "المكتب"), ("es", "Mostrador")):
        client.cookies.set("refugio_locale", lang)
        assert word in client.get("/assistance/desk").text
