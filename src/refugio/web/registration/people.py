"""The person page (details in both scripts, documents, specific needs with their "why", history,
certificates) and its actions: issue or revoke a certificate, flag or remove a need, record a death,
a marriage or a status change, correct details, add a document. Each action is a CSRF-checked form.

Must not import refugio.api, refugio.cli, refugio.main, a domain's models or sqlalchemy.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from refugio.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from refugio.dataprotection.rights import queries as rights
from refugio.protection import queries as protection
from refugio.registration import certificate, queries
from refugio.registration import service as registration
from refugio.registration.schemas import (
    DeathRecord,
    DocumentCreate,
    IndividualRead,
    IndividualUpdate,
    MarriageRecord,
    NeedFlag,
    StatusChange,
)
from refugio.security.permissions import Permission
from refugio.solutions import queries as solutions
from refugio.web import forms
from refugio.web.common import (
    Failure,
    country_choices,
    form_context,
    need_choices,
    notice,
    run_action,
)
from refugio.web.context import Page, parse_uuid, state_of
from refugio.web.forms import FormErrors, plain_input, split_codes, text
from refugio.web.protection.labels import PROTECTION_LABELS
from refugio.web.registration.erasure import erasure_notice
from refugio.web.rendering import partial_date
from refugio.web.solutions.labels import NOTICE_LABELS

router = APIRouter(include_in_schema=False)

FORMS = ("certificate", "revoke", "need", "remove_need", "death", "marriage", "status", "details", "document")


def _render_person(request: Request, person_id: uuid.UUID, failure: Failure | None = None) -> Response:
    web = state_of(request)
    with web.page(request) as pg:
        record = queries.person_record(pg.db, actor=pg.principal, key=person_id)
        p = record.person
        scope = {"operation_id": p.operation_id, "site_id": p.site_id}
        can = {
            "certificate": pg.can(Permission.CERTIFICATE_ISSUE, **scope) and p.status == "active",
            "revoke": pg.can(Permission.CERTIFICATE_REVOKE, **scope),
            "need": pg.can(Permission.NEEDS_FLAG, **scope),
            "event": pg.can(Permission.EVENT_RECORD, **scope),
            "details": pg.can(Permission.INDIVIDUAL_UPDATE, **scope),
            "document": pg.can(Permission.DOCUMENT_CREATE, **scope),
            "case": pg.can(Permission.CASE_MANAGE, **scope) or pg.can(Permission.CASE_SUPERVISE, **scope),
            "rsd": p.status == "active"
            and (pg.can(Permission.RSD_PROCESS, **scope) or pg.can(Permission.RSD_REVIEW, **scope)),
        }
        context: dict[str, Any] = {name: form_context(failure, name) for name in FORMS}
        return pg.render(
            "registration/person.html",
            status=422 if failure else 200,
            record=record,
            p=p,
            can=can,
            notice=notice(pg),
            needs=need_choices(pg),
            countries=country_choices(pg),
            failure=failure,
            current=_current_details(p),
            forms=context,
            no_errors=FormErrors(),
            cases=protection.cases_of_person(pg.db, actor=pg.principal, individual_id=p.id),
            case_status=_status_label(pg),
            rsd_notices=solutions.person_notices(pg.db, actor=pg.principal, individual_id=p.id),
            rsd_labels=NOTICE_LABELS,
            **erasure_notice(pg, rights.erasure_mark(pg.db, object_type="individual", object_id=p.id)),
        )


def _status_label(pg: Page) -> Callable[[str], str]:
    statuses = PROTECTION_LABELS["case_status"]

    def status(value: str) -> str:
        english = statuses.get(value) or value
        return pg.gettext(english)

    return status


@router.get("/people/{person_id}")
def person_page(request: Request, person_id: str) -> Response:
    return _render_person(request, parse_uuid(person_id))


def _action(
    request: Request,
    form: FormData,
    person_id: uuid.UUID,
    name: str,
    work: Callable[[Page], str],
    fields: tuple[str, ...],
    aliases: dict[str, str] | None = None,
) -> Response:
    return run_action(
        request,
        form,
        name=name,
        work=work,
        to_input=plain_input(fields, aliases),
        on_failure=lambda failure: _render_person(request, person_id, failure),
    )


# ---------------------------------------------------------------------------------------------------
# certificates


@router.post("/people/{person_id}/certificate")
async def issue_certificate(request: Request, person_id: str) -> Response:
    pid, form = parse_uuid(person_id), await request.form()
    return await run_in_threadpool(_issue, request, form, pid)


def _issue(request: Request, form: FormData, pid: uuid.UUID) -> Response:
    web = state_of(request)
    try:
        with web.page(request) as pg:
            pg.check_csrf(form)
            issued = certificate.issue_certificate(
                pg.db, actor=pg.principal, individual_id=pid, signer=web.container.keyring.signing_key()
            )
            serial, pdf = issued.certificate.serial, issued.pdf
    except (ValidationFailed, Conflict) as exc:
        errors = exc.errors or [FieldError("", exc.message, "conflict")]
        return _render_person(request, pid, Failure("certificate", forms.collect(errors, lambda _f: None)))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{serial}.pdf"'},
    )


@router.post("/people/{person_id}/certificates/revoke")
async def revoke_certificate(request: Request, person_id: str) -> Response:
    pid, form = parse_uuid(person_id), await request.form()

    def work(pg: Page) -> str:
        certificate.revoke_certificate(
            pg.db, actor=pg.principal, serial=text(form, "serial"), reason=text(form, "reason")
        )
        return f"/people/{pid}?done=revoked#certificates"

    return await run_in_threadpool(_action, request, form, pid, "revoke", work, ("serial", "reason"))


# ---------------------------------------------------------------------------------------------------
# specific needs


@router.post("/people/{person_id}/needs")
async def flag_need(request: Request, person_id: str) -> Response:
    pid, form = parse_uuid(person_id), await request.form()

    def work(pg: Page) -> str:
        data = forms.build(
            NeedFlag, forms.compact({"code": text(form, "code"), "reason": text(form, "reason")}), pg.t
        )
        registration.flag_need(pg.db, actor=pg.principal, individual_id=pid, data=data)
        return f"/people/{pid}?done=need_flagged#needs"

    return await run_in_threadpool(_action, request, form, pid, "need", work, ("code", "reason"))


@router.post("/people/{person_id}/needs/{need_id}/remove")
async def remove_need(request: Request, person_id: str, need_id: str) -> Response:
    pid, nid, form = parse_uuid(person_id), parse_uuid(need_id), await request.form()

    def work(pg: Page) -> str:
        registration.remove_need(pg.db, actor=pg.principal, need_id=nid, reason=text(form, "reason"))
        return f"/people/{pid}?done=need_removed#needs"

    return await run_in_threadpool(_action, request, form, pid, "remove_need", work, ("reason",))


# ---------------------------------------------------------------------------------------------------
# civil events and status


@router.post("/people/{person_id}/death")
async def record_death(request: Request, person_id: str) -> Response:
    pid, form = parse_uuid(person_id), await request.form()

    def work(pg: Page) -> str:
        values = forms.compact({"date_of_death": text(form, "date_of_death"), "note": text(form, "note")})
        registration.record_death(
            pg.db, actor=pg.principal, individual_id=pid, data=forms.build(DeathRecord, values, pg.t)
        )
        return f"/people/{pid}?done=death"

    return await run_in_threadpool(_action, request, form, pid, "death", work, ("date_of_death", "note"))


MARRIAGE_FIELDS = ("date_of_marriage", "spouse", "spouse_name", "note")


@router.post("/people/{person_id}/marriage")
async def record_marriage(request: Request, person_id: str) -> Response:
    pid, form = parse_uuid(person_id), await request.form()

    def work(pg: Page) -> str:
        spouse_id: uuid.UUID | None = None
        spouse_ref = text(form, "spouse")
        if spouse_ref:
            try:
                spouse_id = queries.person_record(
                    pg.db, actor=pg.principal, key=spouse_ref, audit_read=False
                ).person.id
            except NotFound:
                raise ValidationFailed.single(
                    "spouse", pg.gettext("No person with this ID among the sites you can see.")
                ) from None
        values = forms.compact(
            {
                "date_of_marriage": text(form, "date_of_marriage"),
                "spouse_id": spouse_id,
                "spouse_name": text(form, "spouse_name"),
                "note": text(form, "note"),
            }
        )
        registration.record_marriage(
            pg.db, actor=pg.principal, individual_id=pid, data=forms.build(MarriageRecord, values, pg.t)
        )
        return f"/people/{pid}?done=marriage"

    return await run_in_threadpool(
        _action, request, form, pid, "marriage", work, MARRIAGE_FIELDS, {"spouse_id": "spouse"}
    )


STATUS_FIELDS = ("status", "legal_status", "population_type", "effective_date", "reason")


@router.post("/people/{person_id}/status")
async def change_status(request: Request, person_id: str) -> Response:
    pid, form = parse_uuid(person_id), await request.form()

    def work(pg: Page) -> str:
        data = forms.build(StatusChange, forms.compact({k: text(form, k) for k in STATUS_FIELDS}), pg.t)
        registration.change_status(pg.db, actor=pg.principal, individual_id=pid, data=data)
        return f"/people/{pid}?done=status"

    return await run_in_threadpool(_action, request, form, pid, "status", work, STATUS_FIELDS)


# ---------------------------------------------------------------------------------------------------
# corrections and documents

DETAIL_TEXT = (
    "given_name",
    "middle_name",
    "family_name",
    "given_name_original",
    "middle_name_original",
    "family_name_original",
    "other_names",
    "phone",
)
DETAIL_CODES = ("sex", "nationality", "country_of_origin", "marital_status")
DETAIL_FIELDS = (*DETAIL_TEXT, *DETAIL_CODES, "date_of_birth", "languages", "reason")
_REQUIRED_NAMES = ("given_name", "family_name")


def _current_details(p: IndividualRead) -> dict[str, str]:
    """The person's correctable details as the form shows them."""
    current = {name: getattr(p, name) or "" for name in (*DETAIL_TEXT, *DETAIL_CODES)}
    current["date_of_birth"] = partial_date(p.date_of_birth, p.dob_precision)
    current["languages"] = ", ".join(p.languages or [])
    return current


