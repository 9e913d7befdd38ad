"""The UNHCR specific-needs code catalogue (IOM/030-FOM/030/2009, with DS updated by the Washington
Group short set) and which codes are sensitive (need NEEDS_SENSITIVE_* permissions).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NeedCode:
    code: str
    category: str
    label: str
    sensitive: bool = False


CATEGORIES: dict[str, str] = {
    "CR": "Child at risk",
    "SC": "Unaccompanied or separated child",
    "WR": "Woman at risk",
    "ER": "Older person at risk",
    "SP": "Single parent or caregiver",
    "DS": "Disability",
    "SM": "Serious medical condition",
    "FU": "Family unity",
    "LP": "Specific legal and physical protection needs",
    "TR": "Torture",
    "SV": "SGBV",
}

_RAW: list[tuple[str, str]] = [
    ("CR-CP", "Child parent"),
    ("CR-CS", "Child spouse"),
    ("CR-CC", "Child carer"),
    ("CR-TP", "Teenage pregnancy"),
    ("CR-LW", "Worst forms of child labour"),
    ("CR-LO", "Other forms of child labour"),
    ("CR-NE", "At risk of not attending school"),
    ("CR-SE", "Special education needs"),
    ("CR-AF", "Associated with armed forces or groups"),
    ("CR-CL", "Child in conflict with the law"),
    ("SC-SC", "Separated child"),
    ("SC-UC", "Unaccompanied child"),
    ("SC-CH", "Child-headed household"),
    ("SC-IC", "Child in institutional care"),
    ("SC-FC", "Child in foster care"),
    ("WR-WR", "Woman at risk"),
    ("WR-SF", "Single woman at risk"),
    ("WR-LC", "Lactation"),
    ("ER-NF", "Single older person"),
    ("ER-MC", "Older person with children"),
    ("ER-FR", "Older person unable to care for self"),
    ("SP-PT", "Single parent"),
    ("SP-GP", "Single grandparent"),
    ("SP-CG", "Single caregiver"),
    ("DS-BD", "Visual impairment (including blindness)"),
    ("DS-DF", "Hearing impairment (including deafness)"),
    ("DS-PM", "Physical disability - moderate"),
    ("DS-PS", "Physical disability - severe"),
    ("DS-MM", "Mental disability - moderate"),
    ("DS-MS", "Mental disability - severe"),
    ("DS-SD", "Speech impairment"),
    ("SM-MI", "Mental illness"),
    ("SM-MN", "Malnutrition"),
    ("SM-DP", "Difficult pregnancy"),
    ("SM-CI", "Chronic illness"),
    ("SM-CC", "Critical medical condition"),
    ("SM-OT", "Other medical condition"),
    ("SM-AD", "Addiction"),
    ("FU-TR", "Tracing required"),
    ("FU-FR", "Family reunification required"),
    ("LP-ND", "No legal documentation"),
    ("LP-BN", "Unmet basic needs"),
    ("LP-NA", "No access to services"),
    ("LP-MM", "Mixed marriage"),
    ("LP-MD", "Multiple displacements"),
    ("LP-RR", "At risk of refoulement"),
    ("LP-RD", "At risk of removal"),
    ("LP-DA", "Detained in country of asylum"),
    ("LP-DO", "Detained in country of origin"),
    ("LP-DT", "Detained elsewhere"),
    ("LP-IH", "In hiding"),
    ("LP-WP", "Absence of witness protection"),
    ("LP-AN", "Violence, abuse or neglect"),
    ("LP-RP", "At risk due to profile"),
    ("LP-MS", "Marginalized from society or community"),
    ("LP-LS", "Lack of durable-solutions prospects"),
    ("LP-AP", "Alleged perpetrator"),
    ("LP-CR", "Criminal record"),
    ("LP-ST", "Security threat to UNHCR or partner staff"),
    ("LP-AF", "Formerly associated with armed forces or groups"),
    ("TR-PI", "Psychological or physical impairment due to torture"),
    ("TR-HO", "Forced to egregious acts"),
    ("TR-WV", "Witness of violence to other"),
    ("SV-VA", "Survivor of SGBV in country of asylum"),
    ("SV-VF", "Survivor of SGBV during flight"),
    ("SV-VO", "Survivor of SGBV in country of origin"),
    ("SV-GM", "Female genital mutilation"),
    ("SV-HP", "Harmful traditional practices"),
    ("SV-HK", "Threat of honour killing or violence"),
    ("SV-FM", "Forced or early marriage"),
    ("SV-SS", "Survival sex"),
]

# Highly sensitive: SV and TR in full, and these LP/CR codes (DOMAIN.md).
_SENSITIVE_EXTRA = {"LP-AP", "LP-CR", "LP-ST", "LP-AF", "LP-IH", "LP-AN", "CR-AF", "CR-CL", "LP-RP"}

CODES: dict[str, NeedCode] = {
    code: NeedCode(
        code=code,
        category=code[:2],
        label=label,
        sensitive=code[:2] in {"SV", "TR"} or code in _SENSITIVE_EXTRA,
    )
    for code, label in _RAW
}

# Washington Group Short Set: six domains, four levels of difficulty.
WG_DOMAINS = ("seeing", "hearing", "walking", "cognition", "self_care", "communication")
WG_LEVELS = ("no_difficulty", "some_difficulty", "a_lot_of_difficulty", "cannot_do_at_all")


def lookup(code: str) -> NeedCode | None:
    return CODES.get(code.strip().upper())
