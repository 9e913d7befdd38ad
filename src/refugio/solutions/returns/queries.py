"""Reads of voluntary return, as read models: the returns in scope, one return with its returnees and
monitoring visits (an audited read: it names people), go-and-see visits, the intention figures (raw
counts by origin area and site: publish them only through refugio.stats.returns_report, which applies
the disclosure control) and the reintegration figures. SOLUTIONS_VIEW in the operation.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from statistics import mean
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.core.errors import NotFound
from refugio.registration import queries as registry
from refugio.security import audit
from refugio.security.permissions import Permission
from refugio.security.principals import Principal
from refugio.solutions import policy
from refugio.solutions.returns import weights as weighting
from refugio.solutions.returns.enums import Condition, Dimension, Intention
from refugio.solutions.returns.models import (
    CaseworkerSignOff,
    GoAndSeeVisit,
    ReintegrationVisit,
    ReturnSurvey,
    VoluntaryReturn,
)
from refugio.solutions.returns.schemas import (
    IntentionFigures,
    IntentionRow,
    MonitoringRead,
    ReturnDetail,
    ReturneeRead,
    ReturnRead,
    SignOffRead,
    VisitRead,
)


def _refs(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    return {k: v.ref for k, v in registry.households_brief(session, ids).items()}


def _read(row: VoluntaryReturn, refs: dict[uuid.UUID, str]) -> ReturnRead:
    return ReturnRead(
        id=row.id,
        ref=row.ref,
        operation_id=row.operation_id,
        household_ref=refs.get(row.household_id, ""),
        returning_household_ref=refs.get(row.returning_household_id, ""),
        whole_household=row.whole_household,
        kind=row.kind,
        status=row.status,
        return_date=row.return_date,
        destination_iso3=row.destination_iso3,
        destination_area=row.destination_area,
        assisted=row.assisted,
        people=len(row.members),
        registered_by=row.registered_by,
        departed_on=row.departed_on,
        cancelled_reason=row.cancelled_reason,
    )


def list_returns(session: Session, *, actor: Principal, status: str | None = None) -> list[ReturnRead]:
    query = select(VoluntaryReturn).where(policy.runs_clause(actor, VoluntaryReturn.operation_id))
    if status:
        query = query.where(VoluntaryReturn.status == status)
    rows = list(session.scalars(query.order_by(VoluntaryReturn.return_date.desc(), VoluntaryReturn.ref)))
    refs = _refs(session, [r.household_id for r in rows] + [r.returning_household_id for r in rows])
    return [_read(r, refs) for r in rows]


def find_return(session: Session, key: uuid.UUID | str) -> uuid.UUID:
    try:
        return uuid.UUID(str(key))
    except ValueError:
        found = session.scalar(select(VoluntaryReturn.id).where(VoluntaryReturn.ref == str(key).upper()))
        if found is None:
            raise NotFound("no such return") from None
        return found


def _monitoring(v: ReintegrationVisit) -> MonitoringRead:
    return MonitoringRead(
        id=v.id,
        visited_on=v.visited_on,
        economic=v.economic,
        social=v.social,
        psychosocial=v.psychosocial,
        overall=v.overall,
        weights_version=v.weights_version,
        recorded_by=v.recorded_by,
    )


def get_return(session: Session, *, actor: Principal, return_id: uuid.UUID) -> ReturnDetail:
    """One return with its returnees (names) and monitoring visits; an audited read."""
    row = session.get(VoluntaryReturn, return_id)
    if row is None or not actor.can(Permission.SOLUTIONS_VIEW, operation_id=row.operation_id):
        raise NotFound("no such return")
    ids = [uuid.UUID(m["id"]) for m in row.members]
    people = registry.people_brief(session, ids)
    returnees = [
        ReturneeRead(id=i, ref=people[i].ref, name=people[i].name, status=people[i].status)
        for i in ids
        if i in people
    ]
    visits = session.scalars(
        select(ReintegrationVisit)
        .where(ReintegrationVisit.return_id == row.id)
        .order_by(ReintegrationVisit.visited_on)
    )
    audit.record(
        session, actor=actor, action="return.read", object_type="voluntary_return", object_id=str(row.id)
    )
    refs = _refs(session, [row.household_id, row.returning_household_id])
    return ReturnDetail(
        ret=_read(row, refs), returnees=returnees, monitoring=[_monitoring(v) for v in visits], note=row.note
    )


def list_visits(session: Session, *, actor: Principal) -> list[VisitRead]:
    rows = list(
        session.scalars(
            select(GoAndSeeVisit)
            .where(policy.runs_clause(actor, GoAndSeeVisit.operation_id))
            .order_by(GoAndSeeVisit.planned_on.desc(), GoAndSeeVisit.ref)
        )
    )
    people = registry.people_brief(session, [uuid.UUID(p) for r in rows for p in r.participants])
    out = []
    for r in rows:
        who = [people[uuid.UUID(p)] for p in r.participants if uuid.UUID(p) in people]
        out.append(
            VisitRead(
                id=r.id,
                ref=r.ref,
                operation_id=r.operation_id,
                destination_iso3=r.destination_iso3,
                destination_area=r.destination_area,
                planned_on=r.planned_on,
                done_on=r.done_on,
                status=r.status,
                participants=[ReturneeRead(id=p.id, ref=p.ref, name=p.name, status=p.status) for p in who],
                findings=r.findings,
            )
        )
    return out


def my_sign_offs(session: Session, *, actor: Principal) -> list[SignOffRead]:
    """The sign-offs the caller recorded, newest first."""
    if actor.user_id is None:
        return []
    rows = list(
        session.scalars(
            select(CaseworkerSignOff)
            .where(CaseworkerSignOff.user_id == actor.user_id)
            .order_by(CaseworkerSignOff.signed_at.desc())
        )
    )
    people = registry.people_brief(session, [r.individual_id for r in rows])
    return [
        SignOffRead(
            id=r.id,
            individual_ref=people[r.individual_id].ref,
            signed_by=r.signed_by,
            signed_at=r.signed_at,
            note=r.note,
        )
        for r in rows
        if r.individual_id in people
    ]


def intention_figures(session: Session, *, actor: Principal) -> IntentionFigures:
    """Households' current surveys (the latest per household) by origin area and site: intentions and
    conditions cited. Raw counts, for staff with SOLUTIONS_VIEW; publish through the disclosure control."""
    latest: dict[uuid.UUID, ReturnSurvey] = {}
    for s in session.scalars(
        select(ReturnSurvey)
        .where(ReturnSurvey.status == "current", policy.runs_clause(actor, ReturnSurvey.operation_id))
        .order_by(ReturnSurvey.survey_date, ReturnSurvey.received_at)
    ):
        latest[s.household_id] = s
    codes = {s.id: s.code for s in registry.sites(session, actor=actor)}
    groups: dict[tuple[str, str], list[ReturnSurvey]] = defaultdict(list)
    for s in latest.values():
        groups[(s.origin_area, codes.get(s.site_id, "?"))].append(s)
    rows = []
    for (area, site), items in sorted(groups.items()):
        intentions = Counter(s.intention for s in items)
        conditions = Counter(c for s in items for c in s.conditions)
        rows.append(
            IntentionRow(
                origin_area=area,
                site_code=site,
                households=len(items),
                intentions={i.value: intentions.get(i.value, 0) for i in Intention},
                conditions={c.value: conditions.get(c.value, 0) for c in Condition},
            )
        )
    return IntentionFigures(surveys=len(latest), rows=rows)


def reintegration_figures(session: Session, *, actor: Principal) -> dict[str, Any]:
    """Per weights version: visits, mean scores per dimension and overall, the share at or above the
    version's threshold (each return's latest visit)."""
    latest: dict[uuid.UUID, ReintegrationVisit] = {}
    for v in session.scalars(
        select(ReintegrationVisit)
        .where(policy.runs_clause(actor, ReintegrationVisit.operation_id))
        .order_by(ReintegrationVisit.visited_on, ReintegrationVisit.recorded_at)
    ):
        latest[v.return_id] = v
    known = weighting.versions()
    out: dict[str, Any] = {}
    for version in sorted({v.weights_version for v in latest.values()}):
        items = [v for v in latest.values() if v.weights_version == version]
        threshold = known[version].threshold if version in known else 0.5
        out[version] = {
            "returns": len(items),
            **{d.value: round(mean(getattr(v, d.value) for v in items), 4) for d in Dimension},
            "overall": round(mean(v.overall for v in items), 4),
            "sustainable": sum(1 for v in items if v.overall >= threshold),
            "threshold": threshold,
        }
    return {"by_weights_version": out}


def return_figures(session: Session, *, actor: Principal) -> dict[str, Any]:
    """Returns and people by status and destination (departed: departures from the country of asylum)."""
    by: dict[str, dict[str, int]] = defaultdict(lambda: {"returns": 0, "people": 0})
    for r in list_returns(session, actor=actor):
        key = f"{r.status}:{r.destination_iso3}"
        by[key]["returns"] += 1
        by[key]["people"] += r.people
    return {"by_status_and_destination": dict(sorted(by.items()))}


__all__ = [
    "find_return",
    "get_return",
    "intention_figures",
    "list_returns",
    "list_visits",
    "my_sign_offs",
    "reintegration_figures",
    "return_figures",
]
