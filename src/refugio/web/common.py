"""What the page modules share: running a form action in one unit of work, keeping a refused form's
values and errors for the page shown again, notices after a redirect, and code-list choices.

A refused action (ValidationFailed or Conflict from a service) rolls its unit of work back whole; the
page is then rendered again from a fresh read, with each error beside its field. Must not import
refugio.api, refugio.cli or refugio.main.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from refugio.core.errors import Conflict, FieldError, ValidationFailed
from refugio.registration.needs import CATEGORIES, CODES
from refugio.security.permissions import Permission
from refugio.web.context import CSRF_FIELD, Page, state_of
from refugio.web.forms import FormErrors, collect
from refugio.web.i18n import N_, country_names

NOTICES = {
    "registered": N_("The household was registered."),
    "birth": N_("The birth was registered."),
    "address": N_("The address was changed."),
    "focal_point": N_("The focal point was changed."),
    "moved": N_("The person was moved."),
    "need_flagged": N_("The specific need was flagged."),
    "need_removed": N_("The specific need was removed."),
    "death": N_("The death was recorded."),
    "marriage": N_("The marriage was recorded."),
    "status": N_("The status was changed."),
    "details": N_("The details were corrected."),
    "document": N_("The document was added."),
    "revoked": N_("The certificate was revoked."),
}


@dataclass
class Failure:
    """A refused form: which one, its errors by input, and the values to show again."""

    form: str
    errors: FormErrors
    values: dict[str, str] = field(default_factory=dict)


def posted_values(form: FormData) -> dict[str, str]:
    return {k: v for k, v in form.multi_items() if isinstance(v, str) and k != CSRF_FIELD}


def notice(page: Page) -> str | None:
    key = page.request.query_params.get("done")
    return page.gettext(NOTICES[key]) if key in NOTICES else None


def run_action(
    request: Request,
    form: FormData,
    *,
    name: str,
    work: Callable[[Page], str],
    to_input: Callable[[str], str | None],
    on_failure: Callable[[Failure], Response],
) -> Response:
    """CSRF check and `work` (which returns where to go next) in one unit of work; a refused action
    is rolled back and answered by `on_failure` (the page again, errors beside the fields, 422)."""
    web = state_of(request)
    try:
        with web.page(request) as pg:
            pg.check_csrf(form)
            target = work(pg)
    except ValidationFailed as exc:
        return on_failure(Failure(name, collect(exc.errors, to_input), posted_values(form)))
    except Conflict as exc:
        errors = exc.errors or [FieldError("", exc.message, "conflict")]
        return on_failure(Failure(name, collect(errors, to_input), posted_values(form)))
    return RedirectResponse(target, status_code=303)


def need_choices(page: Page) -> list[tuple[str, list[tuple[str, str]]]]:
    """Need codes the user may flag somewhere, grouped by category: [(category label, [(code, text)])]."""
    sensitive = page.can_anywhere(Permission.NEEDS_SENSITIVE_FLAG)
    if not page.can_anywhere(Permission.NEEDS_FLAG) and not sensitive:
        return []
    groups: dict[str, list[tuple[str, str]]] = {}
    for code in CODES.values():
        if code.sensitive and not sensitive:
            continue
        groups.setdefault(code.category, []).append((code.code, f"{code.code} · {code.label}"))
    return [(f"{cat} · {page.gettext(CATEGORIES[cat])}", groups[cat]) for cat in CATEGORIES if cat in groups]


def country_choices(page: Page) -> list[tuple[str, str]]:
    return list(country_names(page.locale).items())


def form_context(failure: Failure | None, name: str) -> dict[str, Any]:
    """Errors and values of form `name` when it is the refused one, else empty ones."""
    if failure is not None and failure.form == name:
        return {"errors": failure.errors, "values": failure.values, "open": True}
    return {"errors": FormErrors(), "values": {}, "open": False}
