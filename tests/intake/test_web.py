"""The import pages: upload, mapping review with suggestions, progress, the report per row and field,
commit and refusal, through the web UI with its CSRF token."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.helpers import PASSWORD, Seed
from tests.intake.support import people

from refugio.main import Container, create_app

CSV = (
    "HH ID,Relationship,Prénom,Apellido,Sex,DOB,Consent\n"
    "H1,head,Ali,Omar,M,1980,yes\nH1,wife,Sara,Omar,F,1985,yes\nH2,head,Bad,Date,M,31/02/1990,yes\n"
).encode()


@pytest.fixture
def browser(container: Container, seeded: Seed) -> Iterator[TestClient]:
    with TestClient(create_app(container=container), base_url="https://testserver") as c:
        page = c.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        c.post("/login", data={"username": "clerk", "password": PASSWORD, "csrf_token": token.group(1)})
        yield c


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def _upload(browser: TestClient, seeded: Seed) -> tuple[str, str]:
    page = browser.get("/imports")
    assert page.status_code == 200 and 'href="/imports"' in page.text  # the navigation link
    token = _csrf(page.text)
    r = browser.post(
        "/imports",
        data={"csrf_token": token, "site_id": str(seeded.camp_id), "source": "partner"},
        files={"file": ("list.csv", CSV, "text/csv")},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].endswith("/mapping")
    return r.headers["location"].split("/")[2], token


def _wait(browser: TestClient, batch_id: str) -> None:
    for _ in range(100):
        if browser.get(f"/imports/{batch_id}/progress").headers.get("hx-refresh") == "true":
            return
        time.sleep(0.05)
    raise AssertionError("the import did not finish")


def test_upload_review_check_and_commit(browser: TestClient, container: Container, seeded: Seed) -> None:
    batch_id, token = _upload(browser, seeded)
    review = browser.get(f"/imports/{batch_id}/mapping")
    assert review.status_code == 200
    # suggestions preselected: the French and Spanish headers found their fields
    assert re.search(r'name="col_2">.*?<option value="given_name" selected', review.text, re.S)
    assert re.search(r'name="col_3">.*?<option value="family_name" selected', review.text, re.S)
    form = {"csrf_token": token, "date_order": "DMY"}
    for i, name in enumerate(
        [
            "household_key",
            "relationship",
            "given_name",
            "family_name",
            "sex",
            "date_of_birth",
            "consent_given",
        ]
    ):
        form[f"col_{i}"] = name
    assert browser.post(f"/imports/{batch_id}/mapping", data=form, follow_redirects=False).status_code == 303
    _wait(browser, batch_id)
    page = browser.get(f"/imports/{batch_id}")
    assert "&#39;31/02/1990&#39; is not a real date" in page.text and "Commit the import" in page.text
    assert browser.get(f"/imports/{batch_id}/report.xlsx").content[:2] == b"PK"
    assert (
        browser.post(f"/imports/{batch_id}/commit", data={}, follow_redirects=False).status_code == 403
    )  # no CSRF
    done = browser.post(f"/imports/{batch_id}/commit", data={"csrf_token": token}, follow_redirects=True)
    assert done.status_code == 200 and "committed" in done.text
    assert people(container) == 2


def test_refuse_and_bad_upload(browser: TestClient, container: Container, seeded: Seed) -> None:
    batch_id, token = _upload(browser, seeded)
    refused = browser.post(f"/imports/{batch_id}/refuse", data={"csrf_token": token, "reason": "wrong list"})
    assert refused.status_code == 200 and "refused" in refused.text
    assert people(container) == 0
    bad = browser.post(
        "/imports",
        data={"csrf_token": token, "site_id": str(seeded.camp_id)},
        files={
            "file": (
                "old.xls",
                b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,
                "application/vnd.ms-excel",
            )
        },
    )
    assert bad.status_code == 422 and "save it as .xlsx or CSV" in bad.text
