"""Request and response shapes that exist only for the API (tokens, pages, search hits, certificates…).

Registration inputs and records reuse the domain schemas (HouseholdCreate, IndividualRead, …); this
module adds what the HTTP surface needs around them. Imports pydantic and refugio.registration.schemas.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from refugio.registration.schemas import HouseholdRead, NeedRead

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# ---------------------------------------------------------------------------------------------
# tokens


class TokenRequest(Input):
    username: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=1024, strip_whitespace=False)]
    name: Annotated[str, StringConstraints(min_length=1, max_length=80)] = Field(
        default="api", description="A label for the token, shown in the user's token list."
    )
    valid_days: int = Field(default=90, ge=1, le=365)


class TokenIssued(BaseModel):
    token: str = Field(
        description="Send as `Authorization: Bearer <token>`. Shown once; only a hash is kept."
    )
    token_type: str = "bearer"  # noqa: S105 (the token scheme, not a secret)
    prefix: str
    expires_at: dt.datetime | None


# ---------------------------------------------------------------------------------------------
# operations, sites, reference lists


class OperationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    code: str
    name: str
    country_iso3: str


class SiteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    operation_id: uuid.UUID
    code: str
    name: str
    kind: str
    admin1: str | None
    pcode: str | None
    latitude: float | None
    longitude: float | None


class NeedCodeOut(BaseModel):
    code: str
    category: str
    category_label: str
    label: str
    sensitive: bool = Field(description="Seen and flagged only with the NEEDS_SENSITIVE_* permissions.")


class CodeName(BaseModel):
    code: str
    name: str


# ---------------------------------------------------------------------------------------------
# households


class HouseholdItem(BaseModel):
    """A household in a list (no address or phone: open the household for those)."""

    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    ref: str
    operation_id: uuid.UUID
    site_id: uuid.UUID
    focal_point_id: uuid.UUID | None
    registration_date: dt.date
    country_of_origin: str | None
    size: int
    status: str
    version: int


class HouseholdPage(BaseModel):
    items: list[HouseholdItem]
    total: int
    offset: int
    limit: int


class HouseholdOut(HouseholdRead):
    member_needs: dict[uuid.UUID, list[NeedRead]] = Field(
        default_factory=dict, description="Active specific needs the caller may see, by member id."
    )


class FocalPointChange(Input):
    individual_id: uuid.UUID
    reason: Reason


class ReasonIn(Input):
    reason: Reason


# ---------------------------------------------------------------------------------------------
# search


class SearchRequest(Input):
    q: Annotated[str, StringConstraints(max_length=200)] = Field(
        description="A name in either script (any order, word prefixes), an ID, a document number or a phone."
    )
    limit: int = Field(default=20, ge=1, le=50)


class SearchHitOut(BaseModel):
    id: uuid.UUID
    ref: str
    household_ref: str
    site_id: uuid.UUID
    given_name: str
    middle_name: str | None
    family_name: str
    given_name_original: str | None
    middle_name_original: str | None
    family_name_original: str | None
    sex: str
    date_of_birth: dt.date
    dob_precision: str
    status: str
    matched_by: str = Field(description="name | id | document | phone")


# ---------------------------------------------------------------------------------------------
# certificates and audit


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


class ChainReportOut(BaseModel):
    ok: bool
    entries: int
    problems: list[str]
    last_hash: str


class CertificateRevoked(BaseModel):
    serial: str
    revoked_at: dt.datetime | None
    revocation_reason: str | None
