"""Protection caseload statistics: cases by case type and workflow status, as a publishable table.

The counting is refugio.protection.queries.caseload_counts (which checks the caller may count the
operation's cases); this module only passes the counts through disclosure control: GBV and trafficking
rows (and the cells of their margins) use the rule's higher `sensitive_threshold`, small counts are
suppressed and secondary suppression protects them from the totals. Nothing identifies a person or
a case. Imports refugio.protection (queries, enums) and refugio.stats.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from refugio.protection import queries
from refugio.protection.enums import SENSITIVE_CASE_TYPES, CaseStatus, CaseType
from refugio.security.principals import Principal
from refugio.stats.disclosure import DEFAULT_RULE, DisclosureRule
from refugio.stats.tables import Dimension, Table, cube_table

CASE_TYPE_LABELS = {
    CaseType.CHILD_PROTECTION: "Child protection",
    CaseType.GBV: "Gender-based violence",
    CaseType.TRAFFICKING: "Trafficking",
    CaseType.DISABILITY: "Disability",
    CaseType.OLDER_PERSON: "Older person at risk",
    CaseType.OTHER: "Other protection",
}
STATUS_LABELS = {
    CaseStatus.ASSESSMENT: "Assessment",
    CaseStatus.PLAN: "Case plan",
    CaseStatus.IMPLEMENTATION: "Services and referrals",
    CaseStatus.FOLLOW_UP: "Follow-up",
    CaseStatus.CLOSURE_REQUESTED: "Closure requested",
    CaseStatus.CLOSED: "Closed",
}


def caseload_table(
    session: Session, *, actor: Principal, operation_id: uuid.UUID, rule: DisclosureRule = DEFAULT_RULE
) -> Table:
    """Cases by type (rows) and status (columns), with totals, protected by `rule`."""
    raw = queries.caseload_counts(session, actor=actor, operation_id=operation_id)
    counts: dict[tuple[str, ...], int] = {(case_type, status): n for (case_type, status), n in raw.items()}
    sensitive = {t.value for t in SENSITIVE_CASE_TYPES}
    return cube_table(
        name="protection_caseload",
        title="Protection cases by type and status",
        rows=[
            Dimension(
                "case_type",
                "Case type",
                "#indicator+type",
                [(t.value, label) for t, label in CASE_TYPE_LABELS.items()],
            )
        ],
        column=Dimension(
            "status", "Status", "#status", [(s.value, label) for s, label in STATUS_LABELS.items()]
        ),
        counts=counts,
        rule=rule,
        value_hxl="#affected+cases",
        sensitive=lambda codes: codes[0] in sensitive,
        notes=[
            "Gender-based violence and trafficking are sensitive categories: their counts are shown only "
            f"from {rule.sensitive_threshold}."
        ],
        context={"operation_id": str(operation_id)},
        source="refugio protection cases",
    )
