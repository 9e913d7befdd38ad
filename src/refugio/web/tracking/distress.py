"""The distress log page: the data-sharing agreements of the chosen operation, its situation reports
(IAMSAR SITREP), and a form to log people or a vessel in distress (identity, position and its time,
situation, persons on board, assistance required, coordinating centre, first actions), and sharing
the log with the partner of a distress-log agreement in force (refugio.agreements): a zip of the SITREP
file and its manifest to hand over; refused otherwise; every share audited.

Permissions are checked by refugio.tracking (TRACKING_VIEW to read, TRACKING_MANAGE for the
operation to log, TRACKING_SHARE to share). Must not import refugio.api, refugio.cli or refugio.main.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from refugio.agreements import manifest
from refugio.core import clock
from refugio.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from refugio.registration import queries as reg_queries
from refugio.security.permissions import Permission
from refugio.tracking import policy, queries, service
from refugio.tracking.schemas import DistressCreate
from refugio.web.common import Failure, form_context, posted_values, run_action
from refugio.web.context import Page, state_of
from refugio.web.forms import collect, plain_input

router = APIRouter(include_in_schema=False)
FIELDS = ("operation_id", "identity", "latitude", "longitude", "position_at", "situation", "persons_on_board",
          "assistance_required", "coordinating_centre", "actions")  # fmt: skip


def _render(request: Request, failure: Failure | None = None) -> Response:
    with state_of(request).page(request) as pg:
        policy.require_view(pg.principal)
        ops = [
            o
            for o in reg_queries.visible_operations(pg.db, actor=pg.principal)
            if pg.can(Permission.TRACKING_VIEW, operation_id=o.id)
        ]
        chosen = next(
            (o for o in ops if o.code == request.query_params.get("operation")), ops[0] if ops else None
        )
        reports = agreements = []
        if chosen is not None:
            reports = queries.distress_reports(pg.db, actor=pg.principal, operation_id=chosen.id)
            agreements = queries.agreements(pg.db, actor=pg.principal, operation_id=chosen.id)
        may_log = [o for o in ops if pg.can(Permission.TRACKING_MANAGE, operation_id=o.id)]
        shareable = [
            a for a in agreements
            if a.in_force and pg.can(Permission.TRACKING_SHARE, operation_id=a.operation_id)
        ] if reports else []  # fmt: skip
        return pg.render(
            "tracking/distress.html", status=422 if failure else 200, operations=ops, chosen=chosen,
            agreements=agreements, reports=[(r, queries.sitrep(r)) for r in reports], may_log=may_log,
            shareable=shareable, share_form=form_context(failure, "share"),
            now=clock.now().strftime("%Y-%m-%dT%H:%M"), form=form_context(failure, "distress"),
        )  # fmt: skip


@router.get("/tracking/distress")
def distress_page(request: Request) -> Response:
    return _render(request)


def _log(pg: Page, form: FormData) -> str:
    values = {k: str(form.get(k) or "").strip() for k in FIELDS}
    try:
        data = DistressCreate.model_validate({k: v for k, v in values.items() if v})
    except ValidationError as exc:
        errors = [FieldError(str(e["loc"][0]) if e["loc"] else "", e["msg"]) for e in exc.errors()]
        raise ValidationFailed(errors) from None
    if data.position_at.tzinfo is None:  # the form's local time is taken as UTC, as SITREPs are
        data = data.model_copy(update={"position_at": data.position_at.replace(tzinfo=clock.now().tzinfo)})
    if data.position_at > clock.now():
        raise ValidationFailed.single("position_at", "the time of the position is in the future")
    report = service.log_distress(pg.db, actor=pg.principal, data=data)
    codes = {o.id: o.code for o in reg_queries.visible_operations(pg.db, actor=pg.principal)}
    return f"/tracking/distress?operation={codes.get(report.operation_id, '')}"


@router.post("/tracking/distress")
async def log_report(request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(
        run_action, request, form, name="distress", work=lambda pg: _log(pg, form),
        to_input=plain_input(FIELDS), on_failure=lambda f: _render(request, f),
    )  # fmt: skip


@router.post("/tracking/distress/share")
async def share(request: Request) -> Response:
    """The log as SITREPs for the partner of the agreement chosen (a text file), or the page with why not."""
    form = await request.form()

    def work() -> Response:
        try:
            with state_of(request).page(request) as pg:
                pg.check_csrf(form)
                try:
                    agreement_id = uuid.UUID(str(form.get("agreement_id") or ""))
                except ValueError:
                    raise ValidationFailed.single("agreement_id", "choose a data-sharing agreement") from None
                share = service.share_distress_log(pg.db, actor=pg.principal, agreement_id=agreement_id)
        except (ValidationFailed, Conflict, NotFound) as exc:
            errors = getattr(exc, "errors", None) or [FieldError("agreement_id", exc.message, "refused")]
            return _render(request, Failure("share", collect(errors, plain_input(("agreement_id",))),
                                            posted_values(form)))  # fmt: skip
        name = share.filename.removesuffix(".txt") + ".zip"
        return Response(manifest.zipped(share.filename, share.content, share.manifest),
                        media_type="application/zip",
                        headers={"Content-Disposition": f'attachment; filename="{name}"',
                                 "X-Content-SHA256": share.manifest["sha256"]})  # fmt: skip

    return await run_in_threadpool(work)


__all__ = ["router"]
