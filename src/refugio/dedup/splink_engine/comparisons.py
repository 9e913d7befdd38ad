"""The comparisons of refugio's person model (levels, SQL conditions, prior m/u) as Splink 5 objects,
built once in code; a stored model's learnt m/u are applied while they are built (`comparisons`).
Part of the splink_engine package, the only place that imports splink (lazily).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

LAYOUT_VERSION = "refugio-dedup-2"


def _cross(part: str, others: Sequence[str]) -> str:
    terms = []
    for o in others:
        terms.append(f"{part}_canon_l = {o}_canon_r")
        terms.append(f"{part}_canon_r = {o}_canon_l")
    return "(" + " OR ".join(terms) + ")"


# m probabilities fixed in code, not learnt: the share of true pairs whose sex differs (a clerk's slip,
# about 1 in 100 re-registrations) and whose dates of birth disagree beyond every level (two years
# and more apart, both precise).
SEX_DISAGREES_M = 0.01
DOB_DISAGREES_M = 0.03

_LEARNT: threading.local = threading.local()
# The term-frequency adjustment of the exact-name levels is applied by the scorer (`scoring.TF_LEVELS`,
# at half strength), from the name counts the model keeps, not by Splink: Splink counts names on the
# records being linked, which made the desk check (no counts) and a batch run (the batch's counts)
# give one pair two probabilities. Measured on the dedup benchmark (historical_50k / refugee generator
# 50k F1): off 0.842 / 0.858, half 0.855 / 0.853, full 0.868 / 0.841 (decision 0004, 11).


def _learnt(label: str, m: float, u: float) -> tuple[float, float]:
    """The stored m/u of the level being built (see `comparisons`), else the prior."""
    table: dict[tuple[str, str], tuple[float, float]] = getattr(_LEARNT, "table", {})
    return table.get((getattr(_LEARNT, "comparison", ""), label), (m, u))


def _custom(
    sql: str, label: str, m: float, u: float, *, null: bool = False, fix_m: bool = False
) -> dict[str, Any]:
    if not null and not fix_m:
        m, u = _learnt(label, m, u)
    elif fix_m:
        u = _learnt(label, m, u)[1]
    level: dict[str, Any] = {
        "sql_condition": sql,
        "label_for_charts": label,
    }
    if sql != "ELSE":  # translated to the backend's dialect by sqlglot; ELSE needs no translation
        level["base_dialect_str"] = "duckdb"
    if fix_m:
        level["fix_m_probability"] = True
    if null:
        level["is_null_level"] = True
    else:
        level["m_probability"] = m
        level["u_probability"] = u
    return level


def _level(creator: Any, label: str, m: float, u: float) -> Any:
    m, u = _learnt(label, m, u)
    return creator.configure(m_probability=m, u_probability=u, label_for_charts=label)


def _else(m: float, u: float, *, fix_m: bool = False) -> dict[str, Any]:
    return _custom("ELSE", "else", m, u, fix_m=fix_m)


def comparisons(params: dict[str, Any] | None = None) -> list[Any]:
    """The comparisons of refugio's person model, with learnt m/u from `params` or the priors."""
    table: dict[tuple[str, str], tuple[float, float]] = {}
    for comp_name, levels in ((params or {}).get("comparisons") or {}).items():
        for lvl in levels:
            if lvl.get("m") is not None and lvl.get("u") is not None:
                table[(comp_name, lvl["label"])] = (float(lvl["m"]), float(lvl["u"]))
    _LEARNT.table = table
    try:
        return _comparisons()
    finally:
        _LEARNT.table = {}
        _LEARNT.comparison = ""


def _for(name: str) -> str:
    _LEARNT.comparison = name
    return name


