"""Data protection (/api/v1/retention…): the runs of the retention rules (start one, or a dry run; read
their reports) and legal holds (place, lift, list). The periods are the server's
(`REFUGIO_RETENTION_*`). Permissions (checked by refugio.dataprotection): RETENTION_VIEW to read,
RETENTION_RUN and LEGAL_HOLD_MANAGE everywhere to act; the answers carry references and counts only."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict

from refugio.api.deps import Caller, Db, container_of, parse_id
from refugio.api.problems import responses
from refugio.dataprotection import policy, queries, service
from refugio.dataprotection.enums import RunTrigger
from refugio.dataprotection.schemas import (
    LegalHoldCreate,
    LegalHoldLift,
    LegalHoldRead,
    RetentionPolicy,
    RetentionRunRead,
)

router = APIRouter(prefix="/retention", tags=["data protection"], responses=responses(401, 403, 422))


class RunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dry_run: bool = False


@router.get("/policy", response_model=RetentionPolicy)
def retention_policy(request: Request, actor: Caller) -> RetentionPolicy:
    """The retention periods this server applies."""
    policy.require_view(actor)
    return container_of(request).retention


@router.post("/runs", response_model=RetentionRunRead, status_code=201)
def start_run(request: Request, session: Db, actor: Caller, body: RunRequest) -> RetentionRunRead:
    """Apply the retention rules now (or, with `dry_run`, report what they would do)."""
    return service.run_retention(
        session,
        actor=actor,
        rules=container_of(request).retention,
        dry_run=body.dry_run,
        trigger=RunTrigger.API,
    )


@router.get("/runs", response_model=list[RetentionRunRead])
def list_runs(session: Db, actor: Caller) -> list[RetentionRunRead]:
    """The latest runs with their reports, newest first."""
    return queries.runs(session, actor=actor)


@router.get("/runs/{run_id}", response_model=RetentionRunRead, responses=responses(404))
def get_run(session: Db, actor: Caller, run_id: str) -> RetentionRunRead:
    return queries.run(session, actor=actor, run_id=parse_id(run_id, "retention run"))


@router.get("/holds", response_model=list[LegalHoldRead])
def list_holds(session: Db, actor: Caller, active: bool = False) -> list[LegalHoldRead]:
    """The legal holds (those in force first; `active=true`: only those)."""
    return queries.holds(session, actor=actor, active_only=active)


@router.post("/holds", response_model=LegalHoldRead, status_code=201, responses=responses(404))
def place_hold(session: Db, actor: Caller, body: LegalHoldCreate) -> LegalHoldRead:
    """Put a person, household or case (by reference or code) under a legal hold."""
    return service.place_hold(session, actor=actor, data=body)


@router.post("/holds/{hold_id}/lift", response_model=LegalHoldRead, responses=responses(404, 409))
def lift_hold(session: Db, actor: Caller, hold_id: str, body: LegalHoldLift) -> LegalHoldRead:
    """End a legal hold, with the reason."""
    return service.lift_hold(
        session, actor=actor, hold_id=parse_id(hold_id, "legal hold"), reason=body.reason
    )


__all__ = ["router"]
