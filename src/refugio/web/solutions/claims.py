"""Status determination claims in the web: the claims page (those one is assigned to; for RSD supervisors
the register, with the figures and, on each claim's row, the form that assigns its staff), the decisions
made final past their appeal deadline, and a claim opened from a person's page for them and the members
of their household named. A claim's file is linked only for those who may read it (its assigned staff).

Permissions, scope and confidentiality are checked by refugio.solutions (`rsd.open_claim`, `rsd.assign`).
Must not import refugio.api, refugio.cli or refugio.main.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from refugio.core.errors import FieldError, PermissionDenied, ValidationFailed
from refugio.registration import queries as registry
from refugio.security.permissions import Permission
from refugio.solutions import queries
from refugio.solutions.schemas import ClaimOpen
from refugio.solutions.service import rsd, rsd_status
from refugio.web import forms
from refugio.web.common import Failure, form_context, run_action
from refugio.web.context import Page, parse_uuid, state_of
from refugio.web.forms import text
from refugio.web.i18n import N_
from refugio.web.solutions.labels import MODALITIES, STAGES

router = APIRouter(include_in_schema=False)
CLAIM_ROLES = {"officer": N_("Officer"), "reviewer": N_("Reviewer"), "appeal_officer": N_("Appeal officer")}
OPEN_FIELDS = ("principal_id", "member_ids", "modality", "language", "interpreter_gender", "lodged_on")


def _claims_page(
    request: Request, *, finalised: list[str] | None = None, failure: Failure | None = None
) -> Response:
    with state_of(request).page(request) as pg:
        claims = queries.list_claims(pg.db, actor=pg.principal)
        numbers = None
        if pg.can_anywhere(Permission.SOLUTIONS_VIEW):
            numbers = queries.rsd_figures(pg.db, actor=pg.principal)
        assignable = {
            c.id
            for c in claims
            if pg.can(Permission.RSD_REVIEW, operation_id=c.operation_id, site_id=c.site_id)
        }
        staff = {
            op: queries.staff(pg.db, actor=pg.principal, operation_id=op)
            for op in {c.operation_id for c in claims if c.id in assignable}
        }
        return pg.render(
            "solutions/claims.html",
            status=422 if failure else 200,
            claims=claims,
            readable=queries.readable(pg.db, actor=pg.principal, claim_ids=[c.id for c in claims]),
            assignable=assignable,
            staff=staff,
            roles=CLAIM_ROLES,
            assign=form_context(failure, "assign"),
            failed_claim=failure.values.get("claim_id") if failure else None,
            done=_done(request, claims),
            numbers=numbers,
            may_finalise=pg.can_anywhere(Permission.RSD_REVIEW),
            may_open=pg.can_anywhere(Permission.RSD_PROCESS) or pg.can_anywhere(Permission.RSD_REVIEW),
            finalised=finalised,
            stages=STAGES,
            modalities=MODALITIES,
        )


def _done(request: Request, claims: list[Any]) -> dict[str, str] | None:
    """What the last action did, from the address it redirected to, shown only when the claims say so
    (a crafted address cannot make the page announce an assignment that was not made)."""
    q = request.query_params
    claim = next((c for c in claims if c.ref == q.get("claim")), None)
    if claim is None:
        return None
    user = q.get("user", "")
    if q.get("done") == "assigned" and any(a.startswith(f"{user} (") for a in claim.assigned):
        return {"kind": "assigned", "ref": claim.ref, "user": user}
    if q.get("done") == "opened":
        return {"kind": "opened", "ref": claim.ref, "user": ""}
    return None


@router.get("/solutions/claims")
def claims_page(request: Request) -> Response:
    return _claims_page(request)


def _finalise(request: Request, form: FormData) -> Response:
    with state_of(request).page(request) as pg:
        pg.check_csrf(form)
        operations = {c.operation_id for c in queries.list_claims(pg.db, actor=pg.principal)}
        done: list[str] = []
        for operation_id in sorted(operations):
            if pg.can(Permission.RSD_REVIEW, operation_id=operation_id):
                done += rsd_status.finalise_unappealed(pg.db, actor=pg.principal, operation_id=operation_id)
    return _claims_page(request, finalised=done)


@router.post("/solutions/claims/finalise")
async def finalise(request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(_finalise, request, form)


@router.post("/solutions/claims/{key}/assign")
async def assign(request: Request, key: str) -> Response:
    claim_id, form = parse_uuid(key), await request.form()

    def work(pg: Page) -> str:
        user, role = text(form, "user_id"), text(form, "role")
        errors = []
        if not user:
            errors.append(FieldError("user_id", pg.gettext("Choose a member of staff."), "required"))
        if role not in CLAIM_ROLES:
            errors.append(FieldError("role", pg.gettext("Choose a role."), "required"))
        if errors:
            raise ValidationFailed(errors)
        row = rsd.assign(pg.db, actor=pg.principal, claim_id=claim_id, user_id=parse_uuid(user), role=role)
        ref = rsd.load(pg.db, claim_id).ref
        return f"/solutions/claims?done=assigned&claim={ref}&user={row.username}"

    return await run_in_threadpool(
        run_action,
        request,
        form,
        name="assign",
        work=work,
        to_input=forms.plain_input(("user_id", "role")),
        on_failure=lambda failure: _claims_page(request, failure=failure),
    )


# ---------------------------------------------------------------------------------------------
# opening a claim


def _new_claim(request: Request, failure: Failure | None = None, chosen: list[str] | None = None) -> Response:
    query = failure.values if failure else dict(request.query_params)
    with state_of(request).page(request) as pg:
        key = str(query.get("individual_id") or query.get("individual") or "")
        person = registry.get_individual(pg.db, actor=pg.principal, key=parse_uuid(key)).person
        scope = {"operation_id": person.operation_id, "site_id": person.site_id}
        if not (pg.can(Permission.RSD_PROCESS, **scope) or pg.can(Permission.RSD_REVIEW, **scope)):
            raise PermissionDenied(pg.gettext("Claims are opened by RSD officers and supervisors."))
        household = registry.get_household(
            pg.db, actor=pg.principal, key=person.household_id, audit_read=False
        )
        officers = [
            s
            for s in queries.staff(pg.db, actor=pg.principal, operation_id=person.operation_id)
            if "officer" in s.roles
        ]
        form = form_context(failure, "open")
        values = form["values"]
        return pg.render(
            "solutions/claim_new.html",
            status=422 if failure else 200,
            p=person,
            members=[m for m in household.members if m.status == "active"],
            principal=values.get("principal_id", str(person.id)),
            chosen=set(chosen or []),
            officers=officers,
            may_choose_officer=pg.can(
                Permission.RSD_REVIEW, operation_id=person.operation_id, site_id=person.site_id
            ),
            form=form,
            modalities=MODALITIES,
        )


@router.get("/solutions/claims/new")
def new_claim_page(request: Request) -> Response:
    return _new_claim(request)


@router.post("/solutions/claims/new")
async def open_claim(request: Request) -> Response:
    form = await request.form()
    chosen = [v for k, v in form.multi_items() if k == "member_ids" and isinstance(v, str)]

    def work(pg: Page) -> str:
        person = registry.get_individual(
            pg.db, actor=pg.principal, key=parse_uuid(text(form, "individual_id")), audit_read=False
        ).person
        payload: dict[str, Any] = forms.compact(
            {
                "household_id": str(person.household_id),
                "principal_id": text(form, "principal_id"),
                "modality": text(form, "modality"),
                "language": text(form, "language"),
                "interpreter_gender": text(form, "interpreter_gender"),
                "lodged_on": text(form, "lodged_on"),
                "officer_id": text(form, "officer_id"),
            }
        )
        payload["member_ids"] = [m for m in chosen if m != payload.get("principal_id")]
        claim = rsd.open_claim(pg.db, actor=pg.principal, data=forms.build(ClaimOpen, payload, pg.t))
        if claim.id in queries.readable(pg.db, actor=pg.principal, claim_ids=[claim.id]):
            return f"/solutions/claims/{claim.id}"
        return f"/solutions/claims?done=opened&claim={claim.ref}"

    return await run_in_threadpool(
        run_action,
        request,
        form,
        name="open",
        work=work,
        to_input=forms.plain_input(OPEN_FIELDS, {"officer_id": "officer_id", "household_id": "principal_id"}),
        on_failure=lambda failure: _new_claim(request, failure, chosen),
    )
