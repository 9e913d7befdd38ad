"""Importing the published aggregate tables from the browser (/stats/global/import): the same service as
`refugio stats import` (refugio.stats.aggregates.import_file), for a user holding STATS_VIEW for every
operation (checked by the service). One CSV (gzipped or not) per upload; every refused row is listed.

Must not import refugio.api, refugio.cli or refugio.main, nor any domain's models or SQLAlchemy.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from refugio.core.errors import ValidationFailed
from refugio.stats import aggregates
from refugio.web.context import Page, state_of
from refugio.web.forms import FormErrors

router = APIRouter(include_in_schema=False)
SHOWN_ERRORS = 50


def _render(
    pg: Page,
    *,
    status: int = 200,
    errors: FormErrors | None = None,
    result: aggregates.ImportResult | None = None,
    refused: list[tuple[str, str]] | None = None,
    values: dict[str, object] | None = None,
) -> Response:
    return pg.render(
        "stats/global_import.html",
        status=status,
        datasets=[(d.name, d.title) for d in aggregates.DATASETS.values()],
        errors=errors or FormErrors(),
        result=result,
        refused=refused or [],
        values=values or {"dataset": "", "skip_invalid": False},
    )


@router.get("/stats/global/import")
def import_page(request: Request) -> Response:
    web = state_of(request)
    with web.page(request) as pg:
        aggregates.require_import(pg.principal)
        return _render(pg)


@router.post("/stats/global/import")
async def import_upload(request: Request) -> Response:
    form = await request.form(max_files=1, max_fields=10)
    part = form.get("file")
    limit = state_of(request).settings.max_import_bytes
    data = b""
    name = ""
    if isinstance(part, UploadFile) and part.filename:
        name = part.filename.rsplit("/", 1)[-1][-200:]
        data = await part.read(limit + 1)
    await form.close()
    return await run_in_threadpool(_import, request, form, name, data, limit)


def _import(request: Request, form: FormData, name: str, data: bytes, limit: int) -> Response:
    web = state_of(request)
    dataset = str(form.get("dataset") or "")
    skip_invalid = form.get("skip_invalid") == "on"
    values = {"dataset": dataset, "skip_invalid": skip_invalid}
    with web.page(request) as pg:
        pg.check_csrf(form)
        aggregates.require_import(pg.principal)
        errors = FormErrors()
        if not data:
            errors.add("file", pg.gettext("Choose a CSV file (gzipped or not)."), "required")
        elif len(data) > limit:
            errors.add("file", pg.gettext("The file is larger than this server accepts."), "too_large")
        if errors:
            return _render(pg, status=422, errors=errors, values=values)
        try:
            result = aggregates.import_file(
                pg.db,
                actor=pg.principal,
                data=data,
                file_name=name,
                dataset=dataset or None,
                skip_invalid=skip_invalid,
            )
        except ValidationFailed as exc:
            errors.add("file", exc.message, "invalid")
            refused = [(e.field, e.message) for e in exc.errors[:SHOWN_ERRORS]]
            return _render(pg, status=422, errors=errors, refused=refused, values=values)
        refused = [(e.field, e.message) for e in result.errors[:SHOWN_ERRORS]]
        return _render(pg, result=result, refused=refused, values=values)


__all__ = ["router"]
