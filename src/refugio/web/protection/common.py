"""What the protection page modules share: rendering a protection template with the code-list labels
(`plabel`), the choices of a code list and the notice after an action.

Must not import refugio.api, refugio.cli or refugio.main.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from refugio.web.context import Page
from refugio.web.protection.labels import NOTICES, PROTECTION_LABELS


def _labels(pg: Page) -> Callable[[str, object], str]:
    def plabel(kind: str, value: object) -> str:
        english = PROTECTION_LABELS.get(kind, {}).get(str(value))
        return pg.gettext(english) if english else str(value)

    return plabel


def _choices(pg: Page, kind: str) -> list[tuple[str, str]]:
    return [(str(code), pg.gettext(text)) for code, text in PROTECTION_LABELS[kind].items()]


def _notice(pg: Page) -> str | None:
    key = pg.request.query_params.get("done")
    return pg.gettext(NOTICES[key]) if key in NOTICES else None


def render(pg: Page, template: str, **values: Any) -> Response:
    return pg.render(
        template, plabel=_labels(pg), choices=lambda kind: _choices(pg, kind), notice=_notice(pg), **values
    )
