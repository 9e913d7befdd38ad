"""The complaints pages and the cycle page's PDM section: lodging with every error in one round beside
its field, filters, the service-level timer, the status flow with the response, sensitive complaints
only in the restricted view (and as one suppressed count elsewhere), a PDM problem opening a
complaint, and the household and payment a complaint names, linked for those who may open them."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.assistance.conftest import World, frozen_cycle, released_plan
from tests.helpers import PASSWORD
from tests.web.support import BASE, csrf_of, login

from refugio.assistance.models import Payment
from refugio.main import create_app
from refugio.security import service as sec
from refugio.security.permissions import Role
from refugio.security.principals import SYSTEM
from refugio.store.uow import unit_of_work

PAGE = "/assistance/complaints"


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(container=world.container), base_url=BASE, follow_redirects=False) as c:
        yield c


def lodge(client: TestClient, world: World, **data: str) -> object:
    token = csrf_of(client.get(PAGE).text)
    base = {"operation_id": str(world.operation_id), "channel": "phone", "priority": "normal"}
    return client.post(PAGE, data={**base, **data, "csrf_token": token})


def test_lodge_filter_and_close_a_complaint(client: TestClient, world: World) -> None:
    login(client, "officer")
    r = lodge(client, world, category="", description="x", household_ref="JOR-XX-00-000000")
    assert r.status_code == 422  # type: ignore[attr-defined]
    html = r.text  # type: ignore[attr-defined]
    assert 'id="f-c-category-error"' in html and 'id="f-c-description-error"' in html
    r = lodge(client, world, category="amount", description="only 100 JOD", household_ref=world.family_ref)
    assert r.status_code == 303, r.text  # type: ignore[attr-defined]
    detail = r.headers["location"].split("?")[0]  # type: ignore[attr-defined]
    html = client.get(detail).text
    assert "only 100 JOD" in html and "due in 6 d 23 h" in html
    assert "JOR-CF-000001" in client.get(PAGE, params={"category": "amount"}).text
    assert "JOR-CF-000001" not in client.get(PAGE, params={"category": "delay"}).text
    assert "JOR-CF-000001" not in client.get(PAGE, params={"overdue": "1"}).text
    token = csrf_of(html)
    r = client.post(f"{detail}/progress", data={"status": "resolved", "csrf_token": token})
    assert r.status_code == 422 and 'id="f-p-response-error"' in r.text
    r = client.post(
        f"{detail}/progress", data={"status": "resolved", "response": "paid", "csrf_token": token}
    )
    assert r.status_code == 303
    html = client.get(detail).text
    assert "resolved, awaiting closure" in html and "paid" in html
    assert re.search(r'<option value="closed"', html) and 'value="open"' not in html


def test_sensitive_complaints_stay_in_the_restricted_view(client: TestClient, world: World) -> None:
    with unit_of_work(world.container.sessions) as s:
        user = sec.create_user(s, actor=SYSTEM, username="aap", full_name="AAP", password=PASSWORD)
        sec.grant_role(
            s, actor=SYSTEM, user=user, role=Role.ACCOUNTABILITY_OFFICER, operation_id=world.operation_id
        )
    login(client, "desk")
    r = lodge(client, world, category="sea", description="asked for favours", site_code="ZAA")
    assert r.status_code == 303  # type: ignore[attr-defined]
    ref = r.headers["location"].split("?")[0].rsplit("/", 1)[1]  # type: ignore[attr-defined]
    assert client.get(f"{PAGE}/{ref}").status_code == 404  # the clerk who lodged it cannot read it
    login(client, "officer")
    html = client.get(PAGE).text
    assert ref not in html and "Restricted categories: &lt;5" in html and "view=sensitive" not in html
    assert ref not in client.get(PAGE, params={"view": "sensitive"}).text
    login(client, "aap")
    assert ref not in client.get(PAGE).text
    html = client.get(PAGE, params={"view": "sensitive"}).text
    assert ref in html
    assert "asked for favours" in client.get(f"{PAGE}/{ref}").text


def test_a_pdm_problem_opens_a_complaint_from_the_cycle_page(client: TestClient, world: World) -> None:
    cycle = f"/assistance/cycles/{frozen_cycle(world)}"
    login(client, "officer")
    token = csrf_of(client.get(cycle).text)
    r = client.post(
        f"{cycle}/pdm",
        data={"household_ref": world.family_ref, "outcome": "not_received", "csrf_token": token},
    )
    assert r.status_code == 422 and "describe the problem" in r.text and world.family_ref in r.text
    data = {"household_ref": world.family_ref, "outcome": "not_received", "notes": "never paid"}
    r = client.post(f"{cycle}/pdm", data={**data, "csrf_token": token})
    assert r.status_code == 303, r.text
    html = client.get(cycle).text
    assert "1 households asked: 0 received, 1 not received" in html
    assert 'href="/assistance/complaints/JOR-CF-000001"' in html
    assert "never paid" in client.get(f"{PAGE}/JOR-CF-000001").text


def test_a_complaint_shows_its_household_and_payment_linked_by_permission(
    client: TestClient, world: World
) -> None:
    plan = released_plan(world)
    with unit_of_work(world.container.sessions) as s:
        from sqlalchemy import select

        pay_ref, amount = s.execute(
            select(Payment.payment_ref, Payment.amount).where(Payment.household_ref == world.family_ref)
        ).one()
        user = sec.create_user(s, actor=SYSTEM, username="aap", full_name="AAP", password=PASSWORD)
        sec.grant_role(
            s, actor=SYSTEM, user=user, role=Role.ACCOUNTABILITY_OFFICER, operation_id=world.operation_id
        )
    login(client, "officer")
    r = lodge(client, world, category="amount", description="short paid", payment_ref="NOPE-000001")
    assert r.status_code == 422 and 'id="f-c-payment_ref-error"' in r.text  # type: ignore[attr-defined]
    assert "no payment NOPE-000001" in r.text  # type: ignore[attr-defined]
    other = lodge(
        client, world, category="amount", description="not all paid", payment_ref=pay_ref, household_ref=""
    )
    assert other.status_code == 303  # type: ignore[attr-defined]
    # a payment names its household; a payment to another household is refused beside the field
    with unit_of_work(world.container.sessions) as s:
        from refugio.registration.models import Household

        couple_ref = s.scalar(select(Household.ref).where(Household.id == world.couple_id))
    r = lodge(
        client,
        world,
        category="amount",
        description="not all paid",
        payment_ref=pay_ref,
        household_ref=couple_ref,
    )
    assert r.status_code == 422 and f"is to household {world.family_ref}" in r.text  # type: ignore[attr-defined]
    ref = other.headers["location"].split("?")[0].rsplit("/", 1)[1]  # type: ignore[attr-defined]
    household_link = f'<a href="/households/{world.family_id}">{world.family_ref}</a>'
    html = client.get(f"{PAGE}/{ref}").text
    assert household_link in html
    assert f'href="/assistance/plans/{plan}"' in html and pay_ref in html and f"{amount} JOD" in html
    assert household_link in client.get(PAGE).text
    # the accountability officer handles the complaint but may not open the household: its ID, no link
    login(client, "aap")
    html = client.get(f"{PAGE}/{ref}").text
    assert world.family_ref in html and f'href="/households/{world.family_id}"' not in html
    assert f'href="/assistance/plans/{plan}"' in html
    assert f'href="/households/{world.family_id}"' not in client.get(PAGE).text
