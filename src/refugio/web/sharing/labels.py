"""Labels of the sharing vocabularies for the web pages (translated through the catalogues)."""

from __future__ import annotations

from refugio.sharing.enums import PledgerKind, PledgeStatus, PledgeType
from refugio.web.i18n import N_

PLEDGE_TYPE_LABELS: dict[str, str] = {
    PledgeType.FINANCIAL: N_("Financial"),
    PledgeType.MATERIAL: N_("Material"),
    PledgeType.TECHNICAL: N_("Technical"),
    PledgeType.PLACES: N_("Resettlement or complementary places"),
    PledgeType.POLICY: N_("Policy"),
}
PLEDGE_STATUS_LABELS: dict[str, str] = {
    PledgeStatus.PLANNING: N_("Planning"),
    PledgeStatus.IN_PROGRESS: N_("In progress"),
    PledgeStatus.FULFILLED: N_("Fulfilled"),
}
PLEDGER_KIND_LABELS: dict[str, str] = {
    PledgerKind.STATE: N_("State"),
    PledgerKind.ORGANISATION: N_("Organisation"),
}
VARY_LABELS: dict[str, str] = {
    "weight": N_("One criterion's weight"),
    "cap": N_("The cap"),
    "drop": N_("Each participant left out in turn"),
}
KEY_INPUTS = {
    "key": N_("Key"),
    "total": N_("Total to distribute"),
    "cap": N_("Cap (multiple of the base effect)"),
    "year": N_("Year of the indicators"),
    "participants": N_("Participants (ISO3 codes, comma-separated)"),
    "indicators_csv": N_("Or paste indicators (CSV)"),
}
