"""Which of some people have an open protection case, and who are its assigned caseworkers — for
another domain's check (e.g. a voluntary return needs each such case's caseworker to sign off).
Returns ids and codes only (no type, no narrative, no risk); the caller must not show the case to
anyone who may not read it. Not audited: the caller records what it did with the answer.

Imports protection models and enums; never a web framework.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.protection.enums import OPEN_STATUSES, AssignmentRole
from refugio.protection.models import CaseAssignment, CaseIndividual, ProtectionCase


@dataclass(frozen=True)
class OpenCase:
    case_id: uuid.UUID
    code: str
    individual_id: uuid.UUID
    caseworker_ids: tuple[uuid.UUID, ...]  # active caseworker assignments


def open_cases_of(session: Session, individual_ids: list[uuid.UUID]) -> list[OpenCase]:
    """The open cases about these people (one row per person and case), with their caseworkers."""
    if not individual_ids:
        return []
    rows = session.execute(
        select(ProtectionCase.id, ProtectionCase.code, CaseIndividual.individual_id)
        .join(CaseIndividual, CaseIndividual.case_id == ProtectionCase.id)
        .where(
            CaseIndividual.individual_id.in_(individual_ids),
            ProtectionCase.status.in_([s.value for s in OPEN_STATUSES]),
        )
        .order_by(ProtectionCase.code)
    ).all()
    workers: dict[uuid.UUID, list[uuid.UUID]] = {}
    for case_id, user_id in session.execute(
        select(CaseAssignment.case_id, CaseAssignment.user_id).where(
            CaseAssignment.case_id.in_({r[0] for r in rows}),
            CaseAssignment.active.is_(True),
            CaseAssignment.role == AssignmentRole.CASEWORKER.value,
        )
    ):
        workers.setdefault(case_id, []).append(user_id)
    return [OpenCase(cid, code, pid, tuple(workers.get(cid, ()))) for cid, code, pid in rows]


__all__ = ["OpenCase", "open_cases_of"]
