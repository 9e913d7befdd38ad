"""Input and read models of data-sharing agreements, shares and the partner registry search."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from refugio.agreements.enums import (
    DATASET_PURPOSES,
    DISTRESS_LOG_FIELDS,
    LEGAL_BASES,
    AgreementPurpose,
    AgreementStatus,
    PartnerIdType,
    ShareDataset,
)
from refugio.registration import queries as registry

Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


def _dataset_rules(schema: dict[str, Any]) -> None:
    """The purposes and field codes each data set takes (`DATASET_PURPOSES`, the registry's shareable
    fields, the distress log's paragraphs), as JSON Schema conditions on `dataset` (default: registry)."""

    def allowed(dataset: ShareDataset, fields: list[str]) -> dict[str, Any]:
        return {
            "properties": {
                "purpose": {"enum": sorted(DATASET_PURPOSES[dataset])},
                "fields": {"items": {"enum": fields}},
            }
        }

    distress = {"required": ["dataset"], "properties": {"dataset": {"const": ShareDataset.DISTRESS_LOG}}}
    schema["allOf"] = [
        {
            "if": distress,
            "then": allowed(ShareDataset.DISTRESS_LOG, list(DISTRESS_LOG_FIELDS)),
            "else": allowed(ShareDataset.REGISTRY, list(registry.SHAREABLE_FIELDS)),
        }
    ]


class AgreementCreate(BaseModel):
    model_config = ConfigDict(json_schema_extra=_dataset_rules)

    operation_id: uuid.UUID
    # the registry (the default) or the distress log; the purpose and fields must be the data set's
    dataset: ShareDataset = ShareDataset.REGISTRY
    partner: Text200
    partner_username: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=80)] = None
    purpose: AgreementPurpose
    # the codes are checked by the service (its message lists them); the schema names them too, per
    # data set (`_dataset_rules`)
    fields: list[str] = Field(min_length=1, max_length=40, json_schema_extra={"uniqueItems": True})
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
    dataset: str
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
    """A file shared with a partner and its manifest (written beside it, or inside the zip); the
    manifest's `share_id` names the people it held (`ShareItem`)."""

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
