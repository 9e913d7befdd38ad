"""Registration certificates: a PDF with a QR code carrying an Ed25519-signed payload.

Token format (what the QR code holds): `RFG1.<base64url(JSON claims)>.<base64url(signature)>`, the
signature covering `RFG1.<base64url(JSON claims)>`. Anyone with the public key can check a token
offline; a signed revocation list lets them also know it was revoked. Issuing a new certificate to a
person revokes their earlier ones.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import io
import json
import secrets
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.core.errors import Conflict, NotFound, ValidationFailed
from refugio.core.pdf_fonts import add_sans, font_path
from refugio.registration.certificate_text import operation_language, word
from refugio.registration.enums import EventType
from refugio.registration.models import Certificate, Household, Individual, Operation, RegistrationEvent
from refugio.registration.reference import country_name
from refugio.security import audit
from refugio.security.keys import key_id, verify_signature
from refugio.security.permissions import Permission
from refugio.security.principals import Principal

PREFIX = "RFG1"
VALIDITY_DAYS = 365 * 2
MAX_TOKEN_LENGTH = 4000


class Signer(Protocol):
    def sign(self, data: bytes) -> bytes: ...
    def public_key(self) -> Ed25519PublicKey: ...


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_token(claims: dict[str, Any], signer: Signer) -> str:
    body = f"{PREFIX}.{_b64(json.dumps(claims, separators=(',', ':'), ensure_ascii=False).encode())}"
    return f"{body}.{_b64(signer.sign(body.encode()))}"


class Status(StrEnum):
    VALID = "valid"
    TAMPERED = "tampered"  # signature does not match the content (or another key signed it)
    REVOKED = "revoked"
    EXPIRED = "expired"
    MALFORMED = "malformed"
    UNKNOWN = "unknown"  # signature valid but this registry has no such certificate


@dataclass
class Verification:
    status: Status
    message: str
    claims: dict[str, Any] = field(default_factory=dict)
    revoked_at: str | None = None
    revocation_reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == Status.VALID


def verify_token(
    token: str,
    public_key: Ed25519PublicKey,
    *,
    revoked: dict[str, str] | None = None,
    today: dt.date | None = None,
) -> Verification:
    """Check a token offline: signature, expiry and (if given) a revocation list {serial: reason}."""
    token = token.strip()
    if len(token) > MAX_TOKEN_LENGTH:
        return Verification(Status.MALFORMED, "too long to be a refugio certificate")
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        return Verification(
            Status.MALFORMED, f"not a refugio certificate (expected {PREFIX}.<claims>.<signature>)"
        )
    try:
        claims = json.loads(_unb64(parts[1]))
        signature = _unb64(parts[2])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return Verification(Status.MALFORMED, "the certificate data cannot be decoded")
    if not isinstance(claims, dict):
        return Verification(Status.MALFORMED, "the certificate data is not a record")
    if not verify_signature(public_key, signature, f"{parts[0]}.{parts[1]}".encode()):
        return Verification(
            Status.TAMPERED,
            "signature does not match: the certificate was altered or not issued with this key",
            claims,
        )
    if claims.get("kid") != key_id(public_key):
        return Verification(Status.TAMPERED, "signed by a different key than the one stated", claims)
    serial = str(claims.get("s", ""))
    if revoked is not None and serial in revoked:
        return Verification(
            Status.REVOKED, f"certificate {serial} was revoked", claims, revocation_reason=revoked[serial]
        )
    try:
        expires = dt.date.fromisoformat(str(claims.get("exp")))
    except ValueError:
        return Verification(Status.MALFORMED, "the expiry date is unreadable", claims)
    if expires < (today or clock.today()):
        return Verification(Status.EXPIRED, f"certificate {serial} expired on {expires.isoformat()}", claims)
    return Verification(
        Status.VALID, f"certificate {serial} is authentic and valid until {expires.isoformat()}", claims
    )


def verify_in_registry(session: Session, token: str, public_key: Ed25519PublicKey) -> Verification:
    """Check a token against this registry too: it must exist, match the issued payload, not be revoked."""
    result = verify_token(token, public_key)
    if result.status not in (Status.VALID, Status.EXPIRED):
        return result
    serial = str(result.claims.get("s", ""))
    cert = session.scalar(select(Certificate).where(Certificate.serial == serial))
    if cert is None:
        return Verification(
            Status.UNKNOWN, f"no certificate {serial} was issued by this registry", result.claims
        )
    if cert.payload_sha256 != hashlib.sha256(token.strip().encode()).hexdigest():
        return Verification(Status.TAMPERED, "the certificate differs from the one issued", result.claims)
    if cert.revoked_at is not None:
        return Verification(
            Status.REVOKED,
            f"certificate {serial} was revoked",
            result.claims,
            revoked_at=cert.revoked_at.date().isoformat(),
            revocation_reason=cert.revocation_reason,
        )
    return result


# ---------------------------------------------------------------------------------------------
# issuing and revoking


@dataclass(frozen=True)
class Issued:
    certificate: Certificate
    token: str
    pdf: bytes


def _claims(
    person: Individual,
    household: Household,
    op: Operation,
    serial: str,
    issued: dt.date,
    expires: dt.date,
    kid: str,
) -> dict[str, Any]:
    original = " ".join(
        p for p in (person.given_name_original, person.middle_name_original, person.family_name_original) if p
    )
    return {
        "v": 1,
        "s": serial,
        "id": person.ref,
        "hh": household.ref,
        "op": op.code,
        "gn": person.given_name,
        "mn": person.middle_name or "",
        "fn": person.family_name,
        "on": original,
        "sex": person.sex,
        "dob": person.date_of_birth.isoformat(),
        "dp": person.dob_precision,
        "coo": person.country_of_origin or "",
        "iss": issued.isoformat(),
        "exp": expires.isoformat(),
        "kid": kid,
    }


def issue_certificate(
    session: Session,
    *,
    actor: Principal,
    individual_id: uuid.UUID,
    signer: Signer,
    valid_days: int = VALIDITY_DAYS,
) -> Issued:
    """Issue a signed certificate (revoking the person's earlier ones) and render its PDF."""
    person = session.get(Individual, individual_id)
    if person is None or not actor.can(
        Permission.INDIVIDUAL_VIEW, operation_id=person.operation_id, site_id=person.site_id
    ):
        raise NotFound("no such individual")
    actor.require(Permission.CERTIFICATE_ISSUE, operation_id=person.operation_id, site_id=person.site_id)
    if person.status != "active":
        raise Conflict(f"{person.ref} is {person.status}: no certificate can be issued")
    if not 1 <= valid_days <= 3660:
        raise ValidationFailed.single("valid_days", "between 1 and 3660 days")
    household = session.get(Household, person.household_id)
    op = session.get(Operation, person.operation_id)
    assert household is not None and op is not None
    today = clock.today()
    serial = f"{op.code}-C-{today:%y%m%d}-{secrets.token_hex(4).upper()}"
    expires = today + dt.timedelta(days=valid_days)
    kid = key_id(signer.public_key())
    token = encode_token(_claims(person, household, op, serial, today, expires, kid), signer)
    for old in session.scalars(
        select(Certificate).where(Certificate.individual_id == person.id, Certificate.revoked_at.is_(None))
    ):
        old.revoked_at = clock.now()
        old.revoked_by = actor.label
        old.revocation_reason = f"superseded by {serial}"
    cert = Certificate(
        serial=serial,
        individual_id=person.id,
        issued_by=actor.label,
        valid_until=expires,
        payload_sha256=hashlib.sha256(token.encode()).hexdigest(),
        key_id=kid,
    )
    session.add(cert)
    session.add(
        RegistrationEvent(
            operation_id=person.operation_id,
            household_id=person.household_id,
            individual_id=person.id,
            event_type=EventType.CERTIFICATE_ISSUED.value,
            occurred_on=today,
            recorded_by=actor.label,
            summary=f"Registration certificate {serial} issued, valid until {expires.isoformat()}",
            details={"serial": serial},
        )
    )
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="certificate.issue",
        object_type="individual",
        object_id=str(person.id),
        details={"serial": serial},
    )
    return Issued(
        cert,
        token,
        render_pdf(
            token=token,
            person=person,
            household=household,
            operation=op,
            serial=serial,
            issued=today,
            expires=expires,
        ),
    )


