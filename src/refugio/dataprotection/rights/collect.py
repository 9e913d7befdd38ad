"""What refugio holds about one person, for an access request: the registration record (phones
decrypted), household, documents, specific needs, legal-status history, consent, events, certificates,
the records of the other domains where the person appears, and who read or changed the record and
when, from the audit log.

The other domains' records are found through the schema itself: every table with a foreign key to the
person (or to their household) is read (one hop further for the case, claim or tracing request such a row
belongs to), so a domain added later is included without a change here. Their free-text columns (Text,
encrypted text, JSON: case narratives, notes, assessments) are **withheld** unless the data protection
officer decided, for a request made by the person themselves, that the law allows releasing them
(`include_sensitive`); the report says what was withheld and why. Internal indexes (name search,
deduplication keys, statistics) are not records about the person and are left out.

Reads registration's tables directly (a set-based read listed in decision 0010, like
dataprotection.anonymise)."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from sqlalchemy import JSON, Table, Text, select
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.dataprotection.rights.models import RightsRequest
from refugio.registration.enums import EventType
from refugio.registration.models import (
    Certificate,
    ConsentWithdrawal,
    Household,
    IdentityDocument,
    Individual,
    Operation,
    RegistrationEvent,
    Site,
    SpecificNeed,
)
from refugio.registration.needs import CODES
from refugio.security.models import AuditEntry
from refugio.store.base import Base
from refugio.store.encrypted import EncryptedText

WITHHELD = "(withheld)"
WITHHELD_BECAUSE = (
    "Free-text narratives of protection, tracing and other case records and the reasons of sensitive "
    "specific needs are released only when the data protection officer decides that the law allows it and "
    "the request is the person's own."
)
# tables read explicitly above, and internal indexes that are not records about the person
_EXPLICIT = frozenset(
    {
        "individual",
        "household",
        "identity_document",
        "specific_need",
        "registration_event",
        "certificate",
        "consent_withdrawal",
        "name_search",
        "dedup_key",
        "dedup_person",
        "dedup_pair",
        "dedup_merge",
        "stats_person",
        "stats_dirty",
    }
)
# the records a linking row belongs to, read one hop further (a case the person is part of, …)
_PARENTS = frozenset({"protection_case", "rsd_claim", "tracing_request", "resettlement_case"})
_PERSON_FIELDS = (
    "ref",
    "given_name",
    "middle_name",
    "family_name",
    "given_name_original",
    "middle_name_original",
    "family_name_original",
    "original_script",
    "other_names",
    "sex",
    "date_of_birth",
    "dob_precision",
    "nationality",
    "country_of_origin",
    "languages",
    "population_type",
    "legal_status",
    "marital_status",
    "arrival_date",
    "phone",
    "status",
    "date_of_death",
    "relationship_to_focal_point",
    "created_at",
    "updated_at",
)
_HOUSEHOLD_FIELDS = (
    "ref",
    "registration_level",
    "registration_date",
    "registration_method",
    "arrival_date",
    "country_of_origin",
    "place_of_origin",
    "address",
    "shelter",
    "phone",
    "size",
    "status",
)


def plain(value: Any) -> Any:
    """A value as JSON: dates and datetimes in ISO 8601, ids and decimals as text."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    if isinstance(value, bytes):
        return f"({len(value)} bytes)"
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def _fields(row: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: plain(getattr(row, name)) for name in names}


def _narrative(table: Table, column: str) -> bool:
    kind = table.c[column].type
    return isinstance(kind, Text | EncryptedText | JSON) or getattr(kind, "impl", None).__class__ in (
        Text,
        JSON,
    )


