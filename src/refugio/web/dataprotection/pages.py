"""The data protection page (/dataprotection/retention): the retention periods in force, a run or a dry
run of the rules, the latest runs with their reports, the legal holds (place, lift). Renders
refugio.dataprotection's read models; must not import refugio.api, refugio.cli or refugio.main."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from refugio.dataprotection import policy, queries, service
from refugio.dataprotection.enums import RetentionRule, RunTrigger
from refugio.dataprotection.schemas import LegalHoldCreate
from refugio.web import forms
from refugio.web.common import Failure, run_action
from refugio.web.context import Page, parse_uuid, state_of
from refugio.web.dataprotection.labels import (
    HOLD_INPUTS,
    HOLD_LABELS,
    RULE_ACTIONS,
    RULE_LABELS,
    RULE_PERIODS,
)

router = APIRouter(include_in_schema=False)
PAGE = "/dataprotection/retention"


def _periods(pg: Page) -> list[dict[str, str]]:
    rules = state_of(pg.request).container.retention
    years = {
        RetentionRule.CLOSED_CASES: rules.closed_case_years,
        RetentionRule.DEPARTED_PEOPLE: rules.departed_years,
        RetentionRule.DECEASED_PEOPLE: rules.deceased_years,
        RetentionRule.STAGING: rules.staging_days,
    }
    return [
        {
            "rule": pg.gettext(RULE_LABELS[rule]),
            "period": pg.gettext(RULE_PERIODS[rule], n=years[rule]),
            "action": pg.gettext(RULE_ACTIONS[rule]),
        }
        for rule in RetentionRule
    ]


def _render(request: Request, failure: Failure | None = None, status: int = 200) -> Response:
    web = state_of(request)
    with web.page(request) as pg:
        runs = queries.runs(pg.db, actor=pg.principal)
        return pg.render(
            "dataprotection/retention.html",
            status=status,
            periods=_periods(pg),
            runs=runs,
            holds=queries.holds(pg.db, actor=pg.principal),
            rule_labels=RULE_LABELS,
            hold_labels=HOLD_LABELS,
            hold_choices=[(k, pg.gettext(v)) for k, v in HOLD_LABELS.items()],
            can_run=policy.can_run(pg.principal),
            can_hold=policy.can_hold(pg.principal),
            failed=failure.form if failure else "",
            errors=failure.errors if failure else forms.FormErrors(),
            values=failure.values if failure else {},
            done=request.query_params.get("done", ""),
        )


@router.get(PAGE)
def retention_page(request: Request) -> Response:
    return _render(request)


def _failed(request: Request) -> Any:
    return lambda failure: _render(request, failure, status=422)


@router.post(f"{PAGE}/run")
async def run_rules(request: Request) -> Response:
    form = await request.form()

    def work(pg: Page) -> str:
        dry = forms.checked(form, "dry_run")
        rules = state_of(request).container.retention
        service.run_retention(pg.db, actor=pg.principal, rules=rules, dry_run=dry, trigger=RunTrigger.WEB)
        return f"{PAGE}?done={'dry' if dry else 'run'}#runs"

    return await run_in_threadpool(
        run_action, request, form, name="run", work=work, to_input=lambda f: None, on_failure=_failed(request)
    )


@router.post(f"{PAGE}/holds")
async def place_hold(request: Request) -> Response:
    form = await request.form()

    def work(pg: Page) -> str:
        data = {k: forms.text(form, k) for k in HOLD_INPUTS}
        service.place_hold(pg.db, actor=pg.principal, data=forms.build(LegalHoldCreate, data, pg.t))
        return f"{PAGE}?done=held#holds"

    return await run_in_threadpool(
        run_action,
        request,
        form,
        name="hold",
        work=work,
        to_input=forms.plain_input(HOLD_INPUTS),
        on_failure=_failed(request),
    )


@router.post(PAGE + "/holds/{hold_id}/lift")
async def lift_hold(request: Request, hold_id: str) -> Response:
    form = await request.form()
    hid: uuid.UUID = parse_uuid(hold_id)
    prefix = f"lift{hid.hex[:8]}_"

    def work(pg: Page) -> str:
        reason = forms.text(form, f"{prefix}reason")
        service.lift_hold(pg.db, actor=pg.principal, hold_id=hid, reason=reason)
        return f"{PAGE}?done=lifted#holds"

    return await run_in_threadpool(
        run_action,
        request,
        form,
        name=f"lift{hid.hex[:8]}",
        work=work,
        to_input=lambda f: f"{prefix}reason" if f in ("reason", "") else None,
        on_failure=_failed(request),
    )
