"""Protection pages of the service directory (organisations, services, who answers their referrals) and
of the receiving services: the referral inbox and a referral with its answer (accept, decline,
report the service given). A receiving service's pages show a referral's shared copy only, as
refugio.protection.queries returns it.

Every form is CSRF-checked and runs in one unit of work. Must not import refugio.api, refugio.cli or
refugio.main.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from refugio.core.errors import ValidationFailed
from refugio.protection import queries, service
from refugio.protection.schemas import OrganisationCreate, ServiceCreate
from refugio.registration import queries as registration
from refugio.security.permissions import Permission
from refugio.web import forms
from refugio.web.common import Failure, form_context, run_action
from refugio.web.context import Page, parse_uuid, state_of
from refugio.web.forms import plain_input, text
from refugio.web.protection.common import render

router = APIRouter(include_in_schema=False)


# ---------------------------------------------------------------------------------------------
# the service directory


def _directory(request: Request, failure: Failure | None = None) -> Response:
    web = state_of(request)
    with web.page(request) as pg:
        ops = [
            op
            for op in registration.visible_operations(pg.db, actor=pg.principal)
            if pg.can(Permission.SERVICE_DIRECTORY_MANAGE, operation_id=op.id)
        ]
        items = queries.services(pg.db, actor=pg.principal, include_inactive=True)
        organisations = queries.organisations(pg.db, actor=pg.principal)
        providers = {
            op.id: queries.colleagues(
                pg.db, actor=pg.principal, operation_id=op.id, permission=Permission.REFERRAL_RECEIVE
            )
            for op in ops
        }
        return render(
            pg,
            "protection/directory.html",
            status=422 if failure else 200,
            items=items,
            organisations=organisations,
            op_choices=[(str(op.id), op.name) for op in ops],
            org_choices=[
                (str(o.id), o.name) for o in organisations if o.operation_id in {op.id for op in ops}
            ],
            service_choices=[(str(i.service.id), i.service.name) for i in items if i.service.active],
            manage_ops=ops,
            providers=providers,
            org_form=form_context(failure, "organisation"),
            service_form=form_context(failure, "service"),
            member_form=form_context(failure, "member"),
        )


@router.get("/protection/services")
def directory_page(request: Request) -> Response:
    return _directory(request)


_DIRECTORY_INPUTS = plain_input(
    (
        "operation_id",
        "name",
        "acronym",
        "kind",
        "phone",
        "email",
        "organisation_id",
        "service_type",
        "location",
        "contact_name",
        "hours",
        "user_id",
        "service_id",
    )
)


async def _directory_action(request: Request, name: str, work: Callable[[Page, FormData], None]) -> Response:
    """Run form `name` of the directory page; back to the directory."""
    form = await request.form()

    def go(pg: Page) -> str:
        work(pg, form)
        return "/protection/services?done=directory"

    return await run_in_threadpool(
        run_action,
        request,
        form,
        name=name,
        work=go,
        to_input=_DIRECTORY_INPUTS,
        on_failure=lambda failure: _directory(request, failure),
    )


def _add_organisation(pg: Page, form: FormData) -> None:
    keys = ("operation_id", "name", "acronym", "kind", "phone", "email")
    data = forms.build(OrganisationCreate, forms.compact({k: text(form, k) for k in keys}), pg.t)
    service.create_organisation(pg.db, actor=pg.principal, data=data)


@router.post("/protection/services/organisation")
async def add_organisation(request: Request) -> Response:
    return await _directory_action(request, "organisation", _add_organisation)


def _add_service(pg: Page, form: FormData) -> None:
    keys = ("organisation_id", "name", "service_type", "location", "contact_name", "phone", "email", "hours")
    data = forms.build(ServiceCreate, forms.compact({k: text(form, k) for k in keys}), pg.t)
    service.add_service(pg.db, actor=pg.principal, data=data)


@router.post("/protection/services/service")
async def add_service(request: Request) -> Response:
    return await _directory_action(request, "service", _add_service)


def _add_member(pg: Page, form: FormData) -> None:
    if not text(form, "user_id"):
        raise ValidationFailed.single("user_id", pg.gettext("Choose a person and a role."), "required")
    service.add_service_member(
        pg.db,
        actor=pg.principal,
        service_id=parse_uuid(text(form, "service_id")),
        user_id=parse_uuid(text(form, "user_id")),
    )


@router.post("/protection/services/member")
async def add_member(request: Request) -> Response:
    return await _directory_action(request, "member", _add_member)


def _deactivate(pg: Page, form: FormData) -> None:
    service.deactivate_service(pg.db, actor=pg.principal, service_id=parse_uuid(text(form, "service_id")))


@router.post("/protection/services/deactivate")
async def deactivate(request: Request) -> Response:
    # a refusal is shown with the organisation form, the page's first
    return await _directory_action(request, "organisation", _deactivate)


# ---------------------------------------------------------------------------------------------
# the referral inbox of receiving services


@router.get("/protection/inbox")
def inbox_page(request: Request) -> Response:
    web = state_of(request)
    with web.page(request) as pg:
        return render(
            pg,
            "protection/inbox.html",
            referrals=queries.referral_inbox(pg.db, actor=pg.principal),
            services=queries.my_services(pg.db, actor=pg.principal),
        )


def _referral_page(request: Request, referral_id: uuid.UUID, failure: Failure | None = None) -> Response:
    web = state_of(request)
    with web.page(request) as pg:
        return render(
            pg,
            "protection/referral.html",
            status=422 if failure else 200,
            r=queries.received_referral(pg.db, actor=pg.principal, referral_id=referral_id),
            answer=form_context(failure, "answer"),
        )


@router.get("/protection/inbox/{referral_id}")
def referral_page(request: Request, referral_id: str) -> Response:
    return _referral_page(request, parse_uuid(referral_id))


@router.post("/protection/inbox/{referral_id}")
async def answer_referral(request: Request, referral_id: str) -> Response:
    rid, form = parse_uuid(referral_id), await request.form()

    def work(pg: Page) -> str:
        how, note = text(form, "answer"), text(form, "note")
        if how == "accept":
            service.accept_referral(pg.db, actor=pg.principal, referral_id=rid, note=note)
        elif how == "reject":
            service.reject_referral(pg.db, actor=pg.principal, referral_id=rid, reason=note)
        elif how == "complete":
            try:
                service.complete_referral(pg.db, actor=pg.principal, referral_id=rid, feedback=note)
            except ValidationFailed as exc:
                raise ValidationFailed([type(e)("note", e.message, e.code) for e in exc.errors]) from None
        else:
            raise ValidationFailed.single("answer", pg.gettext("Choose one of the options."), "invalid")
        return f"/protection/inbox/{rid}?done=answered"

    return await run_in_threadpool(
        run_action,
        request,
        form,
        name="answer",
        work=work,
        to_input=plain_input(("answer", "note"), {"reason": "note", "feedback": "note"}),
        on_failure=lambda failure: _referral_page(request, rid, failure),
    )
