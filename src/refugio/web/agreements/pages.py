"""`/agreements`: the data-sharing agreements of the operations one may see (AGREEMENT_VIEW), the form
that records one and the buttons that suspend, reactivate or terminate it (AGREEMENT_MANAGE), and the
share of the registry under an agreement chosen from a list (DATA_SHARE), downloaded as a zip of the CSV
and its manifest. Refusals (fields outside, an expired agreement) come back beside the form.

Must not import refugio.api, refugio.cli, refugio.main, a domain's models or sqlalchemy.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from refugio.agreements import manifest, queries, service
from refugio.agreements.enums import DISTRESS_LOG_FIELDS, LEGAL_BASES, AgreementPurpose, ShareDataset
from refugio.agreements.schemas import AgreementCreate, AgreementStatusChange
from refugio.core.errors import Conflict, FieldError, PermissionDenied, ValidationFailed
from refugio.registration import queries as registry
from refugio.security.permissions import Permission
from refugio.web import forms
from refugio.web.common import Failure, form_context, posted_values, run_action
from refugio.web.context import Page, parse_uuid, state_of
from refugio.web.forms import FormErrors, plain_input, text
from refugio.web.i18n import N_
from refugio.web.labels import choices

router = APIRouter(include_in_schema=False)

NOTICES = {
    "recorded": N_("The agreement was recorded."),
    "status": N_("The agreement's status was changed."),
}
STATUS_CHOICES = {"active": N_("active"), "suspended": N_("suspended"), "terminated": N_("terminated")}
DATASET_CHOICES = {
    ShareDataset.REGISTRY.value: N_("The registry (registered people)"),
    ShareDataset.DISTRESS_LOG.value: N_("The distress log (situation reports at sea)"),
}
# An agreement's purpose: a consent purpose (the registry) or search and rescue (the distress log).
EXTRA_PURPOSES = {AgreementPurpose.SEARCH_AND_RESCUE.value: N_("Search and rescue")}
RECORD_FIELDS = (
    "operation_id",
    "dataset",
    "partner",
    "partner_username",
    "purpose",
    "fields",
    "legal_basis",
    "retention_days",
    "valid_from",
    "valid_until",
    "notes",
)


def _render(request: Request, failure: Failure | None = None, ticked: tuple[str, ...] = ()) -> Response:
    with state_of(request).page(request) as pg:
        if not (pg.can_anywhere(Permission.AGREEMENT_VIEW) or pg.can_anywhere(Permission.DATA_SHARE)):
            raise PermissionDenied(f"{pg.principal.label} lacks {Permission.AGREEMENT_VIEW.value}")
        operations = registry.visible_operations(pg.db, actor=pg.principal)
        rows = queries.list_agreements(pg.db, actor=pg.principal)
        manage_ops = [o for o in operations if pg.can(Permission.AGREEMENT_MANAGE, operation_id=o.id)]
        done = request.query_params.get("done")
        purposes = {k: pg.gettext(v) for k, v in [*choices("consent_purpose"), *EXTRA_PURPOSES.items()]}
        return pg.render(
            "agreements/agreements.html",
            status=422 if failure else 200,
            agreements=rows,
            op_codes={o.id: o.code for o in operations},
            manage_ops=[(str(o.id), f"{o.code} · {o.name}") for o in manage_ops],
            may_manage={
                a.id for a in rows if pg.can(Permission.AGREEMENT_MANAGE, operation_id=a.operation_id)
            },
            may_share=[
                (
                    str(a.id),
                    f"{a.partner} · {purposes.get(a.purpose, a.purpose)} · {a.valid_until.isoformat()}",
                )
                for a in rows
                if a.in_force
                and a.dataset == "registry"  # the distress log is shared from /tracking/distress
                and pg.can(Permission.DATA_SHARE, operation_id=a.operation_id)
            ],
            purposes=purposes,
            legal_bases=[(b, b) for b in LEGAL_BASES],
            field_names=registry.SHAREABLE_FIELDS,
            distress_fields=DISTRESS_LOG_FIELDS,
            datasets={k: pg.gettext(v) for k, v in DATASET_CHOICES.items()},
            ticked=set(ticked),
            statuses={k: pg.gettext(v) for k, v in STATUS_CHOICES.items()},
            notice=pg.gettext(NOTICES[done]) if done in NOTICES else None,
            record=form_context(failure, "record"),
            share=form_context(failure, "share"),
            status_form=form_context(failure, "status"),
            failed_id=failure.values.get("agreement_id") if failure else None,
            today=dt.date.today(),
            no_errors=FormErrors(),
        )


@router.get("/agreements")
def agreements_page(request: Request) -> Response:
    return _render(request)


@router.post("/agreements")
async def record_agreement(request: Request) -> Response:
    form = await request.form()

    def work(pg: Page) -> str:
        values: dict[str, Any] = {k: text(form, k) for k in RECORD_FIELDS if k != "fields"}
        values["fields"] = [v for v in form.getlist("fields") if isinstance(v, str)]
        data = forms.build(AgreementCreate, forms.compact(values), pg.t)
        service.record_agreement(pg.db, actor=pg.principal, data=data)
        return "/agreements?done=recorded"

    return await run_in_threadpool(
        run_action,
        request,
        form,
        name="record",
        work=work,
        to_input=_record_input,
        on_failure=lambda failure: _render(
            request, failure, tuple(v for v in form.getlist("fields") if isinstance(v, str))
        ),
    )


def _record_input(path: str) -> str | None:
    head = path.split(".")[0]
    return head if head in RECORD_FIELDS else None


@router.post("/agreements/{agreement_id}/status")
async def change_status(request: Request, agreement_id: str) -> Response:
    aid, form = parse_uuid(agreement_id), await request.form()

    def work(pg: Page) -> str:
        data = forms.build(
            AgreementStatusChange,
            forms.compact({"status": text(form, "status"), "reason": text(form, "reason")}),
            pg.t,
        )
        service.change_status(pg.db, actor=pg.principal, agreement_id=aid, data=data)
        return "/agreements?done=status"

    return await run_in_threadpool(
        run_action,
        request,
        form,
        name="status",
        work=work,
        to_input=plain_input(("status", "reason")),
        on_failure=lambda failure: _render(request, failure),
    )


@router.post("/agreements/share")
async def share_registry(request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(_share, request, form)


def _share(request: Request, form: FormData) -> Response:
    try:
        with state_of(request).page(request) as pg:
            pg.check_csrf(form)
            try:
                aid = uuid.UUID(text(form, "agreement_id"))
            except ValueError:
                raise ValidationFailed.single("agreement_id", "choose the agreement to share under") from None
            fields = [v for v in form.getlist("fields") if isinstance(v, str)] or None
            share = service.share_registry(pg.db, actor=pg.principal, agreement_id=aid, fields=fields)
    except (ValidationFailed, Conflict) as exc:
        errors = getattr(exc, "errors", None) or [FieldError("", exc.message, "conflict")]
        failure = Failure(
            "share", forms.collect(errors, plain_input(("agreement_id", "fields"))), posted_values(form)
        )
        return _render(request, failure)
    name = share.filename.removesuffix(".csv") + ".zip"
    return Response(
        manifest.zipped(share.filename, share.content, share.manifest),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
