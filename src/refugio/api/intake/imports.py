"""The routes of /api/v1/imports (mounted by refugio.api.intake): upload a file to import, follow it,
read its rows and its validation report, commit or refuse it, close an OpenRosa batch.

They render the read models of refugio.intake.queries (`BatchRead`, `RowsPage`) and never import
refugio.intake's models or SQLAlchemy.
"""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from refugio.api.deps import Caller, Db, container_of, parse_id
from refugio.api.problems import responses
from refugio.core.errors import PermissionDenied, ValidationFailed
from refugio.intake import openrosa, pipeline, queries, service
from refugio.intake.mapping import Mapping, with_defaults
from refugio.intake.report import write_report
from refugio.intake.schemas import BatchRead, CreatedHousehold, CreatedPage, RowsPage

if TYPE_CHECKING:
    from refugio.main import Container

PREFIX = "/api/v1/imports"
CREATED_SHOWN = 100


class ImportOut(BaseModel):
    id: uuid.UUID
    status: str = Field(
        description="uploaded, staging, validating, ready, committed, refused, failed, blocked, receiving"
    )
    kind: str
    source: str
    filename: str | None
    site_id: uuid.UUID | None
    operation_id: uuid.UUID
    progress: dict[str, int | None]
    counts: dict[str, int]
    warnings: list[str]
    message: str | None
    mapping: dict[str, Any]
    created_by: str
    created_at: str
    links: dict[str, str]


class Refusal(BaseModel):
    reason: str = Field(min_length=3, max_length=2000)


class CommitOut(BaseModel):
    id: uuid.UUID
    households_registered: int
    people_registered: int
    people_updated: int
    households_skipped: int
    unchanged: int
    households: list[CreatedHousehold] = Field(
        description=f"The first {CREATED_SHOWN} households registered (the rest at links.households)"
    )
    links: dict[str, str]


def _out(request: Request, b: BatchRead) -> ImportOut:
    base = str(request.url.replace(query="")).split(PREFIX, 1)[0] + PREFIX + f"/{b.id}"
    return ImportOut(
        id=b.id,
        status=b.status,
        kind=b.kind,
        source=b.source,
        filename=b.filename,
        site_id=b.site_id,
        operation_id=b.operation_id,
        progress={"done": b.phase_done, "total": b.phase_total},
        counts=dict(b.counts or {}),
        warnings=list(b.warnings or []),
        message=b.message,
        mapping=dict(b.mapping or {}),
        created_by=b.created_by,
        created_at=b.created_at.isoformat(),
        links={
            "self": base,
            "rows": base + "/rows",
            "report": base + "/report.xlsx",
            "households": base + "/households",
        },
    )


router = APIRouter(tags=["imports"], responses=responses(401, 404))


def _may_import(principal: Caller) -> None:
    """403 for a caller who may import nowhere (the service then checks the exact site)."""
    if not principal.can_anywhere(service.IMPORT_PERMISSION):
        raise PermissionDenied(f"{principal.label} lacks {service.IMPORT_PERMISSION.value}")


IMPORTERS = [Depends(_may_import)]


def _upload_dir(container: Container) -> Path:
    path = container.settings.data_dir / "intake-uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _stage_in_background(
    container: Container, actor: Any, batch_id: uuid.UUID, path: Path, name: str
) -> None:
    try:
        pipeline.import_file(container.sessions, actor=actor, path=path, filename=name, batch_id=batch_id)
    except ValidationFailed:
        pass  # the batch is `failed` with the reason; the client reads it from the status
    finally:
        path.unlink(missing_ok=True)


@router.post(
    "/",
    status_code=202,
    response_model=ImportOut,
    responses=responses(403, 413, 415, 422),
    dependencies=IMPORTERS,
    summary="Upload a CSV or XLSX file to import (staged and checked in the background)",
)
async def upload(request: Request, background: BackgroundTasks, session: Db, principal: Caller) -> Any:
    container = container_of(request)
    form = await request.form(max_files=1, max_fields=10)
    part = form.get("file")
    if not isinstance(part, UploadFile):
        raise ValidationFailed.single("file", "send the file as the multipart field 'file'", "required")
    name = Path(part.filename or "upload").name[-200:]
    suffix = (
        Path(name).suffix.lower()
        if Path(name).suffix.lower() in (".csv", ".xlsx", ".txt", ".tsv")
        else ".bin"
    )
    fd, tmp = tempfile.mkstemp(prefix="import-", suffix=suffix, dir=_upload_dir(container))
    path = Path(tmp)
    with open(fd, "wb") as fh:
        while chunk := await part.read(1 << 20):
            fh.write(chunk)
    await form.close()
    text = {k: v for k, v in form.items() if isinstance(v, str)}

    def start() -> BatchRead:
        try:
            site_id = uuid.UUID(text.get("site_id", "").strip())
        except ValueError:
            raise ValidationFailed.single(
                "site_id", "give the id of the site to import into", "required"
            ) from None
        mapping = Mapping.from_yaml(text["mapping"]) if text.get("mapping", "").strip() else None
        preview = pipeline.inspect_file(path, filename=name)
        if text.get("defaults", "").strip():
            mapping = with_defaults(mapping or preview.mapping, text["defaults"])
        started = service.start_batch(
            session,
            actor=principal,
            source=text.get("source") or (mapping.source or mapping.name if mapping else None) or "import",
            kind=preview.kind,
            site_id=site_id,
            filename=name,
            file_sha256=pipeline.file_sha256(path),
            file_bytes=path.stat().st_size,
            headers=preview.headers,
            hxl=preview.hxl,
            sheet=preview.sheet,
            mapping=mapping or preview.mapping,
            warnings=preview.warnings,
        )
        return queries.batch(session, actor=principal, batch_id=started.id)

    try:
        batch = await run_in_threadpool(start)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    background.add_task(_stage_in_background, container, principal, batch.id, path, name)
    response = JSONResponse(_out(request, batch).model_dump(mode="json"), status_code=202)
    response.headers["Location"] = _out(request, batch).links["self"]
    return response


