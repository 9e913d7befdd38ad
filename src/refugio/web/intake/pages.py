"""Import pages: upload a CSV/XLSX file, review the suggested column mapping, follow the reading and
checking live (HTMX polls the progress; without JavaScript the page refreshes itself), read the
validation report per row and field, download it as XLSX, then commit or refuse.

Uploads are kept under the data directory until their rows are read. Staging runs in a background
thread through refugio.intake.pipeline (its own units of work); commit and refusal run in the page's
unit of work. Must not import refugio.api, refugio.cli or refugio.main.
"""

from __future__ import annotations

import tempfile
import threading
import uuid
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from refugio.core.errors import Conflict, FieldError, PermissionDenied, ValidationFailed
from refugio.intake import pipeline, queries, service
from refugio.intake.fields import FIELDS
from refugio.intake.mapping import Mapping, suggest
from refugio.intake.report import write_report
from refugio.intake.schemas import RowsPage
from refugio.registration import queries as registration
from refugio.web.context import Page, parse_uuid, state_of
from refugio.web.forms import FormErrors, collect

router = APIRouter(include_in_schema=False)
ACTIVE = {"staging", "validating"}
SHOWN_PROBLEMS = 300
PROBLEMS = ("invalid", "held", "update")


def _require(pg: Page) -> None:
    if not pg.can_anywhere(service.IMPORT_PERMISSION):
        raise PermissionDenied(f"{pg.principal.label} may not import registrations")


def _upload_dir(request: Request) -> Path:
    path = state_of(request).settings.data_dir / "intake-uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _stored(request: Request, batch_id: uuid.UUID) -> Path | None:
    found = sorted(_upload_dir(request).glob(f"{batch_id}.*"))
    return found[0] if found else None


# ---------------------------------------------------------------------------------------------------
# list and upload


def _render_list(
    request: Request, errors: FormErrors | None = None, values: dict[str, str] | None = None
) -> Response:
    web = state_of(request)
    with web.page(request) as pg:
        _require(pg)
        sites = registration.visible_sites(pg.db, actor=pg.principal, permission=service.IMPORT_PERMISSION)
        batches = queries.batches(pg.db, actor=pg.principal, limit=50)
        return pg.render(
            "intake/list.html",
            status=422 if errors else 200,
            batches=batches,
            site_choices=[(str(s.id), f"{s.code} · {s.name}") for s in sites],
            errors=errors or FormErrors(),
            values={"site_id": str(sites[0].id) if len(sites) == 1 else "", "source": "", **(values or {})},
            max_mb=round(web.settings.max_import_bytes / 1_000_000, 1),
        )


@router.get("/imports")
def imports_page(request: Request) -> Response:
    return _render_list(request)


@router.post("/imports")
async def upload(request: Request) -> Response:
    form = await request.form(max_files=1, max_fields=10)
    part = form.get("file")
    tmp: Path | None = None
    if isinstance(part, UploadFile) and part.filename:
        fd, name = tempfile.mkstemp(prefix="upload-", dir=_upload_dir(request))
        tmp = Path(name)
        with open(fd, "wb") as fh:
            while chunk := await part.read(1 << 20):
                fh.write(chunk)
    filename = Path(part.filename or "upload").name[-200:] if isinstance(part, UploadFile) else ""
    await form.close()
    return await run_in_threadpool(_upload, request, form, tmp, filename)


def _upload(request: Request, form: FormData, tmp: Path | None, filename: str) -> Response:
    web = state_of(request)
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    try:
        with web.page(request) as pg:
            pg.check_csrf(form)
            _require(pg)
            if tmp is None or tmp.stat().st_size == 0:
                raise ValidationFailed.single("file", pg.gettext("Choose a CSV or XLSX file."), "required")
            try:
                site_id = uuid.UUID(values.get("site_id", ""))
            except ValueError:
                raise ValidationFailed.single("site_id", pg.gettext("Choose the site."), "required") from None
            preview = pipeline.inspect_file(tmp, filename=filename)
            batch = service.start_batch(
                pg.db,
                actor=pg.principal,
                source=values.get("source") or Path(filename).stem or "import",
                kind=preview.kind,
                site_id=site_id,
                filename=filename,
                file_sha256=pipeline.file_sha256(tmp),
                file_bytes=tmp.stat().st_size,
                headers=preview.headers,
                hxl=preview.hxl,
                sheet=preview.sheet,
                mapping=preview.mapping,
                warnings=preview.warnings,
                status="uploaded",
            )
            batch_id = batch.id
    except (ValidationFailed, Conflict) as exc:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        errors = exc.errors or [FieldError("file", exc.message)]
        return _render_list(request, collect(errors, lambda f: f), values)
    assert tmp is not None
    tmp.rename(_upload_dir(request) / f"{batch_id}{Path(filename).suffix.lower()[:6] or '.bin'}")
    return RedirectResponse(f"/imports/{batch_id}/mapping", status_code=303)


