"""Multi-sector location assessments page: the rounds as a chart and a table (locations, households,
individuals, IDPs, returnees, migrants), the needs by sector and the households by shelter type of the
chosen round, the assessments with the change since the location's previous round (duplicates shown,
never counted), and a form to upload a CSV (refused rows listed with their line, nothing half-loaded).
Every figure of people or households comes through the disclosure control
(refugio.stats.tracking_report: `<5`, `x`), as does the rounds CSV (/tracking/assessments/rounds.csv).

Permissions are checked by refugio.tracking (TRACKING_VIEW to read, TRACKING_MANAGE to upload).
Must not import refugio.api, refugio.cli or refugio.main.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from refugio.core.errors import ValidationFailed
from refugio.security import audit
from refugio.security.permissions import Permission
from refugio.stats import tracking_report
from refugio.tracking import policy, queries, service
from refugio.web.common import Failure, form_context, run_action
from refugio.web.context import Page, state_of
from refugio.web.forms import plain_input
from refugio.web.tracking.labels import SECTORS, SHELTERS

router = APIRouter(include_in_schema=False)
MAX_UPLOAD = 50 * 1024 * 1024


def _render(request: Request, failure: Failure | None = None) -> Response:
    q = request.query_params
    with state_of(request).page(request) as pg:
        policy.require_view(pg.principal)
        figures = tracking_report.assessment_figures(pg.db, actor=pg.principal)
        countries = sorted({str(r["country_iso3"]) for r in figures.rounds})
        country = (q.get("country") or "").upper() or (countries[0] if countries else "")
        mine = [r for r in figures.rounds if r["country_iso3"] == country]
        try:
            round_number = int(q.get("round") or str(mine[-1]["round_number"] if mine else 0))
        except ValueError:
            raise ValidationFailed.single("round", "round must be a number") from None
        rows = [r for r in figures.rows if r["country_iso3"] == country and r["round_number"] == round_number]
        needs, shelter = (
            tracking_report.shelter_table(
                pg.db, actor=pg.principal, country=country, round_number=round_number
            )
            if country and round_number
            else ([], None)
        )
        return pg.render(
            "tracking/assessments.html", status=422 if failure else 200, rounds=mine, countries=countries,
            country=country, round_number=round_number, rows=rows[:500], needs=needs,
            shelter=shelter or {"rows": []}, note=figures.note, sectors=SECTORS, shelters=SHELTERS,
            chart=[(f"R{r['round_number']}", r["individuals"]) for r in mine],
            may_upload=pg.can_anywhere(Permission.TRACKING_MANAGE), form=form_context(failure, "upload"),
        )  # fmt: skip


@router.get("/tracking/assessments")
def assessments_page(request: Request) -> Response:
    return _render(request)


@router.get("/tracking/assessments/rounds.csv")
def rounds_csv(request: Request) -> Response:
    """Each country's rounds totalled, as CSV, under the disclosure rule (audited)."""
    country = (request.query_params.get("country") or "").upper() or None
    with state_of(request).page(request) as pg:
        table = tracking_report.assessment_rounds(pg.db, actor=pg.principal, country=country)
        audit.record(
            pg.db,
            actor=pg.principal,
            action="tracking.assessments_downloaded",
            object_type="tracking",
            details={"country": country, "rule": table.rule},
        )
    text = queries.render(table.rows, table.columns, "csv")
    disposition = 'attachment; filename="assessment-rounds.csv"'
    return Response(text, media_type="text/csv; charset=utf-8", headers={"Content-Disposition": disposition})


def _upload(pg: Page, form: FormData) -> str:
    part = form.get("file")
    if not isinstance(part, UploadFile) or not part.filename:
        raise ValidationFailed.single("file", "choose a CSV file", "required")
    data = part.file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise ValidationFailed.single("file", "the file is larger than 50 MB", "too_large")
    with tempfile.TemporaryDirectory(prefix="refugio-msla-") as tmp:
        path = Path(tmp) / Path(part.filename).name
        path.write_bytes(data)
        report = service.import_assessments(pg.db, actor=pg.principal, path=path)
    return f"/tracking/assessments?country={report.countries[0] if report.countries else ''}"


@router.post("/tracking/assessments")
async def upload(request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(
        run_action, request, form, name="upload", work=lambda pg: _upload(pg, form),
        to_input=plain_input(("file",), aliases={}), on_failure=lambda f: _render(request, f),
    )  # fmt: skip


__all__ = ["router"]
