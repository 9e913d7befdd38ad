"""Registration reads. Every read of a person's or household's record is audited; every list is
limited to the sites the principal may see.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select
from sqlalchemy.orm import Session

from refugio.core import clock, ids
from refugio.core.errors import NotFound, PermissionDenied, ValidationFailed
from refugio.registration import name_index, names
from refugio.registration.models import (
    Certificate,
    Household,
    IdentityDocument,
    Individual,
    Operation,
    RegistrationEvent,
    Site,
    SpecificNeed,
)
from refugio.registration.needs import CODES
from refugio.registration.policy import can_see_need
from refugio.registration.validation import normalise_document_number, normalise_phone
from refugio.security import audit
from refugio.security.permissions import Permission
from refugio.security.principals import Principal

MAX_RESULTS = 50
_PHONEISH = re.compile(r"^\+?[0-9 ()-]{6,}$")


def scope_clause(
    actor: Principal, permission: Permission, operation_col: object, site_col: object
) -> ColumnElement[bool]:
    """SQL condition limiting rows to the operations/sites where `actor` holds `permission`."""
    scope = actor.scope(permission)
    if scope.everything:
        return and_(True)
    parts: list[ColumnElement[bool]] = []
    if scope.operation_ids:
        parts.append(operation_col.in_(scope.operation_ids))  # type: ignore[attr-defined]
    if scope.site_ids:
        parts.append(site_col.in_(scope.site_ids))  # type: ignore[attr-defined]
    return or_(*parts) if parts else false()


def visible_sites(
    session: Session, *, actor: Principal, permission: Permission = Permission.HOUSEHOLD_VIEW
) -> list[Site]:
    return list(
        session.scalars(
            select(Site)
            .where(scope_clause(actor, permission, Site.operation_id, Site.id))
            .order_by(Site.code)
        )
    )


def visible_operations(session: Session, *, actor: Principal) -> list[Operation]:
    scope = actor.scope(Permission.OPERATION_VIEW)
    stmt = select(Operation).order_by(Operation.code)
    if not scope.everything:
        site_ops = select(Site.operation_id).where(Site.id.in_(scope.site_ids))
        stmt = stmt.where(or_(Operation.id.in_(scope.operation_ids), Operation.id.in_(site_ops)))
    return list(session.scalars(stmt))


# ---------------------------------------------------------------------------------------------
# records


@dataclass
class NeedView:
    need: SpecificNeed
    label: str
    sensitive: bool


@dataclass
class PersonRecord:
    person: Individual
    household: Household
    site: Site
    documents: list[IdentityDocument]
    needs: list[NeedView]
    hidden_needs: int
    events: list[RegistrationEvent]
    certificates: list[Certificate]


def _need_views(
    actor: Principal, person: Individual, needs: list[SpecificNeed]
) -> tuple[list[NeedView], int]:
    shown, hidden = [], 0
    for n in needs:
        code = CODES.get(n.code)
        if can_see_need(actor, n.code, operation_id=person.operation_id, site_id=person.site_id):
            shown.append(NeedView(n, code.label if code else n.code, bool(code and code.sensitive)))
        else:
            hidden += 1
    return shown, hidden


def _find_individual(session: Session, key: uuid.UUID | str) -> Individual | None:
    if isinstance(key, uuid.UUID):
        return session.get(Individual, key)
    try:
        return session.get(Individual, uuid.UUID(str(key)))
    except ValueError:
        return session.scalar(select(Individual).where(Individual.ref == str(key).strip().upper()))


def get_individual(
    session: Session, *, actor: Principal, key: uuid.UUID | str, audit_read: bool = True
) -> PersonRecord:
    """A person's full record (documents, visible needs, history, certificates); the read is audited."""
    person = _find_individual(session, key)
    if person is None or not actor.can(
        Permission.INDIVIDUAL_VIEW, operation_id=person.operation_id, site_id=person.site_id
    ):
        raise NotFound("no such individual")
    household = session.get(Household, person.household_id)
    site = session.get(Site, person.site_id)
    assert household is not None and site is not None
    docs: list[IdentityDocument] = []
    if actor.can(Permission.DOCUMENT_VIEW, operation_id=person.operation_id, site_id=person.site_id):
        docs = list(
            session.scalars(
                select(IdentityDocument)
                .where(IdentityDocument.individual_id == person.id)
                .order_by(IdentityDocument.created_at)
            )
        )
    all_needs = list(
        session.scalars(
            select(SpecificNeed)
            .where(SpecificNeed.individual_id == person.id)
            .order_by(SpecificNeed.active.desc(), SpecificNeed.flagged_at)
        )
    )
    needs, hidden = _need_views(actor, person, all_needs)
    if not actor.can(Permission.NEEDS_VIEW, operation_id=person.operation_id, site_id=person.site_id):
        needs, hidden = [], 0
    events = history(session, actor=actor, person=person)
    certs = list(
        session.scalars(
            select(Certificate)
            .where(Certificate.individual_id == person.id)
            .order_by(Certificate.issued_at.desc())
        )
    )
    if audit_read:
        audit.record(
            session, actor=actor, action="individual.read", object_type="individual", object_id=str(person.id)
        )
    return PersonRecord(person, household, site, docs, needs, hidden, events, certs)


