"""Code lists of data subject rights requests."""

from __future__ import annotations

from enum import StrEnum


class RequestKind(StrEnum):
    ACCESS = "access"
    CORRECTION = "correction"
    ERASURE = "erasure"


class RequestStatus(StrEnum):
    """received → identity_verified → in_progress → completed; refused from any open state."""

    RECEIVED = "received"
    IDENTITY_VERIFIED = "identity_verified"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    REFUSED = "refused"


OPEN_STATUSES = (RequestStatus.RECEIVED, RequestStatus.IDENTITY_VERIFIED, RequestStatus.IN_PROGRESS)


class Requester(StrEnum):
    DATA_SUBJECT = "data_subject"  # the person themselves
    REPRESENTATIVE = "representative"  # a parent, guardian or lawyer acting for them


LANGUAGES = ("en", "fr", "ar", "es")

# the fields a correction request may name (those of registration's IndividualUpdate)
CORRECTABLE = (
    "given_name",
    "middle_name",
    "family_name",
    "given_name_original",
    "middle_name_original",
    "family_name_original",
    "other_names",
    "sex",
    "date_of_birth",
    "nationality",
    "country_of_origin",
    "phone",
    "marital_status",
)
