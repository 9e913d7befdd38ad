"""Request bodies of the registration API, and the few answers that exist only for HTTP (certificate
issue and verification, the revocation list, code lists).

The records themselves are the registration domain's read models (IndividualRead, HouseholdRead, …,
returned by registration.queries). Imports pydantic and the domains' schemas and code lists.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from refugio.dedup.schemas import DeskConfirmation, DeskPerson, DeskResult
from refugio.registration.enums import Sex
from refugio.registration.schemas import HouseholdCreate

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CodeName(BaseModel):
    code: str
    name: str


class FocalPointChange(Input):
    individual_id: uuid.UUID
    reason: Reason


class ReasonIn(Input):
    reason: Reason


class SearchRequest(Input):
    q: Annotated[str, StringConstraints(max_length=200)] = Field(
        description="A name in either script (any order, word prefixes), an ID, a document number or a phone."
    )
    limit: int = Field(default=20, ge=1, le=50)
    offset: int = Field(
        default=0, ge=0, le=10_000_000, description="How many hits to skip (the page's start)."
    )
    site_id: uuid.UUID | None = Field(default=None, description="Only this site.")
    sex: Sex | None = None
    age_min: int | None = Field(default=None, ge=0, le=130, description="At least this many whole years old.")
    age_max: int | None = Field(default=None, ge=0, le=130, description="At most this many whole years old.")
    status: str | None = Field(
        default=None, max_length=20, description="active, deceased, departed, inactive."
    )


class CertificateIssued(BaseModel):
    serial: str
    valid_until: dt.date
    token: str = Field(description="The signed payload carried by the QR code (RFG1.<claims>.<signature>).")
    pdf_url: str | None = Field(
        default=None, description="Not stored: ask for the PDF with `Accept: application/pdf` when issuing."
    )


class VerifyRequest(Input):
    token: Annotated[str, StringConstraints(min_length=1, max_length=8000)]


class VerificationOut(BaseModel):
    status: str = Field(description="valid | tampered | revoked | expired | malformed | unknown")
    message: str
    claims: dict[str, Any]
    revoked_at: str | None = None
    revocation_reason: str | None = None


class RevocationList(BaseModel):
    issued_at: str
    kid: str
    revoked: dict[str, str]
    signature: str = Field(description="Ed25519 over the canonical JSON of issued_at, kid and revoked.")


class CertificateRevoked(BaseModel):
    serial: str
    revoked_at: dt.datetime | None
    revocation_reason: str | None


class MemberConfirmation(DeskConfirmation):
    """The answer to the duplicate check for one member (by its place in `members`, from 0)."""

    member: Annotated[int, Field(ge=0, le=59)]


class HouseholdRegistration(HouseholdCreate):
    """A household to register, and the answers to the duplicate check: a member whose best match is at
    or above the operation's threshold is registered only with a reason (audited)."""

    duplicate_checks: list[MemberConfirmation] = Field(default_factory=list, max_length=60)


class HouseholdCheck(Input):
    """The members of a household being registered (as typed so far) and its site."""

    site_id: uuid.UUID
    members: list[DeskPerson] = Field(min_length=1, max_length=60)


class MemberCheck(BaseModel):
    member: int
    needs_confirmation: bool
    result: DeskResult
