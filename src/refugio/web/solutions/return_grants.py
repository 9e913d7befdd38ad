"""The return grant form of a return's page: a cash programme of the return's operation for returnees
(its rules and a first cycle), created through refugio.assistance by refugio.solutions.returns.packages
like `refugio solutions returns grant`. A refused grant shows the return's page again with the reasons
beside the fields and the values kept; success leads to the new programme's page.

Permissions are checked by refugio.assistance (ASSISTANCE_PLAN in the operation). Must not import
refugio.api, refugio.cli or refugio.main.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from refugio.solutions.returns import packages, queries
from refugio.solutions.returns.schemas import GrantIn
from refugio.web import forms
from refugio.web.context import Page, parse_uuid
from refugio.web.forms import text
from refugio.web.solutions import returns
from refugio.web.solutions.actions import Refusal, add_actions

router = APIRouter(include_in_schema=False)
FIELDS = ("code", "currency", "usd_rate", "per_household", "per_member", "start_date")


def _grant(pg: Page, form: FormData, verb: str, key: str) -> str:
    """Create the grant for the return's operation; where to go next (the programme's page)."""
    detail = queries.get_return(pg.db, actor=pg.principal, return_id=parse_uuid(key))
    values = forms.compact({f: text(form, f) for f in FIELDS})
    values["currency"] = values.get("currency", "").upper()
    payload = {"per_household": 0, "per_member": 0, **values, "operation_id": detail.ret.operation_id}
    made = packages.create_return_grant(pg.db, actor=pg.principal, data=forms.build(GrantIn, payload, pg.t))
    return f"/assistance/programmes/{made.programme_code}"


def _refused(request: Request, r: Refusal) -> Response:
    return returns._return(
        request, parse_uuid(r.key), failed="grant", errors=r.errors, values=r.values, status=r.status
    )


add_actions(
    router, name="returns", step=_grant, refused=_refused, routes=[(f"{returns.PATH}/{{key}}/grant", "grant")]
)
