"""Registration writes, named with domain verbs. Keyword-only arguments; they flush, never commit.

Every change leaves a RegistrationEvent (with before/after values) and an audit entry; specific-needs
rules are re-evaluated whenever a household's composition or a member's age-relevant data changes.
Households are registered through one bulk path (`register_households`), which the single-household
`register_household` also uses, so the interactive desk and a bulk import follow identical rules.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from refugio.core import clock, ids
from refugio.core.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from refugio.registration import name_index, names, rules
from refugio.registration.enums import EventType, IndividualStatus, NeedSource, Relationship
from refugio.registration.models import (
    Certificate,
    Household,
    IdentityDocument,
    Individual,
    NameSearch,
    NeedsRuleSet,
    Operation,
    RegistrationEvent,
    Site,
    SpecificNeed,
)
from refugio.registration.models import (
    Sequence as RefSequence,
)
from refugio.registration.needs import CODES
from refugio.registration.reference import is_country, is_language
from refugio.registration.schemas import (
    AddressChange,
    BirthCreate,
    DeathRecord,
    DocumentCreate,
    HouseholdCreate,
    HouseholdMove,
    IndividualUpdate,
    MarriageRecord,
    NeedFlag,
    StatusChange,
)
from refugio.registration.validation import (
    Checker,
    check_household,
    detect_script,
    normalise_document_number,
    normalise_phone,
    parse_dobs,
)
from refugio.security import audit
from refugio.security.permissions import Permission
from refugio.security.principals import Principal
from refugio.store.base import Base
from refugio.store.bulk import insert_rows

# ---------------------------------------------------------------------------------------------
# operations and sites


def create_operation(
    session: Session, *, actor: Principal, code: str, name: str, country_iso3: str
) -> Operation:
    """Create an operation; `code` (three letters) prefixes its human-readable IDs."""
    actor.require(Permission.OPERATION_MANAGE)
    code, country_iso3 = code.strip().upper(), country_iso3.strip().upper()
    errors: list[FieldError] = []
    if len(code) != 3 or not code.isalpha():
        errors.append(FieldError("code", "use three letters, e.g. JOR"))
    if not name.strip():
        errors.append(FieldError("name", "is required", "required"))
    if not is_country(country_iso3):
        errors.append(FieldError("country_iso3", f"unknown country code {country_iso3!r}", "unknown_code"))
    if errors:
        raise ValidationFailed(errors)
    if session.scalar(select(Operation.id).where(Operation.code == code)) is not None:
        raise Conflict(f"an operation with code {code} already exists", [FieldError("code", "already used")])
    op = Operation(code=code, name=name.strip(), country_iso3=country_iso3)
    session.add(op)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="operation.create",
        object_type="operation",
        object_id=str(op.id),
        details={"code": code},
    )
    return op


def create_site(
    session: Session,
    *,
    actor: Principal,
    operation: Operation,
    code: str,
    name: str,
    kind: str,
    admin1: str | None = None,
    pcode: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
) -> Site:
    """Add a registration site to an operation."""
    from refugio.registration.enums import SiteKind

    actor.require(Permission.OPERATION_MANAGE, operation_id=operation.id)
    errors: list[FieldError] = []
    if not code.strip():
        errors.append(FieldError("code", "is required", "required"))
    if not name.strip():
        errors.append(FieldError("name", "is required", "required"))
    if kind not in {k.value for k in SiteKind}:
        errors.append(FieldError("kind", f"unknown site kind {kind!r}", "unknown_code"))
    if latitude is not None and not -90 <= latitude <= 90:
        errors.append(FieldError("latitude", "must be between -90 and 90"))
    if longitude is not None and not -180 <= longitude <= 180:
        errors.append(FieldError("longitude", "must be between -180 and 180"))
    if errors:
        raise ValidationFailed(errors)
    code = code.strip().upper()
    exists = session.scalar(select(Site.id).where(Site.operation_id == operation.id, Site.code == code))
    if exists is not None:
        raise Conflict(
            f"site {code} already exists in {operation.code}", [FieldError("code", "already used")]
        )
    site = Site(
        operation_id=operation.id,
        code=code,
        name=name.strip(),
        kind=kind,
        admin1=admin1,
        pcode=pcode,
        latitude=latitude,
        longitude=longitude,
    )
    session.add(site)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="site.create",
        object_type="site",
        object_id=str(site.id),
        details={"code": code, "operation": operation.code},
    )
    return site


# ---------------------------------------------------------------------------------------------
# helpers shared by the write paths


def _allocate(session: Session, name: str, count: int) -> int:
    """Reserve `count` consecutive values of the named counter; returns the first."""
    dialect = session.get_bind().dialect.name
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(RefSequence)
    session.execute(ins.values(name=name, value=0).on_conflict_do_nothing(index_elements=["name"]))
    last = session.execute(
        update(RefSequence)
        .where(RefSequence.name == name)
        .values(value=RefSequence.value + count)
        .returning(RefSequence.value)
    ).scalar_one()
    return int(last) - count + 1


def active_ruleset(session: Session) -> rules.RuleSet:
    """The rule set in force: the one shipped with this version, recorded in the database when new."""
    shipped = rules.default_ruleset()
    row = session.get(NeedsRuleSet, shipped.version)
    if row is None:
        session.execute(update(NeedsRuleSet).values(active=False))
        session.add(
            NeedsRuleSet(version=shipped.version, sha256=shipped.sha256, content=shipped.content, active=True)
        )
        session.flush()
    elif row.sha256 != shipped.sha256:
        raise Conflict(
            f"rule set {shipped.version} in the database differs from the shipped one; "
            "give the changed rules a new version"
        )
    return shipped


def _bulk_insert(session: Session, model: type[Base], rows: list[dict[str, Any]]) -> None:
    """One executemany on the session's connection (no ORM bookkeeping, no RETURNING)."""
    insert_rows(session.connection(), model.__table__, rows)  # type: ignore[arg-type]


_NAME_FIELDS = (
    "given_name",
    "middle_name",
    "family_name",
    "given_name_original",
    "middle_name_original",
    "family_name_original",
    "other_names",
)


def refresh_name_index(session: Session, *, individual_ids: Iterable[uuid.UUID]) -> None:
    """Rewrite the name-index rows of these people from their names, operation, site and status as
    they now are. Every write that changes one of those calls it (see refugio.registration.name_index)."""
    wanted = set(individual_ids)
    if not wanted:
        return
    session.flush()
    people = session.execute(
        select(
            Individual.id,
            Individual.operation_id,
            Individual.site_id,
            Individual.status,
            Individual.family_norm,
            Individual.given_norm,
            Individual.ref,
            *(getattr(Individual, f) for f in _NAME_FIELDS),
        ).where(Individual.id.in_(wanted))
    ).all()
    rows = {
        p.id: name_index.row(
            p.id,
            name_index.document([getattr(p, f) for f in _NAME_FIELDS], p.operation_id, p.site_id, p.status),
            p.family_norm,
            p.given_norm,
            p.ref,
        )
        for p in people
    }
    indexed = set(session.scalars(select(NameSearch.individual_id).where(NameSearch.individual_id.in_(rows))))
    table = NameSearch.__table__
    stale = [{f"b_{k}": v for k, v in r.items()} for i, r in rows.items() if i in indexed]
    if stale:
        session.connection().execute(
            table.update()  # type: ignore[attr-defined]
            .where(table.c.individual_id == bindparam("b_individual_id"))
            .values({k: bindparam(f"b_{k}") for k in ("names", *name_index.SORTED_BY)}),
            stale,
        )
    _bulk_insert(session, NameSearch, [r for i, r in rows.items() if i not in indexed])


