"""Family tracing reads of many requests: the list and search, the CSV export, and the labels of
enquirers and sought people that every read shows. Re-exported by refugio.protection.tracing.queries
(channels import that). Every list is limited to the requests the caller may see (TRACING_VIEW for the
operation or site) and audited.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from refugio.core.errors import ValidationFailed
from refugio.dedup import names
from refugio.protection.tracing import policy
from refugio.protection.tracing.enums import CandidateStatus
from refugio.protection.tracing.models import (
    SoughtPerson,
    TracingCandidate,
    TracingRequest,
)
from refugio.protection.tracing.schemas import RequestSummaryRead
from refugio.registration.models import Individual, Site
from refugio.registration.queries import scope_clause
from refugio.security import audit
from refugio.security.permissions import Permission
from refugio.security.principals import Principal

MAX_RESULTS = 200


def visible_clause(actor: Principal) -> Any:
    return scope_clause(actor, Permission.TRACING_VIEW, TracingRequest.operation_id, TracingRequest.site_id)


def _initial(name: str | None) -> str:
    return f"{name.strip()[0]}." if name and name.strip() else ""


def display_name(given: str | None, middle: str | None, family: str | None, *originals: str | None) -> str:
    latin = " ".join(x for x in (given, middle, family) if x)
    original = " ".join(x for x in originals if x)
    if latin and original:
        return f"{latin} ({original})"
    return latin or original or "—"


def short_name(
    given: str | None, family: str | None, given_o: str | None = None, family_o: str | None = None
) -> str:
    first = given or given_o or ""
    last = family or family_o
    return " ".join(x for x in (first, _initial(last)) if x) or "—"


def sought_label(p: SoughtPerson) -> str:
    return display_name(
        p.given_name,
        p.middle_name,
        p.family_name,
        p.given_name_original,
        p.middle_name_original,
        p.family_name_original,
    )


def enquirer_label(r: TracingRequest, registered: Individual | None) -> str:
    if registered is not None:
        return display_name(registered.given_name, registered.middle_name, registered.family_name)
    return display_name(
        r.enquirer_given_name,
        r.enquirer_middle_name,
        r.enquirer_family_name,
        r.enquirer_given_name_original,
        r.enquirer_middle_name_original,
        r.enquirer_family_name_original,
    )


# ---------------------------------------------------------------------------------------------
# lists and search


def _words(q: str) -> list[list[str]]:
    out = []
    for word in q.split():
        forms = {word.casefold()}
        folded = names.fold_latin(word)
        if folded:
            forms.add(folded)
        out.append(sorted(forms))
    return out


def _filtered(
    actor: Principal, *, status: str | None, q: str | None, operation_id: uuid.UUID | None
) -> Select[TracingRequest]:
    stmt = select(TracingRequest).where(visible_clause(actor))
    if status:
        stmt = stmt.where(TracingRequest.status == status)
    if operation_id is not None:
        stmt = stmt.where(TracingRequest.operation_id == operation_id)
    if q:
        for forms in _words(q):
            stmt = stmt.where(or_(*(TracingRequest.search_text.contains(f, autoescape=True) for f in forms)))
    return stmt


def list_requests(
    session: Session,
    *,
    actor: Principal,
    status: str | None = None,
    q: str | None = None,
    operation_id: uuid.UUID | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[RequestSummaryRead], int]:
    """Requests the caller may see, newest first; `q` searches the reference and names (either script)."""
    policy.require_any_view(actor)
    q = (q or "").strip() or None
    if q is not None and len(q) > 200:
        raise ValidationFailed.single("q", "at most 200 characters", "too_long")
    stmt = _filtered(actor, status=status, q=q, operation_id=operation_id)
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    limit = max(1, min(limit, MAX_RESULTS))
    rows = list(
        session.scalars(
            stmt.order_by(TracingRequest.lodged_on.desc(), TracingRequest.ref.desc())
            .limit(limit)
            .offset(offset)
        )
    )
    items = _summaries(session, rows)
    audit.record(
        session,
        actor=actor,
        action="tracing.search" if q else "tracing.list",
        object_type="tracing_request",
        details={"results": [i.ref for i in items], "total": total},
    )
    return items, total


def _summaries(session: Session, rows: Sequence[TracingRequest]) -> list[RequestSummaryRead]:
    if not rows:
        return []
    ids = [r.id for r in rows]
    sites = dict(
        session.execute(select(Site.id, Site.code).where(Site.id.in_({r.site_id for r in rows}))).all()
    )
    enq_ids = [r.enquirer_individual_id for r in rows if r.enquirer_individual_id]
    enquirers = (
        {i.id: i for i in session.scalars(select(Individual).where(Individual.id.in_(enq_ids)))}
        if enq_ids
        else {}
    )
    pending: dict[uuid.UUID, int] = defaultdict(int)
    for rid, n in session.execute(
        select(TracingCandidate.request_id, func.count())
        .where(TracingCandidate.request_id.in_(ids), TracingCandidate.status == CandidateStatus.PENDING.value)
        .group_by(TracingCandidate.request_id)
    ).all():
        pending[rid] = int(n)
    return [
        RequestSummaryRead(
            id=r.id,
            ref=r.ref,
            status=r.status,
            lodged_on=r.lodged_on,
            site_code=sites.get(r.site_id, ""),
            enquirer=enquirer_label(
                r, enquirers.get(r.enquirer_individual_id) if r.enquirer_individual_id else None
            ),
            sought=[sought_label(p) for p in r.sought],
            pending_candidates=pending[r.id],
            assigned_to=r.assigned_to,
            consent_withdrawn=r.consent_withdrawn_at is not None,
        )
        for r in rows
    ]


# ---------------------------------------------------------------------------------------------
# export

EXPORT_COLUMNS = (
    "ref",
    "status",
    "lodged_on",
    "site",
    "enquirer",
    "enquirer_registered_ref",
    "consent_given_by",
    "consent_date",
    "consent_withdrawn",
    "sought",
    "pending_candidates",
    "assigned_to",
    "closed_at",
    "closure_reason",
)


def export_requests(
    session: Session,
    *,
    actor: Principal,
    status: str | None = None,
    operation_id: uuid.UUID | None = None,
) -> list[dict[str, Any]]:
    """Every request the caller may see, one row each (the columns of `EXPORT_COLUMNS`); audited."""
    policy.require_any_view(actor)
    stmt = _filtered(actor, status=status, q=None, operation_id=operation_id).order_by(TracingRequest.ref)
    requests = list(session.scalars(stmt))
    summaries = {s.id: s for s in _summaries(session, requests)}
    enq_ids = [r.enquirer_individual_id for r in requests if r.enquirer_individual_id]
    refs = (
        dict(session.execute(select(Individual.id, Individual.ref).where(Individual.id.in_(enq_ids))).all())
        if enq_ids
        else {}
    )
    rows = []
    for r in requests:
        s = summaries[r.id]
        rows.append(
            {
                "ref": r.ref,
                "status": r.status,
                "lodged_on": r.lodged_on.isoformat(),
                "site": s.site_code,
                "enquirer": s.enquirer,
                "enquirer_registered_ref": refs.get(r.enquirer_individual_id, "")
                if r.enquirer_individual_id
                else "",
                "consent_given_by": r.consent_given_by,
                "consent_date": r.consent_date.isoformat(),
                "consent_withdrawn": "yes" if r.consent_withdrawn_at else "no",
                "sought": "; ".join(s.sought),
                "pending_candidates": s.pending_candidates,
                "assigned_to": r.assigned_to or "",
                "closed_at": r.closed_at.isoformat(timespec="seconds") if r.closed_at else "",
                "closure_reason": r.closure_reason or "",
            }
        )
    audit.record(
        session,
        actor=actor,
        action="tracing.export",
        object_type="tracing_request",
        details={"rows": len(rows), "refs": [r["ref"] for r in rows][:1000]},
    )
    return rows


def export_csv(rows: Sequence[dict[str, Any]]) -> str:
    """The rows of `export_requests` as CSV text (a header of `EXPORT_COLUMNS`, lines ending CRLF)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(EXPORT_COLUMNS))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
