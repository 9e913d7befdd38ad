"""Helpers of the web UI tests: signing in through the form, and reading CSRF tokens, field errors and
input values out of rendered pages."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from fastapi.testclient import TestClient
from tests.helpers import PASSWORD

BASE = "https://testserver"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no csrf_token field on the page"
    return found.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD) -> Any:
    client.cookies.clear()  # a fresh browser: /login sends a signed-in user to the dashboard
    page = client.get("/login")
    assert page.status_code == 200
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": csrf_of(page.text)}
    )


def token_for(client: TestClient, path: str = "/") -> str:
    """The session's CSRF token, read from a page."""
    return csrf_of(client.get(path).text)


def field_error(html: str, field_id: str) -> str | None:
    """The error text shown beside the input with id `field_id`, or None."""
    block = re.search(
        r'<p class="field-error" id="' + re.escape(field_id) + r'-error">(.*?)</p>', html, re.DOTALL
    )
    if not block:
        return None
    return unescape(re.sub(r"<[^>]+>", "", block.group(1))).strip()


def input_value(html: str, field_id: str) -> str | None:
    """The value attribute of the input with id `field_id`."""
    tag = re.search(r'<input id="' + re.escape(field_id) + r'"[^>]*>', html)
    if not tag:
        return None
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return unescape(value.group(1)) if value else None


def selected(html: str, field_id: str) -> str | None:
    """The selected option's value of the select with id `field_id`."""
    block = re.search(r'<select id="' + re.escape(field_id) + r'".*?</select>', html, re.DOTALL)
    if not block:
        return None
    option = re.search(r'<option value="([^"]*)" selected>', block.group(0))
    return unescape(option.group(1)) if option else None


def household_form(site: Any, csrf: str, *, members: int = 4, **overrides: Any) -> dict[str, Any]:
    """The registration form as a browser posts it, for tests.helpers.household_payload's household."""
    from tests.helpers import household_payload

    payload = household_payload(site, members=members)
    data: dict[str, Any] = {
        "csrf_token": csrf,
        "action": "save",
        "site_id": payload["site_id"],
        "registration_level": "basic",
        "country_of_origin": payload["country_of_origin"],
        "arrival_date": payload["arrival_date"],
        "address": payload["address"],
        "population_type": payload["population_type"],
        "legal_basis": "consent",
        "consent_given": "on",
        "consent_purposes": payload["consent_purposes"],
    }
    for i, member in enumerate(payload["members"]):
        row = f"members[{i}]"
        for key, value in member.items():
            if key == "languages":
                data[f"{row}[languages]"] = ", ".join(value)
            elif key == "documents":
                data[f"{row}[doc_type]"] = value[0]["doc_type"]
                data[f"{row}[doc_number]"] = value[0]["number"]
                data[f"{row}[doc_country]"] = value[0]["issuing_country"]
            else:
                data[f"{row}[{key}]"] = str(value)
    data.update(overrides)
    return data


def register_through_form(client: TestClient, site: Any, **overrides: Any) -> Any:
    form = client.get("/households/new")
    assert form.status_code == 200, form.text
    return client.post("/households/new", data=household_form(site, csrf_of(form.text), **overrides))
