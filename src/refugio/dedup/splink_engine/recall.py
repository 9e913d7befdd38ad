"""How many true matches the prior's blocking rule keeps (`rule_recall`), as the trained model states it:
the splink engine's re-estimate of the prior divides by it (see the package's docstring)."""

from __future__ import annotations

from typing import Any

from refugio.dedup.engine import Records
from refugio.dedup.splink_engine import PRIOR_RULE_LEVELS


def rule_recall(spec: dict[str, Any], records: Records) -> float | None:
    """The share of true matches that agree on `PRIOR_RULE`, as the trained model states it.

    For each condition of the rule: the share of record pairs in which both records hold the column
    (missing values taken as unrelated to being the same person) times the summed m probabilities of
    the levels in which the condition holds; the conditions taken as independent given a match.
    None when a level has no m probability or there are fewer than two records."""
    m: dict[tuple[str, str], float] = {}
    for comp in spec["comparisons"]:
        for lvl in comp["comparison_levels"]:
            value = lvl.get("m_probability")
            if isinstance(value, int | float) and not lvl.get("is_null_level"):
                m[(comp["output_column_name"], str(lvl.get("label_for_charts")))] = float(value)
    n = len(records)
    if n < 2:
        return None
    recall = 1.0
    for comparison, labels, column in PRIOR_RULE_LEVELS:
        if any((comparison, label) not in m for label in labels):
            return None
        present = sum(1 for v in records.columns[column] if v is not None and v != "") / n
        recall *= present * present * min(1.0, sum(m[(comparison, label)] for label in labels))
    return recall