def history(session: Session, *, actor: Principal, person: Individual) -> list[RegistrationEvent]:
    """The person's own events and the events of households they belong or belonged to, newest first."""
    household_ids = select(RegistrationEvent.household_id).where(RegistrationEvent.individual_id == person.id)
    events = list(
        session.scalars(
            select(RegistrationEvent)
            .where(
                or_(
                    RegistrationEvent.individual_id == person.id,
                    and_(
                        RegistrationEvent.individual_id.is_(None),
                        or_(
                            RegistrationEvent.household_id == person.household_id,
                            RegistrationEvent.household_id.in_(household_ids),
                        ),
                    ),
                )
            )
            .order_by(RegistrationEvent.recorded_at.desc())
        )
    )
    hidden_codes = {
        c
        for c in CODES
        if not can_see_need(actor, c, operation_id=person.operation_id, site_id=person.site_id)
    }
    return [e for e in events if e.details.get("code") not in hidden_codes]


@dataclass
class HouseholdRecord:
    household: Household
    site: Site
    members: list[Individual]
    events: list[RegistrationEvent]
    needs_by_member: dict[uuid.UUID, list[NeedView]] = field(default_factory=dict)


def get_household(
    session: Session, *, actor: Principal, key: uuid.UUID | str, audit_read: bool = True
) -> HouseholdRecord:
    """A household with its members (all, including deceased and departed) and its history."""
    household: Household | None
    try:
        household = session.get(Household, key if isinstance(key, uuid.UUID) else uuid.UUID(str(key)))
    except ValueError:
        household = session.scalar(select(Household).where(Household.ref == str(key).strip().upper()))
    if household is None or not actor.can(
        Permission.HOUSEHOLD_VIEW, operation_id=household.operation_id, site_id=household.site_id
    ):
        raise NotFound("no such household")
    site = session.get(Site, household.site_id)
    assert site is not None
    members = list(
        session.scalars(
            select(Individual).where(Individual.household_id == household.id).order_by(Individual.ref)
        )
    )
    events = list(
        session.scalars(
            select(RegistrationEvent)
            .where(RegistrationEvent.household_id == household.id)
            .order_by(RegistrationEvent.recorded_at.desc())
        )
    )
    needs_by_member: dict[uuid.UUID, list[NeedView]] = {}
    if actor.can(Permission.NEEDS_VIEW, operation_id=household.operation_id, site_id=household.site_id):
        rows = session.scalars(
            select(SpecificNeed).where(
                SpecificNeed.individual_id.in_([m.id for m in members] or [uuid.uuid4()]),
                SpecificNeed.active.is_(True),
            )
        )
        by_id = {m.id: m for m in members}
        for n in rows:
            shown, _hidden = _need_views(actor, by_id[n.individual_id], [n])
            needs_by_member.setdefault(n.individual_id, []).extend(shown)
    hidden_codes = {
        c
        for c in CODES
        if not can_see_need(actor, c, operation_id=household.operation_id, site_id=household.site_id)
    }
    events = [e for e in events if e.details.get("code") not in hidden_codes]
    if audit_read:
        audit.record(
            session,
            actor=actor,
            action="household.read",
            object_type="household",
            object_id=str(household.id),
        )
    return HouseholdRecord(household, site, members, events, needs_by_member)


# ---------------------------------------------------------------------------------------------
# search


@dataclass(frozen=True)
class SearchHit:
    person: Individual
    household_ref: str
    matched_by: str  # name | id | document | phone


