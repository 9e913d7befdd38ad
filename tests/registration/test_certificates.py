"""Registration certificates: a signed token that verifies offline; altered claims, another key, a
revocation (in the registry or through the signed list) and expiry are each reported as such; the PDF
is a real one page PDF that carries the token.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pypdf import PdfReader
from tests.helpers import Seed, household_payload
from tests.registration.support import register

from refugio.core import clock
from refugio.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from refugio.main import Container
from refugio.registration import certificate as cert
from refugio.registration import service as reg
from refugio.registration.models import Household
from refugio.registration.schemas import DeathRecord
from refugio.security.principals import Principal
from refugio.store.uow import unit_of_work

Status = cert.Status


@pytest.fixture
def family(container: Container, seeded: Seed, clerk: Principal) -> Household:
    return register(container, clerk, household_payload(seeded.camp_id, members=2))


def _issue(container: Container, actor: Principal, individual_id: uuid.UUID, **options: int) -> cert.Issued:
    with unit_of_work(container.sessions) as s:
        return cert.issue_certificate(
            s, actor=actor, individual_id=individual_id, signer=container.keyring.signing_key(), **options
        )


def _in_registry(container: Container, token: str) -> cert.Verification:
    with unit_of_work(container.sessions) as s:
        return cert.verify_in_registry(s, token, container.keyring.public_key())


def _claims(token: str) -> dict[str, object]:
    body = token.split(".")[1]
    claims: dict[str, object] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return claims


def _with_claims(token: str, claims: dict[str, object]) -> str:
    """The token with other claims but the original signature."""
    prefix, _body, signature = token.split(".")
    body = base64.urlsafe_b64encode(json.dumps(claims, separators=(",", ":")).encode()).rstrip(b"=").decode()
    return f"{prefix}.{body}.{signature}"


# --- issuing and verifying ------------------------------------------------------------------------------


def test_an_issued_certificate_verifies_offline_and_in_the_registry(
    container: Container, family: Household, clerk: Principal
) -> None:
    khaled = family.members[0]
    issued = _issue(container, clerk, khaled.id)
    result = cert.verify_token(issued.token, container.keyring.public_key())
    assert result.status == Status.VALID and result.ok
    assert result.claims["id"] == khaled.ref and result.claims["hh"] == family.ref
    assert (result.claims["gn"], result.claims["fn"], result.claims["on"]) == (
        "Khaled",
        "Haddad",
        "خالد حداد",
    )
    assert result.claims["s"] == issued.certificate.serial
    assert issued.certificate.valid_until == clock.today() + dt.timedelta(days=cert.VALIDITY_DAYS)
    assert _in_registry(container, issued.token).status == Status.VALID


def test_altered_claims_are_detected(container: Container, family: Household, clerk: Principal) -> None:
    issued = _issue(container, clerk, family.members[0].id)
    for change in ({"fn": "Someone Else"}, {"exp": "2099-12-31"}, {"dob": "2010-01-01"}):
        forged = _with_claims(issued.token, {**_claims(issued.token), **change})
        assert cert.verify_token(forged, container.keyring.public_key()).status == Status.TAMPERED
        assert _in_registry(container, forged).status == Status.TAMPERED


def test_a_signature_from_another_key_is_detected(
    container: Container, family: Household, clerk: Principal
) -> None:
    issued = _issue(container, clerk, family.members[0].id)
    impostor = Ed25519PrivateKey.generate()
    forged = cert.encode_token({**_claims(issued.token), "fn": "Someone Else"}, impostor)
    assert cert.verify_token(forged, container.keyring.public_key()).status == Status.TAMPERED
    assert _in_registry(container, forged).status == Status.TAMPERED
    # and a genuine certificate does not verify against another operation's key
    assert cert.verify_token(issued.token, impostor.public_key()).status == Status.TAMPERED


def test_a_genuine_signature_on_a_certificate_never_issued_is_unknown(
    container: Container, family: Household, clerk: Principal
) -> None:
    issued = _issue(container, clerk, family.members[0].id)
    invented = cert.encode_token(
        {**_claims(issued.token), "s": "JOR-C-000000-DEADBEEF"}, container.keyring.signing_key()
    )
    assert cert.verify_token(invented, container.keyring.public_key()).status == Status.VALID
    assert _in_registry(container, invented).status == Status.UNKNOWN


@pytest.mark.parametrize(
    "token",
    ["", "RFG1.abc", "XYZ1.e30.AAAA", "RFG1.!!!.AAAA", "RFG1.W10.AAAA", "RFG1." + "A" * 5000 + ".AA"],
)
def test_garbage_is_malformed(container: Container, token: str) -> None:
    assert cert.verify_token(token, container.keyring.public_key()).status == Status.MALFORMED


# --- revocation -----------------------------------------------------------------------------------------


def test_a_revoked_certificate_is_reported_in_the_registry_and_offline(
    container: Container, family: Household, clerk: Principal, protection: Principal
) -> None:
    issued = _issue(container, clerk, family.members[0].id)
    serial = issued.certificate.serial
    with unit_of_work(container.sessions) as s:
        cert.revoke_certificate(s, actor=protection, serial=serial.lower(), reason="card reported stolen")
    online = _in_registry(container, issued.token)
    assert online.status == Status.REVOKED and online.revocation_reason == "card reported stolen"

    with unit_of_work(container.sessions) as s:
        published = cert.revocation_list(s, container.keyring.signing_key())
    revoked = cert.read_revocation_list(json.loads(json.dumps(published)), container.keyring.public_key())
    assert revoked == {serial: "card reported stolen"}
    offline = cert.verify_token(issued.token, container.keyring.public_key(), revoked=revoked)
    assert offline.status == Status.REVOKED and offline.revocation_reason == "card reported stolen"


def test_an_altered_or_foreign_revocation_list_is_rejected(
    container: Container, family: Household, clerk: Principal, protection: Principal
) -> None:
    issued = _issue(container, clerk, family.members[0].id)
    with unit_of_work(container.sessions) as s:
        cert.revoke_certificate(s, actor=protection, serial=issued.certificate.serial, reason="lost")
        published = cert.revocation_list(s, container.keyring.signing_key())
        foreign = cert.revocation_list(s, Ed25519PrivateKey.generate())
    emptied = {**published, "revoked": {}}
    with pytest.raises(ValueError, match="signature"):
        cert.read_revocation_list(emptied, container.keyring.public_key())
    with pytest.raises(ValueError, match="signature"):
        cert.read_revocation_list(foreign, container.keyring.public_key())
    with pytest.raises(ValueError, match="not a refugio revocation list"):
        cert.read_revocation_list({"revoked": {}}, container.keyring.public_key())


def test_revoking_needs_the_permission_a_reason_and_happens_once(
    container: Container, family: Household, clerk: Principal, protection: Principal
) -> None:
    serial = _issue(container, clerk, family.members[0].id).certificate.serial
    with unit_of_work(container.sessions) as s, pytest.raises(PermissionDenied):
        cert.revoke_certificate(s, actor=clerk, serial=serial, reason="the clerk wants to")
    with unit_of_work(container.sessions) as s, pytest.raises(ValidationFailed) as caught:
        cert.revoke_certificate(s, actor=protection, serial=serial, reason="")
    assert caught.value.errors[0].field == "reason"
    with unit_of_work(container.sessions) as s:
        cert.revoke_certificate(s, actor=protection, serial=serial, reason="lost")
    with unit_of_work(container.sessions) as s, pytest.raises(Conflict):
        cert.revoke_certificate(s, actor=protection, serial=serial, reason="lost again")
    with unit_of_work(container.sessions) as s, pytest.raises(NotFound):
        cert.revoke_certificate(s, actor=protection, serial="JOR-C-000000-00000000", reason="unknown")


def test_issuing_again_revokes_the_previous_certificate(
    container: Container, family: Household, clerk: Principal
) -> None:
    first = _issue(container, clerk, family.members[0].id)
    second = _issue(container, clerk, family.members[0].id)
    old = _in_registry(container, first.token)
    assert old.status == Status.REVOKED
    assert old.revocation_reason == f"superseded by {second.certificate.serial}"
    assert _in_registry(container, second.token).status == Status.VALID


# --- expiry and who may hold one ------------------------------------------------------------------------


def test_an_expired_certificate_is_reported_as_expired(
    container: Container, family: Household, clerk: Principal
) -> None:
    issued = _issue(container, clerk, family.members[0].id, valid_days=30)
    later = clock.now() + dt.timedelta(days=31)
    with clock.frozen(later):
        assert cert.verify_token(issued.token, container.keyring.public_key()).status == Status.EXPIRED
        assert _in_registry(container, issued.token).status == Status.EXPIRED
    assert cert.verify_token(issued.token, container.keyring.public_key()).status == Status.VALID


def test_a_deceased_person_gets_no_certificate_and_loses_theirs(
    container: Container, family: Household, clerk: Principal
) -> None:
    mariam = family.members[1]
    issued = _issue(container, clerk, mariam.id)
    with unit_of_work(container.sessions) as s:
        reg.record_death(
            s, actor=clerk, individual_id=mariam.id, data=DeathRecord(date_of_death=clock.today())
        )
    assert _in_registry(container, issued.token).status == Status.REVOKED
    with pytest.raises(Conflict, match="deceased"):
        _issue(container, clerk, mariam.id)


def test_certificates_are_issued_only_within_scope_and_with_the_permission(
    container: Container,
    seeded: Seed,
    family: Household,
    clerk: Principal,
    admin: Principal,
    viewer: Principal,
) -> None:
    at_office = register(container, admin, household_payload(seeded.office_id, members=1))
    with pytest.raises(NotFound):
        _issue(container, clerk, at_office.members[0].id)
    with pytest.raises(PermissionDenied):
        _issue(container, viewer, at_office.members[0].id)
    with pytest.raises(ValidationFailed):
        _issue(container, clerk, family.members[0].id, valid_days=0)


# --- the PDF --------------------------------------------------------------------------------------------


def test_the_pdf_is_a_real_one_page_pdf_carrying_the_token(
    container: Container, family: Household, clerk: Principal
) -> None:
    issued = _issue(container, clerk, family.members[0].id)
    assert issued.pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(issued.pdf))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert family.members[0].ref in text and issued.certificate.serial in text
    assert cert.token_from_pdf(issued.pdf) == issued.token


def test_a_pdf_without_a_certificate_is_refused() -> None:
    from fpdf import FPDF

    plain = FPDF()
    plain.add_page()
    with pytest.raises(ValueError, match="no refugio certificate"):
        cert.token_from_pdf(bytes(plain.output()))
    with pytest.raises(ValueError, match="not a readable PDF"):
        cert.token_from_pdf(b"this is not a PDF at all")


def test_the_certificate_speaks_english_and_the_operations_language(
    container: Container, family: Household, clerk: Principal
) -> None:
    from refugio.registration.certificate_text import operation_language

    assert operation_language("JOR") == "ar" and operation_language("NER") == "fr"
    assert operation_language("COL") == "es" and operation_language("KEN") is None
    issued = _issue(container, clerk, family.members[0].id)  # the seeded operation JOR: Arabic
    reader = PdfReader(io.BytesIO(issued.pdf))
    text = reader.pages[0].extract_text()
    assert "Registration certificate" in text and "Date of birth" in text
    assert "شهادة تسجيل" in text and "تاريخ الميلاد" in text  # shaped, read back in logical order
    assert len(issued.pdf) > 0 and cert.token_from_pdf(issued.pdf) == issued.token
    with unit_of_work(container.sessions) as s:
        from refugio.registration.models import Operation

        op = s.get(Operation, family.operation_id)
        assert op is not None
        op.country_iso3 = "NER"  # an operation in Niger: French
    french = PdfReader(io.BytesIO(_issue(container, clerk, family.members[1].id).pdf)).pages[0].extract_text()
    assert "Certificat d'enregistrement" in french and "Date de naissance" in french
    assert "Femme" in french or "Homme" in french
