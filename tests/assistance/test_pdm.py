"""Post-distribution monitoring outcomes: received, not received, received with issues — each problem
opens a complaint on the PDM channel linked to the household, its site and the programme; one outcome
per entitlement; a household off the frozen list is refused; a sensitive problem's complaint is shown
as `restricted` to whoever may not read it. Through the service, the API and the CLI."""

from __future__ import annotations

from collections.abc import Iterator

import pydantic
import pytest
from fastapi.testclient import TestClient
from tests.assistance.conftest import World, frozen_cycle
from tests.assistance.test_cli import invoke, ok
from tests.helpers import PASSWORD

from refugio.assistance import complaint_queries, pdm_queries
from refugio.assistance.schemas import PdmOutcomeCreate
from refugio.assistance.service import pdm
from refugio.core.errors import Conflict, PermissionDenied, ValidationFailed
from refugio.main import create_app
from refugio.registration import queries as reg_queries
from refugio.security.principals import SYSTEM
from refugio.store.uow import unit_of_work


def _ref(world: World, household_id: object) -> str:
    with unit_of_work(world.container.sessions) as s:
        return reg_queries.household_read(s, actor=SYSTEM, key=household_id).ref  # type: ignore[arg-type]


def _record(world: World, username: str, **fields: object) -> None:
    with unit_of_work(world.container.sessions) as s:
        pdm.record_outcome(s, actor=world.who(username), data=PdmOutcomeCreate.model_validate(fields))


def test_outcomes_and_the_complaints_they_open(world: World) -> None:
    frozen_cycle(world)
    couple, single = _ref(world, world.couple_id), _ref(world, world.single_id)
    _record(world, "desk", cycle="WINTER/1", household_ref=world.family_ref, outcome="received")
    _record(
        world, "desk", cycle="WINTER/1", household_ref=couple, outcome="not_received", notes="nobody came"
    )
    _record(
        world,
        "officer",
        cycle="WINTER/1",
        household_ref=single,
        outcome="received_with_issues",
        notes="the clerk asked for money",
        category="staff_fraud",
    )
    with unit_of_work(world.container.sessions) as s:
        res = pdm_queries.pdm_results(s, actor=world.who("officer"), cycle_key="WINTER/1")
        ordinary = complaint_queries.list_complaints(s, actor=world.who("officer"))
    assert (res.sampled, res.received, res.not_received, res.received_with_issues) == (3, 1, 1, 1)
    by_house = {o.household_ref: o for o in res.outcomes}
    assert by_house[world.family_ref].complaint_ref is None
    assert by_house[single].complaint_ref == "restricted" and by_house[single].notes is None
    [opened] = ordinary  # the fraud report is not in the ordinary list
    assert (opened.channel, opened.category, opened.description) == ("pdm", "not_received", "nobody came")
    assert by_house[couple].complaint_ref == opened.ref
    with unit_of_work(world.container.sessions) as s, pytest.raises(Conflict, match="recorded already"):
        pdm.record_outcome(
            s,
            actor=world.who("desk"),
            data=PdmOutcomeCreate(cycle="WINTER/1", household_ref=world.family_ref, outcome="received"),
        )


def test_refusals(world: World) -> None:
    frozen_cycle(world)
    with pytest.raises(pydantic.ValidationError, match="describe the problem"):
        PdmOutcomeCreate(cycle="WINTER/1", household_ref=world.family_ref, outcome="not_received")
    with unit_of_work(world.container.sessions) as s, pytest.raises(ValidationFailed, match="frozen list"):
        pdm.record_outcome(
            s,
            actor=world.who("officer"),
            data=PdmOutcomeCreate(cycle="WINTER/1", household_ref="JOR-XX-00-000000", outcome="received"),
        )
    single = _ref(world, world.single_id)
    with unit_of_work(world.container.sessions) as s, pytest.raises(PermissionDenied):
        pdm.record_outcome(  # the ZAA clerk asks about an AMM household
            s,
            actor=world.who("desk"),
            data=PdmOutcomeCreate(cycle="WINTER/1", household_ref=single, outcome="received"),
        )


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(container=world.container), base_url="https://testserver") as c:
        yield c


def test_pdm_and_complaints_through_the_api(client: TestClient, world: World) -> None:
    cycle_id = frozen_cycle(world)
    r = client.post("/api/v1/tokens", json={"username": "officer", "password": PASSWORD})
    auth = {"Authorization": f"Bearer {r.json()['token']}"}
    api = "/api/v1/assistance"
    body = {"cycle": "WINTER/1", "household_ref": world.family_ref, "outcome": "not_received"}
    r = client.post(f"{api}/pdm/outcomes", json=body, headers=auth)
    assert r.status_code == 422 and "describe the problem" in r.text
    r = client.post(f"{api}/pdm/outcomes", json={**body, "notes": "no cash"}, headers=auth)
    assert r.status_code == 201, r.text
    assert r.json()["not_received"] == 1
    ref = r.json()["outcomes"][0]["complaint_ref"]
    r = client.get(f"{api}/complaints", params={"channel": "pdm", "status": "open"}, headers=auth)
    assert [c["ref"] for c in r.json()] == [ref]
    assert client.get(f"{api}/complaints", params={"channel": "desk"}, headers=auth).json() == []
    r = client.post(f"{api}/complaints/{ref}/progress", json={"status": "resolved"}, headers=auth)
    assert r.status_code == 422 and "answered" in r.text
    answer = {"status": "resolved", "response": "paid on 3 March"}
    r = client.post(f"{api}/complaints/{ref}/progress", json=answer, headers=auth)
    assert r.status_code == 200 and r.json()["response"] == "paid on 3 March"
    assert client.get(f"{api}/complaints/{ref}", headers=auth).json()["status"] == "resolved"
    assert client.get(f"{api}/complaints/counts", headers=auth).json() == [
        {"category": "not_received", "count": 1}
    ]
    r = client.get(f"{api}/cycles/{cycle_id}/pdm", headers=auth)
    assert r.status_code == 200 and r.json()["cycle"] == "WINTER/1" and r.json()["sampled"] == 1


def test_pdm_through_the_cli(world: World) -> None:
    frozen_cycle(world)
    code, out = invoke(
        world,
        "assistance",
        "pdm",
        "record",
        "WINTER/1",
        world.family_ref,
        "--outcome",
        "lost",
        "--as",
        "officer",
    )
    assert code != 0 and "outcome" in out
    out = ok(
        world,
        "assistance",
        "pdm",
        "record",
        "WINTER/1",
        world.family_ref,
        "--outcome",
        "received_with_issues",
        "--notes",
        "a blanket was missing",
        "--as",
        "officer",
    )
    assert "complaint opened" in out
    out = ok(world, "assistance", "pdm", "results", "WINTER/1", "--as", "officer")
    assert (
        out.strip().splitlines()[-1]
        == "WINTER/1: 1 asked, 0 received, 0 not received, 1 received with issues"
    )
    out = ok(
        world,
        "assistance",
        "complaints",
        "list",
        "--channel",
        "pdm",
        "--category",
        "service_quality",
        "--as",
        "officer",
    )
    assert "JOR-CF-000001" in out
    assert ok(world, "assistance", "complaints", "list", "--overdue", "--as", "officer").strip() == ""
