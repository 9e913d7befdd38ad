"""The return grant form of a return's page, both backends: for a user with ASSISTANCE_PLAN, a refused
grant shown again with each reason beside its field and the values kept (nothing created), then the
grant created through assistance (its programme's page next, the planned returnee household eligible
in its first cycle), a second grant with the same code refused; no form and a refusal without
ASSISTANCE_PLAN."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.web.support import BASE, csrf_of, login

from refugio.assistance import queries as assistance
from refugio.assistance.service import lists
from refugio.core import clock
from refugio.main import create_app
from refugio.store.uow import unit_of_work

from .conftest import World
from .test_returns import register


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(container=world.container), base_url=BASE, follow_redirects=False) as c:
        yield c


def field_error(html: str, name: str) -> str:
    found = re.search(rf'id="e-grant-{name}" role="alert">([^<]*)<', html)
    return found.group(1) if found else ""


def test_a_return_grant_from_the_return_page(client: TestClient, world: World) -> None:
    ret = register(
        world, individual_ids=[str(world.haddad_people[0])], new_focal_point_id=str(world.haddad_people[1])
    )
    where = f"/solutions/returns/{ret}"
    assert login(client, "admin").status_code == 303
    page = client.get(where).text
    assert 'action="/solutions/returns/' in page and 'name="per_member"' in page
    token = csrf_of(page)
    form = {
        "csrf_token": token,
        "code": "RET 26",
        "currency": "jd",
        "usd_rate": "0",
        "per_household": "100",
        "per_member": "50",
        "start_date": clock.today().isoformat(),
    }
    r = client.post(f"{where}/grant", data=form)
    assert r.status_code == 422
    assert field_error(r.text, "code") and field_error(r.text, "currency") and field_error(r.text, "usd_rate")
    assert not field_error(r.text, "per_member") and 'value="RET 26"' in r.text and 'value="50"' in r.text
    assert client.get("/assistance/programmes/RET-26").status_code == 404
    form |= {"code": "RET-26", "currency": "jod", "usd_rate": "1.41"}
    r = client.post(f"{where}/grant", data=form)
    assert r.status_code == 303 and r.headers["location"] == "/assistance/programmes/RET-26"
    page = client.get("/assistance/programmes/RET-26")
    assert page.status_code == 200 and "Return grant" in page.text
    with unit_of_work(world.container.sessions) as s:
        cycles = assistance.list_cycles(s, actor=world.who("admin"), programme_key="RET-26")
        preview = lists.preview(s, actor=world.who("admin"), cycle_key=cycles[0].id, eligible_only=True)
    assert preview.eligible == 1 and preview.rows[0].amount == 150
    r = client.post(f"{where}/grant", data=form)
    assert r.status_code == 409 and field_error(r.text, "form")


def test_no_grant_without_assistance_planning(client: TestClient, world: World) -> None:
    ret = register(world)
    where = f"/solutions/returns/{ret}"
    assert login(client, "resettler").status_code == 303
    page = client.get(where).text
    assert page and 'name="per_member"' not in page
    form = {
        "csrf_token": csrf_of(page),
        "code": "RET-27",
        "currency": "JOD",
        "usd_rate": "1.41",
        "start_date": clock.today().isoformat(),
    }
    r = client.post(f"{where}/grant", data=form)
    assert r.status_code == 403 and field_error(r.text, "form")
