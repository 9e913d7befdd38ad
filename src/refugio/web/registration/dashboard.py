"""The dashboard: key figures for the sites the signed-in user sees (figures.dashboard, its people
counted from the statistics snapshot by refugio.stats.home_figures rather than by scanning the
registry) and the latest households registered there. Must not import refugio.api, refugio.cli,
refugio.main, a domain's models or sqlalchemy.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from refugio.registration import figures, queries
from refugio.stats import home_figures
from refugio.web.context import state_of

router = APIRouter(include_in_schema=False)


@router.get("/")
def dashboard(request: Request) -> Response:
    web = state_of(request)
    with web.page(request) as pg:
        people = home_figures.active_people(pg.db, actor=pg.principal)
        key_figures = figures.dashboard(pg.db, actor=pg.principal, people=people)
        recent = queries.household_page(pg.db, actor=pg.principal, limit=10)
        sites = {s.id: s for s in queries.sites(pg.db, actor=pg.principal)}
        return pg.render(
            "registration/dashboard.html",
            figures=key_figures,
            brackets=[b[2] for b in figures.AGE_BRACKETS],
            recent=recent.items,
            total_households=recent.total,
            sites=sites,
        )
