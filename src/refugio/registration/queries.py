"""Registration reads. Every read of a person's or household's record is audited; every list is
limited to the sites the principal may see.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, false, func, or_, select
from sqlalchemy.orm import Session

from refugio.core.errors import NotFound
from refugio.registration import views
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
from refugio.registration.needs import CATEGORIES, CODES
from refugio.registration.policy import can_see_need
from refugio.registration.schemas import (
    EventRead,
    HouseholdItem,
    HouseholdPage,
    HouseholdRead,
    HouseholdRecordRead,
    IndividualRead,
    IndividualSummary,
    NeedCodeRead,
    NeedRead,
    OperationRead,
    PersonRecordRead,
    SiteRead,
)
from refugio.security import audit
from refugio.security.permissions import Permission
from refugio.security.principals import Principal


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
    if person is None:
        raise NotFound("no such individual")
    if not actor.can(Permission.INDIVIDUAL_VIEW, operation_id=person.operation_id, site_id=person.site_id):
        audit.record_refusal(
            session,
            actor=actor,
            action="individual.read_refused",
            object_type="individual",
            object_id=str(person.id),
        )
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


# ---------------------------------------------------------------------------------------------
# read models, for the channels (which never see an ORM row)


def individual_read(
    session: Session, *, actor: Principal, key: uuid.UUID | str, audit_read: bool = True
) -> IndividualRead:
    """A person's record with the documents and needs the actor may see; the read is audited."""
    return views.person(get_individual(session, actor=actor, key=key, audit_read=audit_read))


def person_read(record: PersonRecord) -> IndividualRead:
    """The read model of a record `get_individual` returned (what the actor may see of the person)."""
    return views.person(record)


def person_record(
    session: Session, *, actor: Principal, key: uuid.UUID | str, audit_read: bool = True
) -> PersonRecordRead:
    """The person's page as a read model (what the actor may see); the read is audited."""
    return views.person_record(get_individual(session, actor=actor, key=key, audit_read=audit_read))


def household_record(
    session: Session, *, actor: Principal, key: uuid.UUID | str, audit_read: bool = True
) -> HouseholdRecordRead:
    """The household's page as a read model (what the actor may see); the read is audited."""
    return views.household_record(get_household(session, actor=actor, key=key, audit_read=audit_read))


def individual_events(session: Session, *, actor: Principal, key: uuid.UUID | str) -> list[EventRead]:
    """The person's history, newest first (the read is audited)."""
    return [views.event(e) for e in get_individual(session, actor=actor, key=key).events]


def household_read(session: Session, *, actor: Principal, key: uuid.UUID | str) -> HouseholdRead:
    """A household with its members and the members' visible needs; the read is audited."""
    return views.household(get_household(session, actor=actor, key=key))


def household_events(session: Session, *, actor: Principal, key: uuid.UUID | str) -> list[EventRead]:
    """The household's history, newest first (the read is audited)."""
    return [views.event(e) for e in get_household(session, actor=actor, key=key).events]


def need_read(row: SpecificNeed) -> NeedRead:
    """The read model of a specific-needs flag a service has just written or retired."""
    return views.need(row)


def household_page(
    session: Session, *, actor: Principal, site_id: uuid.UUID | None = None, offset: int = 0, limit: int = 50
) -> HouseholdPage:
    """One page of `list_households`, with the total (the dashboard's latest; `households` filters)."""
    rows, total = list_households(session, actor=actor, site_id=site_id, offset=offset, limit=limit)
    items = [HouseholdItem.model_validate(h) for h in rows]
    return HouseholdPage(items=items, total=total, offset=offset, limit=limit)


def operations(session: Session, *, actor: Principal) -> list[OperationRead]:
    """The operations the actor may see, by code."""
    return [OperationRead.model_validate(o) for o in visible_operations(session, actor=actor)]


def sites(session: Session, *, actor: Principal) -> list[SiteRead]:
    """The sites where the actor may see households, by code."""
    return [SiteRead.model_validate(s) for s in visible_sites(session, actor=actor)]


def need_codes() -> list[NeedCodeRead]:
    """The specific-needs catalogue."""
    return [
        NeedCodeRead(
            code=c.code,
            category=c.category,
            category_label=CATEGORIES.get(c.category, c.category),
            label=c.label,
            sensitive=c.sensitive,
        )
        for c in CODES.values()
    ]


# ---------------------------------------------------------------------------------------------
# look-ups of the command line and the demo builder (no actor: run as the installation)


def load_operation(session: Session, *, code: str) -> Operation | None:
    """The operation whose code is `code` (any case), as the row `service.create_site` takes."""
    return session.scalar(select(Operation).where(Operation.code == code.strip().upper()))


def operation_by_code(session: Session, *, code: str) -> OperationRead | None:
    op = load_operation(session, code=code)
    return None if op is None else OperationRead.model_validate(op)


def site_by_code(session: Session, *, operation_id: uuid.UUID, code: str) -> SiteRead | None:
    site = session.scalar(
        select(Site).where(Site.operation_id == operation_id, Site.code == code.strip().upper())
    )
    return None if site is None else SiteRead.model_validate(site)


def active_needs(session: Session, *, codes: list[str], limit: int) -> list[NeedRead]:
    """Active specific needs with one of `codes`, the oldest flagged first."""
    stmt = (
        select(SpecificNeed)
        .where(SpecificNeed.code.in_(codes), SpecificNeed.active.is_(True))
        .order_by(SpecificNeed.flagged_at, SpecificNeed.id)
    )
    return [views.need(n) for n in session.scalars(stmt.limit(limit))]


