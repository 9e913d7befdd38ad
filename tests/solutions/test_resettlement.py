"""Resettlement: a case identified with its submission categories and priority, submitted against a
State's quota (refused past its places), accepted and departed; the quota's use counts departures
(not arrivals); through the service and the API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.helpers import PASSWORD

from refugio.core.errors import Conflict, PermissionDenied, ValidationFailed
from refugio.main import create_app
from refugio.solutions import queries
from refugio.solutions.schemas import QuotaCreate, ResettlementIdentify
from refugio.solutions.service import resettlement
from refugio.store.uow import unit_of_work

from .conftest import World


def identify(w: World, household: object, **extra: object) -> ResettlementIdentify:
    data = {
        "household_id": str(household),
        "primary_category": "legal_physical_protection",
        "secondary_category": "medical_needs",
        "priority": "urgent",
        "needs_summary": "Threats from the armed group; a child needs surgery.",
        **extra,
    }
    return ResettlementIdentify.model_validate(data)


def test_quota_submission_decision_departure(world: World) -> None:
    who = world.who("resettler")
    with unit_of_work(world.container.sessions) as s:
        quota = resettlement.create_quota(
            s,
            actor=who,
            data=QuotaCreate(
                state_iso3="fra", year=2027, label="France 2027", places=5, operation_id=world.operation_id
            ),
        )
        haddad = resettlement.identify(s, actor=who, data=identify(world, world.haddad))
        saleh = resettlement.identify(s, actor=who, data=identify(world, world.saleh, priority="normal"))
        quota_id, haddad_id, saleh_id = quota.id, haddad.id, saleh.id
        assert haddad.persons == 4 and saleh.persons == 3
    with unit_of_work(world.container.sessions) as s:
        resettlement.submit(s, actor=who, case_id=haddad_id, quota_id=quota_id)
    with pytest.raises(ValidationFailed) as info, unit_of_work(world.container.sessions) as s:
        resettlement.submit(s, actor=who, case_id=saleh_id, quota_id=quota_id)
    assert "has 1 place(s) left for 3 person(s)" in info.value.message
    with unit_of_work(world.container.sessions) as s, pytest.raises(Conflict):
        resettlement.record_departure(s, actor=who, case_id=haddad_id)  # the State decides first
    with unit_of_work(world.container.sessions) as s:
        resettlement.record_decision(
            s, actor=who, case_id=haddad_id, accepted=True, note="accepted at interview"
        )
        resettlement.record_departure(s, actor=who, case_id=haddad_id)
    with unit_of_work(world.container.sessions) as s:
        (q,) = queries.list_quotas(s, actor=world.who("imo"))
    assert (q.departed_persons, q.submitted_persons, q.places_left) == (4, 0, 1)


def test_refusals(world: World) -> None:
    who = world.who("resettler")
    with pytest.raises(ValidationFailed), unit_of_work(world.container.sessions) as s:
        resettlement.identify(
            s, actor=who, data=identify(world, world.haddad, secondary_category="legal_physical_protection")
        )
    with unit_of_work(world.container.sessions) as s:
        resettlement.identify(s, actor=who, data=identify(world, world.haddad))
    with pytest.raises(Conflict), unit_of_work(world.container.sessions) as s:
        resettlement.identify(s, actor=who, data=identify(world, world.haddad))
    with pytest.raises(PermissionDenied), unit_of_work(world.container.sessions) as s:
        resettlement.identify(s, actor=world.who("rsd1"), data=identify(world, world.saleh))


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(container=world.container), base_url="https://testserver") as c:
        yield c


def test_through_the_api(client: TestClient, world: World) -> None:
    r = client.post("/api/v1/tokens", json={"username": "resettler", "password": PASSWORD})
    auth = {"Authorization": f"Bearer {r.json()['token']}"}
    api = "/api/v1/solutions/resettlement"
    quota = client.post(
        f"{api}/quotas",
        json={
            "state_iso3": "CAN",
            "year": 2027,
            "label": "Canada GAR",
            "places": 10,
            "operation_id": str(world.operation_id),
        },
        headers=auth,
    )
    assert quota.status_code == 201, quota.text
    case = client.post(
        f"{api}/cases", json=identify(world, world.saleh).model_dump(mode="json"), headers=auth
    )
    assert case.status_code == 201, case.text
    cid = case.json()["id"]
    assert (
        client.post(
            f"{api}/cases/{cid}/submission", json={"quota_id": quota.json()["id"]}, headers=auth
        ).status_code
        == 200
    )
    assert (
        client.post(
            f"{api}/cases/{cid}/decision", json={"accepted": True, "note": "accepted"}, headers=auth
        ).status_code
        == 200
    )
    assert client.post(f"{api}/cases/{cid}/departure", json={}, headers=auth).status_code == 200
    quotas = client.get(f"{api}/quotas", headers=auth).json()
    assert quotas[0]["departed_persons"] == 3
    assert client.get(f"{api}/cases", headers=auth).json()[0]["status"] == "departed"
