"""The notices on the pages: a decided claim's file lists a notice per person with the legal status set
in the registry; the officer records a delivery through its form (a date in the future refused with
its reason); the person's page shows the notices to staff who may read the claim, and to nobody else;
an RSD supervisor makes final the decisions past their appeal deadline from the claims page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.web.support import BASE, csrf_of, login

from refugio.main import create_app
from refugio.solutions import queries
from refugio.solutions.models import RsdClaim
from refugio.store.uow import unit_of_work

from .conftest import World
from .test_rsd import assess_review_decide, interview, open_claim, outcomes


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(container=world.container), base_url=BASE, follow_redirects=False) as c:
        yield c


def sign_in(client: TestClient, username: str) -> str:
    assert login(client, username).status_code == 303
    return csrf_of(client.get("/").text)


def test_notices_on_the_claim_and_person_pages(client: TestClient, world: World) -> None:
    claim_id = open_claim(world)
    interview(world, claim_id)
    assess_review_decide(
        world, claim_id, outcomes(world, "recognised", "rejected"), ["1951:religion", "none_met"], "rsd1"
    )
    with unit_of_work(world.container.sessions) as s:
        notices = queries.get_claim(s, actor=world.who("rsd1"), claim_id=claim_id).notifications
    first = next(n for n in notices if n.individual_id == world.haddad_people[0])
    token = sign_in(client, "rsd1")
    page = client.get(f"/solutions/claims/{claim_id}")
    assert page.status_code == 200 and "Notices to the people" in page.text
    assert "Refugee" in page.text and page.text.count("Record the delivery") == 3
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    refused = client.post(
        f"/solutions/claims/{claim_id}/deliver",
        data={
            "csrf_token": token,
            "notification_id": str(first.id),
            "channel": "post",
            "delivered_on": future,
        },
    )
    assert refused.status_code == 422 and "once it happened" in refused.text
    done = client.post(
        f"/solutions/claims/{claim_id}/deliver",
        data={"csrf_token": token, "notification_id": str(first.id), "channel": "in_person"},
    )
    assert done.status_code == 303
    page = client.get(f"/solutions/claims/{claim_id}")
    assert page.text.count("Record the delivery") == 2 and "Handed over in person" in page.text
    person = client.get(f"/people/{world.haddad_people[0]}")
    assert person.status_code == 200 and "Notices to the people" in person.text and "Refugee" in person.text
    client.post("/logout", data={"csrf_token": token})
    sign_in(client, "rsd2")  # not assigned: the notices (they reveal an outcome) are not shown
    person = client.get(f"/people/{world.haddad_people[0]}")
    assert person.status_code == 200 and "Notices to the people" not in person.text


def test_a_supervisor_makes_decisions_final(client: TestClient, world: World) -> None:
    claim_id = open_claim(world)
    interview(world, claim_id)
    assess_review_decide(world, claim_id, outcomes(world, "rejected", "rejected"), ["none_met"], "rsd1")
    token = sign_in(client, "rsdsup")
    page = client.get("/solutions/claims")
    assert "Make final the decisions past their appeal deadline" in page.text
    now = client.post("/solutions/claims/finalise", data={"csrf_token": token})
    assert now.status_code == 200 and "0 claims made final." in now.text
    with unit_of_work(world.container.sessions) as s:  # the deadline passed yesterday
        row = s.get(RsdClaim, claim_id)
        assert row is not None
        row.appeal_deadline = dt.date.today() - dt.timedelta(days=1)
    later = client.post("/solutions/claims/finalise", data={"csrf_token": token})
    assert later.status_code == 200 and "1 claim made final." in later.text
    assert client.post("/solutions/claims/finalise", data={}).status_code in (400, 403)