def people_with_need(session: Session, *, code: str, limit: int) -> list[IndividualSummary]:
    """People with an active need `code`, by reference."""
    stmt = (
        select(Individual)
        .join(SpecificNeed, SpecificNeed.individual_id == Individual.id)
        .where(SpecificNeed.code == code, SpecificNeed.active.is_(True))
        .order_by(Individual.ref)
    )
    return [views.summary(p) for p in session.scalars(stmt.limit(limit))]


def people_like(
    session: Session,
    *,
    sex: str,
    born_after: dt.date,
    born_before: dt.date,
    country_of_origin: str | None,
    not_at_site: uuid.UUID,
    offset: int = 0,
    limit: int = 1,
) -> list[IndividualSummary]:
    """People with a family name, of that sex and origin, born strictly between the two dates,
    registered at another site than `not_at_site`, by reference."""
    stmt = select(Individual).where(
        Individual.site_id != not_at_site,
        Individual.sex == sex,
        Individual.date_of_birth < born_before,
        Individual.date_of_birth > born_after,
        Individual.country_of_origin == country_of_origin,
        Individual.family_name != "",
    )
    rows = session.scalars(stmt.order_by(Individual.ref).offset(offset).limit(limit))
    return [views.summary(p) for p in rows]


# ---------------------------------------------------------------------------------------------
# sites by code (for the command line, which names sites and operations by their codes)


@dataclass(frozen=True)
class SiteRef:
    """A site as the command line names it: its code, name and operation."""

    id: uuid.UUID
    code: str
    name: str
    operation_id: uuid.UUID
    operation_code: str


def find_sites(
    session: Session, *, code: str | None = None, operation_id: uuid.UUID | None = None
) -> list[SiteRef]:
    """Sites by code (case-insensitive) and/or operation, ordered by code; not scoped (administration)."""
    stmt = select(Site, Operation.code).join(Operation, Operation.id == Site.operation_id).order_by(Site.code)
    if code is not None:
        stmt = stmt.where(Site.code == code.strip().upper())
    if operation_id is not None:
        stmt = stmt.where(Site.operation_id == operation_id)
    return [SiteRef(s.id, s.code, s.name, s.operation_id, op_code) for s, op_code in session.execute(stmt)]


# reads for other domains in their own modules, re-exported (other domains read through queries)
from refugio.registration.briefs import HouseholdBrief as HouseholdBrief  # noqa: E402
from refugio.registration.briefs import MemberBrief as MemberBrief  # noqa: E402
from refugio.registration.briefs import NeedHolder as NeedHolder  # noqa: E402
from refugio.registration.briefs import PersonBrief as PersonBrief  # noqa: E402
from refugio.registration.briefs import active_members as active_members  # noqa: E402
from refugio.registration.briefs import household_member_ids as household_member_ids  # noqa: E402
from refugio.registration.briefs import household_ref as household_ref  # noqa: E402
from refugio.registration.briefs import household_scope as household_scope  # noqa: E402
from refugio.registration.briefs import households_brief as households_brief  # noqa: E402
from refugio.registration.briefs import needs_by_household as needs_by_household  # noqa: E402
from refugio.registration.briefs import operation_code as operation_code  # noqa: E402
from refugio.registration.briefs import people_brief as people_brief  # noqa: E402
from refugio.registration.browse import households as households  # noqa: E402
from refugio.registration.browse import people as people  # noqa: E402
from refugio.registration.consent_queries import consent_of as consent_of  # noqa: E402
from refugio.registration.consent_queries import consenting as consenting  # noqa: E402
from refugio.registration.consent_queries import has_consent as has_consent  # noqa: E402
from refugio.registration.consent_queries import households_consenting as households_consenting  # noqa: E402
from refugio.registration.consent_queries import households_withdrawn as households_withdrawn  # noqa: E402
from refugio.registration.partner_reads import SHAREABLE_FIELDS as SHAREABLE_FIELDS  # noqa: E402
from refugio.registration.partner_reads import RegistryAnswer as RegistryAnswer  # noqa: E402
from refugio.registration.partner_reads import find_registered as find_registered  # noqa: E402
from refugio.registration.partner_reads import shareable_rows as shareable_rows  # noqa: E402
from refugio.registration.queries_search import MAX_RESULTS as MAX_RESULTS  # noqa: E402
from refugio.registration.queries_search import SearchHit as SearchHit  # noqa: E402
from refugio.registration.queries_search import SearchResult as SearchResult  # noqa: E402
from refugio.registration.queries_search import search as search  # noqa: E402
from refugio.registration.queries_search import search_counted as search_counted  # noqa: E402
from refugio.registration.queries_search import search_people as search_people  # noqa: E402
from refugio.registration.queries_search import search_people_page as search_people_page  # noqa: E402
from refugio.registration.roster import AssistanceHousehold as AssistanceHousehold  # noqa: E402
from refugio.registration.roster import AssistanceMember as AssistanceMember  # noqa: E402
from refugio.registration.roster import HouseholdPlace as HouseholdPlace  # noqa: E402
from refugio.registration.roster import RosterHousehold as RosterHousehold  # noqa: E402
from refugio.registration.roster import RosterMember as RosterMember  # noqa: E402
from refugio.registration.roster import RosterSelects as RosterSelects  # noqa: E402
from refugio.registration.roster import assistance_roster as assistance_roster  # noqa: E402
from refugio.registration.roster import assistance_roster_selects as assistance_roster_selects  # noqa: E402
from refugio.registration.roster import household_id_for_key as household_id_for_key  # noqa: E402
from refugio.registration.roster import household_places as household_places  # noqa: E402
from refugio.registration.roster import households_for_assistance as households_for_assistance  # noqa: E402
