"""The public /verify page: valid, tampered, revoked, malformed and unknown certificates, by QR text or
by uploading the PDF, and the public key."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.helpers import household_payload
from tests.web.support import csrf_of

from refugio.main import Container
from refugio.registration import certificate as cert
from refugio.registration import service as reg
from refugio.registration.models import Individual
from refugio.registration.schemas import HouseholdCreate
from refugio.security.principals import SYSTEM
from refugio.store.uow import unit_of_work


def issue(container: Container, site_id: uuid.UUID) -> cert.Issued:
    with unit_of_work(container.sessions) as s:
        hh = reg.register_household(
            s, actor=SYSTEM, data=HouseholdCreate.model_validate(household_payload(site_id, members=2))
        )
        person = s.scalar(
            select(Individual.id).where(Individual.household_id == hh.id).order_by(Individual.ref)
        )
        return cert.issue_certificate(
            s, actor=SYSTEM, individual_id=person, signer=container.keyring.signing_key()
        )


def check(client: TestClient, *, token: str = "", pdf: bytes | None = None) -> str:
    csrf = csrf_of(client.get("/verify").text)
    files = {"file": ("certificate.pdf", pdf, "application/pdf")} if pdf is not None else None
    response = client.post("/verify", data={"csrf_token": csrf, "token": token}, files=files)
    assert response.status_code == 200, response.text
    return response.text


def test_valid_certificate_by_text_and_by_pdf_without_signing_in(client, seeded, container):
    issued = issue(container, seeded.camp_id)
    html = check(client, token=issued.token)
    assert "VALID" in html and 'class="verdict ok"' in html
    assert "Khaled" in html and issued.certificate.serial in html
    by_pdf = check(client, pdf=issued.pdf)
    assert "VALID" in by_pdf and "Khaled" in by_pdf


def test_tampered_certificate(client, seeded, container):
    issued = issue(container, seeded.camp_id)
    prefix, claims, signature = issued.token.split(".")
    data = cert._unb64(claims).replace(b"Khaled", b"Khalil")
    forged = f"{prefix}.{cert._b64(data)}.{signature}"
    html = check(client, token=forged)
    assert "TAMPERED" in html and 'class="verdict bad"' in html
    assert "Khalil" not in html  # claims of a broken signature are not shown


def test_revoked_certificate(client, seeded, container):
    issued = issue(container, seeded.camp_id)
    with unit_of_work(container.sessions) as s:
        cert.revoke_certificate(s, actor=SYSTEM, serial=issued.certificate.serial, reason="Reported stolen")
    html = check(client, token=issued.token)
    assert "REVOKED" in html and "Reported stolen" in html and 'class="verdict bad"' in html


def test_malformed_input_and_not_a_certificate_pdf(client, seeded):
    assert "MALFORMED" in check(client, token="hello")
    assert "MALFORMED" in check(client, pdf=b"%PDF-1.4 not really")
    assert "MALFORMED" in check(client)


def test_verify_needs_the_form_token(client, seeded):
    client.get("/verify")
    assert client.post("/verify", data={"token": "RFG1.x.y"}).status_code == 403


def test_public_key_is_served_as_pem(client, seeded, container):
    response = client.get("/verify/public-key")
    assert response.status_code == 200
    assert response.content == container.keyring.public_key_pem()
    assert response.text.startswith("-----BEGIN PUBLIC KEY-----")


def test_unknown_certificate_signed_by_this_key(client, seeded, container):
    from refugio.security.keys import key_id

    signer = container.keyring.signing_key()
    claims = {
        "v": 1,
        "s": "JOR-C-260101-DEADBEEF",
        "id": "JOR-26-000777-01",
        "hh": "JOR-26-000777",
        "op": "JOR",
        "gn": "Ghost",
        "mn": "",
        "fn": "Person",
        "on": "",
        "sex": "M",
        "dob": "1990-01-01",
        "dp": "exact",
        "coo": "SYR",
        "iss": "2026-01-01",
        "exp": "2027-01-01",
        "kid": key_id(signer.public_key()),
    }
    html = check(client, token=cert.encode_token(claims, signer))
    assert "UNKNOWN" in html and 'class="verdict warn"' in html and "Ghost" in html
