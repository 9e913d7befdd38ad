"""Import pages: upload a CSV/XLSX file, review the suggested column mapping, follow the reading and
checking live (HTMX polls the progress; without JavaScript the page refreshes itself), read the
validation report per row and field, download it as XLSX, then commit or refuse.

Uploads are kept under the data directory until their rows are read. Staging runs in a background
thread through refugio.intake.pipeline (its own units of work); commit and refusal run in the page's
unit of work. Must not import refugio.api, refugio.cli or refugio.main.
"""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from refugio.core import background
from refugio.core.errors import Conflict, FieldError, PermissionDenied, ValidationFailed
from refugio.intake import pipeline, queries, service
from refugio.intake.fields import FIELDS
from refugio.intake.mapping import Mapping, suggest
from refugio.intake.report import write_report
from refugio.intake.schemas import BatchRead, RowsPage
from refugio.registration import queries as registration
from refugio.web.context import Page, parse_uuid, state_of
from refugio.web.forms import FormErrors, collect

router = APIRouter(include_in_schema=False)
ACTIVE = {"staging", "validating"}
SHOWN_PROBLEMS = 300
PROBLEMS = ("invalid", "held", "update")
SHOWN_CREATED = 100


def _int_param(request: Request, name: str) -> int:
    text = request.query_params.get(name, "")
    return int(text) if text.isdigit() and len(text) < 10 else 0


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
        return _render_mapping(request, pg, batch)


def _render_mapping(
    request: Request,
    pg: Page,
    batch: BatchRead,
    errors: FormErrors | None = None,
    chosen: dict[str, Any] | None = None,
) -> Response:
    """The mapping review: one row per column, the date order, and the defaults for the whole file."""
    path = _stored(request, batch.id)
    sample: list[list[str]] = []
    if path is not None:
        try:
            sample = pipeline.inspect_file(path, filename=batch.filename, sheet=batch.sheet).sample
        except ValidationFailed:
            sample = []
    current = chosen if chosen is not None else (batch.mapping or {})
    columns = [
        {
            "index": i,
            "header": s.column,
            "hxl": (batch.hxl[i] if batch.hxl and i < len(batch.hxl) else ""),
            "field": (current.get("columns") or {}).get(s.column, ""),
            "confidence": int(s.confidence * 100),
            "reason": s.reason,
            "examples": [row[i] for row in sample if i < len(row) and row[i]][:3],
        }
        for i, s in enumerate(suggest(batch.headers, batch.hxl))
    ]
    sites = registration.visible_sites(pg.db, actor=pg.principal, permission=service.IMPORT_PERMISSION)
    return pg.render(
        "intake/mapping.html",
        status=422 if errors else 200,
        batch=batch,
        columns=columns,
        fields=[(f.name, f.label, f.level) for f in FIELDS],
        date_order=current.get("date_order", "DMY"),
        defaults=_default_inputs(current.get("defaults") or {}, sites),
        site_choices=[
            (str(s.id), f"{s.code} · {s.name}") for s in sites if s.operation_id == batch.operation_id
        ],
        errors=errors or FormErrors(),
    )


def _default_inputs(defaults: dict[str, Any], sites: list[Any]) -> dict[str, Any]:
    """The mapping's defaults as the form's inputs show them."""
    consent = defaults.get("consent_given")
    site_code = str(defaults.get("site") or "").upper()
    return {
        "consent_given": "" if consent is None else ("yes" if consent else "no"),
        "legal_basis": defaults.get("legal_basis") or "",
        "consent_purposes": list(defaults.get("consent_purposes") or []),
        "site_id": next((str(s.id) for s in sites if s.code.upper() == site_code), ""),
    }


def _defaults_from_form(form: FormData, sites: list[Any]) -> dict[str, Any]:
    """The defaults for the whole file chosen on the mapping page (blank inputs give none)."""
    text = {k: form.get(k) for k in ("consent_given", "legal_basis", "site_id")}
    out: dict[str, Any] = {}
    if isinstance(text["consent_given"], str) and text["consent_given"]:
        out["consent_given"] = text["consent_given"]
    if isinstance(text["legal_basis"], str) and text["legal_basis"]:
        out["legal_basis"] = text["legal_basis"]
    purposes = [p for p in form.getlist("consent_purposes") if isinstance(p, str) and p]
    if purposes:
        out["consent_purposes"] = purposes
    if isinstance(text["site_id"], str) and text["site_id"]:
        by_id = {str(s.id): s.code for s in sites}
        out["site"] = by_id.get(text["site_id"], _NOT_YOURS)
    return out


_NOT_YOURS = "\x00"  # a site id the user may not import into: refused beside the site input


def _checked(pg: Page, operation_id: uuid.UUID, wanted: dict[str, Any]) -> Mapping:
    """The reviewed mapping, every problem in one round (a site chosen outside the user's own too)."""
    errors: list[FieldError] = []
    defaults = wanted["defaults"]
    if defaults.get("site") == _NOT_YOURS:
        errors.append(
            FieldError("mapping.defaults.site", pg.gettext("You may not import into this site."), "forbidden")
        )
        defaults = {k: x for k, x in defaults.items() if k != "site"}
    try:
        mapping = service.checked_mapping(
            pg.db, actor=pg.principal, operation_id=operation_id, data={**wanted, "defaults": defaults}
        )
    except ValidationFailed as exc:
        raise ValidationFailed([*errors, *exc.errors]) from None
    if errors:
        raise ValidationFailed(errors)
    return mapping


_DEFAULT_INPUTS = {"site": "site_id"}


def _mapping_input(path: str) -> str | None:
    """The mapping page's input of a mapping error (`mapping.defaults.site` → site_id)."""
    parts = path.split(".")
    if len(parts) == 3 and parts[1] == "defaults":
        return _DEFAULT_INPUTS.get(parts[2], parts[2])
    return None


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

    background.start(run, name=f"import-{batch_id}")  # joined by Container.close


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
        sites = registration.visible_sites(pg.db, actor=pg.principal, permission=service.IMPORT_PERMISSION)
        wanted = {
            "columns": columns,
            "date_order": form.get("date_order") or "DMY",
            "defaults": _defaults_from_form(form, sites),
        }
        try:
            mapping = _checked(pg, batch.operation_id, wanted)
            service.set_mapping(pg.db, actor=pg.principal, batch=batch, mapping=mapping)
        except ValidationFailed as exc:
            read = queries.batch(pg.db, actor=pg.principal, batch_id=key)
            return _render_mapping(request, pg, read, collect(exc.errors, _mapping_input), wanted)
        except Conflict as exc:
            return RedirectResponse(f"/imports/{key}?problem={exc.message[:200]}", status_code=303)
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
        created = None
        if batch.status == "committed":
            offset = _int_param(request, "created_from")
            created = queries.created_households(
                pg.db, actor=pg.principal, batch_id=key, offset=offset, limit=SHOWN_CREATED
            )
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
            created=created,
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
