"""Labels of the data subject rights vocabularies for the web pages (translated through the catalogues)."""

from __future__ import annotations

from refugio.dataprotection.rights.enums import CORRECTABLE, Requester, RequestKind, RequestStatus
from refugio.web.i18n import N_

KIND_LABELS: dict[str, str] = {
    RequestKind.ACCESS: N_("Access"),
    RequestKind.CORRECTION: N_("Correction"),
    RequestKind.ERASURE: N_("Erasure"),
}
STATUS_LABELS: dict[str, str] = {
    RequestStatus.RECEIVED: N_("Received"),
    RequestStatus.IDENTITY_VERIFIED: N_("Identity verified"),
    RequestStatus.IN_PROGRESS: N_("In progress"),
    RequestStatus.COMPLETED: N_("Completed"),
    RequestStatus.REFUSED: N_("Refused"),
}
REQUESTER_LABELS: dict[str, str] = {
    Requester.DATA_SUBJECT: N_("The person themselves"),
    Requester.REPRESENTATIVE: N_("A representative"),
}
LANGUAGE_LABELS: dict[str, str] = {"en": "English", "fr": "Français", "ar": "العربية", "es": "Español"}
CREATE_INPUTS = ("kind", "ref", "requester", "requester_name", "language", "received_on", "changes")
CHANGE_INPUTS = tuple(f"change_{field}" for field in CORRECTABLE)
MARITAL_STATUS = N_("Marital status")
STEP_LABELS: dict[str, str] = {
    "received": N_("request received"),
    "identity_verified": N_("identity verified"),
    "sensitive_released": N_("sensitive narratives released"),
    "sensitive_withheld": N_("sensitive narratives withheld"),
    "access_downloaded": N_("report downloaded"),
    "completed": N_("completed"),
    "corrected": N_("corrections applied"),
    "erased": N_("personal data erased"),
    "refused": N_("refused"),
}
