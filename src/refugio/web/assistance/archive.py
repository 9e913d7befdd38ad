"""The encrypted payment archive on the web, in two steps: the plan page's form POSTs the format; the
answer is a page that shows the generated password (never in a URL, a file name or a log) with a
one-time link to the AES-256 ZIP, which is fetched once, by the same user, within the hour
(refugio.assistance.service.archive keeps it meanwhile in the data directory's `exports/`).

Must not import refugio.api, refugio.cli or refugio.main.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from refugio.assistance.service import archive
from refugio.core.errors import NotFound, RefugioError
from refugio.web.assistance.pages import _plan_page, problems_of
from refugio.web.context import state_of
from refugio.web.forms import text

router = APIRouter(include_in_schema=False)


def exports_folder(request: Request) -> Path:
    return state_of(request).container.settings.data_dir / "exports"


def _stage_sync(request: Request, form: FormData, code: str) -> Response:
    web = state_of(request)
    fmt = text(form, "format") or "csv"
    try:
        with web.page(request) as pg:
            pg.check_csrf(form)
            staged = archive.stage(
                pg.db, actor=pg.principal, plan_key=code, fmt=fmt, folder=exports_folder(request)
            )
    except NotFound:
        raise
    except RefugioError as exc:
        found = problems_of(exc)
        with web.page(request) as pg:
            return _plan_page(pg, code, found)
    with web.page(request) as pg:
        return pg.render("assistance/archive.html", code=code.strip().upper(), staged=staged)


@router.post("/assistance/plans/{code}/archive")
async def stage_archive(request: Request, code: str) -> Response:
    form = await request.form()
    return await run_in_threadpool(_stage_sync, request, form, code)


@router.get("/assistance/plans/{code}/archive/{token}")
def fetch_archive(request: Request, code: str, token: str) -> Response:
    with state_of(request).page(request) as pg:
        name, data = archive.take(
            pg.db, actor=pg.principal, plan_key=code, token=token, folder=exports_folder(request)
        )
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