def _name_values(p: Any) -> list[str | None]:
    return [getattr(p, f) for f in _NAME_FIELDS]


def _event(
    *,
    operation_id: uuid.UUID,
    event_type: EventType,
    summary: str,
    actor: Principal,
    household_id: uuid.UUID | None = None,
    individual_id: uuid.UUID | None = None,
    occurred_on: dt.date | None = None,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "id": ids.new_id(),
        "operation_id": operation_id,
        "household_id": household_id,
        "individual_id": individual_id,
        "event_type": event_type.value,
        "occurred_on": occurred_on or clock.today(),
        "recorded_at": clock.now(),
        "recorded_by": actor.label,
        "summary": summary,
        "details": details or {},
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | uuid.UUID):
        return str(value)
    return value


def _need_row(
    individual_id: uuid.UUID,
    code: str,
    source: NeedSource,
    reason: str,
    actor: Principal,
    rule_id: str | None = None,
    version: str | None = None,
) -> dict[str, Any]:
    return {
        "id": ids.new_id(),
        "individual_id": individual_id,
        "code": code,
        "category": code[:2],
        "source": source.value,
        "rule_id": rule_id,
        "ruleset_version": version,
        "reason": reason,
        "active": True,
        "flagged_at": clock.now(),
        "flagged_by": actor.label,
        "removed_at": None,
        "removed_by": None,
        "removal_reason": None,
    }


def _check_need_permissions(
    actor: Principal, flags: Sequence[NeedFlag], field: str, site: Site, errors: list[FieldError]
) -> None:
    for i, flag in enumerate(flags):
        need = CODES.get(flag.code)
        if need is None:
            continue
        perm = Permission.NEEDS_SENSITIVE_FLAG if need.sensitive else Permission.NEEDS_FLAG
        if not actor.can(perm, operation_id=site.operation_id, site_id=site.id):
            errors.append(
                FieldError(
                    f"{field}.{i}.code",
                    f"you may not set the code {flag.code} ({perm.value} needed)",
                    "forbidden",
                )
            )


def _existing_documents(session: Session, keys: set[tuple[str, str, str]]) -> dict[tuple[str, str, str], str]:
    """Which of these (type, country, normalised number) are already held, and by whom (ref).

    The numbers are rendered into the SQL (normalised, they are [0-9A-Z] only): psycopg prepares a
    statement run five times with the same text, and PostgreSQL then keeps a generic plan made while
    the registry was nearly empty (a nested loop over every individual), 80 times slower at 45,000
    people than the plan for the actual numbers."""
    found: dict[tuple[str, str, str], str] = {}
    numbers = sorted({k[2] for k in keys})
    for start in range(0, len(numbers), 500):
        chunk = numbers[start : start + 500]
        rows = session.execute(
            select(
                IdentityDocument.doc_type,
                IdentityDocument.issuing_country,
                IdentityDocument.number_norm,
                Individual.ref,
            )
            .join(Individual, Individual.id == IdentityDocument.individual_id)
            .where(
                IdentityDocument.number_norm.in_(
                    bindparam("numbers", chunk, expanding=True, literal_execute=True)
                )
            )
        ).all()
        for doc_type, country, norm, ref in rows:
            if (doc_type, country, norm) in keys:
                found[(doc_type, country, norm)] = ref
    return found


@dataclass(frozen=True)
class Registered:
    household_id: uuid.UUID
    household_ref: str
    member_ids: tuple[uuid.UUID, ...]
    member_refs: tuple[str, ...]


# ---------------------------------------------------------------------------------------------
# registration


def register_household(session: Session, *, actor: Principal, data: HouseholdCreate) -> Household:
    """Register one household with its members; field errors are named without a prefix."""
    result = register_households(session, actor=actor, items=[data], error_prefix=None)[0]
    household = session.get(Household, result.household_id)
    assert household is not None
    return household


