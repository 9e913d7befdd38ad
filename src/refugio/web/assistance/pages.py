"""Assistance pages: the programmes, a programme (its rules and cycles), a cycle (rules → preview →
freeze → activate, and its payment plans), a payment plan (approvals, release, payment files, the
reconciliation upload with its line-by-line result) — each action a small CSRF-protected form.

Permissions are checked by refugio.assistance; a refused action shows its errors above the page
(nothing of it is saved). Must not import refugio.api, refugio.cli or refugio.main.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from refugio.assistance import pdm_queries, queries
from refugio.assistance.schemas import CycleCreate, PdmOutcomeCreate, PlanCreate, ReconcileResult
from refugio.assistance.service import lists, pdm, plans, programmes, reconcile
from refugio.core.errors import NotFound, RefugioError, ValidationFailed
from refugio.security.permissions import Permission
from refugio.web import forms
from refugio.web.assistance import labels
from refugio.web.context import Page, parse_uuid, state_of
from refugio.web.forms import text

router = APIRouter(include_in_schema=False)
P = Permission
MAX_REPORT_BYTES = 50_000_000


def problems_of(exc: RefugioError) -> list[str]:
    """The lines to show for a refused action: one per field error (a line number first)."""
    if isinstance(exc, ValidationFailed) and exc.errors:
        return [
            e.message if e.message.startswith(f"{e.field}:") or not e.field else f"{e.field}: {e.message}"
            for e in exc.errors
        ]
    return [exc.message]


def act(
    request: Request,
    form: FormData,
    work: Callable[[Page], str],
    again: Callable[[Page, list[str]], Response],
) -> Response:
    """CSRF check and `work` in one unit of work, then a redirect; a refused action is rolled back and
    the page shown again with its problems (422)."""
    web = state_of(request)
    try:
        with web.page(request) as pg:
            pg.check_csrf(form)
            target = work(pg)
    except NotFound:
        raise
    except RefugioError as exc:
        found = problems_of(exc)
        with web.page(request) as pg:
            return again(pg, found)
    return RedirectResponse(target, status_code=303)


def _common(pg: Page) -> dict[str, Any]:
    key = pg.request.query_params.get("done")
    return {
        "notice": pg.gettext(labels.NOTICES[key]) if key in labels.NOTICES else None,
        "kinds": labels.KIND_LABELS,
        "cycle_statuses": labels.CYCLE_STATUS,
        "plan_statuses": labels.PLAN_STATUS,
        "payment_statuses": labels.PAYMENT_STATUS,
    }


# ---------------------------------------------------------------------------------------------
# programmes


@router.get("/assistance")
def index(request: Request) -> Response:
    with state_of(request).page(request) as pg:
        return pg.render(
            "assistance/index.html",
            programmes=queries.list_programmes(pg.db, actor=pg.principal),
            plans=queries.list_plans(pg.db, actor=pg.principal),
            can_distribute=pg.can_anywhere(P.ASSISTANCE_DISTRIBUTE),
            can_complaints=pg.can_anywhere(P.ASSISTANCE_COMPLAINT),
            problems=[],
            **_common(pg),
        )


def _programme_page(pg: Page, code: str, problems: list[str] | None = None, rules_text: str = "") -> Response:
    programme = queries.get_programme(pg.db, actor=pg.principal, key=code)
    rulesets = queries.list_rulesets(pg.db, actor=pg.principal, programme_key=programme.id)
    return pg.render(
        "assistance/programme.html",
        status=422 if problems else 200,
        programme=programme,
        cycles=queries.list_cycles(pg.db, actor=pg.principal, programme_key=programme.id),
        rulesets=rulesets,
        rules_text=rules_text or (_yaml(rulesets[0].content) if rulesets else ""),
        problems=problems or [],
        can_plan=pg.can(P.ASSISTANCE_PLAN, operation_id=programme.operation_id),
        **_common(pg),
    )


def _yaml(content: dict[str, Any]) -> str:
    import yaml

    return str(yaml.safe_dump(content, sort_keys=False, allow_unicode=True))


@router.get("/assistance/programmes/{code}")
def programme_page(request: Request, code: str) -> Response:
    with state_of(request).page(request) as pg:
        return _programme_page(pg, code)


@router.post("/assistance/programmes/{code}/rules")
async def load_rules(request: Request, code: str) -> Response:
    form = await request.form()
    rules_text = text(form, "rules")

    def work(pg: Page) -> str:
        programme = queries.get_programme(pg.db, actor=pg.principal, key=code)
        programmes.load_rules(pg.db, actor=pg.principal, programme_id=programme.id, text=rules_text)
        return f"/assistance/programmes/{programme.code}?done=rules"

    return await run_in_threadpool(
        act, request, form, work, lambda pg, found: _programme_page(pg, code, found, rules_text)
    )


@router.post("/assistance/programmes/{code}/cycles")
async def create_cycle(request: Request, code: str) -> Response:
    form = await request.form()

    def work(pg: Page) -> str:
        programme = queries.get_programme(pg.db, actor=pg.principal, key=code)
        values = {
            "name": text(form, "name"),
            "start_date": text(form, "start_date"),
            "end_date": text(form, "end_date") or None,
        }
        data = forms.build(CycleCreate, values, pg.t)
        cycle = programmes.create_cycle(pg.db, actor=pg.principal, programme_id=programme.id, data=data)
        return f"/assistance/cycles/{cycle.id}?done=cycle"

    return await run_in_threadpool(
        act, request, form, work, lambda pg, found: _programme_page(pg, code, found)
    )


# ---------------------------------------------------------------------------------------------
# cycles


def _cycle_page(
    pg: Page, cycle_id: uuid.UUID, problems: list[str] | None = None, pdm_values: dict[str, str] | None = None
) -> Response:
    cycle = queries.get_cycle(pg.db, actor=pg.principal, key=cycle_id)
    programme = queries.get_programme(pg.db, actor=pg.principal, key=cycle.programme_id)
    can_plan = pg.can(P.ASSISTANCE_PLAN, operation_id=programme.operation_id)
    preview = entitlements = None
    if can_plan and cycle.frozen_at is None and programme.rule_versions:
        preview = lists.preview(pg.db, actor=pg.principal, cycle_key=cycle.id, limit=100)
    elif can_plan and cycle.frozen_at is not None:
        entitlements = queries.list_entitlements(pg.db, actor=pg.principal, cycle_key=cycle.id, limit=100)
    return pg.render(
        "assistance/cycle.html",
        status=422 if problems else 200,
        cycle=cycle,
        programme=programme,
        preview=preview,
        entitlements=entitlements,
        plans=queries.list_plans(pg.db, actor=pg.principal, cycle_key=cycle.id),
        problems=problems or [],
        can_plan=can_plan,
        pdm=pdm_queries.pdm_results(pg.db, actor=pg.principal, cycle_key=cycle.id)
        if cycle.frozen_at is not None
        else None,
        can_pdm=pg.can(P.ASSISTANCE_COMPLAINT, operation_id=programme.operation_id),
        pdm_values=pdm_values or dict.fromkeys(("household_ref", "outcome", "notes", "category"), ""),
        pdm_outcomes=labels.PDM_OUTCOME,
        categories={k: v for k, v in labels.CATEGORY.items() if k != "restricted"},
        **_common(pg),
    )


@router.get("/assistance/cycles/{cycle_id}")
def cycle_page(request: Request, cycle_id: str) -> Response:
    with state_of(request).page(request) as pg:
        return _cycle_page(pg, parse_uuid(cycle_id))


@router.post("/assistance/cycles/{cycle_id}/{action}")
async def cycle_action(request: Request, cycle_id: str, action: str) -> Response:
    form = await request.form()
    cid = parse_uuid(cycle_id)
    if action not in ("freeze", "activate", "finish", "plan", "pdm"):
        raise NotFound("no such action")
    pdm_values = {k: text(form, k) for k in ("household_ref", "outcome", "notes", "category")}

    def work(pg: Page) -> str:
        if action == "pdm":
            values = {"cycle": str(cid), **{k: v for k, v in pdm_values.items() if v}}
            pdm.record_outcome(pg.db, actor=pg.principal, data=forms.build(PdmOutcomeCreate, values, pg.t))
            return f"/assistance/cycles/{cid}?done=pdm#pdm"
        if action == "freeze":
            lists.freeze(pg.db, actor=pg.principal, cycle_key=cid)
            return f"/assistance/cycles/{cid}?done=frozen"
        if action == "plan":
            key = state_of(request).container.keyring.payment_key()
            data = PlanCreate(provider=text(form, "provider") or "-")
            plan = plans.create_plan(pg.db, actor=pg.principal, cycle_key=cid, data=data, key=key)
            return f"/assistance/plans/{plan.code}?done=plan"
        to = "active" if action == "activate" else "finished"
        programmes.move_cycle(pg.db, actor=pg.principal, cycle_key=cid, to=to)
        return f"/assistance/cycles/{cid}?done=moved"

    return await run_in_threadpool(
        act, request, form, work, lambda pg, found: _cycle_page(pg, cid, found, pdm_values)
    )


# ---------------------------------------------------------------------------------------------
# plans


def _plan_page(
    pg: Page, code: str, problems: list[str] | None = None, result: ReconcileResult | None = None
) -> Response:
    plan = queries.get_plan(pg.db, actor=pg.principal, key=code)
    cycle = queries.get_cycle(pg.db, actor=pg.principal, key=plan.cycle_id)
    programme = queries.get_programme(pg.db, actor=pg.principal, key=cycle.programme_id)
    op = programme.operation_id
    can_plan = pg.can(P.ASSISTANCE_PLAN, operation_id=op)
    return pg.render(
        "assistance/plan.html",
        status=422 if problems else 200,
        plan=plan,
        cycle=cycle,
        payments=queries.list_payments(pg.db, actor=pg.principal, plan_key=plan.id, limit=50)
        if can_plan
        else [],
        problems=problems or [],
        result=result,
        can_plan=can_plan,
        can_approve=pg.can(P.ASSISTANCE_APPROVE, operation_id=op) and pg.principal.label != plan.prepared_by,
        can_release=pg.can(P.ASSISTANCE_RELEASE, operation_id=op),
        can_reconcile=pg.can(P.ASSISTANCE_RECONCILE, operation_id=op),
        **_common(pg),
    )


@router.get("/assistance/plans/{code}")
def plan_page(request: Request, code: str) -> Response:
    with state_of(request).page(request) as pg:
        return _plan_page(pg, code)


@router.get("/assistance/plans/{code}/payments.{fmt}")
def plan_file(request: Request, code: str, fmt: str) -> Response:
    if fmt not in ("csv", "xlsx"):
        raise NotFound("no such format")
    with state_of(request).page(request) as pg:
        export = plans.export_xlsx if fmt == "xlsx" else plans.export_csv
        data = export(pg.db, actor=pg.principal, plan_key=code)
    media = (
        "text/csv; charset=utf-8"
        if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return Response(
        data,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{code}.{fmt}"', "Cache-Control": "no-store"},
    )


STEPS = ("lock", "unlock", "submit", "approve", "reject", "release", "abort", "close")


@router.post("/assistance/plans/{code}/step")
async def plan_step(request: Request, code: str) -> Response:
    form = await request.form()
    step = text(form, "step")
    if step not in STEPS:
        raise NotFound("no such step")

    def work(pg: Page) -> str:
        key = state_of(request).container.keyring.payment_key()
        if step == "approve":
            version = text(form, "version")
            plans.approve(
                pg.db,
                actor=pg.principal,
                plan_key=code,
                version=int(version) if version.isdigit() else -1,
                key=key,
            )
        elif step == "release":
            plans.release(pg.db, actor=pg.principal, plan_key=code, key=key)
        elif step in ("reject", "abort"):
            move = plans.reject if step == "reject" else plans.abort
            move(pg.db, actor=pg.principal, plan_key=code, reason=text(form, "reason"))
        else:
            {"lock": plans.lock, "unlock": plans.unlock, "submit": plans.submit, "close": plans.close}[step](
                pg.db, actor=pg.principal, plan_key=code
            )
        return f"/assistance/plans/{code}?done=step"

    return await run_in_threadpool(act, request, form, work, lambda pg, found: _plan_page(pg, code, found))


@router.post("/assistance/plans/{code}/reconcile")
async def plan_reconcile(request: Request, code: str) -> Response:
    form, files = await forms.read_uploads(request, ("file",), limit=MAX_REPORT_BYTES, max_fields=5)
    return await run_in_threadpool(_reconcile_sync, request, form, code, files["file"])


def _reconcile_sync(request: Request, form: FormData, code: str, upload: forms.Upload | None) -> Response:
    web = state_of(request)
    try:
        with web.page(request) as pg:
            pg.check_csrf(form)
            if upload is None or not upload.data:
                raise ValidationFailed.single("file", pg.gettext("Choose the provider's report to upload."))
            if upload.too_large:
                raise ValidationFailed.single("file", pg.gettext("The file is too large."))
            key = web.container.keyring.payment_key()
            result = reconcile.reconcile(pg.db, actor=pg.principal, plan_key=code, data=upload.data, key=key)
    except NotFound:
        raise
    except RefugioError as exc:
        found = problems_of(exc)
        with web.page(request) as pg:
            return _plan_page(pg, code, found)
    with web.page(request) as pg:
        return _plan_page(pg, code, result=result)
