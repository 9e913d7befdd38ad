"""Code lists of data-sharing agreements."""

from __future__ import annotations

from enum import StrEnum


class AgreementStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"


class PartnerIdType(StrEnum):
    """The identifiers a partner may query the registry by."""

    REGISTRATION_NUMBER = "registration_number"
    DOCUMENT_NUMBER = "document_number"


LEGAL_BASES = ("consent", "vital_interest", "public_interest", "legal_obligation", "mandate", "contract")
