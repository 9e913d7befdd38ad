"""Protection pages: my caseload with overdue tasks and late referrals, the supervisors' register and
caseload, opening a case (from a person's specific need or directly), the case page with its workflow
actions (assessment, BIA/BID with approvals, plan, tasks, referrals, notes, closure and reopening), the
service directory, and the referral inbox of receiving services.

Every form is CSRF-checked and runs in one unit of work (refused input is rolled back whole and shown
again beside its fields). Who sees and does what is decided by refugio.protection, never here: a case
page is only rendered from `queries.get_case`, which refuses anyone not assigned. Must not import
refugio.api, refugio.cli or refugio.main. The case page's forms post to the routes of
refugio.web.protection.case_actions; the directory and the receiving services' pages are in
refugio.web.protection.services.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from refugio.core.errors import ValidationFailed
from refugio.protection import queries, service
from refugio.protection.enums import AssignmentRole, CaseStatus, SharedField
from refugio.protection.schemas import (
    CaseFromNeed,
    CaseOpen,
)
from refugio.registration import queries as registration
from refugio.security.permissions import Permission
from refugio.web import forms
from refugio.web.common import Failure, form_context, run_action
from refugio.web.context import Page, parse_uuid, state_of
from refugio.web.forms import FormErrors, checked, plain_input, text
from refugio.web.protection.common import render

router = APIRouter(include_in_schema=False)

CASE_FORMS = (
    "update",
    "link",
    "assess",
    "plan",
    "move",
    "note",
    "bia",
    "bia_decide",
    "bid",
    "bid_decide",
    "task",
    "task_done",
    "refer",
    "revoke",
    "closure",
    "close_decide",
    "reopen",
)


# ---------------------------------------------------------------------------------------------
# caseload, register, search, export


def has_caseload(pg: Page) -> bool:
    return pg.can_anywhere(Permission.CASE_VIEW) or pg.can_anywhere(Permission.CASE_SUPERVISE)


@router.get("/protection")
def caseload_page(request: Request) -> Response:
    web = state_of(request)
    status = request.query_params.get("status") or None
    if status not in {s.value for s in CaseStatus}:
        status = None
    with web.page(request) as pg:
        if not has_caseload(pg) and pg.can_anywhere(Permission.REFERRAL_RECEIVE):
            return RedirectResponse("/protection/inbox", status_code=303)  # a provider has no cases
        cases, total = queries.my_cases(
            pg.db, actor=pg.principal, status=status, include_closed=status == "closed"
        )
        return render(
            pg,
            "protection/cases.html",
            cases=cases,
            total=total,
            case_status=status,
            overdue=queries.overdue_tasks(pg.db, actor=pg.principal),
            late_referrals=queries.referrals_breaching_sla(pg.db, actor=pg.principal),
            supervising=pg.can_anywhere(Permission.CASE_SUPERVISE),
            q="",
            found=None,
            message=None,
        )


@router.post("/protection/search")
async def search(request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(_search, request, form)


def _search(request: Request, form: FormData) -> Response:
    web = state_of(request)
    q = text(form, "q")
    with web.page(request) as pg:
        pg.check_csrf(form)
        found, message = None, None
        try:
            found = queries.search_cases(pg.db, actor=pg.principal, query=q)
        except ValidationFailed as exc:
            message = "; ".join(e.message for e in exc.errors)
        cases, total = queries.my_cases(pg.db, actor=pg.principal)
        return render(
            pg,
            "protection/cases.html",
            cases=cases,
            total=total,
            case_status=None,
            overdue=queries.overdue_tasks(pg.db, actor=pg.principal),
            late_referrals=queries.referrals_breaching_sla(pg.db, actor=pg.principal),
            supervising=pg.can_anywhere(Permission.CASE_SUPERVISE),
            q=q,
            found=found,
            message=message,
        )


@router.get("/protection/cases.csv")
def export(request: Request) -> Response:
    web = state_of(request)
    with web.page(request) as pg:
        body = queries.cases_csv(pg.db, actor=pg.principal)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="cases.csv"', "Cache-Control": "no-store"},
    )


def _register(request: Request, failure: Failure | None = None) -> Response:
    web = state_of(request)
    with web.page(request) as pg:
        items, total = queries.case_register(pg.db, actor=pg.principal, limit=200)
        ops = {op.id for op in registration.visible_operations(pg.db, actor=pg.principal)}
        workers = {
            op: (
                queries.colleagues(
                    pg.db, actor=pg.principal, operation_id=op, permission=Permission.CASE_MANAGE
                ),
                queries.colleagues(
                    pg.db, actor=pg.principal, operation_id=op, permission=Permission.CASE_SUPERVISE
                ),
            )
            for op in ops
        }
        caseworkers = sorted({c for cw, _s in workers.values() for c in cw}, key=lambda c: c.username)
        supervisors = sorted({c for _c, sv in workers.values() for c in sv}, key=lambda c: c.username)
        return render(
            pg,
            "protection/register.html",
            status=422 if failure else 200,
            items=items,
            total=total,
            load=queries.caseload(pg.db, actor=pg.principal),
            caseworkers=caseworkers,
            supervisors=supervisors,
            assign=form_context(failure, "assign"),
            failed_case=failure.values.get("case_id") if failure else None,
        )


@router.get("/protection/register")
def register_page(request: Request) -> Response:
    return _register(request)


@router.post("/protection/register/{case_id}/assign")
async def assign(request: Request, case_id: str) -> Response:
    cid, form = parse_uuid(case_id), await request.form()

    def work(pg: Page) -> str:
        role = (
            AssignmentRole(text(form, "role")) if text(form, "role") in {"caseworker", "supervisor"} else None
        )
        user = text(form, "user_id")
        if role is None or not user:
            raise ValidationFailed.single("user_id", pg.gettext("Choose a person and a role."), "required")
        verb = service.assign_caseworker if role is AssignmentRole.CASEWORKER else service.assign_supervisor
        verb(pg.db, actor=pg.principal, case_id=cid, user_id=parse_uuid(user))
        return "/protection/register?done=assigned"

    return await run_in_threadpool(
        run_action,
        request,
        form,
        name="assign",
        work=work,
        to_input=plain_input(("user_id", "role")),
        on_failure=lambda failure: _register(request, failure),
    )


# ---------------------------------------------------------------------------------------------
# opening a case


def _new_case(request: Request, failure: Failure | None = None) -> Response:
    web = state_of(request)
    query = failure.values if failure else dict(request.query_params)
    with web.page(request) as pg:
        person_key = str(query.get("individual_id") or query.get("individual") or "")
        record = registration.get_individual(pg.db, actor=pg.principal, key=parse_uuid(person_key))
        p = record.person
        need_id = str(query.get("need_id") or query.get("need") or "")
        need = next((n for n in record.needs if str(n.need.id) == need_id and n.need.active), None)
        return render(
            pg,
            "protection/new.html",
            status=422 if failure else 200,
            record=record,
            p=p,
            need=need,
            form=form_context(failure, "open"),
            caseworkers=queries.colleagues(
                pg.db, actor=pg.principal, operation_id=p.operation_id, permission=Permission.CASE_MANAGE
            ),
            supervisors=queries.colleagues(
                pg.db, actor=pg.principal, operation_id=p.operation_id, permission=Permission.CASE_SUPERVISE
            ),
            supervising=pg.can(Permission.CASE_SUPERVISE, operation_id=p.operation_id, site_id=p.site_id),
        )


@router.get("/protection/cases/new")
def new_case_page(request: Request) -> Response:
    return _new_case(request)


@router.post("/protection/cases/new")
async def open_case(request: Request) -> Response:
    form = await request.form()

    def work(pg: Page) -> str:
        common = forms.compact(
            {
                "risk_level": text(form, "risk_level"),
                "summary": text(form, "summary"),
                "caseworker_id": text(form, "caseworker_id"),
                "supervisor_id": text(form, "supervisor_id"),
            }
        )
        if text(form, "need_id"):
            data = forms.build(CaseFromNeed, {**common, "need_id": text(form, "need_id")}, pg.t)
            case = service.open_case_from_need(pg.db, actor=pg.principal, data=data)
        else:
            payload = {
                **common,
                "individual_id": text(form, "individual_id"),
                "case_type": text(form, "case_type"),
            }
            payload["uasc"] = checked(form, "uasc")
            case = service.open_case(pg.db, actor=pg.principal, data=forms.build(CaseOpen, payload, pg.t))
        if queries.cases_of_person(pg.db, actor=pg.principal, individual_id=_primary_id(form)):
            return f"/protection/cases/{case.id}?done=opened"
        return "/protection/register?done=opened"  # opened by a supervisor for someone else

    fields = (
        "case_type",
        "risk_level",
        "summary",
        "uasc",
        "caseworker_id",
        "supervisor_id",
        "need_id",
        "individual_id",
    )
    return await run_in_threadpool(
        run_action,
        request,
        form,
        name="open",
        work=work,
        to_input=plain_input(fields),
        on_failure=lambda failure: _new_case(request, failure),
    )


def _primary_id(form: FormData) -> uuid.UUID:
    try:
        return uuid.UUID(text(form, "individual_id"))
    except ValueError:
        return uuid.uuid4()


# ---------------------------------------------------------------------------------------------
# the case page


def render_case(request: Request, case_id: uuid.UUID, failure: Failure | None = None) -> Response:
    """The case page; after a refused action, with its errors beside the fields (422)."""
    web = state_of(request)
    with web.page(request) as pg:
        record = queries.get_case(pg.db, actor=pg.principal, key=case_id)
        c = record.case
        services = queries.services(pg.db, actor=pg.principal, operation_id=c.operation_id)
        assignees = [a for a in record.assignments if a.active]
        return render(
            pg,
            "protection/case.html",
            child_choices=[
                (str(p.person.id), f"{p.person.ref} {p.person.given_name}") for p in record.people if p.child
            ],
            assignee_choices=[(str(a.user_id), f"{a.full_name} ({a.username})") for a in assignees],
            service_choices=[
                (str(i.service.id), f"{i.service.name} · {i.organisation.name}") for i in services
            ],
            status=422 if failure else 200,
            record=record,
            c=c,
            forms={name: form_context(failure, name) for name in CASE_FORMS},
            no_errors=FormErrors(),
            shared_fields=[f.value for f in SharedField],
            default_shared=["sex", "age", "languages", "site"]
            if c.case_type == "gbv"
            else ["given_name", "sex", "age", "languages", "site"],
            assignees=assignees,
            closed=c.status == "closed",
            closing=c.status == "closure_requested",
            next_steps=_next_steps(c.status),
            me=pg.principal.label,
        )


def _next_steps(status: str) -> list[str]:
    from refugio.protection.enums import MOVES

    return sorted(s.value for s in MOVES.get(CaseStatus(status), frozenset()))


@router.get("/protection/cases/{case_id}")
def case_page(request: Request, case_id: str) -> Response:
    return render_case(request, parse_uuid(case_id))
