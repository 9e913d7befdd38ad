"""The breach and DPIA pages: record a breach (errors beside their fields), find the people affected
from the audit log, record a late notification to the authority, move the breach on; the DPIA register
seeded with refugio's own activities, a DPIA written, submitted and approved by another DPO (its author
cannot); French and Arabic; a clerk refused."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.dataprotection.registers_world import build_registers_world
from tests.protection.conftest import World
from tests.web.support import BASE, csrf_of, field_error, login

from refugio.core import clock
from refugio.dataprotection.dpia_seed import seed_activities
from refugio.main import Container, create_app
from refugio.registration import queries as reg_queries
from refugio.registration.models import Individual
from refugio.store.uow import unit_of_work

PAGE = "/dataprotection/breaches"


@pytest.fixture
def world(container: Container) -> World:
    return build_registers_world(container)


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(container=world.container), base_url=BASE, follow_redirects=False) as c:
        yield c


def sign_in(client: TestClient, username: str, page: str = PAGE) -> str:
    assert login(client, username).status_code == 303
    return csrf_of(client.get(page if username.startswith("dpo") else "/").text)


def _local(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def test_the_dpo_records_a_breach_finds_the_people_and_notifies(client: TestClient, world: World) -> None:
    with unit_of_work(world.container.sessions) as s:
        reg_queries.individual_read(s, actor=world.who("imo"), key=world.child_id)
        omar = s.scalar(select(Individual.ref).where(Individual.id == world.child_id))
    token = sign_in(client, "dpo")
    page = client.get(PAGE).text
    assert "No breach recorded." in page and 'href="/dataprotection/dpia"' in page
    r = client.post(PAGE, data={"csrf_token": token, "title": "", "description": "", "category": "leak"})
    assert r.status_code == 422
    assert (
        field_error(r.text, "f-title")
        and field_error(r.text, "f-category")
        and field_error(r.text, "f-severity")
    )
    discovered = clock.now() - dt.timedelta(hours=100)
    r = client.post(
        PAGE,
        data={
            "csrf_token": token,
            "title": "Account of imo used from abroad",
            "description": "The imo account signed in from an unknown address and browsed records.",
            "category": "confidentiality",
            "severity": "high",
            "discovered_at": _local(discovered),
            "systems": "refugio web",
        },
    )
    assert r.status_code == 303, r.text
    detail = r.headers["location"].split("?")[0]
    page = client.get(detail).text
    assert "Overdue" in page and "Not looked for yet." in page
    r = client.post(f"{detail}/affected", data={"csrf_token": token, "until": "2020-01-01T00:00"})
    assert r.status_code == 422 and field_error(r.text, "f-actor")
    r = client.post(f"{detail}/affected", data={"csrf_token": token, "actor": "imo"})
    assert r.status_code == 303
    page = client.get(detail).text
    assert omar is not None and omar in page and "ZAA</span>: 1" in page
    r = client.post(
        f"{detail}/notifications",
        data={
            "csrf_token": token,
            "recipient_kind": "authority",
            "recipient": "Data Protection Commission",
            "channel": "portal",
            "notified_at": _local(clock.now()),
        },
    )
    assert r.status_code == 303
    page = client.get(detail).text
    assert "late" in page and "Overdue" not in page
    r = client.post(f"{detail}/status", data={"csrf_token": token, "status": "contained", "note": ""})
    assert r.status_code == 422 and field_error(r.text, "f-note")
    r = client.post(
        f"{detail}/status", data={"csrf_token": token, "status": "contained", "note": "Password reset"}
    )
    assert r.status_code == 303
    assert "Close the breach" in client.get(detail).text
    client.cookies.set("refugio_locale", "fr")
    assert "Registre des violations" in client.get(PAGE).text
    client.cookies.set("refugio_locale", "ar")
    ar = client.get(detail).text
    assert 'dir="rtl"' in ar and "الأشخاص المتأثرون" in ar


def test_dpia_written_then_approved_by_someone_else(client: TestClient, world: World) -> None:
    with unit_of_work(world.container.sessions) as s:
        assert seed_activities(s, actor=world.who("dpo")) == 7
    token = sign_in(client, "dpo", "/dataprotection/dpia")
    page = client.get("/dataprotection/dpia").text
    for code in ("REG", "DEDUP", "PROT", "TRACE", "ASSIST", "SHARE", "STATS"):
        assert f'<span dir="ltr">{code}</span>' in page
    r = client.post("/dataprotection/dpia", data={"csrf_token": token, "activity": "NOPE"})
    assert r.status_code == 422 and field_error(r.text, "f-activity")
    r = client.post(
        "/dataprotection/dpia", data={"csrf_token": token, "activity": "TRACE", "summary": "Matching"}
    )
    assert r.status_code == 303
    detail = r.headers["location"].split("?")[0]
    risk = {
        "csrf_token": token,
        "risk": "A family member's location reaches a persecutor",
        "likelihood": "2",
        "severity": "4",
        "mitigation": "Consent of both sides before disclosure",
        "residual_likelihood": "1",
        "residual_severity": "4",
    }
    assert client.post(f"{detail}/risks", data={**risk, "likelihood": "9"}).status_code == 422
    assert client.post(f"{detail}/risks", data=risk).status_code == 303
    assert client.post(f"{detail}/course", data={"csrf_token": token, "action": "submit"}).status_code == 303
    page = client.get(detail).text
    assert "someone else approves it" in page and "2 × 4 = 8" in page
    refused = client.post(
        f"{detail}/course",
        data={"csrf_token": token, "action": "approve", "dpo_opinion": "Fine", "review_date": "2099-01-01"},
    )
    assert refused.status_code == 403
    client.cookies.clear()
    token = sign_in(client, "dpo2", detail)
    r = client.post(f"{detail}/course", data={"csrf_token": token, "action": "approve", "dpo_opinion": ""})
    assert (
        r.status_code == 422 and field_error(r.text, "f-dpo_opinion") and field_error(r.text, "f-review_date")
    )
    r = client.post(
        f"{detail}/course",
        data={
            "csrf_token": token,
            "action": "approve",
            "dpo_opinion": "Acceptable",
            "review_date": "2099-01-01",
        },
    )
    assert r.status_code == 303
    page = client.get(detail).text
    assert "dpo2" in page and re.search(r"Approved</dd>|<dd>Approved", page)


def test_a_clerk_is_refused(client: TestClient, world: World) -> None:
    sign_in(client, "clerk")
    for path in (PAGE, "/dataprotection/dpia"):
        assert client.get(path).status_code == 403