def revoke_certificate(session: Session, *, actor: Principal, serial: str, reason: str) -> Certificate:
    """Revoke a certificate (lost, stolen, error, status change); recorded with the reason."""
    cert = session.scalar(select(Certificate).where(Certificate.serial == serial.strip().upper()))
    if cert is None:
        raise NotFound(f"no certificate {serial}")
    person = session.get(Individual, cert.individual_id)
    assert person is not None
    if not actor.can(Permission.INDIVIDUAL_VIEW, operation_id=person.operation_id, site_id=person.site_id):
        raise NotFound(f"no certificate {serial}")
    actor.require(Permission.CERTIFICATE_REVOKE, operation_id=person.operation_id, site_id=person.site_id)
    if len(reason.strip()) < 3:
        raise ValidationFailed.single("reason", "give a reason", "required")
    if cert.revoked_at is not None:
        raise Conflict(f"certificate {cert.serial} was already revoked")
    cert.revoked_at = clock.now()
    cert.revoked_by = actor.label
    cert.revocation_reason = reason.strip()
    session.add(
        RegistrationEvent(
            operation_id=person.operation_id,
            household_id=person.household_id,
            individual_id=person.id,
            event_type=EventType.CERTIFICATE_REVOKED.value,
            occurred_on=clock.today(),
            recorded_by=actor.label,
            summary=f"Certificate {cert.serial} revoked: {cert.revocation_reason}",
            details={"serial": cert.serial},
        )
    )
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="certificate.revoke",
        object_type="individual",
        object_id=str(person.id),
        details={"serial": cert.serial},
    )
    return cert


