"""The data subject rights pages: the register of requests (/dataprotection/requests, filters, overdue
first), a new request (/dataprotection/requests/new), and a request's page with its steps and actions
(verify identity, the DPO's decision on narratives, download the access report as JSON or PDF, apply a
correction, erase, refuse). Renders refugio.dataprotection.rights' read models; must not import
refugio.api, refugio.cli or refugio.main."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from refugio.core.errors import ValidationFailed
from refugio.dataprotection.rights import policy, queries, service
from refugio.dataprotection.rights.enums import CORRECTABLE, OPEN_STATUSES, RequestKind, RequestStatus
from refugio.dataprotection.rights.schemas import (
    IdentityVerification,
    Refusal,
    RightsRequestCreate,
    SensitiveDecision,
)
from refugio.web import forms
from refugio.web.common import Failure, run_action
from refugio.web.context import Page, state_of
from refugio.web.labels import FIELD_LABELS
from refugio.web.rights.labels import (
    CREATE_INPUTS,
    KIND_LABELS,
    LANGUAGE_LABELS,
    MARITAL_STATUS,
    REQUESTER_LABELS,
    STATUS_LABELS,
    STEP_LABELS,
)

router = APIRouter(include_in_schema=False)
PAGE = "/dataprotection/requests"


def _choices(pg: Page, labels: dict[str, str]) -> list[tuple[str, str]]:
    return [(str(k), pg.gettext(v)) for k, v in labels.items()]


def _common(pg: Page) -> dict[str, Any]:
    return {
        "kind_labels": KIND_LABELS,
        "status_labels": STATUS_LABELS,
        "requester_labels": REQUESTER_LABELS,
        "language_labels": LANGUAGE_LABELS,
        "step_labels": STEP_LABELS,
        "field_labels": {f: FIELD_LABELS.get(f, MARITAL_STATUS) for f in CORRECTABLE},
    }


@router.get(PAGE)
def requests_page(request: Request) -> Response:
    q = request.query_params
    web = state_of(request)
    with web.page(request) as pg:
        status = q.get("status") or None
        kind = q.get("kind") or None
        found = queries.requests(
            pg.db,
            actor=pg.principal,
            status=RequestStatus(status) if status in set(RequestStatus) else None,
            kind=RequestKind(kind) if kind in set(RequestKind) else None,
            overdue=q.get("overdue") == "on",
            ref=(q.get("ref") or "").strip() or None,
        )
        return pg.render(
            "rights/requests.html",
            requests=found,
            filters={
                "status": status or "",
                "kind": kind or "",
                "overdue": q.get("overdue") == "on",
                "ref": q.get("ref", ""),
            },
            status_choices=_choices(pg, STATUS_LABELS),
            kind_choices=_choices(pg, KIND_LABELS),
            can_manage=policy.can_manage(pg.principal),
            forms_errors=forms.FormErrors(),
            **_common(pg),
        )


def _new_form(request: Request, failure: Failure | None = None, status: int = 200) -> Response:
    web = state_of(request)
    with web.page(request) as pg:
        policy.require_manage(pg.principal)
        return pg.render(
            "rights/new.html",
            status=status,
            kind_choices=_choices(pg, KIND_LABELS),
            requester_choices=_choices(pg, REQUESTER_LABELS),
            language_choices=list(LANGUAGE_LABELS.items()),
            errors=failure.errors if failure else forms.FormErrors(),
            values=failure.values
            if failure
            else {"kind": "access", "requester": "data_subject", "language": "en"},
            **_common(pg),
        )


@router.get(PAGE + "/new")
def new_request_page(request: Request) -> Response:
    return _new_form(request)


def _create_input(field: str) -> str | None:
    head = field.split(".")[0]
    if head == "changes" and "." in field:
        return f"change_{field.split('.')[1]}"
    return head if head in CREATE_INPUTS else None


@router.post(PAGE)
async def create_request(request: Request) -> Response:
    form = await request.form()
    made: dict[str, str] = {}

    def work(pg: Page) -> str:
        data: dict[str, Any] = {k: forms.text(form, k) for k in ("kind", "ref", "requester", "language")}
        data["requester_name"] = forms.opt(form, "requester_name")
        if received := forms.opt(form, "received_on"):
            data["received_on"] = received
        if data["kind"] == RequestKind.CORRECTION.value:
            data["changes"] = {f: v for f in CORRECTABLE if (v := forms.text(form, f"change_{f}"))}
        built = forms.build(
            RightsRequestCreate, forms.compact(data) | {"changes": data.get("changes", {})}, pg.t
        )
        days = state_of(request).container.settings.rights_deadline_days
        read = service.create_request(pg.db, actor=pg.principal, data=built, deadline_days=days)
        made["ref"] = read.ref
        return f"{PAGE}/{read.ref}?done=received"

    return await run_in_threadpool(
        run_action,
        request,
        form,
        name="create",
        work=work,
        to_input=_create_input,
        on_failure=lambda failure: _new_form(request, failure, status=422),
    )


def _request_page(request: Request, key: str, failure: Failure | None = None, status: int = 200) -> Response:
    web = state_of(request)
    with web.page(request) as pg:
        found = queries.request(pg.db, actor=pg.principal, request_id=queries.find_id(pg.db, key))
        return pg.render(
            "rights/request.html",
            status=status,
            r=found,
            is_open=found.status in OPEN_STATUSES,
            verified=found.status in (RequestStatus.IDENTITY_VERIFIED, RequestStatus.IN_PROGRESS),
            downloaded=any(s.action == "access_downloaded" for s in found.steps),
            can_manage=policy.can_manage(pg.principal),
            can_erase=policy.can_erase(pg.principal),
            failed=failure.form if failure else "",
            errors=failure.errors if failure else forms.FormErrors(),
            values=failure.values if failure else {},
            done=request.query_params.get("done", ""),
            **_common(pg),
        )


@router.get(PAGE + "/{key}")
def request_page(request: Request, key: str) -> Response:
    return _request_page(request, key)


async def _act(request: Request, key: str, name: str, act: Any, inputs: tuple[str, ...] = ()) -> Response:
    form = await request.form()

    def work(pg: Page) -> str:
        request_id = queries.find_id(pg.db, key)
        done = act(pg, request_id, form)
        return f"{PAGE}/{key}?done={done}"

    return await run_in_threadpool(
        run_action,
        request,
        form,
        name=name,
        work=work,
        to_input=forms.plain_input(inputs),
        on_failure=lambda failure: _request_page(request, key, failure, status=422),
    )


@router.post(PAGE + "/{key}/verify")
async def verify(request: Request, key: str) -> Response:
    def act(pg: Page, request_id: Any, form: Any) -> str:
        data = forms.build(IdentityVerification, {"evidence": forms.text(form, "evidence")}, pg.t)
        service.verify_identity(pg.db, actor=pg.principal, request_id=request_id, data=data)
        return "verified"

    return await _act(request, key, "verify", act, ("evidence",))


@router.post(PAGE + "/{key}/sensitive")
async def sensitive(request: Request, key: str) -> Response:
    def act(pg: Page, request_id: Any, form: Any) -> str:
        include = forms.text(form, "include")
        if include not in ("yes", "no"):
            raise ValidationFailed.single("include", pg.gettext("Choose release or withhold."))
        data = forms.build(
            SensitiveDecision, {"include": include == "yes", "note": forms.text(form, "note")}, pg.t
        )
        service.decide_sensitive(pg.db, actor=pg.principal, request_id=request_id, data=data)
        return "decided"

    return await _act(request, key, "sensitive", act, ("include", "note"))


@router.post(PAGE + "/{key}/refuse")
async def refuse(request: Request, key: str) -> Response:
    def act(pg: Page, request_id: Any, form: Any) -> str:
        data = forms.build(Refusal, {"reason": forms.text(form, "reason")}, pg.t)
        service.refuse(pg.db, actor=pg.principal, request_id=request_id, data=data)
        return "refused"

    return await _act(request, key, "refuse", act, ("reason",))


@router.post(PAGE + "/{key}/complete")
async def complete(request: Request, key: str) -> Response:
    def act(pg: Page, request_id: Any, form: Any) -> str:
        service.complete_access(pg.db, actor=pg.principal, request_id=request_id)
        return "completed"

    return await _act(request, key, "complete", act)


@router.post(PAGE + "/{key}/correct")
async def correct(request: Request, key: str) -> Response:
    def act(pg: Page, request_id: Any, form: Any) -> str:
        service.apply_correction(pg.db, actor=pg.principal, request_id=request_id)
        return "corrected"

    return await _act(request, key, "correct", act)


@router.post(PAGE + "/{key}/erase")
async def erase(request: Request, key: str) -> Response:
    def act(pg: Page, request_id: Any, form: Any) -> str:
        if not forms.checked(form, "confirm"):
            raise ValidationFailed.single("confirm", pg.gettext("Tick the box to confirm the erasure."))
        service.erase(pg.db, actor=pg.principal, request_id=request_id)
        return "erasure"

    return await _act(request, key, "erase", act, ("confirm",))


@router.post(PAGE + "/{key}/report")
async def report(request: Request, key: str) -> Response:
    form = await request.form()
    fmt = forms.text(form, "format")

    def work() -> Response:
        web = state_of(request)
        with web.page(request) as pg:
            pg.check_csrf(form)
            request_id = queries.find_id(pg.db, key)
            name, content, media = service.access_report(
                pg.db,
                actor=pg.principal,
                request_id=request_id,
                fmt=fmt if fmt in ("json", "pdf") else "json",
            )
        return Response(
            content,
            media_type=media,
            headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
        )

    return await run_in_threadpool(work)
