"""Plain words for the dedup pair page: the compared fields and the comparison levels of the engine
(`refugio.dedup.splink_engine.comparisons`), translated by the page; a level without an entry here is
already a phrase and is shown as it is."""

from __future__ import annotations

from refugio.web.i18n import N_

COMPARISONS = {
    "given_name": N_("Given name"),
    "family_name": N_("Family name"),
    "father_name": N_("Father's name"),
    "middle_name": N_("Middle name"),
    "date_of_birth": N_("Date of birth"),
    "sex": N_("Sex"),
    "country_of_origin": N_("Country of origin"),
    "phone": N_("Phone"),
    "document": N_("Identity document"),
    "site": N_("Site"),
    "household": N_("Household members"),
}

LEVELS = {
    "null": N_("not recorded on one side"),
    "else": N_("different"),
    "exact": N_("exactly the same"),
    "same": N_("the same"),
    "same name, other spelling": N_("same name, other spelling"),
    "in another part of the name": N_("found in another part of the name"),
    "similar spelling": N_("similar spelling"),
    "somewhat similar spelling": N_("somewhat similar spelling"),
    "same date": N_("same date"),
    "one typo or day/month swapped": N_("one typo, or day and month swapped"),
    "same month (one side month only)": N_("same month (one side known only to the month)"),
    "same year (one side year only or estimated)": N_(
        "same year (one side known only to the year, or estimated)"
    ),
    "within 2 years (estimated)": N_("within 2 years (estimated)"),
    "same year, other month or day": N_("same year, other month or day"),
    "one year apart": N_("one year apart"),
    "same number": N_("same number"),
    "same name": N_("same name"),
    "same spelling skeleton": N_("same spelling skeleton"),
    "crossed with the family name": N_("crossed with the family name"),
    "one typo": N_("one typo"),
    "both without a family name": N_("neither has a family name"),
    "given and family name swapped": N_("given and family name swapped"),
    "same year, the other date exact (one side year only)": N_(
        "same year (one side known only to the year, the other exact)"
    ),
    "within 2 years (one side year only or estimated)": N_(
        "within 2 years (one side known only to the year, or estimated)"
    ),
    "named like another member of the other's household": N_(
        "named like another member of the other's household"
    ),
    "one member in common": N_("one household member in common"),
    "two or more members in common": N_("two or more household members in common"),
    "most of the household in common": N_("most of the household in common"),
}

PAIR_STATUSES = {
    "pending": N_("to review"),
    "same": N_("same person"),
    "different": N_("different people"),
}


def comparison_words(name: str) -> str:
    """The English label of a compared field (its name with spaces when it has none)."""
    return COMPARISONS.get(name, name.replace("_", " "))


def level_words(level: str) -> str:
    return LEVELS.get(level, level)


__all__ = ["COMPARISONS", "LEVELS", "PAIR_STATUSES", "comparison_words", "level_words"]