@router.get("/", response_model=list[ImportOut], summary="Imports the caller may see, newest first")
def list_imports(
    request: Request, session: Db, principal: Caller, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> list[ImportOut]:
    return [_out(request, b) for b in queries.batches(session, actor=principal, limit=limit)]


@router.get("/{batch_id}", response_model=ImportOut, summary="Status, progress and counts of an import")
def get_import(batch_id: str, request: Request, session: Db, principal: Caller) -> ImportOut:
    return _out(request, queries.batch(session, actor=principal, batch_id=parse_id(batch_id, "import")))


@router.get("/{batch_id}/rows", response_model=RowsPage, summary="Rows of an import with their errors")
def get_rows(
    batch_id: str,
    session: Db,
    principal: Caller,
    status: Annotated[str | None, Query(pattern="^(new|update|unchanged|invalid|held)$")] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> RowsPage:
    return queries.rows(
        session,
        actor=principal,
        batch_id=parse_id(batch_id, "import"),
        statuses=(status,) if status else (),
        offset=offset,
        limit=limit,
    )


@router.get(
    "/{batch_id}/report.xlsx",
    response_class=FileResponse,
    responses={200: {"content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}},
    summary="The validation report (XLSX, errors beside the data)",
)
def get_report(
    batch_id: str, request: Request, session: Db, principal: Caller, background: BackgroundTasks
) -> FileResponse:
    batch = queries.batch(session, actor=principal, batch_id=parse_id(batch_id, "import"))
    fd, tmp = tempfile.mkstemp(prefix="report-", suffix=".xlsx", dir=_upload_dir(container_of(request)))
    path = Path(tmp)
    with open(fd, "wb") as fh:
        write_report(session, batch_id=batch.id, out=fh)
    background.add_task(path.unlink, missing_ok=True)
    return FileResponse(
        path,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename=f"import-report-{str(batch.id)[:8]}.xlsx",
    )


@router.post(
    "/{batch_id}/commit",
    response_model=CommitOut,
    responses=responses(403, 409, 422),
    dependencies=IMPORTERS,
    summary="Register the valid households of a checked import (all in one transaction)",
)
def commit(batch_id: str, request: Request, session: Db, principal: Caller) -> CommitOut:
    result = service.commit_batch(session, actor=principal, batch_id=parse_id(batch_id, "import"))
    created = queries.created_households(
        session, actor=principal, batch_id=result.batch_id, limit=CREATED_SHOWN
    )
    base = str(request.url.replace(query="")).rsplit("/commit", 1)[0]
    return CommitOut(
        id=result.batch_id,
        households_registered=result.households_registered,
        people_registered=result.people_registered,
        people_updated=result.people_updated,
        households_skipped=result.households_skipped,
        unchanged=result.unchanged,
        households=created.items,
        links={"import": base, "households": base + "/households"},
    )


@router.get(
    "/{batch_id}/households",
    response_model=CreatedPage,
    summary="The households an import registered (links to /api/v1/households/{household_id})",
)
def get_created(
    batch_id: str,
    session: Db,
    principal: Caller,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> CreatedPage:
    return queries.created_households(
        session, actor=principal, batch_id=parse_id(batch_id, "import"), offset=offset, limit=limit
    )


@router.post(
    "/{batch_id}/refuse",
    response_model=ImportOut,
    responses=responses(403, 409, 422),
    dependencies=IMPORTERS,
    summary="Refuse an import: its rows are deleted, nothing reaches the registry",
)
def refuse(batch_id: str, data: Refusal, request: Request, session: Db, principal: Caller) -> ImportOut:
    key = parse_id(batch_id, "import")
    service.refuse_batch(session, actor=principal, batch_id=key, reason=data.reason)
    return _out(request, queries.batch(session, actor=principal, batch_id=key))


@router.post(
    "/{batch_id}/close",
    response_model=ImportOut,
    responses=responses(403, 409),
    dependencies=IMPORTERS,
    summary="Stop collecting OpenRosa submissions into this batch and check it for review",
)
def close(batch_id: str, request: Request, session: Db, principal: Caller) -> ImportOut:
    key = parse_id(batch_id, "import")
    openrosa.close_batch(session, actor=principal, batch_id=key)
    return _out(request, queries.batch(session, actor=principal, batch_id=key))


__all__ = ["IMPORTERS", "PREFIX", "router"]
