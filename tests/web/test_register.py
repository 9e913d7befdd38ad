"""Registering a household with its members through the web form, finding it again by search, and the
form's behaviour on bad input (errors beside the fields, values kept, nothing saved)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.helpers import Seed
from tests.web.support import (
    csrf_of,
    field_error,
    household_form,
    input_value,
    register_through_form,
    selected,
)

from refugio.main import Container
from refugio.registration.models import Household, IdentityDocument, Individual


def count(container: Container, model: type) -> int:
    with container.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def search(client: TestClient, q: str, *, htmx: bool = False) -> str:
    csrf = csrf_of(client.get("/search").text)
    headers = {"HX-Request": "true", "X-CSRF-Token": csrf} if htmx else {}
    response = client.post(
        "/search", data={"q": q} if htmx else {"q": q, "csrf_token": csrf}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.text


def test_register_a_household_of_four_then_find_it(client, seeded: Seed, signed_in, container):
    signed_in("clerk")
    response = register_through_form(client, seeded.camp_id, members=4)
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert re.fullmatch(r"/households/[0-9a-f-]{36}\?done=registered", location)
    page = client.get(location)
    assert page.status_code == 200
    assert "The household was registered." in page.text
    for name in ("Khaled", "Mariam", "Yusuf", "Lina"):
        assert name in page.text
    assert "حداد" in page.text
    assert count(container, Individual) == 4

    by_latin = search(client, "khaled hadd")
    assert "Khaled" in by_latin and "/people/" in by_latin
    by_arabic = search(client, "خالد")
    assert "Khaled" in by_arabic
    with container.sessions() as s:
        number = s.scalar(select(Individual.ref).where(Individual.given_name == "Khaled"))
    assert number is not None
    by_id = search(client, number)
    assert number in by_id
    with container.sessions() as s:
        doc = s.scalar(select(IdentityDocument.number))
    assert doc
    by_document = search(client, doc.lower())
    assert "Khaled" in by_document and "document" in by_document


def test_live_search_answers_a_fragment_and_needs_two_characters(client, seeded, signed_in):
    signed_in("clerk")
    register_through_form(client, seeded.camp_id, members=2)
    fragment = search(client, "Mariam", htmx=True)
    assert "<html" not in fragment and "Mariam" in fragment
    assert "Type at least two characters." in search(client, "M", htmx=True)
    full = search(client, "Haddad")
    assert "<html" in full and "Khaled" in full and "Mariam" in full


def test_search_query_never_goes_in_the_url(client, seeded, signed_in):
    signed_in("clerk")
    page = client.get("/search").text
    assert 'method="post" action="/search"' in page
    assert client.get("/search?q=Khaled").text.count("Khaled") == 0


def test_validation_errors_beside_fields_values_kept_nothing_saved(client, seeded, signed_in, container):
    signed_in("clerk")
    response = register_through_form(
        client,
        seeded.camp_id,
        **{"members[1][sex]": "", "members[3][stated_age]": "six", "members[2][date_of_birth]": "2014-02-30"},
    )
    assert response.status_code == 422
    html = response.text
    assert field_error(html, "f-members-1-sex") == "Error: This field is required."
    assert field_error(html, "f-members-3-stated_age") == "Error: Enter a whole number."
    assert "Please correct the following" in html
    # values kept, including the wrong ones
    assert input_value(html, "f-members-3-stated_age") == "six"
    assert input_value(html, "f-members-2-date_of_birth") == "2014-02-30"
    assert input_value(html, "f-members-0-given_name") == "Khaled"
    assert input_value(html, "f-members-0-given_name_original") == "خالد"
    assert selected(html, "f-members-0-relationship") == "focal_point"
    assert selected(html, "f-site_id") == str(seeded.camp_id)
    # the summary links to the field
    assert 'href="#f-members-1-sex"' in html
    assert count(container, Household) == 0 and count(container, Individual) == 0


def test_domain_errors_beside_fields(client, seeded, signed_in, container):
    signed_in("clerk")
    response = register_through_form(
        client,
        seeded.camp_id,
        **{
            "members[3][nationality]": "XYZ",
            "arrival_date": "2099-01-01",
            "members[0][relationship]": "spouse",
            "members[2][date_of_birth]": "2014-02-30",
        },
    )
    assert response.status_code == 422
    html = response.text
    assert "not a real date" in (field_error(html, "f-members-2-date_of_birth") or "")
    assert 'href="#f-members-2-date_of_birth">Member 3 · Date of birth:' in html
    assert "Unknown country code" in (field_error(html, "f-members-3-nationality") or "")
    assert "future" in (field_error(html, "f-arrival_date") or "")
    assert "focal point" in html
    assert count(container, Household) == 0


def test_document_already_held_is_refused_beside_the_number(client, seeded, signed_in, container):
    signed_in("clerk")
    first = register_through_form(client, seeded.camp_id, members=1)
    assert first.status_code == 303
    with container.sessions() as s:
        number = s.scalar(select(IdentityDocument.number))
    assert number
    again = register_through_form(client, seeded.camp_id, members=2, **{"members[0][doc_number]": number})
    assert again.status_code == 422
    assert "already held" in (field_error(again.text, "f-members-0-doc_number") or "")
    assert count(container, Household) == 1


def test_clerk_cannot_register_at_another_site(client, seeded, signed_in, container):
    signed_in("clerk")
    response = register_through_form(client, seeded.camp_id, **{"site_id": str(seeded.office_id)})
    assert response.status_code == 422
    assert "may not register" in (field_error(response.text, "f-site_id") or "")
    assert count(container, Household) == 0


def test_add_member_without_javascript_keeps_values(client, seeded, signed_in, container):
    signed_in("clerk")
    page = client.get("/households/new")
    data = household_form(seeded.camp_id, csrf_of(page.text), members=2, action="add_member")
    response = client.post("/households/new", data=data)
    assert response.status_code == 200
    assert 'id="member-2"' in response.text and 'id="member-3"' not in response.text
    assert input_value(response.text, "f-members-1-given_name") == "Mariam"
    assert count(container, Household) == 0
    data = household_form(seeded.camp_id, csrf_of(page.text), members=3, remove_member="1")
    response = client.post("/households/new", data=data)
    assert input_value(response.text, "f-members-1-given_name") == "Yusuf"
    assert "Member 2 removed." in response.text and 'value="undo_remove"' in response.text
    assert count(container, Household) == 0
    undo = {k: v for k, v in data.items() if not k.startswith("members[1]") and k != "remove_member"}
    undo = {k.replace("members[2]", "members[1]"): v for k, v in undo.items()}
    undo.update({"action": "undo_remove", "removed_index": "1", "removed[given_name]": "Mariam"})
    undo["removed[sex]"] = "F"
    restored = client.post("/households/new", data=undo)
    assert input_value(restored.text, "f-members-1-given_name") == "Mariam"
    assert input_value(restored.text, "f-members-2-given_name") == "Yusuf"
    assert "removed." not in restored.text


def test_every_error_of_the_form_in_one_round(client, seeded, signed_in, container):
    """A missing sex used to hide the domain's errors until the next submit: now all come at once."""
    signed_in("clerk")
    data = household_form(seeded.camp_id, csrf_of(client.get("/households/new").text), members=2)
    data.pop("members[0][sex]")
    data.pop("members[1][relationship]")
    next_year = str(int(data["arrival_date"][:4]) + 3)
    data.update(
        {
            "members[0][date_of_birth]": "2030-05-01",
            "members[0][nationality]": "XYZ",
            "members[0][languages]": "arabic",
            "members[0][phone]": "abc",
            "arrival_date": f"{next_year}-01-15",
        }
    )
    response = client.post("/households/new", data=data)
    assert response.status_code == 422
    html = response.text
    assert field_error(html, "f-members-0-sex") == "Error: This field is required."
    assert field_error(html, "f-members-0-date_of_birth") == "Error: Date of birth cannot be in the future."
    assert "Unknown country code" in (field_error(html, "f-members-0-nationality") or "")
    assert "Unknown language code" in (field_error(html, "f-members-0-languages") or "")
    assert "Not a phone number" in (field_error(html, "f-members-0-phone") or "")
    assert "Arrival date cannot be in the future." in (field_error(html, "f-arrival_date") or "")
    assert field_error(html, "f-members-1-relationship") == "Error: This field is required."
    assert "Member 2 · Relationship" in html and "after the registration date" not in html
    assert count(container, Household) == 0
    client.cookies.set("refugio_locale", "fr")
    french = client.post("/households/new", data=data).text
    assert "La date de naissance ne peut pas être dans le futur." in (
        field_error(french, "f-members-0-date_of_birth") or ""
    )


