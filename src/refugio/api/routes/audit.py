"""Audit: verify the hash chain of the audit log (an administrator's function: AUDIT_VERIFY)."""

from __future__ import annotations

from fastapi import APIRouter

from refugio.api.deps import Caller, Db
from refugio.api.problems import responses
from refugio.api.schemas import ChainReportOut
from refugio.security import audit
from refugio.security.permissions import Permission

router = APIRouter(tags=["audit"], responses=responses(401, 403))


@router.get(
    "/audit/verify",
    response_model=ChainReportOut,
    summary="Recompute the audit log's hash chain and report altered or deleted entries",
)
def verify_audit_chain(session: Db, principal: Caller) -> ChainReportOut:
    principal.require(Permission.AUDIT_VERIFY)
    report = audit.verify_chain(session)
    return ChainReportOut(
        ok=report.ok, entries=report.entries, problems=report.problems, last_hash=report.last_hash
    )
