"""Voluntary return pages: the returns (the intention figures through the disclosure control, the
returns with their status, the form to register a return of a household or of some members, the
caseworker's sign-off form), one return (returnees, departure, cancellation, reintegration monitoring
with its scores and weights version) and the go-and-see visits (plan, record, cancel). One small route
per form action; a refused action shows the page again with its reasons beside that form's fields.

Permissions are checked by refugio.solutions (RETURN_MANAGE; a sign-off by the assigned caseworker).
Must not import refugio.api, refugio.cli or refugio.main.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from refugio.core.errors import FieldError, NotFound, ValidationFailed
from refugio.registration import queries as registry
from refugio.security.permissions import Permission
from refugio.solutions.returns import queries, service, visits
from refugio.solutions.returns import weights as weighting
from refugio.solutions.returns.schemas import (
    CancelIn,
    DepartureIn,
    MonitoringIn,
    ReturnIn,
    SignOffIn,
    VisitDone,
    VisitIn,
)
from refugio.stats.returns_report import return_intentions_report
from refugio.web import forms
from refugio.web.context import Page, parse_uuid, state_of
from refugio.web.forms import text
from refugio.web.solutions.actions import Refusal, add_actions
from refugio.web.solutions.return_labels import (
    CONDITIONS,
    DIMENSIONS,
    INDICATORS,
    INTENTIONS,
    RETURN_KINDS,
    RETURN_STATES,
    VISIT_STATES,
)

router = APIRouter(include_in_schema=False)
PATH = "/solutions/returns"
WORDS: dict[str, Any] = {
    "intention_words": INTENTIONS,
    "condition_words": CONDITIONS,
    "kinds": RETURN_KINDS,
    "states": RETURN_STATES,
    "visit_states": VISIT_STATES,
    "dimensions": DIMENSIONS,
    "indicators": INDICATORS,
}


def _failure(pg: Page, errors: list[FieldError] | None) -> dict[str, str]:
    return {(e.field.split(".")[-1] or "form"): pg.gettext(e.message) for e in errors or []}


def _manage_ops(pg: Page) -> list[Any]:
    return [
        o
        for o in registry.operations(pg.db, actor=pg.principal)
        if pg.can(Permission.RETURN_MANAGE, operation_id=o.id)
    ]


def _table(cells: list[Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """The protected cells as rows (origin area, site) with a cell per intention and the total."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for c in cells:
        rows.setdefault((c.origin_area, c.site), {})[c.intention] = c.households
    return [(area, site, found) for (area, site), found in rows.items()]


