"""The data protection page: periods, a dry run and a run with their reports, legal holds placed and
lifted with all errors beside their fields in one round, French and Arabic, least privilege."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.dataprotection.conftest import Past
from tests.web.support import BASE, csrf_of, field_error, login

from refugio.dataprotection import queries
from refugio.main import create_app
from refugio.registration.models import Individual
from refugio.store.uow import unit_of_work

PAGE = "/dataprotection/retention"


@pytest.fixture
def client(past: Past) -> Iterator[TestClient]:
    with TestClient(create_app(container=past.world.container), base_url=BASE, follow_redirects=False) as c:
        yield c


def sign_in(client: TestClient, username: str) -> str:
    assert login(client, username).status_code == 303
    return csrf_of(client.get(PAGE if username == "dpo" else "/").text)


def test_the_dpo_runs_the_rules_and_manages_holds(client: TestClient, past: Past) -> None:
    token = sign_in(client, "dpo")
    page = client.get(PAGE).text
    assert "5 years after departure" in page and "14 days without activity" in page and "No run yet." in page
    assert 'href="/dataprotection/retention"' in page
    r = client.post(f"{PAGE}/run", data={"csrf_token": token, "dry_run": "on"})
    assert r.status_code == 303 and "done=dry" in r.headers["location"]
    page = client.get(PAGE + "?done=dry").text
    assert "nothing was changed" in page and "To process" in page
    r = client.post(
        f"{PAGE}/holds", data={"csrf_token": token, "object_type": "planet", "ref": "", "reason": ""}
    )
    assert r.status_code == 422
    assert (
        field_error(r.text, "f-object_type")
        and field_error(r.text, "f-ref")
        and field_error(r.text, "f-reason")
    )
    with unit_of_work(past.world.container.sessions) as s:
        omar = s.scalar(select(Individual.ref).where(Individual.id == past.world.child_id))
    assert omar is not None
    data = {"csrf_token": token, "object_type": "individual", "ref": omar, "reason": "court order 9"}
    r = client.post(f"{PAGE}/holds", data=data)
    assert r.status_code == 303, r.text
    r = client.post(f"{PAGE}/holds", data=data)
    assert r.status_code == 422 and "already under a legal hold" in (field_error(r.text, "f-ref") or "")
    r = client.post(f"{PAGE}/run", data={"csrf_token": token})
    assert r.status_code == 303 and "done=run" in r.headers["location"]
    page = client.get(PAGE).text
    assert f"{omar}</span> ({omar})" in page and "The rules were run." not in page
    with unit_of_work(past.world.container.sessions) as s:
        (hold_id,) = [h.id for h in queries.holds(s, actor=past.world.who("dpo"))]
    lift = f"{PAGE}/holds/{hold_id}/lift"
    r = client.post(lift, data={"csrf_token": token, f"lift{hold_id.hex[:8]}_reason": ""})
    assert r.status_code == 422 and field_error(r.text, f"f-lift{hold_id.hex[:8]}_reason")
    r = client.post(lift, data={"csrf_token": token, f"lift{hold_id.hex[:8]}_reason": "order quashed"})
    assert r.status_code == 303
    assert "order quashed" in client.get(PAGE).text
    client.cookies.set("refugio_locale", "fr")
    assert "Règles de conservation" in client.get(PAGE).text
    client.cookies.set("refugio_locale", "ar")
    assert 'dir="rtl"' in client.get(PAGE).text


def test_others_may_not(client: TestClient, past: Past) -> None:
    token = sign_in(client, "imo")
    assert client.get(PAGE).status_code == 403
    assert client.post(f"{PAGE}/run", data={"csrf_token": token}).status_code == 403
    assert 'href="/dataprotection/retention"' not in client.get("/").text
