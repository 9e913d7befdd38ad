"""The OpenRosa server (/openrosa) and the imports API (/api/v1/imports) over HTTP, on both backends;
the XLSForms (refugio's own, and the real forms in shared/data/external/xlsforms, read in place)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.helpers import PASSWORD, Seed, principal

from refugio.intake import openrosa
from refugio.intake.xlsform_pyxform import LANGS, convert, registration_xlsform
from refugio.main import Container, create_app
from refugio.store.uow import unit_of_work

XLSFORMS = Path(__file__).resolve().parents[3] / "shared" / "data" / "external" / "xlsforms"


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container=container), base_url="https://testserver") as c:
        yield c


def _basic(user: str = "clerk", password: str = PASSWORD) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def _form(container: Container, seeded: Seed) -> tuple[str, str]:
    with unit_of_work(container.sessions) as s:
        f = openrosa.publish_form(s, actor=principal(container, "admin"), site_id=seeded.camp_id)
        return f.form_id, f.version


def _submission(form_id: str, instance: str, given: str = "Omar", extra: str = "") -> bytes:
    return (
        f'<?xml version="1.0"?><data xmlns:orx="http://openrosa.org/xforms" id="{form_id}">'
        "<household><site>ZAA</site><registration_date>2026-11-20</registration_date>"
        "<country_of_origin>SYR</country_of_origin><population_type>refugee</population_type>"
        "<consent_given>yes</consent_given>"
        "<consent_purposes>registration assistance</consent_purposes></household>"
        f"<members><relationship>focal_point</relationship><given_name>{given}</given_name>"
        "<family_name>Khalil</family_name><sex>M</sex><dob_known>year</dob_known><dob_year>1980-01-01</dob_year>"
        "<languages>ara eng</languages></members>"
        "<members><relationship>spouse</relationship><given_name>Huda</given_name><family_name>Khalil</family_name>"
        "<sex>F</sex><dob_known>age</dob_known><stated_age>40</stated_age></members>"
        f"<orx:meta><orx:instanceID>{instance}</orx:instanceID>{extra}</orx:meta></data>"
    ).encode()


def _post(client: TestClient, xml: bytes, headers: dict[str, str], **files: tuple[str, bytes, str]) -> object:
    return client.post(
        "/openrosa/submission",
        headers=headers,
        files={"xml_submission_file": ("submission.xml", xml, "text/xml"), **files},
    )


def test_openrosa_form_list_manifest_and_head(client: TestClient, container: Container, seeded: Seed) -> None:
    form_id, version = _form(container, seeded)
    r = client.head("/openrosa/submission")
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Basic")
    r = client.head("/openrosa/submission", headers=_basic())
    assert r.status_code == 204
    assert r.headers["x-openrosa-version"] == "1.0"
    assert int(r.headers["x-openrosa-accept-content-length"]) > 0 and r.headers["date"]
    r = client.get("/openrosa/formList", headers=_basic())
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/xml")
    assert f"<formID>{form_id}</formID>" in r.text and f"<version>{version}</version>" in r.text
    assert "<hash>md5:" in r.text and f"/openrosa/forms/{form_id}/form.xml" in r.text
    xform = client.get(f"/openrosa/forms/{form_id}/form.xml", headers=_basic())
    assert xform.status_code == 200 and "<h:html" in xform.text and "jr:itext" in xform.text
    manifest = client.get(f"/openrosa/forms/{form_id}/manifest", headers=_basic())
    assert manifest.status_code == 200 and "xformsManifest" in manifest.text
    assert client.get("/openrosa/forms/nope/form.xml", headers=_basic()).status_code == 404
    assert client.get("/openrosa/formList", headers=_basic(password="wrong password!")).status_code == 401
    # the viewer may not submit anywhere: the list is empty
    assert "<formID>" not in client.get("/openrosa/formList", headers=_basic("viewer")).text


def test_openrosa_submission_is_received_once(client: TestClient, container: Container, seeded: Seed) -> None:
    form_id, _version = _form(container, seeded)
    xml = _submission(form_id, "uuid:0001")
    first = _post(client, xml, _basic(), photo=("photo.jpg", b"\xff\xd8jpeg", "image/jpeg"))
    assert first.status_code == 201, first.text  # type: ignore[attr-defined]
    assert "OpenRosaResponse" in first.text and first.headers["x-openrosa-version"] == "1.0"  # type: ignore[attr-defined]
    again = _post(client, xml, _basic())
    assert again.status_code == 202 and "duplicate" in again.text  # type: ignore[attr-defined]
    with unit_of_work(container.sessions) as s:
        from sqlalchemy import func, select

        from refugio.intake.models import Attachment, StagedRow, Submission

        assert s.scalar(select(func.count()).select_from(Submission)) == 1
        assert s.scalar(select(func.count()).select_from(StagedRow)) == 2
        assert s.scalar(select(Attachment.size)) == 6
        batch_id = s.scalar(select(Submission.batch_id))
    # a token works as well as a password
    token = client.post(
        "/api/v1/tokens", json={"username": "clerk", "password": PASSWORD, "name": "tablet"}
    ).json()
    bearer = {"Authorization": f"Bearer {token['token']}"}
    assert _post(client, _submission(form_id, "uuid:0002", "Said"), bearer).status_code == 201  # type: ignore[attr-defined]
    # an edit replaces the rows of the submission it edits, while in staging
    edit = _submission(form_id, "uuid:0003", "Omer", "<orx:deprecatedID>uuid:0001</orx:deprecatedID>")
    assert _post(client, edit, _basic()).status_code == 201  # type: ignore[attr-defined]
    r = client.post(f"/api/v1/imports/{batch_id}/close", headers=bearer)
    assert r.status_code == 200 and r.json()["status"] == "ready"
    assert r.json()["counts"]["households_new"] == 2 and r.json()["counts"]["rows"] == 4
    r = client.post(f"/api/v1/imports/{batch_id}/commit", headers=bearer)
    assert r.status_code == 200 and r.json()["people_registered"] == 4


def test_openrosa_submission_with_errors_is_staged_for_review(
    client: TestClient, container: Container, seeded: Seed
) -> None:
    form_id, _version = _form(container, seeded)
    xml = _submission(form_id, "uuid:bad-1").replace(b"<sex>F</sex>", b"<sex>Q</sex>")
    r = _post(client, xml, _basic())
    assert r.status_code == 201 and "with errors to review" in r.text  # type: ignore[attr-defined]
    with unit_of_work(container.sessions) as s:
        from sqlalchemy import select

        from refugio.intake.models import StagedRow, Submission

        assert s.scalar(select(Submission.status)) == "invalid"
        staged = {r.row_no: r for r in s.scalars(select(StagedRow))}
        assert staged[2].status == "invalid" and staged[2].errors[0]["field"] == "sex"
        assert staged[1].status == "held"  # its household is held back whole
    good = _post(client, _submission(form_id, "uuid:good-1"), _basic())
    assert good.status_code == 201 and "errors" not in good.text  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (b"<data", 400, "not well-formed"),
        (b'<!DOCTYPE d [<!ENTITY e "x">]><data id="f">&e;</data>', 400, "DTD"),
        (b'<data id="nope"><meta><instanceID>uuid:x</instanceID></meta></data>', 404, "unknown form id"),
        (b'<data id="refugio_registration_jor"><meta/></data>', 400, "instanceID"),
    ],
)
def test_openrosa_bad_submissions_get_clear_4xx(
    client: TestClient, container: Container, seeded: Seed, body: bytes, status: int, words: str
) -> None:
    _form(container, seeded)
    r = _post(client, body, _basic())
    assert r.status_code == status and words in r.text  # type: ignore[attr-defined]
    assert r.headers["content-type"].startswith("text/xml")  # type: ignore[attr-defined]
    r = client.post("/openrosa/submission", headers=_basic(), content=b"x", params={})
    assert r.status_code == 400


def test_imports_api_upload_status_rows_report_commit(
    client: TestClient, container: Container, seeded: Seed
) -> None:
    token = client.post(
        "/api/v1/tokens", json={"username": "clerk", "password": PASSWORD, "name": "t"}
    ).json()
    auth = {"Authorization": f"Bearer {token['token']}"}
    csv = (
        b"HH ID,Relationship,First name,Last name,Sex,DOB,Consent\n"
        b"H1,head,Ali,Omar,M,1980,yes\nH1,wife,Sara,Omar,F,1985,yes\nH2,head,Bad,Date,M,31/02/1990,yes\n"
    )
    assert client.post("/api/v1/imports", files={"file": ("x.csv", csv, "text/csv")}).status_code == 401
    r = client.post(
        "/api/v1/imports",
        headers=auth,
        files={"file": ("x.csv", csv, "text/csv")},
        data={"site_id": str(seeded.camp_id)},
    )
    assert r.status_code == 202 and r.headers["location"].endswith(r.json()["id"])
    batch_id = r.json()["id"]
    status = client.get(f"/api/v1/imports/{batch_id}", headers=auth).json()
    assert status["status"] == "ready" and status["counts"]["households_new"] == 1
    bad = client.get(f"/api/v1/imports/{batch_id}/rows", params={"status": "invalid"}, headers=auth).json()
    assert bad["total"] == 1 and bad["items"][0]["errors"][0]["column"] == "DOB"
    report = client.get(f"/api/v1/imports/{batch_id}/report.xlsx", headers=auth)
    assert report.status_code == 200 and report.content[:2] == b"PK"
    assert client.post("/api/v1/imports/", headers=auth, json={}).status_code == 415
    assert (
        client.post(f"/api/v1/imports/{batch_id}/refuse", headers=auth, json={"reason": ""}).status_code
        == 422
    )
    done = client.post(f"/api/v1/imports/{batch_id}/commit", headers=auth)
    assert done.status_code == 200 and done.json()["people_registered"] == 2
    assert client.post(f"/api/v1/imports/{batch_id}/commit", headers=auth).status_code == 409
    other = client.post(
        "/api/v1/imports",
        headers=auth,
        files={"file": ("x.csv", csv, "text/csv")},
        data={"site_id": str(seeded.office_id)},
    )
    assert other.status_code == 422  # the clerk may import only at ZAA


def test_registration_xlsform_is_valid_in_four_languages() -> None:
    data = registration_xlsform(sites=[("ZAA", "Zaatari camp")], form_id="refugio_registration_test")
    info = convert(data)
    assert info.form_id == "refugio_registration_test" and info.repeats == ["/data/members"]
    names = {path.rsplit("/", 1)[-1] for path, _kind, _label in info.fields}
    assert {"given_name", "sex", "date_of_birth", "stated_age", "consent_given", "site"} <= names
    for _code, language in LANGS:
        assert f'lang="{language}"' in info.xform


def test_real_xlsforms_rejected_with_sheet_row_and_problem() -> None:
    if not (XLSFORMS / "form.xls").exists():
        pytest.skip("shared/data/external/xlsforms is not beside the checkout")
    from refugio.core.errors import ValidationFailed
    from refugio.intake.xlsform_pyxform import check_xlsform

    with pytest.raises(ValidationFailed) as err:
        check_xlsform(XLSFORMS / "form.xls")
    error = err.value.errors[0]
    assert error.field == "choices.row 160" and "unique" in error.message
    good = check_xlsform(XLSFORMS / "XLSform_template.xlsx")
    assert good.form_id and good.fields


def test_an_edit_cannot_replace_another_sites_submission(
    client: TestClient, container: Container, seeded: Seed
) -> None:
    """A `deprecatedID` once replaced any submission by instanceID alone, deleting its staged rows
    (issue 14 item 1): an edit must come through the same form, from a user allowed on its site."""
    from sqlalchemy import func, select

    from refugio.intake.models import StagedRow, Submission
    from refugio.security import service as sec
    from refugio.security.permissions import Role
    from refugio.security.principals import SYSTEM

    camp_form, _v = _form(container, seeded)
    with unit_of_work(container.sessions) as s:
        office_xlsx = registration_xlsform(sites=[("AMM", "Amman office")], form_id="refugio_amm")
        office_form = openrosa.publish_form(
            s, actor=principal(container, "admin"), site_id=seeded.office_id, xlsform=office_xlsx
        ).form_id
        user = sec.create_user(s, actor=SYSTEM, username="clerk2", full_name="Clerk Two", password=PASSWORD)
        sec.grant_role(
            s,
            actor=SYSTEM,
            user=user,
            role=Role.REGISTRATION_CLERK,
            operation_id=seeded.operation_id,
            site_id=seeded.office_id,
        )
    assert _post(client, _submission(camp_form, "uuid:camp-1"), _basic()).status_code == 201  # type: ignore[attr-defined]
    replace = "<orx:deprecatedID>uuid:camp-1</orx:deprecatedID>"
    office_edit = _submission(office_form, "uuid:office-1", "Forged", replace).replace(b">ZAA<", b">AMM<")
    refused = _post(client, office_edit, _basic("clerk2"))
    assert refused.status_code == 403, refused.text  # type: ignore[attr-defined]
    other_form = _post(client, _submission(office_form, "uuid:office-2", "Forged", replace), _basic("admin"))
    assert other_form.status_code == 400 and "same form" in other_form.text  # type: ignore[attr-defined]
    with unit_of_work(container.sessions) as s:
        kept = s.scalar(select(Submission).where(Submission.instance_id == "uuid:camp-1"))
        assert kept is not None and kept.status == "staged"
        assert (
            s.scalar(select(func.count()).select_from(StagedRow).where(StagedRow.submission_id == kept.id))
            == 2
        )
        assert s.scalar(select(func.count()).select_from(Submission)) == 1
    # the same user, through the same form, may still correct their submission
    own = _submission(camp_form, "uuid:camp-2", "Omer", replace)
    assert _post(client, own, _basic()).status_code == 201  # type: ignore[attr-defined]


def test_an_import_file_larger_than_the_request_limit_is_accepted(
    client: TestClient, container: Container, seeded: Seed
) -> None:
    """Issue 14 item 9: imports were capped by the 2 MB limit of every request, so a real Kobo export
    could not be uploaded. The import routes take up to `max_import_bytes`; the others keep the limit."""
    limit = container.settings.max_request_bytes
    token = client.post(
        "/api/v1/tokens", json={"username": "clerk", "password": PASSWORD, "name": "t"}
    ).json()
    auth = {"Authorization": f"Bearer {token['token']}"}
    note = "x" * 30_000
    rows = [b"HH ID,Relationship,First name,Last name,Sex,DOB,Consent,Notes"]
    rows += [f"H{n},head,Ali,Omar{n},M,1980,yes,{note}".encode() for n in range(limit // 30_000 + 20)]
    csv = b"\n".join(rows) + b"\n"
    assert len(csv) > limit
    r = client.post(
        "/api/v1/imports",
        headers=auth,
        files={"file": ("big.csv", csv, "text/csv")},
        data={"site_id": str(seeded.camp_id)},
    )
    assert r.status_code == 202, r.text
    assert client.get(r.headers["location"], headers=auth).json()["counts"]["rows"] == len(rows) - 1
    too_big = client.post("/api/v1/tokens", headers=auth, content=b"{" + b" " * limit + b"}")
    assert too_big.status_code == 413