def _changed_details(form: FormData, current: dict[str, str]) -> dict[str, Any]:
    """Only what the user changed; emptied optional fields are cleared, required names and codes kept."""
    changed: dict[str, Any] = {}
    for name in (*DETAIL_TEXT, *DETAIL_CODES, "date_of_birth"):
        value = text(form, name)
        if value == current[name]:
            continue
        if not value and (name in _REQUIRED_NAMES or name in DETAIL_CODES or name == "date_of_birth"):
            continue
        changed[name] = value
    languages = text(form, "languages")
    if split_codes(languages) != split_codes(current["languages"]):
        changed["languages"] = [code.lower() for code in split_codes(languages)]
    return changed


@router.post("/people/{person_id}/details")
async def correct_details(request: Request, person_id: str) -> Response:
    pid, form = parse_uuid(person_id), await request.form()

    def work(pg: Page) -> str:
        person = queries.individual_read(pg.db, actor=pg.principal, key=pid, audit_read=False)
        values = {"reason": text(form, "reason"), **_changed_details(form, _current_details(person))}
        data = forms.build(IndividualUpdate, values, pg.t)
        registration.update_individual(pg.db, actor=pg.principal, individual_id=pid, data=data)
        return f"/people/{pid}?done=details"

    return await run_in_threadpool(_action, request, form, pid, "details", work, DETAIL_FIELDS)


DOCUMENT_FIELDS = ("doc_type", "number", "issuing_country", "issue_date", "expiry_date")


@router.post("/people/{person_id}/documents")
async def add_document(request: Request, person_id: str) -> Response:
    pid, form = parse_uuid(person_id), await request.form()

    def work(pg: Page) -> str:
        data = forms.build(DocumentCreate, forms.compact({k: text(form, k) for k in DOCUMENT_FIELDS}), pg.t)
        registration.add_document(pg.db, actor=pg.principal, individual_id=pid, data=data)
        return f"/people/{pid}?done=document#documents"

    return await run_in_threadpool(_action, request, form, pid, "document", work, DOCUMENT_FIELDS)
