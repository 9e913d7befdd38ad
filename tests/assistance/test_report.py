"""The cycle's report through disclosure control: coverage by site, sex and age bracket, households and
amounts by site, PDM outcomes and complaints by category — small counts shown as `<5`, secondary
suppression so that none can be worked out from the totals, amounts hidden beside a hidden count,
sensitive categories as one `restricted` line; through the CLI, the API and the web page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.assistance.conftest import World, frozen_cycle
from tests.assistance.test_cli import ok
from tests.assistance.test_pdm import _record, _ref
from tests.helpers import PASSWORD
from tests.web.support import BASE, login

from refugio.assistance.reports import bracket, raw_report
from refugio.assistance.schemas import CollectionCreate, ComplaintCreate
from refugio.assistance.service import complaints, desk
from refugio.main import create_app
from refugio.stats.assistance_report import assistance_report
from refugio.stats.disclosure import DisclosureRule
from refugio.store.uow import unit_of_work


def _served_world(world: World) -> str:
    cycle = frozen_cycle(world)
    with unit_of_work(world.container.sessions) as s:
        view = desk.lookup(s, actor=world.who("desk"), programme_key="WINTER", key=world.family_ref)
        desk.collect(
            s,
            actor=world.who("desk"),
            data=CollectionCreate(entitlement_id=view.entitlements[0].id, desk="D"),
        )
    _record(
        world,
        "officer",
        cycle="WINTER/1",
        household_ref=_ref(world, world.couple_id),
        outcome="not_received",
        notes="none",
    )
    with unit_of_work(world.container.sessions) as s:
        complaints.lodge_complaint(
            s,
            actor=world.who("officer"),
            data=ComplaintCreate(
                operation_id=world.operation_id,
                channel="hotline",
                category="sea",
                description="abuse",
                programme="WINTER",
            ),
        )
    return str(cycle)


def test_raw_figures_and_their_protection(world: World) -> None:
    _served_world(world)
    with unit_of_work(world.container.sessions) as s:
        raw = raw_report(s, actor=world.who("officer"), cycle_key="WINTER/1")
        rep = assistance_report(s, actor=world.who("officer"), cycle_key="WINTER/1")
        loose = assistance_report(
            s,
            actor=world.who("officer"),
            cycle_key="WINTER/1",
            rule=DisclosureRule.build(threshold=2, sensitive_threshold=2),
        )
    assert sum(raw.targeted.values()) == 8 and sum(raw.served.values()) == 5  # the family of five was served
    assert raw.amounts["ZAA"].households_served == 1 and raw.amounts["AMM"].households_targeted == 1
    by_site = {r.site: r for r in rep.sites}
    # 2 households at ZAA, 1 at AMM: all below 5, so every count and amount is hidden; 3 in all also
    assert by_site["ZAA"].households_targeted == "<5" and by_site["ZAA"].amount_targeted is None
    assert by_site["Total"].households_targeted == "<5"
    grand = next(r for r in rep.coverage if (r.site, r.sex, r.age) == ("Total", "Total", "Total"))
    assert grand.targeted == 8 and grand.served == 5
    assert all(r.targeted in ("<5", "x") or r.targeted >= 5 for r in rep.coverage)  # type: ignore[operator]
    assert [c.category for c in rep.complaints] == ["not_received", "restricted", "Total"]
    assert {c.category: c.count for c in rep.complaints}["restricted"] == "<5"
    # with a threshold of 2, the single-household AMM cell is still hidden and ZAA (2) must go too
    loose_sites = {r.site: r for r in loose.sites}
    assert loose_sites["AMM"].households_targeted == "<2" and loose_sites["ZAA"].households_targeted == "x"
    assert loose_sites["Total"].households_targeted == 3 and loose_sites["Total"].amount_targeted is not None
    assert bracket("2020-06-01", __import__("datetime").date(2026, 1, 1)) == "5-11"


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(container=world.container), base_url=BASE, follow_redirects=False) as c:
        yield c


def test_report_through_the_channels(client: TestClient, world: World) -> None:
    cycle = _served_world(world)
    out = ok(world, "assistance", "report", "WINTER/1", "--as", "officer")
    assert "complaints restricted" in out and "<5" in out
    assert '"cycle": "WINTER/1"' in ok(world, "assistance", "report", "WINTER/1", "--json", "--as", "officer")
    r = client.post("/api/v1/tokens", json={"username": "officer", "password": PASSWORD})
    auth = {"Authorization": f"Bearer {r.json()['token']}"}
    body = client.get(f"/api/v1/assistance/cycles/{cycle}/report", headers=auth).json()
    assert body["rule"].startswith("refugio-sdc/1") and body["pdm"][-1]["total"] == "<5"
    login(client, "officer")
    html = client.get(f"/assistance/cycles/{cycle}/report").text
    assert (
        "<svg" in html
        and "Households targeted and served by site" in html
        and "Restricted categories" in html
    )
    assert "abuse" not in html
    assert client.get(f"/assistance/cycles/{cycle}").text.count(f"/assistance/cycles/{cycle}/report") == 1
