"""Input and read models of data-sharing agreements, shares and the partner registry search."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from refugio.agreements.enums import LEGAL_BASES, AgreementStatus, PartnerIdType
from refugio.registration import queries as registry
from refugio.registration.enums import ConsentPurpose

Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class AgreementCreate(BaseModel):
    operation_id: uuid.UUID
    partner: Text200
    partner_username: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=80)] = None
    purpose: ConsentPurpose
    # the codes are checked by the service (its message lists them); the schema names them too
    fields: list[Annotated[str, Field(json_schema_extra={"enum": list(registry.SHAREABLE_FIELDS)})]] = Field(
        min_length=1, max_length=40, json_schema_extra={"uniqueItems": True}
    )
    legal_basis: Annotated[
        str, StringConstraints(max_length=40), Field(json_schema_extra={"enum": list(LEGAL_BASES)})
    ]
    retention_days: int = Field(ge=1, le=36500)
    valid_from: dt.date
    valid_until: dt.date
    notes: Annotated[str, StringConstraints(max_length=2000)] = ""


class AgreementStatusChange(BaseModel):
    status: AgreementStatus
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class AgreementRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    operation_id: uuid.UUID
    partner: str
    partner_username: str | None
    purpose: str
    fields: list[str]
    legal_basis: str
    retention_days: int
    valid_from: dt.date
    valid_until: dt.date
    status: str
    notes: str
    recorded_by: str
    created_at: dt.datetime
    in_force: bool = False


class Share(BaseModel):
    """A file shared with a partner and its manifest (written beside it, or inside the zip)."""

    filename: str
    content: bytes
    manifest: dict[str, Any]


class RegistrySearch(BaseModel):
    """The DCI-style question: is the person with this identifier registered, and with what status?"""

    agreement_id: uuid.UUID
    id_type: PartnerIdType
    id_value: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
    date_of_birth: dt.date | None = None


class RegistrySearchAnswer(BaseModel):
    """The minimum: registered or not, the status, and the registration number if the agreement allows
    it. `registered` is false too for a person who may not be shared under the agreement (no consent)."""

    agreement_id: uuid.UUID
    registered: bool
    status: str | None = None
    registration_number: str | None = None