def _comparisons() -> list[Any]:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    return [
        _name(cl, cll, "given", ["family", "middle"]),
        _name(cl, cll, "family", ["given", "middle"]),
        _father_name(cl, cll),
        _date_of_birth(cl),
        _exact(cl, "sex", "sex", 0.97, 0.5, fix_else=SEX_DISAGREES_M),
        _exact(cl, "country", "country_of_origin", 0.95, 0.4),
        _exact(cl, "phone", "phone", 0.6, 0.0001),
        _document(cl, cll),
        _exact(cl, "site", "site", 0.5, 0.3),
        _household(cl, cll),
    ]


SWAPPED = "given_canon_l = family_canon_r AND family_canon_l = given_canon_r"
SINGLE_NAMES = (
    "family_canon_l IS NULL AND family_canon_r IS NULL "
    "AND given_canon_l IS NOT NULL AND given_canon_r IS NOT NULL"
)


def _name(cl: Any, cll: Any, part: str, others: Sequence[str]) -> Any:
    _for(f"{part}_name")
    single = []
    if part == "family":
        # people with a single name: two records both without a family name is evidence (rare among
        # pairs of different people), not a missing value
        single = [_custom(SINGLE_NAMES, "both without a family name", 0.05, 0.002)]
    return cl.CustomComparison(
        output_column_name=f"{part}_name",
        comparison_levels=[
            *single,
            _custom(f"{part}_canon_l IS NULL OR {part}_canon_r IS NULL", "null", 0, 0, null=True),
            _custom(f"{part}_latin_l = {part}_latin_r", "exact", 0.6, 0.004),
            _custom(f"{part}_canon_l = {part}_canon_r", "same name, other spelling", 0.2, 0.01),
            *([_custom(SWAPPED, "given and family name swapped", 0.03, 0.0005)] if part == "given" else []),
            _level(cll.ArrayIntersectLevel(f"{part}_skels", 1), "same spelling skeleton", 0.08, 0.02),
            _custom(_cross(part, others), "in another part of the name", 0.05, 0.005),
            _level(cll.JaroWinklerLevel(f"{part}_latin", 0.88), "similar spelling", 0.04, 0.03),
            _level(cll.JaroWinklerLevel(f"{part}_latin", 0.7), "somewhat similar spelling", 0.02, 0.1),
            _else(0.01, 0.831),
        ],
    )


def _exact(cl: Any, col: str, out: str, m: float, u: float, *, fix_else: float | None = None) -> Any:
    _for(out)
    return cl.CustomComparison(
        output_column_name=out,
        comparison_levels=[
            _custom(f"{col}_l IS NULL OR {col}_r IS NULL", "null", 0, 0, null=True),
            _custom(f"{col}_l = {col}_r", "same", m, u),
            _else(fix_else if fix_else is not None else 1 - m, 1 - u, fix_m=fix_else is not None),
        ],
    )


def _date_of_birth(cl: Any) -> Any:
    both_exact = "dob_precision_l = 'exact' AND dob_precision_r = 'exact'"
    coarse = "dob_precision_l IN ('year', 'estimated') OR dob_precision_r IN ('year', 'estimated')"
    one_exact = "dob_precision_l IN ('exact', 'month') OR dob_precision_r IN ('exact', 'month')"
    return cl.CustomComparison(
        output_column_name=_for("date_of_birth"),
        comparison_levels=[
            _custom("dob_l IS NULL OR dob_r IS NULL", "null", 0, 0, null=True),
            _custom(f"{both_exact} AND dob_l = dob_r", "same date", 0.6, 0.0003),
            _custom(
                f"{both_exact} AND (levenshtein(dob_l, dob_r) <= 1 OR (dob_year_l = dob_year_r AND "
                "substr(dob_l, 6, 2) = substr(dob_r, 9, 2) AND substr(dob_l, 9, 2) = substr(dob_r, 6, 2)))",
                "one typo or day/month swapped",
                0.08,
                0.003,
            ),
            _custom(
                "dob_ym_l = dob_ym_r AND (dob_precision_l = 'month' OR dob_precision_r = 'month')",
                "same month (one side month only)",
                0.08,
                0.004,
            ),
            _custom(
                f"dob_year_l = dob_year_r AND ({one_exact}) AND ({coarse})",
                "same year, the other date exact (one side year only)",
                0.12,
                0.01,
            ),
            _custom(
                f"dob_year_l = dob_year_r AND ({coarse})",
                "same year (one side year only or estimated)",
                0.12,
                0.02,
            ),
            _custom(
                f"({coarse}) AND abs(dob_year_l - dob_year_r) <= 2",
                "within 2 years (one side year only or estimated)",
                0.04,
                0.05,
            ),
            _custom("dob_year_l = dob_year_r", "same year, other month or day", 0.03, 0.02),
            _custom("abs(dob_year_l - dob_year_r) <= 1", "one year apart", 0.02, 0.04),
            # fixed: EM on name blocks takes relatives and namesakes for matches and puts a third of
            # true pairs here, which made a date decades apart nearly free (-1.3 bits)
            _else(DOB_DISAGREES_M, 0.8627, fix_m=True),
        ],
    )


