"""The dashboard: key figures for the sites the signed-in user sees (queries.dashboard) and the latest
households registered there. Must not import refugio.api, refugio.cli or refugio.main.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from refugio.registration import queries
from refugio.registration.queries import AGE_BRACKETS
from refugio.web.context import state_of

router = APIRouter(include_in_schema=False)


@router.get("/")
def dashboard(request: Request) -> Response:
    web = state_of(request)
    with web.page(request) as pg:
        figures = queries.dashboard(pg.db, actor=pg.principal)
        recent, total = queries.list_households(pg.db, actor=pg.principal, limit=10)
        sites = {s.id: s for s in queries.visible_sites(pg.db, actor=pg.principal)}
        return pg.render(
            "registration/dashboard.html",
            figures=figures,
            brackets=[b[2] for b in AGE_BRACKETS],
            recent=recent,
            total_households=total,
            sites=sites,
        )
