"""A cycle's report page: coverage (people targeted and served by site, sex and age bracket), households
and amounts by site, PDM outcomes and complaints by category with the time to close — every figure
after disclosure control (refugio.stats.assistance_report) — with two bar charts drawn as inline SVG
from the published figures only (a suppressed cell draws no bar). Must not import refugio.api,
refugio.cli or refugio.main."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from refugio.assistance import queries
from refugio.stats.assistance_report import TOTAL, assistance_report
from refugio.web.assistance import labels
from refugio.web.context import parse_uuid, state_of

router = APIRouter(include_in_schema=False)
BAR_WIDTH = 300  # the longest bar, in SVG units


def bars(pairs: list[tuple[str, object, object]]) -> list[dict[str, object]]:
    """(label, first, second) → rows of two bars scaled to the largest published value."""
    numbers = [v for _, a, b in pairs for v in (a, b) if isinstance(v, int)]
    top = max(numbers, default=0) or 1
    return [
        {
            "label": label,
            "a": a,
            "b": b,
            "wa": round(BAR_WIDTH * a / top) if isinstance(a, int) else 0,
            "wb": round(BAR_WIDTH * b / top) if isinstance(b, int) else 0,
        }
        for label, a, b in pairs
    ]


@router.get("/assistance/cycles/{cycle_id}/report")
def report_page(request: Request, cycle_id: str) -> Response:
    cid = parse_uuid(cycle_id)
    with state_of(request).page(request) as pg:
        cycle = queries.get_cycle(pg.db, actor=pg.principal, key=cid)
        rep = assistance_report(pg.db, actor=pg.principal, cycle_key=cid)
        by_site = bars(
            [(s.site, s.households_targeted, s.households_served) for s in rep.sites if s.site != TOTAL]
        )
        by_category = bars(
            [
                (pg.gettext(labels.CATEGORY.get(c.category, c.category)), c.count, c.closed)
                for c in rep.complaints
                if c.category != TOTAL
            ]
        )
        return pg.render(
            "assistance/report.html",
            cycle=cycle,
            rep=rep,
            by_site=by_site,
            by_category=by_category,
            bar_width=BAR_WIDTH,
            totals=[r for r in rep.coverage if r.site == TOTAL],
            labels=labels,
            total=TOTAL,
        )