def revocation_list(session: Session, signer: Signer) -> dict[str, Any]:
    """A signed list of revoked serials, for checking certificates offline."""
    rows = session.execute(
        select(Certificate.serial, Certificate.revocation_reason)
        .where(Certificate.revoked_at.is_not(None))
        .order_by(Certificate.serial)
    ).all()
    body = {
        "issued_at": clock.now().isoformat(timespec="seconds"),
        "kid": key_id(signer.public_key()),
        "revoked": {serial: reason or "" for serial, reason in rows},
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return {**body, "signature": _b64(signer.sign(canonical))}


def read_revocation_list(data: dict[str, Any], public_key: Ed25519PublicKey) -> dict[str, str]:
    """Check a revocation list's signature and return {serial: reason}; ValueError if not authentic."""
    try:
        body = {k: data[k] for k in ("issued_at", "kid", "revoked")}
        signature = _unb64(str(data["signature"]))
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise ValueError(f"not a refugio revocation list ({exc})") from None
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    if not verify_signature(public_key, signature, canonical):
        raise ValueError(
            "the revocation list's signature does not match: it was altered or signed by another key"
        )
    revoked = body["revoked"]
    if not isinstance(revoked, dict):
        raise ValueError("the revocation list is malformed")
    return {str(k): str(v) for k, v in revoked.items()}


# ---------------------------------------------------------------------------------------------
# PDF


def render_pdf(
    *,
    token: str,
    person: Individual,
    household: Household,
    operation: Operation,
    serial: str,
    issued: dt.date,
    expires: dt.date,
) -> bytes:
    """An A6 landscape card: holder's details in both scripts, the QR code, and the token in metadata;
    its words in English and in the operation's language (certificate_text)."""
    pdf, family = _card(token=token, operation=operation, serial=serial, issued=issued)
    language = _card_language(operation, family)
    pdf.set_xy(12, 10)
    pdf.set_font(family, "B", 15)
    pdf.cell(0, 7, "Registration certificate", new_x="LMARGIN", new_y="NEXT")
    if (title := word("Registration certificate", language)) is not None:
        pdf.set_x(12)
        pdf.cell(118, 7, title, align="R" if language == "ar" else "L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(12)
    pdf.set_font(family, "", 9)
    pdf.cell(0, 5, operation.name, new_x="LMARGIN", new_y="NEXT")
    rows = _holder_rows(person, household, serial, issued, expires, with_original=family != "Helvetica")
    y = 33.0 if language else 28.0
    for label, value in rows:
        pdf.set_xy(12, y)
        pdf.set_font(family, "", 7)
        pdf.cell(38, 3.6, label)
        if (other := word(label, language)) is not None:
            pdf.set_xy(12, y + 3.6)
            pdf.cell(38, 3.6, other, align="R" if language == "ar" else "L")
        pdf.set_xy(50, y)
        pdf.set_font(family, "B", 10)
        pdf.cell(82, 7.2, _value_words(value, language))
        y += 9
    _qr_and_notes(pdf, family, token, language)
    return bytes(pdf.output())


def _card_language(operation: Operation, family: str) -> str | None:
    """The operation's language where the card's fonts can draw it (none with the core fonts)."""
    if family == "Helvetica":
        return None
    language = operation_language(operation.country_iso3)
    return None if language == "ar" and font_path("naskh") is None else language


def _value_words(value: str, language: str | None) -> str:
    """A value with its words translated: `Female / أنثى`, `1985 (year only / السنة فقط)`."""
    if (other := word(value, language)) is not None:
        return f"{value} / {other}"
    for note in ("year only", "month", "estimated"):
        if value.endswith(f"({note})") and (other := word(note, language)) is not None:
            return f"{value[: -len(note) - 1]}{note} / {other})"
    return value


def _card(*, token: str, operation: Operation, serial: str, issued: dt.date) -> tuple[Any, str]:
    """An empty card with its metadata (the token in the subject) and fonts: (pdf, font family)."""
    from fpdf import FPDF

    pdf = FPDF(orientation="L", unit="mm", format=(148, 210))
    pdf.set_auto_page_break(False)
    pdf.set_title(f"Registration certificate {serial}")
    pdf.set_author(operation.name)
    pdf.set_subject(token)  # machine-readable copy of the QR payload, used by `refugio verify FILE.pdf`
    pdf.set_keywords(f"refugio certificate {serial}")
    pdf.set_creation_date(dt.datetime.combine(issued, dt.time(), tzinfo=dt.UTC))
    family = add_sans(pdf, arabic=True)
    pdf.add_page()
    pdf.set_draw_color(0, 90, 160)
    pdf.set_line_width(0.8)
    pdf.rect(6, 6, 198, 136)
    return pdf, family


def _holder_rows(
    person: Individual,
    household: Household,
    serial: str,
    issued: dt.date,
    expires: dt.date,
    *,
    with_original: bool,
) -> list[tuple[str, str]]:
    """(label, value) of the card's lines; the original-script name only where a font can draw it."""
    original = " ".join(
        p for p in (person.given_name_original, person.middle_name_original, person.family_name_original) if p
    )
    dob = person.date_of_birth.isoformat()
    if person.dob_precision == "year":
        dob = f"{person.date_of_birth.year} (year only)"
    elif person.dob_precision == "month":
        dob = f"{person.date_of_birth:%Y-%m} (month)"
    elif person.dob_precision == "estimated":
        dob = f"{dob} (estimated)"
    rows = [
        ("Individual ID", person.ref),
        ("Registration group", household.ref),
        ("Name", " ".join(p for p in (person.given_name, person.middle_name, person.family_name) if p)),
    ]
    if original and with_original:
        rows.append(("Name (original)", original))
    rows += [
        ("Sex", {"F": "Female", "M": "Male", "X": "Other"}.get(person.sex, person.sex)),
        ("Date of birth", dob),
        ("Country of origin", country_name(person.country_of_origin)),
        ("Certificate", serial),
        ("Issued", issued.isoformat()),
        ("Valid until", expires.isoformat()),
    ]
    return rows


_SCAN = "Scan to verify offline with the operation's public key (refugio verify, or the /verify page)."
_ATTESTS = (
    "This certificate attests registration with the authority named above. It is not a travel document. "
    "Tampering is detectable: the QR code carries a digital signature."
)


def _qr_and_notes(pdf: Any, family: str, token: str, language: str | None = None) -> None:
    import segno

    qr = segno.make(token, error="m", micro=False)
    buf = io.BytesIO()
    qr.save(buf, kind="png", scale=4, border=2)
    buf.seek(0)
    pdf.image(buf, x=134, y=26, w=62, h=62)
    pdf.set_xy(134, 89)
    pdf.set_font(family, "", 6.5)
    align = "R" if language == "ar" else "C"
    pdf.multi_cell(62, 3, _SCAN, align="C", new_x="LEFT", new_y="NEXT")
    if (scan := word(_SCAN, language)) is not None:
        pdf.multi_cell(62, 3, scan, align=align, new_x="LEFT", new_y="NEXT")
    pdf.set_xy(12, 124 if language else 126)
    pdf.set_font(family, "", 6.5)
    pdf.multi_cell(186, 3, _ATTESTS, new_x="LEFT", new_y="NEXT")
    if (attests := word(_ATTESTS, language)) is not None:
        pdf.multi_cell(186, 3, attests, align="R" if language == "ar" else "L")


def token_from_pdf(data: bytes) -> str:
    """The signed token embedded in a certificate PDF (its Subject); ValueError if there is none."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        subject = reader.metadata.subject if reader.metadata else None
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise ValueError(f"not a readable PDF ({exc})") from None
    if not subject or not str(subject).startswith(PREFIX + "."):
        raise ValueError("this PDF carries no refugio certificate")
    return str(subject)
