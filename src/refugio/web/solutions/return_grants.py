"""The return grant form of a return's page: a cash programme of the return's operation for returnees
(its rules and a first cycle), created through refugio.assistance by refugio.solutions.returns.packages
like `refugio solutions returns grant`. A refused grant shows the return's page again with the reasons
beside the fields and the values kept; success leads to the new programme's page.

Permissions are checked by refugio.assistance (ASSISTANCE_PLAN in the operation). Must not import
refugio.api, refugio.cli or refugio.main.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from refugio.core.errors import Conflict, FieldError, PermissionDenied, ValidationFailed
from refugio.solutions.returns import packages, queries
from refugio.solutions.returns.schemas import GrantIn
from refugio.web import forms
from refugio.web.context import parse_uuid, state_of
from refugio.web.forms import text
from refugio.web.solutions import returns

router = APIRouter(include_in_schema=False)
FIELDS = ("code", "currency", "usd_rate", "per_household", "per_member", "start_date")


def _grant(request: Request, form: FormData, key: str) -> Response:
    return_id = parse_uuid(key)
    values = {f: text(form, f) for f in FIELDS}
    try:
        with state_of(request).page(request) as pg:
            pg.check_csrf(form)
            detail = queries.get_return(pg.db, actor=pg.principal, return_id=return_id)
            payload = forms.compact({**values, "currency": values["currency"].upper()})
            payload.setdefault("per_household", 0)
            payload.setdefault("per_member", 0)
            data = forms.build(GrantIn, {**payload, "operation_id": detail.ret.operation_id}, pg.t)
            made = packages.create_return_grant(pg.db, actor=pg.principal, data=data)
    except (ValidationFailed, Conflict, PermissionDenied) as exc:
        errors = list(getattr(exc, "errors", [])) or [FieldError("form", exc.message, "refused")]
        status = 422 if isinstance(exc, ValidationFailed) else 409 if isinstance(exc, Conflict) else 403
        return returns._return(
            request, return_id, failed="grant", errors=errors, values=values, status=status
        )
    return RedirectResponse(f"/assistance/programmes/{made.programme_code}", status_code=303)


@router.post(returns.PATH + "/{key}/grant")
async def grant(request: Request, key: str) -> Response:
    form = await request.form()
    return await run_in_threadpool(_grant, request, form, key)
