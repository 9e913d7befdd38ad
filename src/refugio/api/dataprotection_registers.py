"""Data protection registers (/api/v1/dataprotection/…): the breach register (record, list, read,
status, the people affected found from the audit log, notifications) and the processing activities with
their DPIAs (record, list, open, risks, submit/return/approve/review). BREACH_MANAGE and DPIA_MANAGE
(the data protection officer, any scope); DPIA_APPROVE, not the author, to approve. Checked by
refugio.dataprotection; every write and every read of a breach's detail is audited."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from refugio.api.deps import Caller, Db, container_of, parse_id
from refugio.api.problems import responses
from refugio.dataprotection import breaches, dpia
from refugio.dataprotection.register_schemas import (
    ActivityCreate,
    ActivityRead,
    AffectedQuery,
    BreachCreate,
    BreachRead,
    BreachStatus,
    BreachStatusChange,
    DpiaCreate,
    DpiaRead,
    DpiaTransition,
    NotificationCreate,
    RiskInput,
)

router = APIRouter(prefix="/dataprotection", tags=["data protection"], responses=responses(401, 403, 422))


@router.get("/breaches", response_model=list[BreachRead])
def list_breaches(session: Db, actor: Caller, status: BreachStatus | None = None) -> list[BreachRead]:
    """The breach register, newest discovery first, with each one's authority deadline and overdue flag."""
    return breaches.breaches(session, actor=actor, status=status)


@router.post("/breaches", response_model=BreachRead, status_code=201)
def record_breach(request: Request, session: Db, actor: Caller, body: BreachCreate) -> BreachRead:
    """Record a breach (open); without `authority_hours`, the server's deadline (72 h by default)."""
    hours = container_of(request).settings.breach_authority_hours
    return breaches.record_breach(session, actor=actor, data=body, default_hours=hours)


@router.get("/breaches/{breach_id}", response_model=BreachRead, responses=responses(404))
def get_breach(session: Db, actor: Caller, breach_id: str) -> BreachRead:
    """One breach with its notifications and the people affected (references; audited)."""
    return breaches.breach(session, actor=actor, breach_id=parse_id(breach_id, "breach"))


@router.post("/breaches/{breach_id}/status", response_model=BreachRead, responses=responses(404, 409))
def change_status(session: Db, actor: Caller, breach_id: str, body: BreachStatusChange) -> BreachRead:
    """open → contained (with what was done) → closed."""
    return breaches.change_status(session, actor=actor, breach_id=parse_id(breach_id, "breach"), data=body)


@router.post("/breaches/{breach_id}/affected", response_model=BreachRead, responses=responses(404))
def find_affected(session: Db, actor: Caller, breach_id: str, body: AffectedQuery) -> BreachRead:
    """Find the people affected from the audit log (a user's actions in a period, one entry, one
    import; optionally one site) and keep the result with the breach."""
    return breaches.find_affected(session, actor=actor, breach_id=parse_id(breach_id, "breach"), query=body)


@router.post(
    "/breaches/{breach_id}/notifications",
    response_model=BreachRead,
    status_code=201,
    responses=responses(404),
)
def notify(session: Db, actor: Caller, breach_id: str, body: NotificationCreate) -> BreachRead:
    """Record a notification (authority, DPO, partner, people affected): when, to whom, how."""
    return breaches.notify(session, actor=actor, breach_id=parse_id(breach_id, "breach"), data=body)


@router.get("/activities", response_model=list[ActivityRead])
def list_activities(session: Db, actor: Caller) -> list[ActivityRead]:
    """The register of processing activities, with the status of each one's latest DPIA."""
    return dpia.activities(session, actor=actor)


@router.post("/activities", response_model=ActivityRead, status_code=201)
def record_activity(session: Db, actor: Caller, body: ActivityCreate) -> ActivityRead:
    return dpia.record_activity(session, actor=actor, data=body)


@router.get("/dpia", response_model=list[DpiaRead])
def list_dpias(session: Db, actor: Caller) -> list[DpiaRead]:
    """Every DPIA, by activity, newest version first."""
    return dpia.dpias(session, actor=actor)


@router.post("/dpia", response_model=DpiaRead, status_code=201)
def open_dpia(session: Db, actor: Caller, body: DpiaCreate) -> DpiaRead:
    """Open a DPIA (draft) of an activity (by its code); it starts from the previous one's risks."""
    return dpia.open_dpia(session, actor=actor, data=body)


@router.get("/dpia/{dpia_id}", response_model=DpiaRead, responses=responses(404))
def get_dpia(session: Db, actor: Caller, dpia_id: str) -> DpiaRead:
    return dpia.get_dpia(session, actor=actor, dpia_id=parse_id(dpia_id, "DPIA"))


@router.post("/dpia/{dpia_id}/risks", response_model=DpiaRead, status_code=201, responses=responses(404, 409))
def add_risk(session: Db, actor: Caller, dpia_id: str, body: RiskInput) -> DpiaRead:
    """Add a risk (likelihood and severity 1–4, before and after its mitigation) to a draft."""
    return dpia.add_risk(session, actor=actor, dpia_id=parse_id(dpia_id, "DPIA"), risk=body)


class RiskIndex(BaseModel):
    model_config = ConfigDict(extra="forbid")

    index: int = Field(ge=0, le=1000)


@router.post("/dpia/{dpia_id}/risks/remove", response_model=DpiaRead, responses=responses(404, 409))
def remove_risk(session: Db, actor: Caller, dpia_id: str, body: RiskIndex) -> DpiaRead:
    """Remove a draft's risk (0-based index)."""
    return dpia.remove_risk(session, actor=actor, dpia_id=parse_id(dpia_id, "DPIA"), index=body.index)


@router.post("/dpia/{dpia_id}/transition", response_model=DpiaRead, responses=responses(404, 409))
def transition(session: Db, actor: Caller, dpia_id: str, body: DpiaTransition) -> DpiaRead:
    """submit, return, approve (someone other than the author, with the DPO's opinion and a review
    date) or review."""
    return dpia.transition(session, actor=actor, dpia_id=parse_id(dpia_id, "DPIA"), data=body)


__all__ = ["router"]