# ---------------------------------------------------------------------------------------------------
# mapping review


@router.get("/imports/{batch_id}/mapping")
def mapping_page(batch_id: str, request: Request) -> Response:
    key = parse_uuid(batch_id)
    web = state_of(request)
    with web.page(request) as pg:
        _require(pg)
        batch = queries.batch(pg.db, actor=pg.principal, batch_id=key)
        if batch.status != "uploaded":
            return RedirectResponse(f"/imports/{key}", status_code=303)
        path = _stored(request, key)
        sample: list[list[str]] = []
        if path is not None:
            try:
                sample = pipeline.inspect_file(path, filename=batch.filename, sheet=batch.sheet).sample
            except ValidationFailed:
                sample = []
        suggestions = suggest(batch.headers, batch.hxl)
        current = (batch.mapping or {}).get("columns") or {}
        columns = [
            {
                "index": i,
                "header": s.column,
                "hxl": (batch.hxl[i] if batch.hxl and i < len(batch.hxl) else ""),
                "field": current.get(s.column, ""),
                "confidence": int(s.confidence * 100),
                "reason": s.reason,
                "examples": [row[i] for row in sample if i < len(row) and row[i]][:3],
            }
            for i, s in enumerate(suggestions)
        ]
        return pg.render(
            "intake/mapping.html",
            batch=batch,
            columns=columns,
            fields=[(f.name, f.label, f.level) for f in FIELDS],
            date_order=(batch.mapping or {}).get("date_order", "DMY"),
            errors=FormErrors(),
        )


def _stage_in_background(
    request: Request, actor: Any, batch_id: uuid.UUID, path: Path, name: str | None
) -> None:
    sessions = state_of(request).container.sessions

    def run() -> None:
        try:
            pipeline.import_file(sessions, actor=actor, path=path, filename=name, batch_id=batch_id)
        except ValidationFailed:
            pass  # the batch is `failed` with the reason, shown on its page
        finally:
            path.unlink(missing_ok=True)

    threading.Thread(target=run, name=f"import-{batch_id}", daemon=True).start()


