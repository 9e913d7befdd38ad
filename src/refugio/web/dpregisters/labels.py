"""Labels of the data protection registers' vocabularies for the web pages (translated through the
catalogues)."""

from __future__ import annotations

from types import SimpleNamespace

from refugio.dataprotection.register_schemas import (
    BreachCategory,
    BreachStatus,
    Channel,
    DpiaStatus,
    RecipientKind,
    Severity,
)
from refugio.web.common import Failure, form_context
from refugio.web.i18n import N_

CATEGORY_LABELS: dict[str, str] = {
    BreachCategory.CONFIDENTIALITY: N_("Confidentiality (disclosed or accessed)"),
    BreachCategory.INTEGRITY: N_("Integrity (altered)"),
    BreachCategory.AVAILABILITY: N_("Availability (lost or destroyed)"),
}
SEVERITY_LABELS: dict[str, str] = {
    Severity.LOW: N_("Low"),
    Severity.MEDIUM: N_("Medium"),
    Severity.HIGH: N_("High"),
    Severity.CRITICAL: N_("Critical"),
}
STATUS_LABELS: dict[str, str] = {
    BreachStatus.OPEN: N_("Open"),
    BreachStatus.CONTAINED: N_("Contained"),
    BreachStatus.CLOSED: N_("Closed"),
}
RECIPIENT_LABELS: dict[str, str] = {
    RecipientKind.AUTHORITY: N_("Supervisory authority"),
    RecipientKind.DPO: N_("Data protection officer"),
    RecipientKind.PARTNER: N_("Partner"),
    RecipientKind.AFFECTED: N_("People affected"),
}
CHANNEL_LABELS: dict[str, str] = {
    Channel.EMAIL: N_("Email"),
    Channel.LETTER: N_("Letter"),
    Channel.PHONE: N_("Phone"),
    Channel.PORTAL: N_("Online portal"),
    Channel.IN_PERSON: N_("In person"),
    Channel.SMS: N_("SMS"),
}
DPIA_LABELS: dict[str, str] = {
    DpiaStatus.DRAFT: N_("Draft"),
    DpiaStatus.IN_REVIEW: N_("In review"),
    DpiaStatus.APPROVED: N_("Approved"),
    DpiaStatus.TO_REVIEW: N_("To review"),
}
LEVEL_LABELS: dict[str, str] = {"low": N_("Low"), "medium": N_("Medium"), "high": N_("High")}
SCALE = [
    ("1", N_("1 · negligible")),
    ("2", N_("2 · limited")),
    ("3", N_("3 · significant")),
    ("4", N_("4 · maximum")),
]

BREACH_INPUTS = (
    "title",
    "description",
    "category",
    "discovered_at",
    "occurred_from",
    "occurred_to",
    "systems",
    "data_categories",
    "severity",
    "risk_assessment",
    "containment",
    "authority_hours",
)
AFFECTED_INPUTS = ("actor", "since", "until", "actions", "audit_seq", "batch", "site")
NOTIFY_INPUTS = ("recipient_kind", "recipient", "channel", "notified_at", "note")
ACTIVITY_INPUTS = (
    "code",
    "name",
    "purpose",
    "legal_basis",
    "data_categories",
    "data_subjects",
    "recipients",
    "retention",
    "systems",
)
DPIA_INPUTS = ("activity", "summary", "review_date")
RISK_INPUTS = ("risk", "likelihood", "severity", "mitigation", "residual_likelihood", "residual_severity")


def form_state(failure: Failure | None, name: str) -> SimpleNamespace:
    """Errors, values and openness of form `name` (attributes: a dict's `values` is its method)."""
    return SimpleNamespace(**form_context(failure, name))