def test_add_member_fragment_for_htmx(client, seeded, signed_in):
    signed_in("clerk")
    fragment = client.get("/households/new/member?index=4", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert 'name="members[4][given_name]"' in fragment.text
    assert 'hx-swap-oob="true"' in fragment.text and "index=5" in fragment.text
    assert "<html" not in fragment.text


def test_viewer_cannot_open_the_registration_form(client, seeded, signed_in):
    signed_in("viewer")
    assert client.get("/households/new").status_code == 403


def test_a_large_household_fits_in_one_form(client, seeded, signed_in, container):
    signed_in("clerk")
    data = household_form(seeded.camp_id, csrf_of(client.get("/households/new").text), members=1)
    for i in range(1, 60):
        row = f"members[{i}]"
        data.update(
            {
                f"{row}[relationship]": "other_relative",
                f"{row}[sex]": "F",
                f"{row}[given_name]": f"Person{i}",
                f"{row}[family_name]": "Haddad",
                f"{row}[date_of_birth]": "1990",
                f"{row}[middle_name]": "",
                f"{row}[given_name_original]": "",
                f"{row}[family_name_original]": "",
                f"{row}[phone]": "",
                f"{row}[nationality]": "",
                f"{row}[languages]": "",
                f"{row}[doc_type]": "passport",
                f"{row}[doc_number]": "",
                f"{row}[doc_country]": "",
                f"{row}[doc_expiry]": "",
                f"{row}[need_code]": "",
                f"{row}[need_reason]": "",
                f"{row}[stated_age]": "",
            }
        )
    assert len(data) > 1000
    response = client.post("/households/new", data=data)
    assert response.status_code == 303, response.text[:500]
    assert count(container, Individual) == 60
