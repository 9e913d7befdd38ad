"""The resettlement page: quotas pledged by States with their use (departures from the country of
asylum, never arrivals), the needs identified from protection data (households whose specific needs
point to a submission category, with the suggested categories and priority) turned into cases, and the
cases through submission against a quota, the State's decision, departure or withdrawal. One small
route per form action; a refused action shows the page again with its reasons beside that form.

Permissions are checked by refugio.solutions (RESETTLEMENT_MANAGE). Must not import refugio.api,
refugio.cli or refugio.main.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from refugio.core.errors import FieldError, ValidationFailed
from refugio.registration import queries as registry
from refugio.security.permissions import Permission
from refugio.solutions import queries
from refugio.solutions.schemas import QuotaCreate, ResettlementIdentify
from refugio.solutions.service import resettlement
from refugio.web import forms
from refugio.web.context import Page, parse_uuid, state_of
from refugio.web.forms import text
from refugio.web.solutions.actions import Refusal, add_actions
from refugio.web.solutions.labels import CASE_STATES, CATEGORIES, PRIORITIES

router = APIRouter(include_in_schema=False)
PATH = "/solutions/resettlement"


def _page(request: Request, *, failed: str | None = None, errors: list[FieldError] | None = None,
          values: dict[str, str] | None = None, status: int = 200) -> Response:  # fmt: skip
    with state_of(request).page(request) as pg:
        manage = pg.can_anywhere(Permission.RESETTLEMENT_MANAGE)
        quotas = queries.list_quotas(pg.db, actor=pg.principal)
        cases = queries.list_resettlement_cases(pg.db, actor=pg.principal)
        needs = queries.resettlement_needs(pg.db, actor=pg.principal) if manage else []
        operations = [
            o
            for o in registry.operations(pg.db, actor=pg.principal)
            if pg.can(Permission.RESETTLEMENT_MANAGE, operation_id=o.id)
        ]
        households = {n.household_id: n.household_ref for n in needs}
        return pg.render(
            "solutions/resettlement.html",
            status=status,
            quotas=quotas,
            cases=cases,
            needs=needs,
            operations=operations,
            households=households,
            quota_label={q.id: f"{q.state_iso3} {q.year} · {q.label}" for q in quotas},
            manage=manage,
            everywhere=pg.principal.can(Permission.RESETTLEMENT_MANAGE),
            failed=failed,
            errors={e.field.split(".")[0]: pg.gettext(e.message) for e in errors or []},
            values=values or {},
            categories=CATEGORIES,
            priorities=PRIORITIES,
            case_states=CASE_STATES,
        )


@router.get(PATH)
def resettlement_page(request: Request) -> Response:
    return _page(request)


@router.get(PATH + "/cases/{key}/rrf.pdf")
def rrf_pdf(request: Request, key: str) -> Response:
    with state_of(request).page(request) as pg:
        _, pdf = queries.rrf_dossier(pg.db, actor=pg.principal, case_key=key)
    return Response(pdf, media_type="application/pdf")


@router.get(PATH + "/cases/{key}/errf.xml")
def errf_xml(request: Request, key: str) -> Response:
    with state_of(request).page(request) as pg:
        ref, xml = queries.rrf_xml(pg.db, actor=pg.principal, case_key=key)
    return Response(
        xml,
        media_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{ref}-errf.xml"'},
    )


def _step(pg: Page, form: FormData, verb: str, key: str) -> str:
    """Do the action; where to go next (the page)."""
    t, db, actor = pg.t, pg.db, pg.principal
    if verb == "quota":
        fields = ("state_iso3", "year", "label", "places", "operation_id")
        data_q = forms.build(QuotaCreate, forms.compact({f: text(form, f) for f in fields}), t)
        resettlement.create_quota(db, actor=actor, data=data_q)
        return PATH
    if verb == "identify":
        fields = ("household_id", "primary_category", "secondary_category", "priority", "needs_summary")
        data_i = forms.build(ResettlementIdentify, forms.compact({f: text(form, f) for f in fields}), t)
        resettlement.identify(db, actor=actor, data=data_i)
        return PATH
    case_id = parse_uuid(key)
    on = forms.compact({"on": text(form, "on")}).get("on")
    day = _date(on)
    if verb == "submit":
        quota = text(form, "quota_id")
        if not quota:
            raise ValidationFailed.single("quota_id", pg.gettext("Choose a quota."), "required")
        resettlement.submit(db, actor=actor, case_id=case_id, quota_id=parse_uuid(quota), on=day)
    elif verb == "decision":
        verdict = text(form, "accepted")
        if verdict not in ("yes", "no"):
            raise ValidationFailed.single(
                "accepted", pg.gettext("Say whether the State accepted."), "required"
            )
        resettlement.record_decision(
            db, actor=actor, case_id=case_id, accepted=verdict == "yes", note=text(form, "note"), on=day
        )
    elif verb == "departure":
        resettlement.record_departure(db, actor=actor, case_id=case_id, on=day)
    elif verb == "withdraw":
        resettlement.withdraw(db, actor=actor, case_id=case_id, reason=text(form, "reason"))
    return PATH


def _date(value: Any) -> Any:
    import datetime as dt

    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationFailed.single("on", "a date (YYYY-MM-DD)", "bad_date") from None


def _refused(request: Request, r: Refusal) -> Response:
    failed = r.key if r.verb not in ("quota", "identify") else (
        "quota" if r.verb == "quota" else f"identify-{r.values.get('household_id', '')}")  # fmt: skip
    return _page(request, failed=failed, errors=r.errors, values=r.values, status=r.status)


add_actions(
    router,
    name="resettlement",
    step=_step,
    refused=_refused,
    routes=[(f"{PATH}/quotas", "quota"), (f"{PATH}/cases", "identify")]
    + [(f"{PATH}/cases/{{key}}/{verb}", verb) for verb in ("submit", "decision", "departure", "withdraw")],
    code="conflict",
)
__all__ = ["router"]
