"""Browsing: the households and people lists, one page at a time, filtered (site, arrival period,
population type, specific need, status; people also by sex and age) and sorted. The filters are a GET
form, so a list's URL can be shared or bookmarked; a wrong filter is shown beside its field, all of
them at once, and the list is not read. The filters and the paging of the search page come from here.

Must not import refugio.api, refugio.cli or refugio.main.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from refugio.core.errors import ValidationFailed
from refugio.registration import queries
from refugio.registration.enums import PopulationType, Sex
from refugio.registration.schemas import HOUSEHOLD_SORTS, PEOPLE_SORTS, BrowseFilters, SiteRead
from refugio.security.permissions import Permission
from refugio.web.context import Page, state_of
from refugio.web.forms import text
from refugio.web.i18n import N_

router = APIRouter(include_in_schema=False)
SIZES = (20, 50, 100)
FILTER_FIELDS = (
    "site",
    "arrived_from",
    "arrived_to",
    "population_type",
    "need",
    "status",
    "sex",
    "age_min",
    "age_max",
)

# the wording of each refused filter, by the field and code of the domain's check
_MESSAGES = {
    "sort": N_("Choose a sort order from the list."),
    "limit": N_("Choose a page size from the list."),
    "status": N_("Choose a status from the list."),
    "need": N_("Choose a specific need from the list."),
    "age_min": N_("Enter an age in whole years, from 0 to 130."),
    "age_max": N_("Enter an age in whole years, from 0 to 130."),
    "age_max.before_min": N_("The maximum age cannot be below the minimum age."),
    "arrived_to.before_start": N_("The end of the period cannot be before its start."),
}


def read_filters(pg: Page, data: Mapping[str, Any]) -> tuple[BrowseFilters, dict[str, str]]:
    """The filters of a form or query string, and the errors by field (translated), all at once."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    site = text(data, "site")
    if site:
        try:
            values["site_id"] = uuid.UUID(site)
        except ValueError:
            errors["site"] = pg.gettext("Choose a site from the list.")
    for name in ("arrived_from", "arrived_to"):
        if raw := text(data, name):
            try:
                values[name] = dt.date.fromisoformat(raw)
            except ValueError:
                errors[name] = pg.gettext("Enter a date as YYYY-MM-DD.")
    for name, kind in (("population_type", PopulationType), ("sex", Sex)):
        if raw := text(data, name):
            if raw in {k.value for k in kind}:
                values[name] = raw
            else:
                errors[name] = pg.gettext("Choose a value from the list.")
    for name in ("age_min", "age_max"):
        if raw := text(data, name):
            if raw.isdigit() and len(raw) <= 3:
                values[name] = int(raw)
            else:
                errors[name] = pg.gettext(_MESSAGES[name])
    for name in ("need", "status"):
        if raw := text(data, name):
            values[name] = raw
    filters = BrowseFilters.model_validate(values)
    return filters, errors


def refused(pg: Page, exc: ValidationFailed) -> dict[str, str]:
    """The domain's refusal of the filters, worded by field (the form's field names)."""
    out: dict[str, str] = {}
    for e in exc.errors:
        field = "site" if e.field == "site_id" else e.field
        message = _MESSAGES.get(f"{e.field}.{e.code}") or _MESSAGES.get(e.field) or e.message
        out.setdefault(field, pg.gettext(message))
    return out


def paging(data: Mapping[str, Any], default: int = SIZES[0]) -> tuple[int, int]:
    """(offset, page size) of a request; a size not offered falls back to the default."""
    size_text = text(data, "size")
    size = int(size_text) if size_text.isdigit() and int(size_text) in SIZES else default
    offset_text = text(data, "offset")
    offset = int(offset_text) if offset_text.isdigit() and len(offset_text) < 10 else 0
    return offset - offset % size, size


def shared_query(data: Mapping[str, Any], *, drop: tuple[str, ...] = ("offset",)) -> str:
    """The request's query string without `drop` and empty values (the pager's links add an offset)."""
    return urlencode([(k, v) for k, v in data.items() if k not in drop and isinstance(v, str) and v.strip()])


def site_choices(sites: list[SiteRead]) -> list[tuple[str, str]]:
    return [(str(s.id), f"{s.code} · {s.name}") for s in sites]


def need_choices(pg: Page) -> list[tuple[str, str]]:
    """The specific needs the user may filter by: categories, then codes (sensitive ones only for those
    who may see them)."""
    if not pg.can_anywhere(Permission.NEEDS_VIEW):
        return []
    sensitive = pg.can_anywhere(Permission.NEEDS_SENSITIVE_VIEW)
    codes = [c for c in queries.need_codes() if sensitive or not c.sensitive]
    categories = {c.category: c.category_label for c in codes}
    return [(k, f"{k} · {pg.gettext(v)}") for k, v in categories.items()] + [
        (c.code, f"{c.code} · {pg.gettext(c.label)}") for c in codes
    ]


def _list_page(request: Request, *, people: bool) -> Response:
    web = state_of(request)
    data = dict(request.query_params)
    sorts = PEOPLE_SORTS if people else HOUSEHOLD_SORTS
    sort = text(data, "sort") or sorts[0]
    offset, size = paging(data)
    with web.page(request) as pg:
        filters, errors = read_filters(pg, data)
        page: Any = None
        if sort not in sorts:
            wrong_sort = _MESSAGES["sort"]
            errors["sort"] = pg.gettext(wrong_sort)
        if not errors:
            try:
                read = queries.people if people else queries.households
                page = read(pg.db, actor=pg.principal, filters=filters, sort=sort, offset=offset, limit=size)
            except ValidationFailed as exc:
                errors = refused(pg, exc)
        sites = queries.sites(pg.db, actor=pg.principal)
        return pg.render(
            "registration/people.html" if people else "registration/households.html",
            page=page,
            errors=errors,
            values=data,
            sort=sort,
            size=size,
            size_choices=[(str(n), str(n)) for n in SIZES],
            site_choices=site_choices(sites),
            site_codes={s.id: s.code for s in sites},
            need_choices=need_choices(pg),
            query=shared_query(data),
            status=400 if errors else 200,
        )


@router.get("/households")
def households(request: Request) -> Response:
    return _list_page(request, people=False)


@router.get("/people")
def people(request: Request) -> Response:
    return _list_page(request, people=True)
