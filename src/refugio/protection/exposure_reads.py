"""Reads for the breach register (refugio.dataprotection): the people of protection cases. No actor:
the caller checks its own permission; ids only."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.protection.models import CaseIndividual


def case_people(session: Session, case_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    ids = sorted(set(case_ids))
    if not ids:
        return set()
    return set(session.scalars(select(CaseIndividual.individual_id).where(CaseIndividual.case_id.in_(ids))))
