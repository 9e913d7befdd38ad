"""Code lists of data-sharing agreements."""

from __future__ import annotations

from enum import StrEnum


class AgreementStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"


class ShareDataset(StrEnum):
    """What an agreement lets the operation share: its registry (people, `registration.queries.
    SHAREABLE_FIELDS`) or its distress log (refugio.tracking's situation reports, `DISTRESS_LOG_FIELDS`)."""

    REGISTRY = "registry"
    DISTRESS_LOG = "distress_log"


class AgreementPurpose(StrEnum):
    """The purpose of an agreement: a consent purpose (`registration.enums.ConsentPurpose`, for the
    registry: people are shared only if they did not withdraw it) or, for the distress log, search and
    rescue (reports on vessels and groups at sea, not on registered people)."""

    REGISTRATION = "registration"
    ASSISTANCE = "assistance"
    PROTECTION = "protection"
    SOLUTIONS = "solutions"
    REFERRAL = "referral"
    TRACING = "tracing"
    DATA_SHARING = "data_sharing"
    SEARCH_AND_RESCUE = "search_and_rescue"


class PartnerIdType(StrEnum):
    """The identifiers a partner may query the registry by."""

    REGISTRATION_NUMBER = "registration_number"
    DOCUMENT_NUMBER = "document_number"


LEGAL_BASES = ("consent", "vital_interest", "public_interest", "legal_obligation", "mandate", "contract")

# The paragraphs of an IAMSAR situation report a distress-log agreement may let through.
DISTRESS_LOG_FIELDS: dict[str, str] = {
    "identity": "A. identity of the casualty",
    "position": "B. position and its time",
    "situation": "C. situation",
    "persons_on_board": "D. number of persons",
    "assistance_required": "E. assistance required",
    "coordinating_centre": "F. coordinating rescue centre",
    "actions": "G. actions taken",
    "further_reports": "H. further reports",
}

# The purposes each data set may be shared for.
DATASET_PURPOSES: dict[ShareDataset, frozenset[AgreementPurpose]] = {
    ShareDataset.REGISTRY: frozenset(AgreementPurpose) - {AgreementPurpose.SEARCH_AND_RESCUE},
    ShareDataset.DISTRESS_LOG: frozenset({AgreementPurpose.SEARCH_AND_RESCUE}),
}