def register_households(
    session: Session,
    *,
    actor: Principal,
    items: Sequence[HouseholdCreate],
    error_prefix: str | None = "items",
    audit_each: bool = True,
    checked: bool = False,
) -> list[Registered]:
    """Register many households in one go: all are valid and saved, or none is (errors name each field).

    Field paths are prefixed `items.<n>.` unless `error_prefix` is None (single household).
    `checked`: the caller has passed every item through `validation.check_household` already (an
    import, when it was validated); the item-level checks are not repeated. Permissions, documents held
    by registered people and duplicates across the items are still checked here.
    """
    if not actor.can_anywhere(Permission.HOUSEHOLD_CREATE):
        raise PermissionDenied(f"{actor.label} lacks {Permission.HOUSEHOLD_CREATE.value}")
    today = clock.today()
    errors: list[FieldError] = []

    def pre(k: int, field: str) -> str:
        return field if error_prefix is None else f"{error_prefix}.{k}.{field}"

    site_ids = {item.site_id for item in items}
    sites = {s.id: s for s in session.scalars(select(Site).where(Site.id.in_(site_ids)))}
    operations = {
        o.id: o
        for o in session.scalars(
            select(Operation).where(Operation.id.in_({s.operation_id for s in sites.values()}))
        )
    }
    parsed: list[list[Any]] = []
    doc_keys: dict[tuple[str, str, str], str] = {}
    for k, item in enumerate(items):
        site = sites.get(item.site_id)
        if site is None:
            errors.append(FieldError(pre(k, "site_id"), "unknown site", "unknown_site"))
            parsed.append([])
            continue
        if not actor.can(Permission.HOUSEHOLD_CREATE, operation_id=site.operation_id, site_id=site.id):
            errors.append(
                FieldError(
                    pre(k, "site_id"), f"you may not register households at site {site.code}", "forbidden"
                )
            )
        known = parse_dobs(item, today) if checked else None
        item_errors, dobs = ([], known) if known is not None else check_household(item, today)
        errors.extend(FieldError(pre(k, e.field), e.message, e.code) for e in item_errors)
        for i, m in enumerate(item.members):
            _check_need_permissions(actor, m.needs, pre(k, f"members.{i}.needs"), site, errors)
            for j, d in enumerate(m.documents):
                doc_keys[(d.doc_type.value, d.issuing_country, normalise_document_number(d.number))] = pre(
                    k, f"members.{i}.documents.{j}.number"
                )
        parsed.append(dobs)
    seen_across: dict[tuple[str, str, str], str] = {}
    for k, item in enumerate(items):
        for i, m in enumerate(item.members):
            for j, d in enumerate(m.documents):
                key = (d.doc_type.value, d.issuing_country, normalise_document_number(d.number))
                here = pre(k, f"members.{i}.documents.{j}.number")
                if (
                    key in seen_across
                    and error_prefix is not None
                    and not here.startswith(seen_across[key].rsplit(".members.", 1)[0] + ".members.")
                ):
                    errors.append(
                        FieldError(
                            here,
                            f"the same document is also given at {seen_across[key]}",
                            "duplicate_document",
                        )
                    )
                seen_across.setdefault(key, here)
    if doc_keys:
        for key, ref in _existing_documents(session, set(doc_keys)).items():
            errors.append(
                FieldError(
                    doc_keys[key],
                    f"document already held by another registered person ({ref})",
                    "document_taken",
                )
            )
    if errors:
        raise ValidationFailed(errors)

    ruleset = active_ruleset(session)
    # allocate human-readable references per operation and registration year
    wanted: dict[tuple[uuid.UUID, int], int] = {}
    for item in items:
        year = (item.registration_date or today).year
        op_year = (sites[item.site_id].operation_id, year)
        wanted[op_year] = wanted.get(op_year, 0) + 1
    next_seq = {
        op_year: _allocate(session, f"hh:{operations[op_year[0]].code}:{op_year[1]}", n)
        for op_year, n in wanted.items()
    }

    hh_rows: list[dict[str, Any]] = []
    ind_rows: list[dict[str, Any]] = []
    doc_rows: list[dict[str, Any]] = []
    search_rows: list[dict[str, Any]] = []
    need_rows: list[dict[str, Any]] = []
    event_rows: list[dict[str, Any]] = []
    audit_entries: list[tuple[str, str, str | None, dict[str, Any]]] = []
    results: list[Registered] = []
    now = clock.now()
    for item, dobs in zip(items, parsed, strict=True):
        site = sites[item.site_id]
        op = operations[site.operation_id]
        reg_date = item.registration_date or today
        op_year = (op.id, reg_date.year)
        seq = next_seq[op_year]
        next_seq[op_year] = seq + 1
        hh_id, hh_ref = ids.new_id(), ids.household_ref(op.code, reg_date.year, seq)
        member_ids = [ids.new_id() for _ in item.members]
        member_refs = [ids.individual_ref(hh_ref, n + 1) for n in range(len(item.members))]
        focal = next(i for i, m in enumerate(item.members) if m.relationship == Relationship.FOCAL_POINT)
        hh_rows.append(
            {
                "id": hh_id,
                "ref": hh_ref,
                "operation_id": op.id,
                "site_id": site.id,
                "focal_point_id": member_ids[focal],
                "registration_level": item.registration_level.value,
                "registration_date": reg_date,
                "registration_method": "in_person",
                "arrival_date": item.arrival_date,
                "country_of_origin": item.country_of_origin,
                "place_of_origin": item.place_of_origin,
                "address": item.address,
                "shelter": item.shelter,
                "phone": normalise_phone(item.phone),
                "size": len(item.members),
                "status": "active",
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
        purposes = [p.value for p in item.consent_purposes]
        for i, m in enumerate(item.members):
            dob = dobs[i]
            assert dob is not None
            iid = member_ids[i]
            ind_rows.append(
                {
                    "id": iid,
                    "ref": member_refs[i],
                    "household_id": hh_id,
                    "operation_id": op.id,
                    "site_id": site.id,
                    "relationship_to_focal_point": m.relationship.value,
                    "given_name": m.given_name,
                    "middle_name": m.middle_name or None,
                    "family_name": m.family_name,
                    "given_name_original": m.given_name_original or None,
                    "middle_name_original": m.middle_name_original or None,
                    "family_name_original": m.family_name_original or None,
                    "original_script": m.original_script
                    or detect_script(m.given_name_original, m.family_name_original, m.middle_name_original),
                    "other_names": m.other_names or None,
                    "given_norm": names.normalise(m.given_name),
                    "family_norm": names.normalise(m.family_name),
                    "sex": m.sex.value,
                    "date_of_birth": dob.value,
                    "dob_precision": dob.precision,
                    "nationality": m.nationality,
                    "country_of_origin": m.country_of_origin or item.country_of_origin,
                    "languages": [lang.lower() for lang in m.languages],
                    "population_type": (m.population_type or item.population_type).value,
                    "legal_status": m.legal_status.value if m.legal_status else None,
                    "marital_status": m.marital_status.value if m.marital_status else None,
                    "arrival_date": item.arrival_date,
                    "phone": normalise_phone(m.phone),
                    "status": "active",
                    "date_of_death": None,
                    "consent_given": item.consent_given,
                    "consent_purposes": purposes,
                    "consent_date": reg_date if item.consent_given else None,
                    "legal_basis": item.legal_basis,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            search_rows.append(
                name_index.row(
                    iid,
                    name_index.document(_name_values(m), op.id, site.id, "active"),
                    ind_rows[-1]["family_norm"],
                    ind_rows[-1]["given_norm"],
                    member_refs[i],
                )
            )
            for d in m.documents:
                doc_rows.append(
                    {
                        "id": ids.new_id(),
                        "individual_id": iid,
                        "doc_type": d.doc_type.value,
                        "number": d.number,
                        "number_norm": normalise_document_number(d.number),
                        "issuing_country": d.issuing_country,
                        "issue_date": d.issue_date,
                        "expiry_date": d.expiry_date,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            for flag in m.needs:
                need_rows.append(_need_row(iid, flag.code, NeedSource.MANUAL, flag.reason, actor))
        facts = rules.household_facts(
            [
                _Facts(dobs[i].value, m.sex.value, m.relationship.value)  # type: ignore[union-attr]
                for i, m in enumerate(item.members)
            ],
            reg_date,
        )
        manual = {(i, f.code) for i, m in enumerate(item.members) for f in m.needs}
        for i, person_facts in enumerate(facts):
            for finding in rules.evaluate(ruleset, person_facts):
                if (i, finding.code) in manual:
                    continue
                need_rows.append(
                    _need_row(
                        member_ids[i],
                        finding.code,
                        NeedSource.RULE,
                        finding.explanation,
                        actor,
                        finding.rule_id,
                        ruleset.version,
                    )
                )
        event_rows.append(
            _event(
                operation_id=op.id,
                household_id=hh_id,
                event_type=EventType.REGISTERED,
                actor=actor,
                occurred_on=reg_date,
                summary=f"Household {hh_ref} registered at {site.code} with {len(item.members)} member(s)",
                details={"members": member_refs, "level": item.registration_level.value, "site": site.code},
            )
        )
        if audit_each:
            audit_entries.append(
                (
                    "household.register",
                    "household",
                    str(hh_id),
                    {"ref": hh_ref, "members": len(item.members), "site": site.code},
                )
            )
        results.append(Registered(hh_id, hh_ref, tuple(member_ids), tuple(member_refs)))

    _bulk_insert(session, Household, hh_rows)
    _bulk_insert(session, Individual, ind_rows)
    if doc_rows:
        _bulk_insert(session, IdentityDocument, doc_rows)
    _bulk_insert(session, NameSearch, search_rows)
    if need_rows:
        _bulk_insert(session, SpecificNeed, need_rows)
    _bulk_insert(session, RegistrationEvent, event_rows)
    if not audit_each:
        audit_entries.append(
            (
                "household.register_batch",
                "household",
                None,
                {"households": [r.household_ref for r in results]},
            )
        )
    audit.record_many(session, actor=actor, entries=audit_entries)
    return results


@dataclass(frozen=True)
class _Facts:
    date_of_birth: dt.date
    sex: str
    relationship_to_focal_point: str


# ---------------------------------------------------------------------------------------------
# loading with scope checks


def load_household(
    session: Session,
    *,
    actor: Principal,
    household_id: uuid.UUID,
    permission: Permission = Permission.HOUSEHOLD_UPDATE,
) -> Household:
    household = session.get(Household, household_id)
    if household is None or not actor.can(
        Permission.HOUSEHOLD_VIEW, operation_id=household.operation_id, site_id=household.site_id
    ):
        raise NotFound("no such household")
    actor.require(permission, operation_id=household.operation_id, site_id=household.site_id)
    return household


def load_individual(
    session: Session,
    *,
    actor: Principal,
    individual_id: uuid.UUID,
    permission: Permission = Permission.INDIVIDUAL_UPDATE,
) -> Individual:
    person = session.get(Individual, individual_id)
    if person is None or not actor.can(
        Permission.INDIVIDUAL_VIEW, operation_id=person.operation_id, site_id=person.site_id
    ):
        raise NotFound("no such individual")
    actor.require(permission, operation_id=person.operation_id, site_id=person.site_id)
    return person


def _active_members(session: Session, household_id: uuid.UUID) -> list[Individual]:
    return list(
        session.scalars(
            select(Individual)
            .where(
                Individual.household_id == household_id, Individual.status == IndividualStatus.ACTIVE.value
            )
            .order_by(Individual.ref)
        )
    )


def _add_event(session: Session, **kwargs: Any) -> None:
    session.add(RegistrationEvent(**_event(**kwargs)))


def reapply_rules(
    session: Session, *, actor: Principal, household: Household, on: dt.date | None = None
) -> None:
    """Re-evaluate the automatic flags of a household's active members: add new, retire stale ones."""
    ruleset = active_ruleset(session)
    members = _active_members(session, household.id)
    facts = rules.household_facts(members, on or clock.today())
    current = {
        (n.individual_id, n.code): n
        for n in session.scalars(
            select(SpecificNeed).where(
                SpecificNeed.individual_id.in_([m.id for m in members] or [uuid.uuid4()]),
                SpecificNeed.active.is_(True),
            )
        )
    }
    wanted: set[tuple[uuid.UUID, str]] = set()
    for member, person_facts in zip(members, facts, strict=True):
        for finding in rules.evaluate(ruleset, person_facts):
            wanted.add((member.id, finding.code))
            if (member.id, finding.code) not in current:
                session.add(
                    SpecificNeed(
                        **_need_row(
                            member.id,
                            finding.code,
                            NeedSource.RULE,
                            finding.explanation,
                            actor,
                            finding.rule_id,
                            ruleset.version,
                        )
                    )
                )
                _add_event(
                    session,
                    operation_id=household.operation_id,
                    household_id=household.id,
                    individual_id=member.id,
                    event_type=EventType.NEED_FLAGGED,
                    actor=actor,
                    summary=f"{finding.code} flagged by rule {finding.rule_id}: {finding.explanation}",
                    details={"code": finding.code, "rule": finding.rule_id, "ruleset": ruleset.version},
                )
    for (iid, code), need in current.items():
        if need.source == NeedSource.RULE.value and (iid, code) not in wanted:
            need.active = False
            need.removed_at = clock.now()
            need.removed_by = actor.label
            need.removal_reason = f"rule {need.rule_id} no longer applies (rule set {ruleset.version})"
            _add_event(
                session,
                operation_id=household.operation_id,
                household_id=household.id,
                individual_id=iid,
                event_type=EventType.NEED_REMOVED,
                actor=actor,
                summary=f"{code} retired: {need.removal_reason}",
                details={"code": code},
            )
    # members who died, departed or left keep no rule-based flags about this household's composition
    active_ids = {m.id for m in members}
    gone = session.scalars(
        select(SpecificNeed)
        .join(Individual, Individual.id == SpecificNeed.individual_id)
        .where(
            SpecificNeed.active.is_(True),
            SpecificNeed.source == NeedSource.RULE.value,
            Individual.household_id == household.id,
        )
    )
    for need in gone:
        if need.individual_id in active_ids:
            continue
        need.active = False
        need.removed_at = clock.now()
        need.removed_by = actor.label
        need.removal_reason = f"rule {need.rule_id} no longer applies: no longer an active member"
        _add_event(
            session,
            operation_id=household.operation_id,
            household_id=household.id,
            individual_id=need.individual_id,
            event_type=EventType.NEED_REMOVED,
            actor=actor,
            summary=f"{need.code} retired: {need.removal_reason}",
            details={"code": need.code},
        )
    session.flush()


def _refresh_size(session: Session, household: Household) -> None:
    household.size = len(_active_members(session, household.id))
    household.version += 1


# ---------------------------------------------------------------------------------------------
# continuous registration


def record_birth(
    session: Session, *, actor: Principal, household_id: uuid.UUID, data: BirthCreate
) -> Individual:
    """Register a child born into a household (birth registration, CRRF 5(f))."""
    household = load_household(
        session, actor=actor, household_id=household_id, permission=Permission.EVENT_RECORD
    )
    c = Checker(clock.today())
    dob = c.person("child", data, clock.today())
    if dob is not None and dob.precision != "exact" and not data.estimated:
        c.add("child.date_of_birth", "a birth is registered with the exact date of birth")
    if data.relationship == Relationship.FOCAL_POINT:
        c.add("child.relationship", "a newborn cannot be the focal point")
    site = session.get(Site, household.site_id)
    assert site is not None
    _check_need_permissions(actor, data.needs, "child.needs", site, c.errors)
    keys: dict[tuple[str, str, str], str] = {}
    for j, d in enumerate(data.documents):
        key = (d.doc_type.value, d.issuing_country, normalise_document_number(d.number))
        if key in keys:
            c.add(f"child.documents.{j}.number", "the same document is given twice", "duplicate_document")
        keys.setdefault(key, f"child.documents.{j}.number")
    for key, ref in _existing_documents(session, set(keys)).items():
        c.add(keys[key], f"document already held by another registered person ({ref})", "document_taken")
    if c.errors:
        raise ValidationFailed(
            [FieldError(e.field.removeprefix("child."), e.message, e.code) for e in c.errors]
        )
    assert dob is not None
    child = _new_member(
        session,
        actor=actor,
        household=household,
        person=data,
        dob=dob.value,
        precision=dob.precision,
        relationship=data.relationship.value,
    )
    child.arrival_date = None
    _add_event(
        session,
        operation_id=household.operation_id,
        household_id=household.id,
        individual_id=child.id,
        event_type=EventType.BIRTH,
        actor=actor,
        occurred_on=dob.value,
        summary=f"Birth of {child.given_name} {child.family_name} ({child.ref}) registered",
        details={
            "place_of_birth": data.place_of_birth,
            "birth_registered_with_authorities": data.birth_registered_with_authorities,
            "civil_registration_number": data.civil_registration_number,
        },
    )
    _refresh_size(session, household)
    reapply_rules(session, actor=actor, household=household)
    audit.record(
        session,
        actor=actor,
        action="individual.birth",
        object_type="individual",
        object_id=str(child.id),
        details={"ref": child.ref, "household": household.ref},
    )
    return child


def _new_member(
    session: Session,
    *,
    actor: Principal,
    household: Household,
    person: Any,
    dob: dt.date,
    precision: str,
    relationship: str,
) -> Individual:
    refs = session.scalars(select(Individual.ref).where(Individual.ref.like(household.ref + "-%")))
    next_no = max((int(r.rsplit("-", 1)[1]) for r in refs), default=0) + 1
    focal = session.get(Individual, household.focal_point_id) if household.focal_point_id else None
    person_row = Individual(
        id=ids.new_id(),
        ref=ids.individual_ref(household.ref, next_no),
        household_id=household.id,
        operation_id=household.operation_id,
        site_id=household.site_id,
        relationship_to_focal_point=relationship,
        given_name=person.given_name,
        middle_name=person.middle_name or None,
        family_name=person.family_name,
        given_name_original=person.given_name_original or None,
        middle_name_original=person.middle_name_original or None,
        family_name_original=person.family_name_original or None,
        original_script=person.original_script
        or detect_script(person.given_name_original, person.family_name_original),
        other_names=person.other_names or None,
        given_norm=names.normalise(person.given_name),
        family_norm=names.normalise(person.family_name),
        sex=person.sex.value,
        date_of_birth=dob,
        dob_precision=precision,
        nationality=person.nationality,
        country_of_origin=person.country_of_origin or household.country_of_origin,
        languages=[lang.lower() for lang in person.languages],
        population_type=(
            person.population_type.value
            if person.population_type
            else (focal.population_type if focal else "refugee")
        ),
        legal_status=person.legal_status.value if person.legal_status else None,
        marital_status=person.marital_status.value if person.marital_status else None,
        phone=normalise_phone(person.phone),
        status="active",
        consent_given=focal.consent_given if focal else False,
        consent_purposes=list(focal.consent_purposes) if focal else [],
        consent_date=clock.today() if focal and focal.consent_given else None,
        legal_basis=focal.legal_basis if focal else None,
    )
    session.add(person_row)
    session.flush()
    refresh_name_index(session, individual_ids=[person_row.id])
    for d in person.documents:
        _insert_document(session, person_row.id, d)
    for flag in person.needs:
        session.add(
            SpecificNeed(**_need_row(person_row.id, flag.code, NeedSource.MANUAL, flag.reason, actor))
        )
    session.flush()
    return person_row


def _insert_document(session: Session, individual_id: uuid.UUID, d: DocumentCreate) -> IdentityDocument:
    doc = IdentityDocument(
        individual_id=individual_id,
        doc_type=d.doc_type.value,
        number=d.number,
        number_norm=normalise_document_number(d.number),
        issuing_country=d.issuing_country,
        issue_date=d.issue_date,
        expiry_date=d.expiry_date,
    )
    session.add(doc)
    session.flush()
    return doc


def record_death(
    session: Session, *, actor: Principal, individual_id: uuid.UUID, data: DeathRecord
) -> Individual:
    """Record a death; the person stays in the registry with status `deceased`."""
    person = load_individual(
        session, actor=actor, individual_id=individual_id, permission=Permission.EVENT_RECORD
    )
    c = Checker(clock.today())
    c.date_not_future("date_of_death", data.date_of_death, "date of death")
    if data.date_of_death < person.date_of_birth:
        c.add("date_of_death", "date of death is before the date of birth")
    if person.status == IndividualStatus.DECEASED.value:
        c.add("date_of_death", "this person is already recorded as deceased", "already_deceased")
    if c.errors:
        raise ValidationFailed(c.errors)
    before = person.status
    person.status = IndividualStatus.DECEASED.value
    person.date_of_death = data.date_of_death
    person.version += 1
    household = session.get(Household, person.household_id)
    assert household is not None
    _add_event(
        session,
        operation_id=person.operation_id,
        household_id=person.household_id,
        individual_id=person.id,
        event_type=EventType.DEATH,
        actor=actor,
        occurred_on=data.date_of_death,
        summary=f"Death of {person.ref} recorded",
        details={"status": [before, person.status], "note": data.note},
    )
    session.flush()
    refresh_name_index(session, individual_ids=[person.id])
    _revoke_certificates(session, actor=actor, person=person, reason="holder recorded as deceased")
    _refresh_size(session, household)
    reapply_rules(session, actor=actor, household=household)
    audit.record(
        session, actor=actor, action="individual.death", object_type="individual", object_id=str(person.id)
    )
    return person


def _revoke_certificates(session: Session, *, actor: Principal, person: Individual, reason: str) -> None:
    """Revoke the person's valid certificates: they attest a registration that no longer stands."""
    for cert in session.scalars(
        select(Certificate).where(Certificate.individual_id == person.id, Certificate.revoked_at.is_(None))
    ):
        cert.revoked_at = clock.now()
        cert.revoked_by = actor.label
        cert.revocation_reason = reason
        _add_event(
            session,
            operation_id=person.operation_id,
            household_id=person.household_id,
            individual_id=person.id,
            event_type=EventType.CERTIFICATE_REVOKED,
            actor=actor,
            summary=f"Certificate {cert.serial} revoked: {reason}",
            details={"serial": cert.serial},
        )


def record_marriage(
    session: Session, *, actor: Principal, individual_id: uuid.UUID, data: MarriageRecord
) -> Individual:
    """Record a marriage (of one or two registered people); marital status becomes `married`."""
    person = load_individual(
        session, actor=actor, individual_id=individual_id, permission=Permission.EVENT_RECORD
    )
    c = Checker(clock.today())
    c.date_not_future("date_of_marriage", data.date_of_marriage, "date of marriage")
    if data.date_of_marriage < person.date_of_birth:
        c.add("date_of_marriage", "date of marriage is before the date of birth")
    spouse = None
    if data.spouse_id is not None:
        if data.spouse_id == person.id:
            c.add("spouse_id", "a person cannot marry themselves")
        else:
            try:
                spouse = load_individual(
                    session, actor=actor, individual_id=data.spouse_id, permission=Permission.EVENT_RECORD
                )
            except NotFound:
                c.add("spouse_id", "no such registered person", "not_found")
    elif not data.spouse_name:
        c.add("spouse_name", "give the spouse's name or choose a registered spouse", "required")
    for p in [person] + ([spouse] if spouse else []):
        if p.status != IndividualStatus.ACTIVE.value:
            c.add("spouse_id" if p is spouse else "individual", f"{p.ref} is {p.status}")
    if c.errors:
        raise ValidationFailed(c.errors)
    for p in [person] + ([spouse] if spouse else []):
        before = p.marital_status
        p.marital_status = "married"
        p.version += 1
        _add_event(
            session,
            operation_id=p.operation_id,
            household_id=p.household_id,
            individual_id=p.id,
            event_type=EventType.MARRIAGE,
            actor=actor,
            occurred_on=data.date_of_marriage,
            summary=f"Marriage of {p.ref} recorded"
            + (f" (spouse {spouse.ref if p is person else person.ref})" if spouse else ""),
            details={
                "marital_status": [before, "married"],
                "spouse_name": data.spouse_name,
                "spouse_ref": (spouse.ref if p is person else person.ref) if spouse else None,
                "note": data.note,
            },
        )
    session.flush()
    ages = [
        rules.age_on(p.date_of_birth, data.date_of_marriage) for p in [person] + ([spouse] if spouse else [])
    ]
    if min(ages) < 18:
        for p in [person] + ([spouse] if spouse else []):
            if rules.age_on(p.date_of_birth, data.date_of_marriage) < 18:
                flag_need(
                    session,
                    actor=actor,
                    individual_id=p.id,
                    data=NeedFlag(code="CR-CS", reason="Married before the age of 18 (marriage recorded)"),
                    skip_if_active=True,
                )
    audit.record(
        session, actor=actor, action="individual.marriage", object_type="individual", object_id=str(person.id)
    )
    return person


def change_address(
    session: Session, *, actor: Principal, household_id: uuid.UUID, data: AddressChange
) -> Household:
    """Change where a household lives (address, shelter, phone, site); members move with it."""
    household = load_household(
        session, actor=actor, household_id=household_id, permission=Permission.EVENT_RECORD
    )
    c = Checker(clock.today())
    c.phone("phone", data.phone)
    c.date_not_future("effective_date", data.effective_date, "effective date")
    new_site = None
    if data.site_id is not None and data.site_id != household.site_id:
        new_site = session.get(Site, data.site_id)
        if new_site is None or new_site.operation_id != household.operation_id:
            c.add("site_id", "unknown site in this operation", "unknown_site")
        elif not actor.can(
            Permission.HOUSEHOLD_UPDATE, operation_id=new_site.operation_id, site_id=new_site.id
        ):
            c.add("site_id", f"you may not move households to site {new_site.code}", "forbidden")
    if c.errors:
        raise ValidationFailed(c.errors)
    changes: dict[str, list[Any]] = {}
    for field in ("address", "shelter", "phone"):
        value = normalise_phone(data.phone) if field == "phone" else getattr(data, field)
        if value is not None and value != getattr(household, field):
            changes[field] = [getattr(household, field), value]
            setattr(household, field, value)
    if new_site is not None:
        changes["site"] = [str(household.site_id), str(new_site.id)]
        household.site_id = new_site.id
        session.execute(
            update(Individual).where(Individual.household_id == household.id).values(site_id=new_site.id)
        )
        members = session.scalars(select(Individual.id).where(Individual.household_id == household.id))
        refresh_name_index(session, individual_ids=list(members))
    if not changes:
        raise ValidationFailed.single(
            "address", "nothing to change: give a new address, shelter, phone or site"
        )
    household.version += 1
    _add_event(
        session,
        operation_id=household.operation_id,
        household_id=household.id,
        event_type=EventType.ADDRESS_CHANGE,
        actor=actor,
        occurred_on=data.effective_date,
        summary=f"Address of {household.ref} changed ({', '.join(changes)})",
        details=changes,
    )
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="household.address_change",
        object_type="household",
        object_id=str(household.id),
        details={"fields": sorted(changes)},
    )
    return household


def change_status(
    session: Session, *, actor: Principal, individual_id: uuid.UUID, data: StatusChange
) -> Individual:
    """Change a person's registration status, legal status or population type, with the reason."""
    person = load_individual(
        session, actor=actor, individual_id=individual_id, permission=Permission.EVENT_RECORD
    )
    c = Checker(clock.today())
    c.date_not_future("effective_date", data.effective_date, "effective date")
    if data.status == IndividualStatus.DECEASED:
        c.add("status", "record a death with its date instead (death event)")
    if data.status is None and data.legal_status is None and data.population_type is None:
        c.add("status", "nothing to change: give a status, legal status or population type", "required")
    if c.errors:
        raise ValidationFailed(c.errors)
    changes: dict[str, list[Any]] = {}
    for field in ("status", "legal_status", "population_type"):
        value = getattr(data, field)
        if value is not None and value.value != getattr(person, field):
            changes[field] = [getattr(person, field), value.value]
            setattr(person, field, value.value)
    if "status" in changes and changes["status"][0] == IndividualStatus.DECEASED.value:
        # a death recorded in error: the date of death goes too (kept in this event's details)
        changes["date_of_death"] = [_jsonable(person.date_of_death), None]
        person.date_of_death = None
    if not changes:
        raise ValidationFailed.single("status", "the new values equal the current ones")
    person.version += 1
    _add_event(
        session,
        operation_id=person.operation_id,
        household_id=person.household_id,
        individual_id=person.id,
        event_type=EventType.STATUS_CHANGE,
        actor=actor,
        occurred_on=data.effective_date,
        summary=f"Status of {person.ref} changed: "
        + ", ".join(f"{k} {v[0]} → {v[1]}" for k, v in changes.items()),
        details={**changes, "reason": data.reason},
    )
    session.flush()
    if "status" in changes:
        refresh_name_index(session, individual_ids=[person.id])
        household = session.get(Household, person.household_id)
        assert household is not None
        if person.status != IndividualStatus.ACTIVE.value:
            _revoke_certificates(
                session, actor=actor, person=person, reason=f"holder's status is {person.status}"
            )
        _refresh_size(session, household)
        reapply_rules(session, actor=actor, household=household)
    audit.record(
        session,
        actor=actor,
        action="individual.status_change",
        object_type="individual",
        object_id=str(person.id),
        details={"fields": sorted(changes)},
    )
    return person


def move_individual(
    session: Session, *, actor: Principal, individual_id: uuid.UUID, data: HouseholdMove
) -> Individual:
    """Move a person to another household, or split them into a new household as its focal point."""
    person = load_individual(
        session, actor=actor, individual_id=individual_id, permission=Permission.EVENT_RECORD
    )
    old = session.get(Household, person.household_id)
    assert old is not None
    c = Checker(clock.today())
    c.date_not_future("effective_date", data.effective_date, "effective date")
    if person.status != IndividualStatus.ACTIVE.value:
        c.add("individual", f"{person.ref} is {person.status} and cannot move")
    if old.focal_point_id == person.id and old.size > 1:
        c.add(
            "individual",
            "this person is the focal point: choose a new focal point for the household first",
            "focal_point",
        )
    target: Household | None = None
    if data.to_household_id is not None:
        if data.to_household_id == old.id:
            c.add("to_household_id", "the person is already in this household")
        else:
            try:
                target = load_household(
                    session,
                    actor=actor,
                    household_id=data.to_household_id,
                    permission=Permission.HOUSEHOLD_UPDATE,
                )
            except NotFound:
                c.add("to_household_id", "no such household", "not_found")
            if target is not None and target.operation_id != person.operation_id:
                c.add(
                    "to_household_id",
                    "that household belongs to another operation: a transfer is not a household change",
                    "other_operation",
                )
        if data.relationship == Relationship.FOCAL_POINT:
            c.add("relationship", "the target household already has a focal point")
    if c.errors:
        raise ValidationFailed(c.errors)
    if target is None:  # a new household split from the old one
        op = session.get(Operation, old.operation_id)
        assert op is not None
        year = clock.today().year
        seq = _allocate(session, f"hh:{op.code}:{year}", 1)
        target = Household(
            id=ids.new_id(),
            ref=ids.household_ref(op.code, year, seq),
            operation_id=old.operation_id,
            site_id=old.site_id,
            focal_point_id=person.id,
            registration_level=old.registration_level,
            registration_date=clock.today(),
            registration_method="split",
            arrival_date=old.arrival_date,
            country_of_origin=old.country_of_origin,
            place_of_origin=old.place_of_origin,
            address=old.address,
            shelter=None,
            phone=person.phone,
            size=0,
        )
        session.add(target)
        relationship = Relationship.FOCAL_POINT.value
    else:
        relationship = data.relationship.value
    before = {"household": old.ref, "relationship": person.relationship_to_focal_point}
    person.household_id = target.id
    person.site_id = target.site_id
    person.relationship_to_focal_point = relationship
    person.version += 1
    if old.focal_point_id == person.id:
        old.focal_point_id = None
        old.status = "closed"
    session.flush()
    refresh_name_index(session, individual_ids=[person.id])
    for hh in (old, target):
        _add_event(
            session,
            operation_id=hh.operation_id,
            household_id=hh.id,
            individual_id=person.id,
            event_type=EventType.HOUSEHOLD_CHANGE,
            actor=actor,
            occurred_on=data.effective_date,
            summary=f"{person.ref} moved from {old.ref} to {target.ref}",
            details={
                "from": before,
                "to": {"household": target.ref, "relationship": relationship},
                "reason": data.reason,
            },
        )
        _refresh_size(session, hh)
        reapply_rules(session, actor=actor, household=hh)
    _revoke_certificates(session, actor=actor, person=person, reason=f"holder moved to {target.ref}")
    audit.record(
        session,
        actor=actor,
        action="individual.move",
        object_type="individual",
        object_id=str(person.id),
        details={"from": old.ref, "to": target.ref},
    )
    return person


def change_focal_point(
    session: Session, *, actor: Principal, household_id: uuid.UUID, individual_id: uuid.UUID, reason: str
) -> Household:
    """Make another active member the focal point; the former focal point becomes `other_relative`
    unless a relationship is recorded later."""
    household = load_household(
        session, actor=actor, household_id=household_id, permission=Permission.EVENT_RECORD
    )
    person = session.get(Individual, individual_id)
    if (
        person is None
        or person.household_id != household.id
        or person.status != IndividualStatus.ACTIVE.value
    ):
        raise ValidationFailed.single("individual_id", "choose an active member of this household")
    if len(reason.strip()) < 3:
        raise ValidationFailed.single("reason", "give a reason", "required")
    old = session.get(Individual, household.focal_point_id) if household.focal_point_id else None
    if old is not None and old.id == person.id:
        raise ValidationFailed.single("individual_id", "this person is already the focal point")
    before = old.ref if old else None
    if old is not None:
        old.relationship_to_focal_point = Relationship.OTHER_RELATIVE.value
        old.version += 1
    person.relationship_to_focal_point = Relationship.FOCAL_POINT.value
    person.version += 1
    household.focal_point_id = person.id
    household.status = "active"
    household.version += 1
    _add_event(
        session,
        operation_id=household.operation_id,
        household_id=household.id,
        individual_id=person.id,
        event_type=EventType.HOUSEHOLD_CHANGE,
        actor=actor,
        summary=f"Focal point of {household.ref} changed from {before} to {person.ref}",
        details={"focal_point": [before, person.ref], "reason": reason.strip()},
    )
    session.flush()
    reapply_rules(session, actor=actor, household=household)
    audit.record(
        session,
        actor=actor,
        action="household.focal_point",
        object_type="household",
        object_id=str(household.id),
    )
    return household


# fields printed on (or signed into) a certificate: correcting one revokes the valid certificates
_ON_CERTIFICATE = {
    "given_name",
    "middle_name",
    "family_name",
    "given_name_original",
    "middle_name_original",
    "family_name_original",
    "sex",
    "date_of_birth",
    "country_of_origin",
}

_UPDATABLE = (
    "given_name",
    "middle_name",
    "family_name",
    "given_name_original",
    "middle_name_original",
    "family_name_original",
    "original_script",
    "other_names",
    "sex",
    "nationality",
    "country_of_origin",
    "languages",
    "phone",
    "marital_status",
)


def update_individual(
    session: Session,
    *,
    actor: Principal,
    individual_id: uuid.UUID,
    data: IndividualUpdate,
    expected_version: int | None = None,
) -> Individual:
    """Correct a person's details; the history keeps every old value and the reason."""
    person = load_individual(session, actor=actor, individual_id=individual_id)
    if expected_version is not None and expected_version != person.version:
        raise Conflict(
            f"{person.ref} was changed by someone else (version {person.version}, you edited "
            f"{expected_version}): reload and try again"
        )
    c = Checker(clock.today())
    new_dob = None
    if data.date_of_birth:
        try:
            from refugio.registration.validation import parse_partial_date

            new_dob = parse_partial_date(data.date_of_birth)
            c.date_not_future("date_of_birth", new_dob[0], "date of birth")
            c.date_plausible("date_of_birth", new_dob[0])
        except ValueError as exc:
            c.add("date_of_birth", str(exc), "bad_date")
    c.country("nationality", data.nationality)
    c.country("country_of_origin", data.country_of_origin)
    c.phone("phone", data.phone)
    for i, lang in enumerate(data.languages or []):
        if not is_language(lang.lower()):
            c.add(f"languages.{i}", f"unknown language code {lang!r} (ISO 639-3, e.g. ara)", "unknown_code")
    given = person.given_name if data.given_name is None else data.given_name
    family = person.family_name if data.family_name is None else data.family_name
    if not given and not family:
        c.add("family_name", "a person keeps at least a given or a family name (Latin script)", "required")
    for name_field in ("given_name", "middle_name", "family_name"):
        value = getattr(data, name_field)
        if value and detect_script(value) not in (None, "Latn"):
            c.add(
                name_field,
                f"this field takes the Latin transliteration; use {name_field}_original",
                "wrong_script",
            )
    if c.errors:
        raise ValidationFailed(c.errors)
    changes: dict[str, list[Any]] = {}
    for field in _UPDATABLE:
        value = getattr(data, field)
        if value is None:
            continue
        value = value.value if hasattr(value, "value") else value
        value = normalise_phone(value) if field == "phone" else value
        if field == "languages":
            value = [lang.lower() for lang in data.languages or []]
        if value != getattr(person, field):
            changes[field] = [_jsonable(getattr(person, field)), _jsonable(value)]
            setattr(person, field, value)
    if new_dob is not None and (new_dob[0], new_dob[1]) != (person.date_of_birth, person.dob_precision):
        changes["date_of_birth"] = [
            f"{person.date_of_birth} ({person.dob_precision})",
            f"{new_dob[0]} ({new_dob[1]})",
        ]
        person.date_of_birth, person.dob_precision = new_dob
    if not changes:
        raise ValidationFailed.single("reason", "nothing changed: the values equal the current ones")
    person.given_norm = names.normalise(person.given_name)
    person.family_norm = names.normalise(person.family_name)
    person.version += 1
    refresh_name_index(session, individual_ids=[person.id])
    _add_event(
        session,
        operation_id=person.operation_id,
        household_id=person.household_id,
        individual_id=person.id,
        event_type=EventType.DETAILS_UPDATED,
        actor=actor,
        summary=f"Details of {person.ref} corrected ({', '.join(changes)})",
        details={**changes, "reason": data.reason},
    )
    session.flush()
    if changes.keys() & _ON_CERTIFICATE:
        _revoke_certificates(session, actor=actor, person=person, reason="details shown on it were corrected")
    if "date_of_birth" in changes:
        household = session.get(Household, person.household_id)
        assert household is not None
        reapply_rules(session, actor=actor, household=household)
    audit.record(
        session,
        actor=actor,
        action="individual.update",
        object_type="individual",
        object_id=str(person.id),
        details={"fields": sorted(changes)},
    )
    return person


# ---------------------------------------------------------------------------------------------
# specific needs and documents


def flag_need(
    session: Session,
    *,
    actor: Principal,
    individual_id: uuid.UUID,
    data: NeedFlag,
    skip_if_active: bool = False,
) -> SpecificNeed | None:
    """Set a specific-needs flag by hand, with the reason."""
    person = load_individual(
        session, actor=actor, individual_id=individual_id, permission=Permission.NEEDS_FLAG
    )
    need = CODES.get(data.code)
    if need is None:
        raise ValidationFailed.single(
            "code", f"unknown specific-needs code {data.code!r} (e.g. SC-UC, ER-NF)", "unknown_code"
        )
    if need.sensitive:
        actor.require(
            Permission.NEEDS_SENSITIVE_FLAG, operation_id=person.operation_id, site_id=person.site_id
        )
    existing = session.scalar(
        select(SpecificNeed).where(
            SpecificNeed.individual_id == person.id,
            SpecificNeed.code == need.code,
            SpecificNeed.active.is_(True),
        )
    )
    if existing is not None:
        if skip_if_active:
            return None
        raise Conflict(
            f"{need.code} is already flagged for {person.ref}",
            [FieldError("code", "already flagged", "already_flagged")],
        )
    row = SpecificNeed(**_need_row(person.id, need.code, NeedSource.MANUAL, data.reason, actor))
    session.add(row)
    _add_event(
        session,
        operation_id=person.operation_id,
        household_id=person.household_id,
        individual_id=person.id,
        event_type=EventType.NEED_FLAGGED,
        actor=actor,
        summary=f"{need.code} flagged by hand" + ("" if need.sensitive else f": {data.reason}"),
        details={"code": need.code, "source": "manual"},
    )
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="need.flag",
        object_type="individual",
        object_id=str(person.id),
        details={"code": need.code},
    )
    return row


def remove_need(session: Session, *, actor: Principal, need_id: uuid.UUID, reason: str) -> SpecificNeed:
    """Retire a flag (kept in the history with the reason)."""
    need = session.get(SpecificNeed, need_id)
    if need is None:
        raise NotFound("no such specific need")
    person = load_individual(
        session, actor=actor, individual_id=need.individual_id, permission=Permission.NEEDS_FLAG
    )
    code = CODES.get(need.code)
    if code is not None and code.sensitive:
        actor.require(
            Permission.NEEDS_SENSITIVE_FLAG, operation_id=person.operation_id, site_id=person.site_id
        )
    if not need.active:
        raise Conflict(f"{need.code} was already removed")
    if len(reason.strip()) < 3:
        raise ValidationFailed.single("reason", "give a reason", "required")
    need.active = False
    need.removed_at = clock.now()
    need.removed_by = actor.label
    need.removal_reason = reason.strip()
    _add_event(
        session,
        operation_id=person.operation_id,
        household_id=person.household_id,
        individual_id=person.id,
        event_type=EventType.NEED_REMOVED,
        actor=actor,
        summary=f"{need.code} removed by hand",
        details={"code": need.code, "reason": reason.strip()},
    )
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="need.remove",
        object_type="individual",
        object_id=str(person.id),
        details={"code": need.code},
    )
    return need


def add_document(
    session: Session, *, actor: Principal, individual_id: uuid.UUID, data: DocumentCreate
) -> IdentityDocument:
    """Record an identity document; a number held by someone else is refused."""
    person = load_individual(
        session, actor=actor, individual_id=individual_id, permission=Permission.DOCUMENT_CREATE
    )
    c = Checker(clock.today())
    c.document("document", data)
    key = (data.doc_type.value, data.issuing_country, normalise_document_number(data.number))
    for _key, ref in _existing_documents(session, {key}).items():
        c.add(
            "number",
            f"document already held by {'this person' if ref == person.ref else ref}",
            "document_taken",
        )
    if c.errors:
        raise ValidationFailed(
            [FieldError(e.field.removeprefix("document."), e.message, e.code) for e in c.errors]
        )
    doc = _insert_document(session, person.id, data)
    _add_event(
        session,
        operation_id=person.operation_id,
        household_id=person.household_id,
        individual_id=person.id,
        event_type=EventType.DOCUMENT_ADDED,
        actor=actor,
        summary=f"{data.doc_type.value.replace('_', ' ')} ({data.issuing_country}) recorded",
        details={
            "doc_type": data.doc_type.value,
            "issuing_country": data.issuing_country,
            "number_sha256": hashlib.sha256(key[2].encode()).hexdigest()[:16],
        },
    )
    audit.record(
        session, actor=actor, action="document.add", object_type="individual", object_id=str(person.id)
    )
    return doc


__all__ = [
    "Registered",
    "active_ruleset",
    "add_document",
    "change_address",
    "change_focal_point",
    "change_status",
    "create_operation",
    "create_site",
    "flag_need",
    "load_household",
    "load_individual",
    "move_individual",
    "reapply_rules",
    "record_birth",
    "record_death",
    "record_marriage",
    "refresh_name_index",
    "register_household",
    "register_households",
    "remove_need",
    "update_individual",
]
