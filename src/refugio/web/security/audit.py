"""The audit log page: the entries newest first, a page at a time (AUDIT_VIEW), and a check of the
whole hash chain (AUDIT_VERIFY) showing the ChainReport.

Reads through `security.audit.recent_entries` (which checks AUDIT_VIEW). Must not import refugio.api,
refugio.cli or refugio.main.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from refugio.core.errors import PermissionDenied
from refugio.security import audit
from refugio.security.permissions import Permission
from refugio.web.context import Page, state_of

if TYPE_CHECKING:
    from refugio.security.schemas import AuditEntryRead

router = APIRouter(include_in_schema=False)
LATEST = 200  # entries per page


def _offset(request: Request) -> int:
    raw = request.query_params.get("offset", "")
    return int(raw) - int(raw) % LATEST if raw.isdigit() and len(raw) < 12 else 0


def _latest(pg: Page, offset: int = 0) -> dict[str, Any]:
    """One page of the log, newest first, with what the pager needs."""
    entries: list[AuditEntryRead] = audit.recent_entries(
        pg.db, actor=pg.principal, limit=LATEST, offset=offset
    )
    return {"entries": entries, "total": audit.entry_count(pg.db), "offset": offset, "limit": LATEST}


def _require(pg: Page, permission: Permission) -> None:
    if not pg.can_anywhere(permission):
        raise PermissionDenied(f"{pg.principal.label} lacks {permission.value}")


@router.get("/audit")
def audit_page(request: Request) -> Response:
    web = state_of(request)
    with web.page(request) as pg:
        _require(pg, Permission.AUDIT_VIEW)
        return pg.render(
            "security/audit.html",
            **_latest(pg, _offset(request)),
            report=None,
            can_verify=pg.can_anywhere(Permission.AUDIT_VERIFY),
        )


@router.post("/audit/verify")
async def verify_chain(request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(_verify_chain, request, form)


def _verify_chain(request: Request, form: FormData) -> Response:
    web = state_of(request)
    with web.page(request) as pg:
        pg.check_csrf(form)
        _require(pg, Permission.AUDIT_VERIFY)
        report = audit.verify_chain(pg.db)
        return pg.render("security/audit.html", **_latest(pg), report=report, can_verify=True)