class _Collector:
    def __init__(self, session: Session, request: RightsRequest) -> None:
        self.session = session
        self.sensitive = request.include_sensitive
        self.withheld: list[str] = []

    def row(self, table: Table, values: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for column, value in values.items():
            if value is not None and value != "" and _narrative(table, column) and not self.sensitive:
                out[column] = WITHHELD
                self.withheld.append(f"{table.name}.{column}")
            else:
                out[column] = plain(value)
        return out

    def needs(self, person_id: uuid.UUID) -> list[dict[str, Any]]:
        found = []
        rows = self.session.scalars(
            select(SpecificNeed)
            .where(SpecificNeed.individual_id == person_id)
            .order_by(SpecificNeed.flagged_at)
        )
        for n in rows:
            code = CODES.get(n.code)
            sensitive = bool(code and code.sensitive)
            reason: Any = n.reason
            if sensitive and not self.sensitive and n.reason:
                reason = WITHHELD
                self.withheld.append("specific_need.reason (sensitive code)")
            found.append(
                {
                    "code": n.code,
                    "label": code.label if code else n.code,
                    "active": n.active,
                    "reason": reason,
                    "flagged_at": plain(n.flagged_at),
                    "flagged_by": n.flagged_by,
                    "removed_at": plain(n.removed_at),
                }
            )
        return found

    def other_records(self, person_id: uuid.UUID, household_id: uuid.UUID) -> list[dict[str, Any]]:
        """Every row of another table that refers to the person or their household (and the case,
        claim or tracing request such a row belongs to), table by table."""
        keys = {"individual": person_id, "household": household_id}
        found: dict[str, dict[str, dict[str, Any]]] = {}
        parents: dict[str, set[Any]] = {}
        for table in Base.metadata.sorted_tables:
            if table.name in _EXPLICIT or table.name.startswith("dp_"):
                continue
            for column in table.columns:
                for fk in column.foreign_keys:
                    target = fk.column.table.name
                    if target not in keys or fk.column.name != "id":
                        continue
                    for values in self.session.execute(
                        select(table).where(column == keys[target])
                    ).mappings():
                        key = str(values.get("id", len(found.get(table.name, {}))))
                        found.setdefault(table.name, {})[key] = self.row(table, dict(values))
                        for other in table.columns:
                            for link in other.foreign_keys:
                                if link.column.table.name in _PARENTS and values.get(other.name) is not None:
                                    parents.setdefault(link.column.table.name, set()).add(values[other.name])
        for name, ids in sorted(parents.items()):
            table = Base.metadata.tables[name]
            for values in self.session.execute(select(table).where(table.c.id.in_(list(ids)))).mappings():
                found.setdefault(name, {})[str(values["id"])] = self.row(table, dict(values))
        return [{"table": name, "rows": list(rows.values())} for name, rows in sorted(found.items())]


def audit_trail(session: Session, object_ids: list[str]) -> list[dict[str, Any]]:
    """Who read or changed these records, and when (the audit entries naming them), oldest first."""
    rows = session.scalars(
        select(AuditEntry).where(AuditEntry.object_id.in_(object_ids)).order_by(AuditEntry.seq)
    )
    return [
        {
            "seq": e.seq,
            "at": plain(e.at),
            "actor": e.actor,
            "action": e.action,
            "object_type": e.object_type,
            "purpose": e.purpose,
            "details": plain(e.details),
        }
        for e in rows
    ]


def access_report(session: Session, request: RightsRequest) -> dict[str, Any]:
    """Everything held about the request's person (see the module's docstring), as JSON-ready data."""
    person = session.get(Individual, request.individual_id)
    if person is None:
        return {"request": _about(request), "person": None, "note": "no record is held about this person"}
    household = session.get(Household, person.household_id)
    assert household is not None
    site = session.get(Site, person.site_id)
    operation = session.get(Operation, person.operation_id)
    c = _Collector(session, request)
    events = _registration_events(session, person, household)
    report: dict[str, Any] = {
        "request": _about(request),
        "person": {
            **_fields(person, _PERSON_FIELDS),
            "operation": operation.name if operation else None,
            "site": site.name if site else None,
        },
        "household": _household_part(session, household, person),
        "documents": [
            _fields(d, ("doc_type", "number", "issuing_country", "issue_date", "expiry_date"))
            for d in session.scalars(
                select(IdentityDocument).where(IdentityDocument.individual_id == person.id)
            )
        ],
        "specific_needs": c.needs(person.id),
        "legal_status_history": [
            {"on": plain(e.occurred_on), "by": e.recorded_by, "changes": plain(e.details)}
            for e in events
            if e.event_type == EventType.STATUS_CHANGE.value
        ],
        "consent": _consent_part(session, person),
        "events": [_event_row(e) for e in events],
        "certificates": [
            _fields(x, ("serial", "issued_at", "issued_by", "valid_until", "revoked_at", "revocation_reason"))
            for x in session.scalars(select(Certificate).where(Certificate.individual_id == person.id))
        ],
        "other_records": c.other_records(person.id, household.id),
        "audit": audit_trail(session, [str(person.id), str(household.id)]),
    }
    report["withheld"] = sorted(set(c.withheld))
    report["withheld_because"] = "" if request.include_sensitive else WITHHELD_BECAUSE
    return report


def _registration_events(
    session: Session, person: Individual, household: Household
) -> list[RegistrationEvent]:
    """The person's registration events and their household's own (those about no one member), oldest
    first."""
    return list(
        session.scalars(
            select(RegistrationEvent)
            .where(
                (RegistrationEvent.individual_id == person.id)
                | (
                    (RegistrationEvent.household_id == household.id)
                    & RegistrationEvent.individual_id.is_(None)
                )
            )
            .order_by(RegistrationEvent.recorded_at)
        )
    )


def _household_part(session: Session, household: Household, person: Individual) -> dict[str, Any]:
    """The household's fields and its other members (reference, relationship and status only)."""
    members = session.execute(
        select(Individual.ref, Individual.relationship_to_focal_point, Individual.status)
        .where(Individual.household_id == household.id, Individual.id != person.id)
        .order_by(Individual.ref)
    ).all()
    return {
        **_fields(household, _HOUSEHOLD_FIELDS),
        "other_members": [
            {"ref": m.ref, "relationship": m.relationship_to_focal_point, "status": m.status} for m in members
        ],
    }


def _consent_part(session: Session, person: Individual) -> dict[str, Any]:
    """The person's consent as recorded, with its withdrawals."""
    return {
        "given": person.consent_given,
        "purposes": list(person.consent_purposes or []),
        "date": plain(person.consent_date),
        "legal_basis": person.legal_basis,
        "withdrawals": [
            {"purpose": w.purpose, "at": plain(w.withdrawn_at), "by": w.withdrawn_by}
            for w in session.scalars(
                select(ConsentWithdrawal).where(ConsentWithdrawal.individual_id == person.id)
            )
        ],
    }


def _event_row(e: RegistrationEvent) -> dict[str, Any]:
    """One registration event as the report shows it."""
    return {
        "type": e.event_type,
        "on": plain(e.occurred_on),
        "recorded_at": plain(e.recorded_at),
        "by": e.recorded_by,
        "summary": e.summary,
        "details": plain(e.details),
    }


def _about(request: RightsRequest) -> dict[str, Any]:
    return {
        "ref": request.ref,
        "individual_ref": request.individual_ref,
        "received_on": plain(request.received_on),
        "generated_at": plain(clock.now()),
        "language": request.language,
        "include_sensitive": request.include_sensitive,
        "sensitive_note": request.sensitive_note,
    }
