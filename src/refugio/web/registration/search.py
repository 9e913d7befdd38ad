"""Search by name (either script), ID, document number or phone. The query travels in a POST body,
never in the URL; with HTMX the results table updates as the user types (two characters or more).

Must not import refugio.api, refugio.cli or refugio.main.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from refugio.core.errors import ValidationFailed
from refugio.registration import queries
from refugio.web.context import state_of
from refugio.web.forms import text

router = APIRouter(include_in_schema=False)
MIN_CHARS = 2


@router.get("/search")
def search_form(request: Request) -> Response:
    web = state_of(request)
    with web.page(request) as pg:
        return pg.render("registration/search.html", q="", hits=None, message=None)


@router.post("/search")
async def search(request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(_search, request, form)


def _search(request: Request, form: FormData) -> Response:
    web = state_of(request)
    q = text(form, "q")
    with web.page(request) as pg:
        pg.check_csrf(form)
        found = None
        message = None
        if len(q) < MIN_CHARS:
            message = pg.gettext("Type at least two characters.")
        else:
            try:
                found = queries.search_counted(pg.db, actor=pg.principal, query=q)
            except ValidationFailed as exc:
                message = "; ".join(e.message for e in exc.errors)
        template = "registration/search_results.html" if pg.is_htmx else "registration/search.html"
        hits = None if found is None else found.hits
        total = 0 if found is None else found.total
        capped = found is not None and found.capped
        return pg.render(template, q=q, hits=hits, total=total, capped=capped, message=message)