def search(
    session: Session, *, actor: Principal, query: str, limit: int = MAX_RESULTS, include_inactive: bool = True
) -> list[SearchHit]:
    """Find people by name (either script, any order, word prefixes), ID, document number or phone.

    A name search looks the words up in the name index (refugio.registration.name_index): people having
    every word as a whole name token come first, then, to fill the page, people having a name token
    that starts with each word. Each lookup reads at most `name_index.CANDIDATES` people of the
    searcher's scope and shows the first by name among them, so that the time a search takes does not
    grow with the number of people who share a common name: such a search shows some of them only,
    and more words (or an ID, a document, a phone) narrow it."""
    if not actor.can_anywhere(Permission.SEARCH_RUN):
        raise PermissionDenied(f"{actor.label} lacks {Permission.SEARCH_RUN.value}")
    q = (query or "").strip()
    if len(q) < 2:
        raise ValidationFailed.single("q", "type at least two characters", "too_short")
    if len(q) > 200:
        raise ValidationFailed.single("q", "at most 200 characters", "too_long")
    limit = max(1, min(limit, MAX_RESULTS))
    scope = scope_clause(actor, Permission.INDIVIDUAL_VIEW, Individual.operation_id, Individual.site_id)
    base = (
        select(Individual, Household.ref)
        .join(Household, Household.id == Individual.household_id)
        .where(scope)
    )
    if not include_inactive:
        base = base.where(Individual.status == "active")
    hits: dict[uuid.UUID, SearchHit] = {}

    def take(stmt: Select[Individual, str], how: str) -> None:
        for person, hh_ref in session.execute(stmt.limit(limit)).all():
            hits.setdefault(person.id, SearchHit(person, hh_ref, how))

    upper = q.upper()
    if ids.INDIVIDUAL_REF.match(upper):
        take(base.where(Individual.ref == upper), "id")
    elif ids.HOUSEHOLD_REF.match(upper):
        take(base.where(Household.ref == upper).order_by(Individual.ref), "id")
    number = normalise_document_number(q)
    if len(number) >= 4 and any(ch.isdigit() for ch in number):
        take(
            base.join(IdentityDocument, IdentityDocument.individual_id == Individual.id).where(
                IdentityDocument.number_norm == number
            ),
            "document",
        )
    if _PHONEISH.match(q):
        digits = (normalise_phone(q) or "").lstrip("+")
        take(base.where(Individual.phone.in_([digits, "+" + digits])), "phone")
    words = names.query_words(q)
    if words and not hits:
        view = actor.scope(Permission.INDIVIDUAL_VIEW)
        dialect = session.get_bind().dialect.name
        for prefix in (False, True):
            found = session.scalars(
                name_index.candidates(
                    dialect,
                    words,
                    prefix=prefix,
                    operation_ids=None if view.everything else view.operation_ids,
                    site_ids=view.site_ids,
                    active_only=not include_inactive,
                    exclude=list(hits),
                    limit=limit - len(hits),
                )
            ).all()
            if found:  # the page's ids from the index, then their rows: a plan right at any registry size
                stmt = base.where(Individual.id.in_(found))
                take(stmt.order_by(Individual.family_norm, Individual.given_norm, Individual.ref), "name")
            if len(hits) >= limit:
                break
    result = list(hits.values())[:limit]
    audit.record(
        session,
        actor=actor,
        action="individual.search",
        object_type="individual",
        object_id=None,
        details={
            "results": [str(h.person.id) for h in result],
            "kinds": sorted({h.matched_by for h in result}),
        },
    )
    return result


# ---------------------------------------------------------------------------------------------
# lists and figures


