"""Search by name (either script), ID, document number or phone. The query travels in a POST body,
never in the URL; with HTMX the results table updates as the user types (two characters or more).
The results come a page at a time (Previous / Next buttons post the form again with an offset) and can
be narrowed by site, sex, age range and status; spelling variants are found by the dedup name keys
(`refugio.dedup.queries.search_people_page`) and listed after the name matches.

Must not import refugio.api, refugio.cli or refugio.main.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from refugio.core.errors import ValidationFailed
from refugio.dedup import queries as dedup_queries
from refugio.registration import queries
from refugio.registration.schemas import SearchPageRead
from refugio.web.context import Page, state_of
from refugio.web.forms import text
from refugio.web.registration.browse import read_filters, refused, site_choices

router = APIRouter(include_in_schema=False)
MIN_CHARS = 2


SIZES = ("10", "20", "50")
DEFAULT_SIZE = 50


def _render(pg: Page, template: str, form: FormData | None, size: int, **values: object) -> Response:
    defaults: dict[str, Any] = {"q": "", "found": None, "message": None, "errors": {}}
    return pg.render(
        template,
        200,
        None,
        **{**defaults, **values},
        values={k: v for k, v in (form or {}).items() if isinstance(v, str)},
        size=size,
        size_choices=[(n, n) for n in SIZES],
        site_choices=site_choices(queries.sites(pg.db, actor=pg.principal)),
    )


@router.get("/search")
def search_form(request: Request) -> Response:
    web = state_of(request)
    with web.page(request) as pg:
        return _render(pg, "registration/search.html", None, DEFAULT_SIZE)


@router.post("/search")
async def search(request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(_search, request, form)


def _search(request: Request, form: FormData) -> Response:
    web = state_of(request)
    q = text(form, "q")
    with web.page(request) as pg:
        pg.check_csrf(form)
        found: SearchPageRead | None = None
        message = None
        filters, errors = read_filters(pg, form)
        size_text = text(form, "size")
        size = int(size_text) if size_text in SIZES else DEFAULT_SIZE
        offset_text = text(form, "offset")
        offset = int(offset_text) if offset_text.isdigit() and len(offset_text) < 7 else 0
        if len(q) < MIN_CHARS:
            message = pg.gettext("Type at least two characters.")
        elif not errors:
            try:
                found = dedup_queries.search_people_page(
                    pg.db, actor=pg.principal, query=q, limit=size, offset=offset, filters=filters
                )
            except ValidationFailed as exc:
                errors = refused(pg, exc)
                if "q" in errors:
                    message = "; ".join(e.message for e in exc.errors if e.field == "q")
        template = "registration/search_results.html" if pg.is_htmx else "registration/search.html"
        return _render(pg, template, form, size, q=q, found=found, message=message, errors=errors)
