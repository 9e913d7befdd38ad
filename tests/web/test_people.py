"""The person and household pages: scope, sensitive needs, the "why" of automatic flags, history,
certificates and the action forms (errors beside the fields, nothing saved on error)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from tests.helpers import Seed, household_payload, principal
from tests.web.support import csrf_of, field_error

from refugio.main import Container
from refugio.registration import service as reg
from refugio.registration.models import Certificate, Individual, SpecificNeed
from refugio.registration.schemas import HouseholdCreate, NeedFlag
from refugio.security.principals import SYSTEM
from refugio.store.uow import unit_of_work


def register(container: Container, site_id: uuid.UUID, **overrides) -> tuple[uuid.UUID, list[uuid.UUID]]:
    with unit_of_work(container.sessions) as s:
        hh = reg.register_household(
            s, actor=SYSTEM, data=HouseholdCreate.model_validate(household_payload(site_id, **overrides))
        )
        members = list(
            s.scalars(select(Individual.id).where(Individual.household_id == hh.id).order_by(Individual.ref))
        )
        return hh.id, members


def child_alone(container: Container, site_id: uuid.UUID) -> uuid.UUID:
    """A 15-year-old registered alone: the rules flag SC-UC and SC-CH."""
    payload = household_payload(site_id, members=1)
    payload["members"][0].update(
        given_name="Omar",
        family_name="Saleh",
        date_of_birth="2011-03-01",
        given_name_original="عمر",
        family_name_original="صالح",
    )
    with unit_of_work(container.sessions) as s:
        hh = reg.register_household(s, actor=SYSTEM, data=HouseholdCreate.model_validate(payload))
        return s.scalar(select(Individual.id).where(Individual.household_id == hh.id))


def test_person_page_shows_both_scripts_and_the_rule_explanation(client, seeded: Seed, signed_in, container):
    person = child_alone(container, seeded.camp_id)
    signed_in("clerk")
    page = client.get(f"/people/{person}")
    assert page.status_code == 200
    html = page.text
    assert "Omar" in html and "عمر" in html and "صالح" in html and "Arabic (ara)" in html
    assert "SC-UC" in html and "Unaccompanied child" in html
    assert "flagged automatically by rule unaccompanied-child of rule set" in html
    with container.sessions() as s:
        need = s.scalar(
            select(SpecificNeed).where(SpecificNeed.individual_id == person, SpecificNeed.code == "SC-UC")
        )
    assert need is not None and need.ruleset_version in html and need.reason in html
    assert "History" in html and "Registered" in html


def test_clerk_cannot_open_a_household_or_person_of_another_site(client, seeded, signed_in, container):
    household, members = register(container, seeded.office_id)
    signed_in("clerk")
    for path in (f"/households/{household}", f"/people/{members[0]}"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Page not found" in response.text and "Haddad" not in response.text
    assert client.get("/people/not-a-uuid").status_code == 404
    signed_in("viewer")
    assert client.get(f"/households/{household}").status_code == 200


def test_sensitive_needs_are_hidden_from_the_clerk(client, seeded, signed_in, container):
    household, members = register(container, seeded.camp_id)
    with unit_of_work(container.sessions) as s:
        reg.flag_need(
            s,
            actor=principal(container, "protection"),
            individual_id=members[0],
            data=NeedFlag(code="SV-VF", reason="Disclosed during the protection interview"),
        )
        reg.flag_need(
            s, actor=SYSTEM, individual_id=members[0], data=NeedFlag(code="SM-CI", reason="Diabetes")
        )
    signed_in("protection")
    assert "SV-VF" in client.get(f"/people/{members[0]}").text
    signed_in("clerk")
    person = client.get(f"/people/{members[0]}").text
    assert "SM-CI" in person and "Diabetes" in person
    assert "SV-VF" not in person and "protection interview" not in person and "SGBV" not in person
    assert "SV-VF" not in client.get(f"/households/{household}").text
    # and the clerk's flag form does not offer sensitive codes
    assert 'value="SV-VF"' not in person and 'value="SM-CI"' in person


def test_certificate_download_is_a_pdf_named_by_serial(client, seeded, signed_in, container):
    _household, members = register(container, seeded.camp_id)
    signed_in("clerk")
    token = csrf_of(client.get(f"/people/{members[0]}").text)
    response = client.post(f"/people/{members[0]}/certificate", data={"csrf_token": token})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    with container.sessions() as s:
        serial = s.scalar(select(Certificate.serial).where(Certificate.individual_id == members[0]))
    assert response.headers["content-disposition"] == f'attachment; filename="{serial}.pdf"'
    assert response.headers["cache-control"] == "no-store"
    assert serial in client.get(f"/people/{members[0]}").text
    assert client.post(f"/people/{members[0]}/certificate", data={}).status_code == 403


def test_revoke_a_certificate(client, seeded, signed_in, container):
    _household, members = register(container, seeded.camp_id)
    signed_in("clerk")
    token = csrf_of(client.get(f"/people/{members[0]}").text)
    client.post(f"/people/{members[0]}/certificate", data={"csrf_token": token})
    with container.sessions() as s:
        serial = s.scalar(select(Certificate.serial))
    signed_in("protection")
    page = client.get(f"/people/{members[0]}").text
    bad = client.post(
        f"/people/{members[0]}/certificates/revoke",
        data={"csrf_token": csrf_of(page), "serial": serial, "reason": ""},
    )
    assert bad.status_code == 422 and field_error(bad.text, "f-rv-1-reason")
    ok = client.post(
        f"/people/{members[0]}/certificates/revoke",
        data={"csrf_token": csrf_of(page), "serial": serial, "reason": "Card reported lost"},
    )
    assert ok.status_code == 303
    after = client.get(ok.headers["location"]).text
    assert "The certificate was revoked." in after and "Card reported lost" in after


def test_flag_and_remove_a_need_with_errors_beside_the_field(client, seeded, signed_in, container):
    _household, members = register(container, seeded.camp_id)
    signed_in("clerk")
    url = f"/people/{members[1]}"
    token = csrf_of(client.get(url).text)
    bad = client.post(f"{url}/needs", data={"csrf_token": token, "code": "SM-CI", "reason": "x"})
    assert bad.status_code == 422
    assert "at least 3" in (field_error(bad.text, "f-need-reason") or "")
    assert 'id="f-need-code"' in bad.text and "<details open>" in bad.text
    ok = client.post(f"{url}/needs", data={"csrf_token": token, "code": "SM-CI", "reason": "Chronic asthma"})
    assert ok.status_code == 303 and ok.headers["location"].startswith(url)
    again = client.post(
        f"{url}/needs", data={"csrf_token": token, "code": "SM-CI", "reason": "Chronic asthma"}
    )
    assert again.status_code == 422 and "already flagged" in (field_error(again.text, "f-need-code") or "")
    with container.sessions() as s:
        need_id = s.scalar(select(SpecificNeed.id).where(SpecificNeed.individual_id == members[1]))
    removed = client.post(
        f"{url}/needs/{need_id}/remove",
        data={"csrf_token": token, "need_id": str(need_id), "reason": "Recovered"},
    )
    assert removed.status_code == 303
    page = client.get(url).text
    assert "Recovered" in page and "removed" in page


def test_record_death_refuses_a_future_date_and_saves_nothing(client, seeded, signed_in, container):
    _household, members = register(container, seeded.camp_id)
    signed_in("clerk")
    url = f"/people/{members[1]}"
    token = csrf_of(client.get(url).text)
    bad = client.post(f"{url}/death", data={"csrf_token": token, "date_of_death": "2099-01-01"})
    assert bad.status_code == 422
    assert "future" in (field_error(bad.text, "f-dea-date_of_death") or "")
    assert 'value="2099-01-01"' in bad.text
    with container.sessions() as s:
        assert s.get(Individual, members[1]).status == "active"
    ok = client.post(f"{url}/death", data={"csrf_token": token, "date_of_death": "2026-01-05"})
    assert ok.status_code == 303
    assert "Deceased" in client.get(url).text


def test_correct_details_keeps_history_with_before_and_after(client, seeded, signed_in, container):
    _household, members = register(container, seeded.camp_id)
    signed_in("clerk")
    url = f"/people/{members[0]}"
    page = client.get(url).text
    token = csrf_of(page)
    form = {
        "csrf_token": token,
        "given_name": "Khalid",
        "family_name": "Haddad",
        "sex": "M",
        "date_of_birth": "1984-05-17",
        "languages": "ara",
        "given_name_original": "خالد",
        "family_name_original": "حداد",
        "nationality": "SYR",
        "country_of_origin": "SYR",
        "phone": "+962795550101",
        "reason": "",
    }
    bad = client.post(f"{url}/details", data=form)
    assert bad.status_code == 422 and field_error(bad.text, "f-det-reason")
    ok = client.post(f"{url}/details", data={**form, "reason": "Spelling on the passport"})
    assert ok.status_code == 303, ok.text
    html = client.get(url).text
    assert "<del>Khaled</del>" in html and "<ins>Khalid</ins>" in html and "Spelling on the passport" in html


def test_status_marriage_and_document_forms(client, seeded, signed_in, container):
    _household, members = register(container, seeded.camp_id)
    signed_in("clerk")
    url = f"/people/{members[1]}"
    token = csrf_of(client.get(url).text)
    assert (
        client.post(
            f"{url}/status", data={"csrf_token": token, "reason": "Asylum granted", "legal_status": "refugee"}
        ).status_code
        == 303
    )
    nothing = client.post(f"{url}/status", data={"csrf_token": token, "reason": "none"})
    assert nothing.status_code == 422 and field_error(nothing.text, "f-st-status")
    spouse = client.post(
        f"{url}/marriage",
        data={"csrf_token": token, "date_of_marriage": "2010-06-01", "spouse": "JOR-26-999999-01"},
    )
    assert spouse.status_code == 422 and "No person" in (field_error(spouse.text, "f-mar-spouse") or "")
    doc = client.post(
        f"{url}/documents",
        data={
            "csrf_token": token,
            "doc_type": "national_id",
            "number": "SY-123456",
            "issuing_country": "SYR",
        },
    )
    assert doc.status_code == 303
    assert "SY-123456" in client.get(url).text


def test_household_page_and_its_events(client, seeded, signed_in, container):
    household, members = register(container, seeded.camp_id)
    signed_in("clerk")
    url = f"/households/{household}"
    page = client.get(url).text
    assert "Khaled" in page and "Focal point" in page and "Record a birth" in page
    token = csrf_of(page)
    bad = client.post(
        f"{url}/birth",
        data={
            "csrf_token": token,
            "given_name": "Nour",
            "family_name": "Haddad",
            "sex": "F",
            "date_of_birth": "2099-05-01",
        },
    )
    assert bad.status_code == 422 and "future" in (field_error(bad.text, "f-birth-date_of_birth") or "")
    born = client.post(
        f"{url}/birth",
        data={
            "csrf_token": token,
            "given_name": "Nour",
            "family_name": "Haddad",
            "sex": "F",
            "date_of_birth": "2026-10-02",
            "place_of_birth": "Zaatari",
        },
    )
    assert born.status_code == 303
    assert "Nour" in client.get(url).text
    moved = client.post(f"{url}/address", data={"csrf_token": token, "address": "District 7, Block 2"})
    assert moved.status_code == 303
    focal = client.post(
        f"{url}/focal-point", data={"csrf_token": token, "individual_id": str(members[1]), "reason": "x"}
    )
    assert focal.status_code == 422 and field_error(focal.text, "f-focal-reason")
    focal = client.post(
        f"{url}/focal-point",
        data={"csrf_token": token, "individual_id": str(members[1]), "reason": "Father left for work abroad"},
    )
    assert focal.status_code == 303
    split = client.post(
        f"{url}/move",
        data={"csrf_token": token, "individual_id": str(members[0]), "reason": "Lives apart now"},
    )
    assert split.status_code == 303 and split.headers["location"].startswith(f"/people/{members[0]}")
    html = client.get(url).text
    assert "District 7, Block 2" in html and "Father left for work abroad" in html


def test_no_certificate_for_a_deceased_person_message_at_the_top(client, seeded, signed_in, container):
    _household, members = register(container, seeded.camp_id)
    signed_in("clerk")
    url = f"/people/{members[1]}"
    token = csrf_of(client.get(url).text)
    assert (
        client.post(f"{url}/death", data={"csrf_token": token, "date_of_death": "2026-02-01"}).status_code
        == 303
    )
    page = client.get(url).text
    assert "Issue a registration certificate" not in page and "Record a death" not in page
    refused = client.post(f"{url}/certificate", data={"csrf_token": token})
    assert refused.status_code == 422
    assert "error-summary" in refused.text and "deceased" in refused.text
    assert refused.headers["content-type"].startswith("text/html")


def test_actions_outside_the_users_rights_are_forbidden(client, seeded, signed_in, container):
    household, members = register(container, seeded.office_id)
    signed_in("viewer")
    url = f"/people/{members[0]}"
    page = client.get(url).text
    assert "Record a change" not in page and "Flag a specific need" not in page
    token = csrf_of(page)
    assert (
        client.post(
            f"{url}/needs", data={"csrf_token": token, "code": "SM-CI", "reason": "asthma"}
        ).status_code
        == 403
    )
    assert client.post(f"{url}/certificate", data={"csrf_token": token}).status_code == 403
    assert "Record a birth" not in client.get(f"/households/{household}").text
    signed_in("clerk")  # another site: the record does not exist for them
    token = csrf_of(client.get("/").text)
    assert (
        client.post(f"{url}/death", data={"csrf_token": token, "date_of_death": "2026-01-01"}).status_code
        == 404
    )


def test_search_page_shows_how_many_were_found_not_the_page_size(client, seeded: Seed, signed_in, container):
    items = [
        HouseholdCreate.model_validate(household_payload(seeded.camp_id, members=1, family="Haddad"))
        for _ in range(53)
    ]
    with unit_of_work(container.sessions) as s:
        reg.register_households(s, actor=SYSTEM, items=items)
    signed_in("clerk")
    csrf = csrf_of(client.get("/search").text)
    page = client.post("/search", data={"q": "haddad", "csrf_token": csrf}).text
    assert "53 people found." in page and "The best 50 matches are shown." in page
    assert "50 people found" not in page
