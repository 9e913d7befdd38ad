"""The consent page of a person (`/people/{id}/consent`): where they stand for each purpose, every change
with who recorded it and when, and the form that gives or withdraws consent for one purpose — for the
person or every active member of their household. A withdrawal takes effect wherever the purpose is used.

Must not import refugio.api, refugio.cli, refugio.main, a domain's models or sqlalchemy.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from refugio.registration import queries
from refugio.registration import service as registration
from refugio.registration.schemas import ConsentChange
from refugio.security.permissions import Permission
from refugio.web import forms
from refugio.web.common import Failure, form_context, run_action
from refugio.web.context import Page, parse_uuid, state_of
from refugio.web.forms import plain_input, text
from refugio.web.i18n import N_
from refugio.web.labels import choices

router = APIRouter(include_in_schema=False)

STATES = {"given": N_("given"), "withdrawn": N_("withdrawn"), "not_recorded": N_("not recorded")}
NOTICES = {"given": N_("Consent was recorded."), "withdrawn": N_("Consent was withdrawn.")}


def _render(request: Request, person_id: uuid.UUID, failure: Failure | None = None) -> Response:
    with state_of(request).page(request) as pg:
        consent = queries.consent_of(pg.db, actor=pg.principal, individual_id=person_id)
        scope = {"operation_id": consent.operation_id, "site_id": consent.site_id}
        may_change = pg.can(Permission.INDIVIDUAL_UPDATE, **scope) or pg.can(Permission.EVENT_RECORD, **scope)
        done = request.query_params.get("done")
        return pg.render(
            "registration/consent.html",
            status=422 if failure else 200,
            consent=consent,
            purposes={k: pg.gettext(v) for k, v in choices("consent_purpose")},
            states={k: pg.gettext(v) for k, v in STATES.items()},
            may_change=may_change,
            notice=pg.gettext(NOTICES[done]) if done in NOTICES else None,
            form=form_context(failure, "consent"),
        )


@router.get("/people/{person_id}/consent")
def consent_page(request: Request, person_id: str) -> Response:
    return _render(request, parse_uuid(person_id))


@router.post("/people/{person_id}/consent")
async def change_consent(request: Request, person_id: str) -> Response:
    pid, form = parse_uuid(person_id), await request.form()
    return await run_in_threadpool(_change, request, form, pid)


def _change(request: Request, form: FormData, pid: uuid.UUID) -> Response:
    def work(pg: Page) -> str:
        choice = text(form, "given")
        data = forms.build(
            ConsentChange,
            forms.compact(
                {
                    "purpose": text(form, "purpose"),
                    "given": {"yes": True, "no": False}.get(choice, choice or None),
                    "reason": text(form, "reason"),
                }
            ),
            pg.t,
        )
        if text(form, "household") == "on":
            person = queries.consent_of(pg.db, actor=pg.principal, individual_id=pid)
            registration.change_household_consent(
                pg.db,
                actor=pg.principal,
                household_id=person.household_id,
                purpose=data.purpose.value,
                given=data.given,
                reason=data.reason,
            )
        else:
            registration.change_consent(
                pg.db,
                actor=pg.principal,
                individual_id=pid,
                purpose=data.purpose.value,
                given=data.given,
                reason=data.reason,
            )
        return f"/people/{pid}/consent?done={'given' if data.given else 'withdrawn'}"

    return run_action(
        request,
        form,
        name="consent",
        work=work,
        to_input=plain_input(("purpose", "given", "reason")),
        on_failure=lambda failure: _render(request, pid, failure),
    )


__all__ = ["router"]