@router.post("/imports/{batch_id}/mapping")
async def save_mapping(batch_id: str, request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(_save_mapping, request, parse_uuid(batch_id), form)


def _save_mapping(request: Request, key: uuid.UUID, form: FormData) -> Response:
    web = state_of(request)
    with web.page(request) as pg:
        pg.check_csrf(form)
        _require(pg)
        batch = service.load_batch(pg.db, actor=pg.principal, batch_id=key)
        columns = {}
        for i, header in enumerate(batch.headers):
            chosen = form.get(f"col_{i}")
            if isinstance(chosen, str) and chosen:
                columns[header] = chosen
        try:
            mapping = Mapping.from_dict({"columns": columns, "date_order": form.get("date_order") or "DMY"})
            service.set_mapping(pg.db, actor=pg.principal, batch=batch, mapping=mapping)
        except (ValidationFailed, Conflict) as exc:
            message = "; ".join(e.message for e in getattr(exc, "errors", [])) or exc.message
            return RedirectResponse(f"/imports/{key}?problem={message[:200]}", status_code=303)
        actor = pg.principal
        filename = batch.filename
    path = _stored(request, key)
    if path is not None:
        _stage_in_background(request, actor, key, path, filename)
    return RedirectResponse(f"/imports/{key}", status_code=303)


# ---------------------------------------------------------------------------------------------------
# status, report, commit, refuse


def _problems(pg: Page, batch_id: uuid.UUID, status: str | None) -> RowsPage:
    """The rows to show under the report: those with `status`, else the ones needing attention."""
    return queries.rows(
        pg.db,
        actor=pg.principal,
        batch_id=batch_id,
        statuses=(status,) if status else PROBLEMS,
        limit=SHOWN_PROBLEMS,
    )


@router.get("/imports/{batch_id}")
def batch_page(batch_id: str, request: Request) -> Response:
    key = parse_uuid(batch_id)
    web = state_of(request)
    with web.page(request) as pg:
        _require(pg)
        batch = queries.batch(pg.db, actor=pg.principal, batch_id=key)
        status_filter = request.query_params.get("status")
        if status_filter not in (None, "new", "update", "unchanged", "invalid", "held"):
            status_filter = None
        page = None if batch.status in ACTIVE else _problems(pg, key, status_filter)
        return pg.render(
            "intake/batch.html",
            batch=batch,
            rows=page.items if page else [],
            total=page.total if page else 0,
            shown=SHOWN_PROBLEMS,
            status_filter=status_filter,
            active=batch.status in ACTIVE,
            problem=request.query_params.get("problem"),
            done=request.query_params.get("done"),
            errors=FormErrors(),
        )


@router.get("/imports/{batch_id}/progress")
def progress(batch_id: str, request: Request) -> Response:
    """The live progress (HTMX polls it); once the batch is checked, the page reloads itself."""
    key = parse_uuid(batch_id)
    web = state_of(request)
    with web.page(request) as pg:
        _require(pg)
        batch = queries.batch(pg.db, actor=pg.principal, batch_id=key)
        headers = {"HX-Refresh": "true"} if batch.status not in ACTIVE else {}
        return pg.render("intake/_progress.html", headers=headers, batch=batch, active=batch.status in ACTIVE)


@router.get("/imports/{batch_id}/report.xlsx")
def report(batch_id: str, request: Request) -> Response:
    key = parse_uuid(batch_id)
    web = state_of(request)
    with web.page(request) as pg:
        _require(pg)
        batch = queries.batch(pg.db, actor=pg.principal, batch_id=key)
        fd, name = tempfile.mkstemp(prefix="report-", suffix=".xlsx", dir=_upload_dir(request))
        with open(fd, "wb") as fh:
            write_report(pg.db, batch_id=batch.id, out=fh)
    from starlette.background import BackgroundTask

    return FileResponse(
        name,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename=f"import-report-{str(key)[:8]}.xlsx",
        background=BackgroundTask(Path(name).unlink, missing_ok=True),
    )


@router.post("/imports/{batch_id}/commit")
async def commit(batch_id: str, request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(_commit, request, parse_uuid(batch_id), form)


def _commit(request: Request, key: uuid.UUID, form: FormData) -> Response:
    web = state_of(request)
    try:
        with web.page(request) as pg:
            pg.check_csrf(form)
            _require(pg)
            service.commit_batch(pg.db, actor=pg.principal, batch_id=key)
    except (ValidationFailed, Conflict) as exc:
        details = "; ".join(f"{e.field}: {e.message}" for e in getattr(exc, "errors", [])[:5]) or exc.message
        return RedirectResponse(f"/imports/{key}?problem={details[:300]}", status_code=303)
    return RedirectResponse(f"/imports/{key}?done=committed", status_code=303)


@router.post("/imports/{batch_id}/refuse")
async def refuse(batch_id: str, request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(_refuse, request, parse_uuid(batch_id), form)


def _refuse(request: Request, key: uuid.UUID, form: FormData) -> Response:
    web = state_of(request)
    reason = form.get("reason")
    try:
        with web.page(request) as pg:
            pg.check_csrf(form)
            _require(pg)
            service.refuse_batch(
                pg.db, actor=pg.principal, batch_id=key, reason=reason if isinstance(reason, str) else ""
            )
    except (ValidationFailed, Conflict) as exc:
        return RedirectResponse(f"/imports/{key}?problem={exc.message[:200]}", status_code=303)
    stored = _stored(request, key)
    if stored is not None:
        stored.unlink(missing_ok=True)
    return RedirectResponse(f"/imports/{key}?done=refused", status_code=303)


__all__ = ["router"]
