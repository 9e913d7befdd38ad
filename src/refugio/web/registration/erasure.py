"""The notice on a person's or household's page when its record holds no personal data any more:
erased on a data subject's request, or anonymised by a retention rule (named in the page's language)."""

from __future__ import annotations

from typing import Any

from refugio.dataprotection.rights.schemas import ErasureMark
from refugio.web.context import Page
from refugio.web.dataprotection.labels import RULE_LABELS


def erasure_notice(page: Page, mark: ErasureMark | None) -> dict[str, Any]:
    """The template's `erasure` (the mark, or None) and `erasure_rule` (the rule's label, translated)."""
    rule = ""
    if mark is not None and mark.rule:
        rule = page.gettext(RULE_LABELS.get(mark.rule, mark.rule))
    return {"erasure": mark, "erasure_rule": rule}