def list_households(
    session: Session, *, actor: Principal, site_id: uuid.UUID | None = None, offset: int = 0, limit: int = 50
) -> tuple[list[Household], int]:
    stmt = select(Household).where(
        scope_clause(actor, Permission.HOUSEHOLD_VIEW, Household.operation_id, Household.site_id)
    )
    if site_id is not None:
        stmt = stmt.where(Household.site_id == site_id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = list(
        session.scalars(
            stmt.order_by(Household.registration_date.desc(), Household.ref.desc())
            .offset(max(offset, 0))
            .limit(max(1, min(limit, 200)))
        )
    )
    return rows, total


@dataclass(frozen=True)
class Dashboard:
    households: int
    individuals: int
    registered_today: int
    registered_last_7_days: int
    by_site: list[tuple[str, str, int]]
    by_origin: list[tuple[str, int]]
    by_sex_age: dict[str, dict[str, int]]
    needs: list[tuple[str, int]]


AGE_BRACKETS = ((0, 4, "0-4"), (5, 11, "5-11"), (12, 17, "12-17"), (18, 59, "18-59"), (60, 200, "60+"))


def dashboard(session: Session, *, actor: Principal, small_count: int = 5) -> Dashboard:
    """Key figures for the sites the principal sees. Need counts below `small_count` are not shown."""
    ind_scope = scope_clause(actor, Permission.INDIVIDUAL_VIEW, Individual.operation_id, Individual.site_id)
    hh_scope = scope_clause(actor, Permission.HOUSEHOLD_VIEW, Household.operation_id, Household.site_id)
    active = and_(ind_scope, Individual.status == "active")
    today = clock.today()
    households = session.scalar(select(func.count()).select_from(Household).where(hh_scope)) or 0
    individuals = session.scalar(select(func.count()).select_from(Individual).where(active)) or 0
    reg_today = (
        session.scalar(
            select(func.count()).select_from(Household).where(hh_scope, Household.registration_date == today)
        )
        or 0
    )
    reg_week = (
        session.scalar(
            select(func.count())
            .select_from(Household)
            .where(hh_scope, Household.registration_date > today - dt.timedelta(days=7))
        )
        or 0
    )
    by_site = [
        (code, name, n)
        for code, name, n in session.execute(
            select(Site.code, Site.name, func.count(Individual.id))
            .join(Individual, Individual.site_id == Site.id)
            .where(active)
            .group_by(Site.code, Site.name)
            .order_by(Site.code)
        ).all()
    ]
    by_origin = [
        (c or "UNK", n)
        for c, n in session.execute(
            select(Individual.country_of_origin, func.count())
            .where(active)
            .group_by(Individual.country_of_origin)
            .order_by(func.count().desc())
            .limit(10)
        ).all()
    ]
    by_sex_age: dict[str, dict[str, int]] = {b[2]: {"F": 0, "M": 0, "X": 0} for b in AGE_BRACKETS}
    for year, sex, n in session.execute(
        select(func.extract("year", Individual.date_of_birth), Individual.sex, func.count())
        .where(active)
        .group_by(func.extract("year", Individual.date_of_birth), Individual.sex)
    ).all():
        age = today.year - int(year)
        for lo, hi, label in AGE_BRACKETS:
            if lo <= age <= hi:
                by_sex_age[label][sex] = by_sex_age[label].get(sex, 0) + int(n)
    needs = []
    for category, n in session.execute(
        select(SpecificNeed.category, func.count(func.distinct(SpecificNeed.individual_id)))
        .join(Individual, Individual.id == SpecificNeed.individual_id)
        .where(active, SpecificNeed.active.is_(True))
        .group_by(SpecificNeed.category)
        .order_by(SpecificNeed.category)
    ).all():
        if category in {"SV", "TR"} and not actor.can_anywhere(Permission.NEEDS_SENSITIVE_VIEW):
            continue
        needs.append((category, int(n) if n >= small_count else 0))
    return Dashboard(households, individuals, reg_today, reg_week, by_site, by_origin, by_sex_age, needs)


# --- brief reads for other domains (refugio.solutions) -----------------------------------------------


@dataclass(frozen=True)
class PersonBrief:
    """What another domain needs of a registered person to put them on a file (not audited here: the
    caller audits its own read)."""

    id: uuid.UUID
    ref: str
    household_id: uuid.UUID
    operation_id: uuid.UUID
    site_id: uuid.UUID
    name: str
    sex: str
    date_of_birth: dt.date
    languages: list[str]
    status: str


def people_brief(session: Session, individual_ids: list[uuid.UUID]) -> dict[uuid.UUID, PersonBrief]:
    """The people of `ids` that exist, by id."""
    wanted = list(dict.fromkeys(individual_ids))
    if not wanted:
        return {}
    rows = session.scalars(select(Individual).where(Individual.id.in_(wanted)))
    return {
        p.id: PersonBrief(
            p.id,
            p.ref,
            p.household_id,
            p.operation_id,
            p.site_id,
            " ".join(x for x in (p.given_name, p.middle_name, p.family_name) if x),
            p.sex,
            p.date_of_birth,
            list(p.languages or []),
            p.status,
        )
        for p in rows
    }


def household_scope(session: Session, household_id: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID] | None:
    """(operation id, site id) of a household, or None when there is none."""
    row = session.execute(
        select(Household.operation_id, Household.site_id).where(Household.id == household_id)
    ).first()
    return (row[0], row[1]) if row else None


def operation_code(session: Session, operation_id: uuid.UUID) -> str:
    code = session.scalar(select(Operation.code).where(Operation.id == operation_id))
    if code is None:
        raise NotFound("no such operation")
    return str(code)


def household_member_ids(session: Session, household_id: uuid.UUID) -> list[uuid.UUID]:
    """The active members of a household (ids), for another domain's file."""
    return list(
        session.scalars(
            select(Individual.id).where(
                Individual.household_id == household_id, Individual.status == "active"
            )
        )
    )
