"""The sharing pages: a key computed from pasted indicators with its table and sensitivity chart, bad
input shown beside its field, pledges recorded and updated, and who may see them."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from tests.helpers import Seed
from tests.web.support import csrf_of

from refugio.main import Container

from ..conftest import INDICATORS


def test_a_key_with_its_table_and_chart(
    client: TestClient, seeded: Seed, signed_in: Callable[[str], TestClient]
) -> None:
    signed_in("imo")
    page = client.get("/sharing")
    assert page.status_code == 200 and "Distribution keys" in page.text
    token = csrf_of(page.text)
    form = {
        "csrf_token": token,
        "key": "eu-2015-09",
        "total": "1000",
        "indicators_csv": INDICATORS,
        "vary": "drop",
    }
    result = client.post("/sharing", data=form)
    assert result.status_code == 200, result.text
    assert "data:image/png;base64," in result.text and "Who gains and who loses" in result.text
    assert "request body" not in result.text and "indicators (sha256" in result.text
    assert "Key vs pledge vs fulfilment" in result.text
    bad = client.post("/sharing", data={**form, "cap": "0.01"})
    assert bad.status_code == 422 and "caps cannot be met" in bad.text
    client.cookies.set("refugio_locale", "fr")
    assert "Clés de répartition" in client.get("/sharing").text


def test_pledges_recorded_and_updated_through_the_pages(
    client: TestClient, seeded: Seed, signed_in: Callable[[str], TestClient]
) -> None:
    signed_in("imo")
    token = csrf_of(client.get("/sharing/pledges").text)
    pledge = {
        "csrf_token": token,
        "pledger": "Government of Brazil",
        "pledger_kind": "state",
        "country": "BRA",
        "operation_id": str(seeded.operation_id),
        "pledge_type": "places",
        "title": "Humanitarian visas",
        "places": "150",
        "pledged_on": "2023-12-13",
    }
    r = client.post("/sharing/pledges", data=pledge)
    assert r.status_code == 303, r.text
    page = client.get("/sharing/pledges").text
    assert "Government of Brazil" in page and "Humanitarian visas" in page
    missing = client.post("/sharing/pledges", data={**pledge, "places": ""})
    assert missing.status_code == 422 and "number of places" in missing.text
    action = page.split('action="/sharing/pledges/')[1].split('"')[0]
    update = {"csrf_token": token, "on_date": "2024-05-01", "status": "fulfilled", "places_delivered": "150"}
    refused = client.post(f"/sharing/pledges/{action}", data=update)
    assert refused.status_code == 422 and "needs its evidence" in refused.text
    done = client.post(f"/sharing/pledges/{action}", data={**update, "evidence": "CONARE decision"})
    assert done.status_code == 303
    assert "CONARE decision" in client.get("/sharing/pledges").text


def test_who_sees_the_sharing_pages(
    client: TestClient, seeded: Seed, signed_in: Callable[[str], TestClient]
) -> None:
    signed_in("clerk")
    assert client.get("/sharing").status_code == 403
    assert "/sharing" not in client.get("/").text.split("<main")[0]


def test_the_funding_page(
    client: TestClient, container: Container, seeded: Seed, signed_in: Callable[[str], TestClient]
) -> None:
    import datetime as dt
    from decimal import Decimal

    from refugio.security.principals import SYSTEM
    from refugio.sharing import service
    from refugio.sharing.schemas import ContributionCreate, PlanCreate, RequirementSet
    from refugio.store.uow import unit_of_work

    with unit_of_work(container.sessions) as s:
        plan = service.create_plan(
            s,
            data=PlanCreate(code="JOR-1", name="Jordan plan", year=2024, operation_id=seeded.operation_id),
            actor=SYSTEM,
        )
        service.set_requirement(
            s, plan_id=plan.id, data=RequirementSet(sector="Health", amount=Decimal(200)), actor=SYSTEM
        )
        service.record_contribution(
            s,
            plan_id=plan.id,
            data=ContributionCreate(
                donor="Norway", sector="Health", amount=Decimal(50), received_on=dt.date(2024, 4, 1)
            ),
            actor=SYSTEM,
        )
    signed_in("imo")
    page = client.get("/sharing/funding").text
    assert "Jordan plan" in page and "Norway" in page and "25 %" in page


def test_the_progress_report_page_and_pdf(
    client: TestClient, container: Container, seeded: Seed, signed_in: Callable[[str], TestClient], tmp_path
) -> None:
    from refugio.security.principals import SYSTEM
    from refugio.sharing import demo
    from refugio.store.uow import unit_of_work

    with unit_of_work(container.sessions) as s:
        demo.seed_demo(
            s,
            operation_id=seeded.operation_id,
            actor=SYSTEM,
            echo=lambda _m: None,
            worldbank=tmp_path / "absent",
        )
    signed_in("admin")
    page = client.get("/sharing/reports?as_of=2025-01-01")
    assert page.status_code == 200 and "Commitments by type" in page.text and "CONARE" in page.text
    can = client.get("/sharing/reports?as_of=2025-01-01&country=CAN").text
    assert "Global Compact on Refugees indicator framework" in can and "3.2.1" in can
    pdf = client.get("/sharing/reports.pdf?as_of=2025-01-01&country=CAN")
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"
    bad = client.get("/sharing/reports?as_of=soon")
    assert bad.status_code in (400, 422)
