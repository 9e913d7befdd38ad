"""Civil events of registered people: births (a child joins the household), deaths and marriages
(continuous registration, CRRF 5(f)). Each leaves a registration event and an audit entry, and the
household's specific-needs rules are re-evaluated.

Imports registration models, rules and validation; never a web framework.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.core import clock, ids
from refugio.core.errors import FieldError, NotFound, ValidationFailed
from refugio.registration import rules
from refugio.registration.enums import EventType, IndividualStatus, NeedSource, Relationship
from refugio.registration.models import Household, Individual, Operation, Site, SpecificNeed
from refugio.registration.schemas import BirthCreate, DeathRecord, MarriageRecord, NeedFlag, PersonFields
from refugio.registration.service.certificates import revoke_certificates
from refugio.registration.service.common import (
    add_event,
    check_need_permissions,
    load_household,
    load_individual,
    refresh_name_index,
    refresh_size,
)
from refugio.registration.service.documents import (
    DocumentKey,
    document_key,
    existing_documents,
    insert_document,
)
from refugio.registration.service.rows import Birth, Consent, Placement, individual_row, need_row
from refugio.registration.service.specific_needs import flag_need, reapply_rules
from refugio.registration.validation import Checker
from refugio.security import audit
from refugio.security.permissions import Permission
from refugio.security.principals import Principal


def record_birth(
    session: Session, *, actor: Principal, household_id: uuid.UUID, data: BirthCreate
) -> Individual:
    """Register a child born into a household (birth registration, CRRF 5(f))."""
    household = load_household(
        session, actor=actor, household_id=household_id, permission=Permission.EVENT_RECORD
    )
    birth = _check_birth(session, actor, household, data)
    child = new_member(session, actor=actor, household=household, person=data, birth=birth)
    add_event(
        session,
        operation_id=household.operation_id,
        household_id=household.id,
        individual_id=child.id,
        event_type=EventType.BIRTH,
        actor=actor,
        occurred_on=birth.date,
        summary=f"Birth of {child.given_name} {child.family_name} ({child.ref}) registered",
        details={
            "place_of_birth": data.place_of_birth,
            "birth_registered_with_authorities": data.birth_registered_with_authorities,
            "civil_registration_number": data.civil_registration_number,
        },
    )
    refresh_size(session, household)
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


def _country(session: Session, household: Household) -> str | None:
    """The household's operation's country (a phone without '+' is read as dialled there)."""
    operation = session.get(Operation, household.operation_id)
    return operation.country_iso3 if operation else None


def _check_birth(session: Session, actor: Principal, household: Household, data: BirthCreate) -> Birth:
    """The child's date of birth, once every field is checked (errors named without `child.`)."""
    c = Checker(clock.today(), country_iso3=_country(session, household))
    dob = c.person("child", data, clock.today())
    if dob is not None and dob.precision != "exact" and not data.estimated:
        c.add("child.date_of_birth", "a birth is registered with the exact date of birth")
    if data.relationship == Relationship.FOCAL_POINT:
        c.add("child.relationship", "a newborn cannot be the focal point")
    site = session.get(Site, household.site_id)
    assert site is not None
    check_need_permissions(actor, data.needs, "child.needs", site, c.errors)
    keys: dict[DocumentKey, str] = {}
    for j, d in enumerate(data.documents):
        key = document_key(d)
        if key in keys:
            c.add(f"child.documents.{j}.number", "the same document is given twice", "duplicate_document")
        keys.setdefault(key, f"child.documents.{j}.number")
    for key, ref in existing_documents(session, set(keys)).items():
        c.add(keys[key], f"document already held by another registered person ({ref})", "document_taken")
    if c.errors:
        raise ValidationFailed(
            [FieldError(e.field.removeprefix("child."), e.message, e.code) for e in c.errors]
        )
    assert dob is not None
    return Birth(dob.value, dob.precision, data.relationship.value)


def new_member(
    session: Session, *, actor: Principal, household: Household, person: PersonFields, birth: Birth
) -> Individual:
    """Add a person to a registered household with the next member number; consent and population
    type follow the focal point's."""
    refs = session.scalars(select(Individual.ref).where(Individual.ref.like(household.ref + "-%")))
    next_no = max((int(r.rsplit("-", 1)[1]) for r in refs), default=0) + 1
    focal = session.get(Individual, household.focal_point_id) if household.focal_point_id else None
    if focal is None:
        consent = Consent(given=False, purposes=[], date=None, legal_basis=None)
    else:
        consent = Consent(
            given=focal.consent_given,
            purposes=list(focal.consent_purposes),
            date=clock.today() if focal.consent_given else None,
            legal_basis=focal.legal_basis,
        )
    if person.population_type:
        population_type = person.population_type.value
    else:
        population_type = focal.population_type if focal else "refugee"
    person_row = Individual(
        **individual_row(
            individual_id=ids.new_id(),
            ref=ids.individual_ref(household.ref, next_no),
            placement=Placement(
                household.id, household.operation_id, household.site_id, _country(session, household)
            ),
            person=person,
            birth=birth,
            country_of_origin=household.country_of_origin,
            population_type=population_type,
            arrival_date=None,
            consent=consent,
            now=clock.now(),
        )
    )
    session.add(person_row)
    session.flush()
    refresh_name_index(session, individual_ids=[person_row.id])
    for d in person.documents:
        insert_document(session, person_row.id, d)
    for flag in person.needs:
        session.add(
            SpecificNeed(
                **need_row(
                    individual_id=person_row.id,
                    code=flag.code,
                    source=NeedSource.MANUAL,
                    reason=flag.reason,
                    actor=actor,
                )
            )
        )
    session.flush()
    return person_row


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
    add_event(
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
    revoke_certificates(session, actor=actor, person=person, reason="holder recorded as deceased")
    refresh_size(session, household)
    reapply_rules(session, actor=actor, household=household)
    audit.record(
        session, actor=actor, action="individual.death", object_type="individual", object_id=str(person.id)
    )
    return person


def record_marriage(
    session: Session, *, actor: Principal, individual_id: uuid.UUID, data: MarriageRecord
) -> Individual:
    """Record a marriage (of one or two registered people); marital status becomes `married`."""
    person = load_individual(
        session, actor=actor, individual_id=individual_id, permission=Permission.EVENT_RECORD
    )
    spouse = _check_marriage(session, actor, person, data)
    couple = [person] + ([spouse] if spouse else [])
    for p in couple:
        before = p.marital_status
        p.marital_status = "married"
        p.version += 1
        other = (spouse.ref if p is person else person.ref) if spouse else None
        add_event(
            session,
            operation_id=p.operation_id,
            household_id=p.household_id,
            individual_id=p.id,
            event_type=EventType.MARRIAGE,
            actor=actor,
            occurred_on=data.date_of_marriage,
            summary=f"Marriage of {p.ref} recorded" + (f" (spouse {other})" if spouse else ""),
            details={
                "marital_status": [before, "married"],
                "spouse_name": data.spouse_name,
                "spouse_ref": other,
                "note": data.note,
            },
        )
    session.flush()
    for p in couple:
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


def _check_marriage(
    session: Session, actor: Principal, person: Individual, data: MarriageRecord
) -> Individual | None:
    """The registered spouse, if one is named, once every field is checked."""
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
    return spouse


__all__ = ["new_member", "record_birth", "record_death", "record_marriage"]