def _document(cl: Any, cll: Any) -> Any:
    return cl.CustomComparison(
        output_column_name=_for("document"),
        comparison_levels=[
            _custom("doc_l IS NULL OR doc_r IS NULL", "null", 0, 0, null=True),
            _custom("doc_l = doc_r", "same number", 0.8, 0.00001),
            _level(cll.LevenshteinLevel("doc", 1), "one typo", 0.1, 0.0001),
            _else(0.1, 0.99989),
        ],
    )


def _household(cl: Any, cll: Any) -> Any:
    return cl.CustomComparison(
        output_column_name=_for("household"),
        comparison_levels=[
            _custom("hh_names_l IS NULL OR hh_names_r IS NULL", "null", 0, 0, null=True),
            _custom(
                "array_contains(hh_names_r, given_canon_l) OR array_contains(hh_names_l, given_canon_r)",
                "named like another member of the other's household",
                0.02,
                0.01,
            ),
            _custom(
                "array_length(array_intersect(hh_names_l, hh_names_r)) >= 2 AND 3 * array_length("
                "array_intersect(hh_names_l, hh_names_r)) >= 2 * greatest(array_length(hh_names_l), "
                "array_length(hh_names_r))",
                "most of the household in common",
                0.5,
                0.005,
            ),
            _level(cll.ArrayIntersectLevel("hh_names", 2), "two or more members in common", 0.2, 0.01),
            _level(cll.ArrayIntersectLevel("hh_names", 1), "one member in common", 0.3, 0.1),
            _else(0.2, 0.89),
        ],
    )


def _father_name(cl: Any, cll: Any) -> Any:
    return cl.CustomComparison(
        output_column_name=_for("father_name"),
        comparison_levels=[
            _custom("middle_canon_l IS NULL OR middle_canon_r IS NULL", "null", 0, 0, null=True),
            _custom("middle_canon_l = middle_canon_r", "same name", 0.8, 0.02),
            _custom("middle_skel_l = middle_skel_r", "same spelling skeleton", 0.08, 0.02),
            _custom(_cross("middle", ["family"]), "crossed with the family name", 0.05, 0.005),
            _level(cll.JaroWinklerLevel("middle_latin", 0.88), "similar spelling", 0.04, 0.01),
            _else(0.07, 0.955),
        ],
    )


PLAUSIBILITY = ("given_name", "family_name", "date_of_birth")


def _implausible(spec: dict[str, Any]) -> str:
    """Why learnt m probabilities cannot describe true matches ('' when they can): most true matches
    disagreeing outright on a name or on the date of birth means EM latched onto another split."""
    for comp in spec["comparisons"]:
        if comp["output_column_name"] not in PLAUSIBILITY:
            continue
        for lvl in comp["comparison_levels"]:
            m = lvl.get("m_probability")
            if lvl.get("label_for_charts") == "else" and isinstance(m, int | float) and m > 0.5:
                return f"m({comp['output_column_name']} disagrees) = {m:.2f}"
    return ""
