"""Who a breach affected, found from the audit log: the entries a query selects (one user's actions in
a period, one entry such as an export or a share, one import), and the people each entry exposed —
the person read (`individual.*`), the members of a household read (`household.*`), the people of a
case (`case.*`), the people a list or search showed (`details.results`), the person a partner's search
found (`details.individual_id`), the people an import registered or updated, and the people a share to
a partner held (its share items, found by the `share_id` of its audit entry). A share audited before
share items existed (no `share_id`: it recorded its row count, not its people) counts the operation's
active people at that moment (an upper bound, flagged as estimated). Refused reads (`*_refused`)
exposed nobody.
The result names people by reference and site only."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from refugio.agreements import exposure_reads as agreement_reads
from refugio.core import clock
from refugio.core.errors import UnknownReference, ValidationFailed
from refugio.dataprotection.register_schemas import AffectedPerson, AffectedQuery, AffectedSnapshot
from refugio.intake import exposure_reads as intake_reads
from refugio.protection import exposure_reads as case_reads
from refugio.registration import exposure_reads as registry_reads
from refugio.security.models import AuditEntry
from refugio.security.principals import Principal

MAX_ENTRIES = 200_000  # a query matching more is refused: narrow the period or the actions


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError):
        return None


def check(query: AffectedQuery) -> None:
    if not (query.actor or query.audit_seq or query.batch):
        raise ValidationFailed.single("actor", "name a user, an audit entry or an import")
    if query.since and query.until and query.until < query.since:
        raise ValidationFailed.single("until", "the end of the period is before its start")


def _entries(session: Session, query: AffectedQuery) -> Iterator[AuditEntry]:
    stmt = select(AuditEntry).order_by(AuditEntry.seq)
    if query.actor:
        stmt = stmt.where(AuditEntry.actor == query.actor)
    if query.since:
        stmt = stmt.where(AuditEntry.at >= query.since)
    if query.until:
        stmt = stmt.where(AuditEntry.at <= query.until)
    if query.audit_seq:
        stmt = stmt.where(AuditEntry.seq == query.audit_seq)
    if query.batch:
        stmt = stmt.where(
            AuditEntry.action == "intake.batch_commit", AuditEntry.object_id == str(query.batch)
        )
    if query.actions:
        stmt = stmt.where(or_(*(AuditEntry.action.startswith(a, autoescape=True) for a in query.actions)))
    last = 0
    while True:
        rows = session.scalars(stmt.where(AuditEntry.seq > last).limit(2000)).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


class _Found:
    """People exposed, with the actions that exposed each."""

    def __init__(self) -> None:
        self.exposures: dict[uuid.UUID, set[str]] = defaultdict(set)
        self.estimated = False
        self.entries = 0

    def add(self, ids: set[uuid.UUID], action: str) -> None:
        for pid in ids:
            self.exposures[pid].add(action)


def _exposed(session: Session, entry: AuditEntry, found: _Found) -> None:
    """The people one audit entry exposed (see the module's docstring)."""
    action, kind, object_id = entry.action, entry.object_type, _uuid(entry.object_id)
    if action.endswith("_refused"):  # a refused read showed nothing
        return
    details = entry.details or {}
    ids: set[uuid.UUID] = set()
    if object_id is not None:
        if kind == "individual":
            ids.add(object_id)
        elif kind == "household":
            ids |= registry_reads.household_members(session, [object_id])
        elif kind == "protection_case":
            ids |= case_reads.case_people(session, [object_id])
        elif action == "intake.batch_commit":
            ids |= intake_reads.batch_people(session, object_id)
        elif action == "agreement.share" and _uuid(details.get("share_id")) is not None:
            ids |= agreement_reads.share_people(session, uuid.UUID(str(details["share_id"])))
        elif action == "agreement.share":
            scope = agreement_reads.agreement_scope(session, object_id)
            if scope is not None:
                ids |= registry_reads.operation_people(session, scope[0], registered_before=entry.at)
                found.estimated = True
    for key in ("results", "individuals"):
        values = details.get(key)
        if isinstance(values, list):
            ids |= {u for u in (_uuid(v) for v in values) if u is not None}
    single = _uuid(details.get("individual_id"))
    if single is not None:
        ids.add(single)
    if ids:
        found.entries += 1
        found.add(ids, action)


def find(session: Session, *, actor: Principal, query: AffectedQuery) -> AffectedSnapshot:
    """The people the audit entries of `query` exposed, with counts per site, per exposure and per
    population type (the caller checks the permission and stores the snapshot)."""
    check(query)
    found = _Found()
    matched = 0
    for entry in _entries(session, query):
        matched += 1
        if matched > MAX_ENTRIES:
            raise ValidationFailed.single(
                "since", f"more than {MAX_ENTRIES} audit entries match: narrow the period or the actions"
            )
        _exposed(session, entry, found)
    if query.batch and matched == 0:
        raise UnknownReference.single("batch", f"no committed import {query.batch} in the audit log")
    if query.audit_seq and matched == 0:
        raise UnknownReference.single("audit_seq", f"no audit entry {query.audit_seq} matches")
    refs = registry_reads.people_refs(session, found.exposures)
    site = query.site.upper() if query.site else None
    people = sorted(
        (
            AffectedPerson(
                id=pid,
                ref=ref.ref,
                household_ref=ref.household_ref,
                site=ref.site_code,
                population_type=ref.population_type,
                exposures=sorted(found.exposures[pid]),
            )
            for pid, ref in refs.items()
            if site is None or ref.site_code == site
        ),
        key=lambda p: p.ref,
    )
    exposure_counts: Counter[str] = Counter()
    for person in people:
        exposure_counts.update(person.exposures)
    return AffectedSnapshot(
        query=query.model_dump(mode="json"),
        taken_at=clock.now(),
        taken_by=actor.label,
        entries=found.entries,
        estimated=found.estimated,
        people=people,
        by_site=dict(sorted(Counter(p.site for p in people).items())),
        by_exposure=dict(sorted(exposure_counts.items())),
        by_population=dict(sorted(Counter(p.population_type for p in people).items())),
        gone=len(set(found.exposures) - set(refs)),
    )
