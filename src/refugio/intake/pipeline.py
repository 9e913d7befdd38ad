"""The import driver: a file → staging → validation, in several short units of work, so that a long
import shows its progress (the batch's status and counters are committed as it goes) and memory stays
flat (rows are read, mapped and written a chunk at a time; Python's cyclic collector is held back
within a chunk or page and run at its end: `Collector`). Nothing reaches the registry here: that
is `service.commit_batch`, in ONE unit of work, after review.

This is the one place in the domain that opens units of work itself, from the session factory the
caller passes; every write inside still goes through the service functions, which only flush.

    preview = inspect_file(path, filename="export.xlsx")          # headers, HXL row, suggestions
    batch_id = import_file(sessions, actor=..., path=..., site_id=..., mapping=preview.mapping)
    with unit_of_work(sessions) as s:
        service.commit_batch(s, actor=..., batch_id=batch_id)

Imports refugio.intake (readers, mapping, service), store and core; no web framework.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from refugio.core.errors import FieldError, ValidationFailed
from refugio.core.events import EventBus
from refugio.intake import readers, service
from refugio.intake.collector import Collector
from refugio.intake.mapping import CellError, Mapping, Suggestion, suggest
from refugio.security.principals import Principal
from refugio.store.uow import unit_of_work

STAGE_CHUNK = 5000
Progress = Callable[[str, int, int | None], None]  # (phase, done, total)


@dataclass
class FilePreview:
    kind: str
    headers: list[str]
    hxl: list[str] | None
    suggestions: list[Suggestion]
    mapping: Mapping
    sample: list[list[str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    sheet: str | None = None
    encoding: str | None = None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def inspect_file(
    path: Path,
    *,
    filename: str | None = None,
    sheet: str | None = None,
    limits: readers.Limits = readers.DEFAULT_LIMITS,
    sample_rows: int = 5,
) -> FilePreview:
    """Headers, HXL hashtags, suggested mapping and the first rows of a file (raises ValidationFailed
    naming the problem if the file cannot be read)."""
    from refugio.intake.values import as_text

    with readers.open_table(path, filename=filename, sheet=sheet, limits=limits) as table:
        sample: list[list[str]] = []
        for row in table.rows:
            sample.append([as_text(c) for c in row.cells])
            if len(sample) >= sample_rows:
                break
        suggestions = suggest(table.headers, table.hxl)
        return FilePreview(
            kind=table.kind,
            headers=table.headers,
            hxl=table.hxl,
            suggestions=suggestions,
            mapping=Mapping.from_suggestions(suggestions),
            sample=sample,
            warnings=list(table.warnings),
            sheet=table.sheet,
            encoding=table.encoding,
        )


def _chunks(table: readers.Table, mapping: Mapping, size: int) -> Iterator[list[service.RowInput]]:
    plan = mapping.compile(table.headers)
    text_cells = table.kind == "csv"  # a CSV reader gives text only: nothing to convert for storage
    chunk: list[service.RowInput] = []
    for row in table.rows:
        values, errors = mapping.apply(plan, row.cells, epoch=table.epoch)
        for index, message, code in row.problems:
            header = table.headers[index] if index < len(table.headers) else None
            name = mapping.columns.get(header or "", "file") if header else "file"
            errors.append(CellError(name if name != "-" else "file", header, message, code))
            if name in values and code == "formula_without_value":
                values.pop(name, None)
        chunk.append(
            service.RowInput(row.number, values, errors, row.cells, row.sheet, text_cells=text_cells)
        )
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@contextmanager
def _quiet(progress: Progress | None) -> Iterator[Progress]:
    def report(phase: str, done: int, total: int | None) -> None:
        if progress is not None:
            progress(phase, done, total)

    yield report


def import_file(
    sessions: sessionmaker[Session],
    *,
    actor: Principal,
    path: Path,
    mapping: Mapping | None = None,
    source: str | None = None,
    site_id: uuid.UUID | None = None,
    operation_id: uuid.UUID | None = None,
    filename: str | None = None,
    sheet: str | None = None,
    batch_id: uuid.UUID | None = None,
    limits: readers.Limits = readers.DEFAULT_LIMITS,
    progress: Progress | None = None,
    events: EventBus | None = None,
    chunk: int = STAGE_CHUNK,
) -> uuid.UUID:
    """Stage and validate a file; returns the batch id (status `ready`, `blocked` or `failed`).

    With `batch_id`, stages an uploaded batch whose mapping was reviewed (`service.set_mapping`);
    otherwise opens a new batch. A file that cannot be read leaves a `failed` batch saying why (the
    ValidationFailed is raised again for the caller to show) and no staged rows."""
    digest = file_sha256(path)
    name = filename or path.name
    with _quiet(progress) as report:
        if batch_id is None:
            batch_id = _open_batch(
                sessions,
                actor=actor,
                path=path,
                name=name,
                digest=digest,
                mapping=mapping,
                source=source,
                site_id=site_id,
                operation_id=operation_id,
                sheet=sheet,
            )
        with unit_of_work(sessions, immediate=True) as s:
            batch = service.load_batch(s, actor=actor, batch_id=batch_id)
            stored = Mapping.from_dict(batch.mapping) if batch.mapping else None
            sheet = sheet or batch.sheet
        mapping = mapping or stored
        try:
            with (
                readers.open_table(path, filename=name, sheet=sheet, limits=limits) as table,
                Collector() as collector,
            ):
                done, empty = _stage_table(
                    sessions,
                    actor=actor,
                    batch_id=batch_id,
                    table=table,
                    mapping=mapping,
                    chunk=chunk,
                    report=report,
                    collector=collector,
                )
        except ValidationFailed as exc:
            with unit_of_work(sessions, immediate=True) as s:
                batch = service.load_batch(s, actor=actor, batch_id=batch_id)
                service.mark_failed(s, actor=actor, batch=batch, message=exc.message)
            raise
        validate(sessions, actor=actor, batch_id=batch_id, total=done, progress=progress, events=events)
        if empty:
            with unit_of_work(sessions, immediate=True) as s:
                batch = service.load_batch(s, actor=actor, batch_id=batch_id)
                batch.counts = {**batch.counts, "empty_rows": empty}
    return batch_id


def _open_batch(
    sessions: sessionmaker[Session],
    *,
    actor: Principal,
    path: Path,
    name: str,
    digest: str,
    mapping: Mapping | None,
    source: str | None,
    site_id: uuid.UUID | None,
    operation_id: uuid.UUID | None,
    sheet: str | None,
) -> uuid.UUID:
    """A new batch for the file (in its own unit of work); returns its id."""
    with unit_of_work(sessions, immediate=True) as s:
        batch = service.start_batch(
            s,
            actor=actor,
            source=source
            or (mapping.source if mapping else None)
            or (mapping.name if mapping else None)
            or "import",
            kind=readers.sniff_kind(path, name),
            site_id=site_id,
            operation_id=operation_id,
            filename=name,
            file_sha256=digest,
            file_bytes=path.stat().st_size,
            sheet=sheet,
            mapping=mapping,
        )
        return batch.id


def _stage_table(
    sessions: sessionmaker[Session],
    *,
    actor: Principal,
    batch_id: uuid.UUID,
    table: readers.Table,
    mapping: Mapping | None,
    chunk: int,
    report: Progress,
    collector: Collector,
) -> tuple[int, int]:
    """Check the mapping against the file's headers (the suggested one when none is given), record it
    on the batch, then stage the rows a chunk per unit of work; returns (rows staged, empty rows)."""
    if mapping is None:
        mapping = Mapping.from_suggestions(suggest(table.headers, table.hxl))
    problems = mapping.problems(table.headers)
    blocking = [p for p in problems if p.level == "error"]
    if blocking:
        raise ValidationFailed([FieldError("mapping", p.message, p.code) for p in blocking])
    with unit_of_work(sessions, immediate=True) as s:
        batch = service.load_batch(s, actor=actor, batch_id=batch_id)
        batch.headers = list(table.headers)
        batch.hxl = list(table.hxl) if table.hxl else None
        batch.mapping = mapping.as_dict()
        batch.sheet = table.sheet
        batch.warnings = [*table.warnings, *(p.message for p in problems)]
        sites = service.sites_by_code(s, batch.operation_id)
        service.set_progress(s, batch=batch, status="staging", done=0, total=table.estimated_rows)
    done = 0
    for rows in _chunks(table, mapping, chunk):
        with unit_of_work(sessions, immediate=True) as s:
            batch = service.load_batch(s, actor=actor, batch_id=batch_id)
            done += service.stage(s, batch=batch, inputs=rows, sites=sites)
            total = table.estimated_rows
            if table.kind == "csv" and table.total_bytes:
                # estimate from the share of bytes read so far
                read = max(table.stats["bytes_read"], 1)
                total = max(done, int(done * table.total_bytes / read))
            service.set_progress(s, batch=batch, status="staging", done=done, total=total)
        report("staging", done, total)
        collector.step()
    return done, table.stats.get("empty_rows", 0)


def validate(
    sessions: sessionmaker[Session],
    *,
    actor: Principal,
    batch_id: uuid.UUID,
    total: int | None = None,
    progress: Progress | None = None,
    events: EventBus | None = None,
) -> None:
    """Validate a staged batch household by household (one unit of work per page), then finish it."""
    after: str | None = None
    done = 0
    with Collector() as collector:
        while True:
            with unit_of_work(sessions, immediate=True) as s:
                last, seen = service.validate_page(s, actor=actor, batch_id=batch_id, after=after)
                if last is None:
                    break
                done += seen
                batch = service.load_batch(s, actor=actor, batch_id=batch_id)
                service.set_progress(s, batch=batch, status="validating", done=done, total=total)
            after = last
            if progress is not None:
                progress("validating", done, total)
            collector.step()
    with unit_of_work(sessions, immediate=True) as s:
        service.finish_validation(s, actor=actor, batch_id=batch_id, events=events)


def summary(counts: dict[str, Any]) -> str:
    """One line for people: what the batch holds."""
    return (
        f"{counts.get('rows', 0):,} rows in {counts.get('households', 0):,} households: "
        f"{counts.get('households_new', 0):,} households to register ({counts.get('new', 0):,} people), "
        f"{counts.get('update', 0):,} people to update, {counts.get('unchanged', 0):,} unchanged, "
        f"{counts.get('invalid', 0):,} rows with errors "
        f"({counts.get('households_held', 0):,} households held back)"
    )


__all__ = ["STAGE_CHUNK", "FilePreview", "file_sha256", "import_file", "inspect_file", "summary", "validate"]