def _list(
    request: Request,
    *,
    failed: str | None = None,
    errors: list[FieldError] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    with state_of(request).page(request) as pg:
        view = pg.can_anywhere(Permission.SOLUTIONS_VIEW)
        report = return_intentions_report(pg.db, actor=pg.principal) if view else None
        return pg.render(
            "solutions/returns.html",
            status=status,
            view=view,
            returns=queries.list_returns(pg.db, actor=pg.principal) if view else [],
            report=report,
            table=_table(report.intentions) if report else [],
            manage=pg.can_anywhere(Permission.RETURN_MANAGE),
            caseworker=pg.can_anywhere(Permission.CASE_MANAGE),
            signoffs=queries.my_sign_offs(pg.db, actor=pg.principal),
            failed=failed,
            errors=_failure(pg, errors),
            values=values or {},
            **WORDS,
        )


def _return(
    request: Request,
    return_id: uuid.UUID,
    *,
    failed: str | None = None,
    errors: list[FieldError] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    with state_of(request).page(request) as pg:
        detail = queries.get_return(pg.db, actor=pg.principal, return_id=return_id)
        return pg.render(
            "solutions/return.html",
            status=status,
            d=detail,
            manage=pg.can(Permission.RETURN_MANAGE, operation_id=detail.ret.operation_id),
            weights=weighting.latest(),
            failed=failed,
            errors=_failure(pg, errors),
            values=values or {},
            **WORDS,
        )


def _visits(
    request: Request,
    *,
    failed: str | None = None,
    errors: list[FieldError] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    with state_of(request).page(request) as pg:
        return pg.render(
            "solutions/return_visits.html",
            status=status,
            visits=queries.list_visits(pg.db, actor=pg.principal),
            operations=_manage_ops(pg),
            failed=failed,
            errors=_failure(pg, errors),
            values=values or {},
            **WORDS,
        )


@router.get(PATH)
def returns_page(request: Request) -> Response:
    return _list(request)


@router.get(PATH + "/visits")
def visits_page(request: Request) -> Response:
    return _visits(request)


@router.get(PATH + "/{return_id}")
def return_page(request: Request, return_id: str) -> Response:
    return _return(request, parse_uuid(return_id))


def _person(pg: Page, key: str, field: str) -> uuid.UUID:
    try:
        return registry.get_individual(pg.db, actor=pg.principal, key=key, audit_read=False).person.id
    except NotFound:
        raise ValidationFailed.single(field, pg.gettext("No such person."), "unknown") from None


def _people(pg: Page, value: str, field: str) -> list[uuid.UUID]:
    return [_person(pg, part.strip(), field) for part in value.replace(";", ",").split(",") if part.strip()]


def _step(pg: Page, form: FormData, verb: str, key: str) -> str:
    """Do the action; where to go next."""
    t, db, actor = pg.t, pg.db, pg.principal
    if verb == "register":
        household = registry.household_id_for_key(db, key=text(form, "household"))
        if household is None:
            raise ValidationFailed.single("household", pg.gettext("No such household."), "unknown")
        focal = text(form, "new_focal_point")
        payload = forms.compact(
            {
                "household_id": household,
                "kind": text(form, "kind"),
                "return_date": text(form, "return_date"),
                "destination_iso3": text(form, "destination_iso3"),
                "destination_area": text(form, "destination_area"),
                "note": text(form, "note"),
                "individual_ids": _people(pg, text(form, "members"), "members"),
                "new_focal_point_id": _person(pg, focal, "new_focal_point") if focal else None,
            }
        )
        payload["assisted"] = bool(text(form, "assisted"))
        row = service.register_return(db, actor=actor, data=forms.build(ReturnIn, payload, t))
        return f"{PATH}/{row.id}"
    if verb == "sign_off":
        data = {"individual_id": _person(pg, text(form, "person"), "person"), "note": text(form, "note")}
        service.sign_off(db, actor=actor, data=forms.build(SignOffIn, data, t))
        return PATH
    if verb == "plan_visit":
        payload = {
            "operation_id": text(form, "operation_id"),
            "destination_iso3": text(form, "destination_iso3"),
            "destination_area": text(form, "destination_area"),
            "planned_on": text(form, "planned_on"),
            "participants": _people(pg, text(form, "participants"), "participants"),
        }
        visits.plan_visit(db, actor=actor, data=forms.build(VisitIn, forms.compact(payload), t))
        return f"{PATH}/visits"
    if verb == "visit_done":
        done = forms.build(
            VisitDone, {"done_on": text(form, "done_on"), "findings": text(form, "findings")}, t
        )
        visits.record_visit(db, actor=actor, visit_id=parse_uuid(key), data=done)
        return f"{PATH}/visits"
    if verb == "visit_cancel":
        visits.cancel_visit(
            db,
            actor=actor,
            visit_id=parse_uuid(key),
            data=forms.build(CancelIn, {"reason": text(form, "reason")}, t),
        )
        return f"{PATH}/visits"
    rid = parse_uuid(key)
    if verb == "depart":
        departure = forms.build(DepartureIn, forms.compact({"departed_on": text(form, "departed_on")}), t)
        service.record_departure(db, actor=actor, return_id=rid, data=departure)
    elif verb == "cancel":
        service.cancel_return(
            db, actor=actor, return_id=rid, data=forms.build(CancelIn, {"reason": text(form, "reason")}, t)
        )
    else:  # monitoring
        answers: dict[str, Any] = {}
        for name in weighting.latest().indicators():
            value = text(form, name)
            answers[name] = int(value) if value.isdigit() else value
        built = forms.build(
            MonitoringIn,
            {
                "visited_on": text(form, "visited_on"),
                "answers": {k: v for k, v in answers.items() if v != ""},
            },
            t,
        )
        service.record_monitoring(db, actor=actor, return_id=rid, data=built)
    return f"{PATH}/{rid}"


def _refused(request: Request, r: Refusal) -> Response:
    if r.verb in ("register", "sign_off"):
        return _list(request, failed=r.verb, errors=r.errors, values=r.values, status=r.status)
    if r.verb.startswith("visit") or r.verb == "plan_visit":
        failed = r.verb if r.verb == "plan_visit" else r.key
        return _visits(request, failed=failed, errors=r.errors, values=r.values, status=r.status)
    return _return(
        request, parse_uuid(r.key), failed=r.verb, errors=r.errors, values=r.values, status=r.status
    )


add_actions(
    router,
    name="returns",
    step=_step,
    refused=_refused,
    routes=[
        (f"{PATH}/register", "register"),
        (f"{PATH}/sign-off", "sign_off"),
        (f"{PATH}/visits/plan", "plan_visit"),
        (f"{PATH}/visits/{{key}}/done", "visit_done"),
        (f"{PATH}/visits/{{key}}/cancel", "visit_cancel"),
        (f"{PATH}/{{key}}/depart", "depart"),
        (f"{PATH}/{{key}}/cancel", "cancel"),
        (f"{PATH}/{{key}}/monitoring", "monitoring"),
    ],
)
