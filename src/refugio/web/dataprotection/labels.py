"""Labels of the data protection vocabularies for the web pages (translated through the catalogues)."""

from __future__ import annotations

from refugio.dataprotection.enums import HoldObject, RetentionRule
from refugio.web.i18n import N_

RULE_LABELS: dict[str, str] = {
    RetentionRule.CLOSED_CASES: N_("Closed protection cases"),
    RetentionRule.DEPARTED_PEOPLE: N_("Departed people"),
    RetentionRule.DECEASED_PEOPLE: N_("Deceased people"),
    RetentionRule.STAGING: N_("Unfinished imports"),
}
RULE_PERIODS: dict[str, str] = {
    RetentionRule.CLOSED_CASES: N_("%(n)s years after closure"),
    RetentionRule.DEPARTED_PEOPLE: N_("%(n)s years after departure"),
    RetentionRule.DECEASED_PEOPLE: N_("%(n)s years after death"),
    RetentionRule.STAGING: N_("%(n)s days without activity"),
}
RULE_ACTIONS: dict[str, str] = {
    RetentionRule.CLOSED_CASES: N_("narratives dropped"),
    RetentionRule.DEPARTED_PEOPLE: N_("anonymised, counted in statistics"),
    RetentionRule.DECEASED_PEOPLE: N_("anonymised, counted in statistics"),
    RetentionRule.STAGING: N_("staged rows deleted"),
}
HOLD_LABELS: dict[str, str] = {
    HoldObject.INDIVIDUAL: N_("Person"),
    HoldObject.HOUSEHOLD: N_("Household"),
    HoldObject.CASE: N_("Protection case"),
}
HOLD_INPUTS = ("object_type", "ref", "reason")
