"""The consent page and the agreements page through the web UI (forms, errors beside their fields,
the share downloaded as a zip with its manifest), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.agreements.conftest import World, agreement
from tests.web.conftest import make_app
from tests.web.support import BASE, csrf_of, field_error, login

from refugio.main import Container


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(make_app(container), base_url=BASE, follow_redirects=False) as c:
        yield c


def _signed_in(client: TestClient, username: str) -> TestClient:
    assert login(client, username).status_code == 303
    return client


def test_consent_page_withdraws_and_shows_who_and_when(client: TestClient, world: World) -> None:
    web = _signed_in(client, "clerk")
    pid = world.haddad[0][0]
    person = web.get(f"/people/{pid}")
    assert f'href="/people/{pid}/consent"' in person.text
    page = web.get(f"/people/{pid}/consent")
    assert page.status_code == 200 and "Give or withdraw consent" in page.text
    csrf = csrf_of(page.text)
    bad = web.post(f"/people/{pid}/consent", data={"csrf_token": csrf, "purpose": "", "given": ""})
    assert bad.status_code == 422
    assert field_error(bad.text, "f-consent-purpose") and field_error(bad.text, "f-consent-given")
    done = web.post(
        f"/people/{pid}/consent",
        data={"csrf_token": csrf, "purpose": "assistance", "given": "no", "reason": "asked at the desk"},
    )
    assert done.status_code == 303
    after = web.get(done.headers["location"])
    assert (
        "Consent was withdrawn." in after.text
        and "consent for assistance withdrawn: asked at the desk" in after.text
    )
    assert "by clerk" in after.text
    # a viewer of another site neither reads nor changes it
    viewer = _signed_in(client, "viewer")
    assert viewer.get(f"/people/{pid}/consent").status_code == 404


def test_agreements_page_records_refuses_and_shares(client: TestClient, world: World) -> None:
    web = _signed_in(client, "dpo")
    page = web.get("/agreements")
    assert page.status_code == 200 and "Record an agreement" in page.text
    csrf = csrf_of(page.text)
    form = {
        "csrf_token": csrf,
        "operation_id": str(world.seed.operation_id),
        "partner": "",
        "purpose": "assistance",
        "legal_basis": "consent",
        "retention_days": "30",
        "valid_from": str(dt.date.today()),
        "valid_until": str(dt.date.today() - dt.timedelta(days=1)),
    }
    bad = web.post("/agreements", data=form)
    assert bad.status_code == 422
    assert field_error(bad.text, "f-rec-partner") and field_error(bad.text, "f-rec-fields")
    assert bad.text.count('class="field-error"') == 2  # partner and fields, each shown once
    form.update(partner="WFP", valid_until=str(dt.date.today() + dt.timedelta(days=30)))
    ok = web.post("/agreements", data={**form, "fields": ["registration_number", "sex"]})
    assert ok.status_code == 303, ok.text
    assert "WFP" in web.get("/agreements").text

    aid = agreement(world, partner="UNICEF")
    web = _signed_in(client, "imo")
    page = web.get("/agreements")
    assert "Share the registry with a partner" in page.text and "Record an agreement" not in page.text
    csrf = csrf_of(page.text)
    refused = web.post(
        "/agreements/share", data={"csrf_token": csrf, "agreement_id": str(aid), "fields": ["phone"]}
    )
    assert refused.status_code == 422 and "not allowed by the agreement with UNICEF" in refused.text
    got = web.post("/agreements/share", data={"csrf_token": csrf, "agreement_id": str(aid)})
    assert got.status_code == 200 and got.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(got.content)) as z:
        made = json.loads(z.read("manifest.json"))
        assert hashlib.sha256(z.read(made["file"])).hexdigest() == made["sha256"]
    web = _signed_in(client, "clerk")
    assert web.get("/agreements").status_code == 403


def test_agreements_page_records_a_distress_log_agreement(client: TestClient, world: World) -> None:
    """The form records distress-log agreements too (search and rescue, the SITREP's paragraphs); a
    purpose or a field of the other data set is refused beside its field, the ticks kept."""
    web = _signed_in(client, "dpo")
    page = web.get("/agreements")
    assert 'name="dataset"' in page.text and "Search and rescue" in page.text
    assert 'value="position"' in page.text  # the distress log's paragraphs are offered
    form = {
        "csrf_token": csrf_of(page.text),
        "operation_id": str(world.seed.operation_id),
        "dataset": "distress_log",
        "partner": "MRCC Roma",
        "purpose": "assistance",
        "legal_basis": "vital_interest",
        "retention_days": "30",
        "valid_from": str(dt.date.today()),
        "valid_until": str(dt.date.today() + dt.timedelta(days=90)),
        "fields": ["position", "sex"],
    }
    bad = web.post("/agreements", data=form)
    assert bad.status_code == 422
    assert field_error(bad.text, "f-rec-purpose") and field_error(bad.text, "f-rec-fields")
    assert "may not be shared for assistance" in bad.text and "unknown field &#39;sex&#39;" in bad.text
    # both ticks are kept for the user to correct
    assert 'id="f-rec-dl-position-fields" name="fields" type="checkbox" value="position" checked' in bad.text
    ok = web.post("/agreements", data={**form, "purpose": "search_and_rescue", "fields": ["position"]})
    assert ok.status_code == 303, ok.text
    listed = web.get("/agreements").text
    assert "MRCC Roma" in listed and "The distress log (situation reports at sea)" in listed
    assert "search_and_rescue" not in listed.split("<tbody>")[1].split("</tbody>")[0]
