"""Web pages of the review queue and the desk check beside the registration form."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.dedup.conftest import Families
from tests.helpers import Seed
from tests.web.support import BASE, csrf_of, login

from refugio.dedup import service
from refugio.main import Container, create_app
from refugio.security.principals import SYSTEM
from refugio.store.uow import unit_of_work


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container=container), base_url=BASE, follow_redirects=False) as c:
        yield c


def test_review_queue_pair_page_and_decision(client: TestClient, seeded: Seed, families: Families) -> None:
    with unit_of_work(client.app.state.refugio_web.container.sessions) as s:  # type: ignore[attr-defined]
        service.run_population(s, actor=SYSTEM, operation_id=seeded.operation_id)
    assert login(client, "imo").status_code == 303
    queue = client.get("/dedup")
    assert queue.status_code == 200 and "Haddad" in queue.text and "/dedup/pairs/" in queue.text
    pair_url = queue.text.split('href="/dedup/pairs/', 1)[1].split('"', 1)[0]
    page = client.get(f"/dedup/pairs/{pair_url}")
    assert page.status_code == 200 and "<td>Date of birth</td>" in page.text  # field labels, plain words
    why = page.text.split("Why:", 1)[1].split("</table>", 1)[0]
    for code in ("date_of_birth", "given_name", ">null<", ">else<", ">exact<"):
        assert code not in why
    assert "to review" in page.text
    token = csrf_of(page.text)
    refused = client.post(f"/dedup/pairs/{pair_url}/different", data={"csrf_token": token, "reason": ""})
    assert refused.status_code == 422
    done = client.post(
        f"/dedup/pairs/{pair_url}/different", data={"csrf_token": token, "reason": "two brothers"}
    )
    assert done.status_code == 303
    assert "two brothers" in client.get(f"/dedup/pairs/{pair_url}").text


def test_desk_check_fragment_from_the_registration_form(
    client: TestClient, seeded: Seed, families: Families
) -> None:
    assert login(client, "clerk").status_code == 303
    form = client.get("/households/new")
    # every member block checks itself as it is typed (no button to press)
    assert 'id="desk-check-0"' in form.text and 'hx-post="/households/new/check?member=0"' in form.text
    response = client.post(
        "/households/new/check?member=0",
        data={
            "csrf_token": csrf_of(form.text),
            "site_id": str(seeded.camp_id),
            "members[0][given_name]": "Khalid",
            "members[0][family_name]": "Haddad",
            "members[0][sex]": "M",
            "members[0][date_of_birth]": "1984-05-17",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "already registered" in response.text and "Khaled" in response.text
    assert 'name="members[0][dup_same]"' in response.text  # "same person" / "not the same" choices
