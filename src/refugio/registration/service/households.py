"""Registering households: one bulk path (`register_households`), which the single-household
`register_household` also uses, so the interactive desk and a bulk import follow identical rules.
All the items are checked first (every wrong field named), then every row of every table is built
(`rows.py`) and inserted set-based, one statement per table.

Imports registration models, rules and validation; never a web framework.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.core import clock, ids
from refugio.core.errors import FieldError, PermissionDenied, ValidationFailed
from refugio.core.events import EventBus, bus
from refugio.registration import name_index, rules
from refugio.registration.enums import EventType, NeedSource, Relationship
from refugio.registration.events import HouseholdRegistered
from refugio.registration.models import (
    Household,
    IdentityDocument,
    Individual,
    NameSearch,
    Operation,
    RegistrationEvent,
    Site,
    SpecificNeed,
)
from refugio.registration.schemas import HouseholdCreate
from refugio.registration.service.common import active_ruleset, allocate, bulk_insert, check_need_permissions
from refugio.registration.service.documents import DocumentKey, document_key, existing_documents
from refugio.registration.service.rows import (
    Birth,
    Consent,
    Placement,
    document_row,
    event_row,
    household_row,
    individual_row,
    name_values,
    need_row,
)
from refugio.registration.validation import ParsedDob, check_household, parse_dobs
from refugio.security import audit
from refugio.security.permissions import Permission
from refugio.security.principals import Principal

AuditEntry = tuple[str, str, str | None, dict[str, Any]]


@dataclass(frozen=True)
class Registered:
    household_id: uuid.UUID
    household_ref: str
    member_ids: tuple[uuid.UUID, ...]
    member_refs: tuple[str, ...]


def register_household(
    session: Session, *, actor: Principal, data: HouseholdCreate, events: EventBus | None = None
) -> Household:
    """Register one household with its members; field errors are named without a prefix. Then
    `HouseholdRegistered` is published (in the same transaction)."""
    result = register_one(session, actor=actor, data=data, events=events)
    household = session.get(Household, result.household_id)
    assert household is not None
    return household


def register_one(
    session: Session, *, actor: Principal, data: HouseholdCreate, events: EventBus | None = None
) -> Registered:
    """`register_household`, answering with the ids and references of the members in the order given."""
    result = register_households(session, actor=actor, items=[data], error_prefix=None)[0]
    operation_id = session.scalar(select(Site.operation_id).where(Site.id == data.site_id))
    assert operation_id is not None
    (events or bus).publish(
        HouseholdRegistered(
            household_id=result.household_id, operation_id=operation_id, member_ids=result.member_ids
        ),
        session=session,
    )
    return result


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
    site_ids = {item.site_id for item in items}
    sites = {s.id: s for s in session.scalars(select(Site).where(Site.id.in_(site_ids)))}
    operations = {
        o.id: o
        for o in session.scalars(
            select(Operation).where(Operation.id.in_({s.operation_id for s in sites.values()}))
        )
    }
    parsed = _check_items(session, actor, items, sites, today, error_prefix=error_prefix, checked=checked)
    ruleset = active_ruleset(session)
    wanted: dict[tuple[uuid.UUID, int], int] = {}
    for item in items:
        op_year = (sites[item.site_id].operation_id, (item.registration_date or today).year)
        wanted[op_year] = wanted.get(op_year, 0) + 1
    refs = _References(session, {o.id: o.code for o in operations.values()}, wanted)
    rows = _Rows(actor=actor, ruleset=ruleset, now=clock.now())
    results: list[Registered] = []
    for item, dobs in zip(items, parsed, strict=True):
        site = sites[item.site_id]
        reg_date = item.registration_date or today
        ref = refs.household_ref(site.operation_id, reg_date.year)
        results.append(rows.add(item, dobs, site, ref, reg_date))
        if audit_each:
            rows.audit.append(
                (
                    "household.register",
                    "household",
                    str(results[-1].household_id),
                    {"ref": results[-1].household_ref, "members": len(item.members), "site": site.code},
                )
            )
    if not audit_each:
        rows.audit.append(
            (
                "household.register_batch",
                "household",
                None,
                {"households": [r.household_ref for r in results]},
            )
        )
    rows.insert(session)
    return results


def _check_items(
    session: Session,
    actor: Principal,
    items: Sequence[HouseholdCreate],
    sites: dict[uuid.UUID, Site],
    today: dt.date,
    *,
    error_prefix: str | None,
    checked: bool,
) -> list[list[ParsedDob | None]]:
    """Every item checked (site, permissions, fields unless `checked`, documents); returns each item's
    parsed dates of birth, or raises ValidationFailed naming every wrong field."""
    errors: list[FieldError] = []

    def pre(k: int, name: str) -> str:
        return name if error_prefix is None else f"{error_prefix}.{k}.{name}"

    parsed: list[list[ParsedDob | None]] = []
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
        item_errors, dobs = (
            ([], known)
            if known is not None
            else check_household(item, today, country_iso3=site.operation.country_iso3)
        )
        errors.extend(FieldError(pre(k, e.field), e.message, e.code) for e in item_errors)
        for i, m in enumerate(item.members):
            check_need_permissions(actor, m.needs, pre(k, f"members.{i}.needs"), site, errors)
        parsed.append(dobs)
    _check_documents(session, items, pre, errors, across=error_prefix is not None, sites=sites)
    if errors:
        raise ValidationFailed.of(errors, unknown=("unknown_site",))
    return parsed


def household_field_errors(data: HouseholdCreate) -> list[FieldError]:
    """The domain errors of a household's fields alone (dates, codes, phones, names, consent, focal
    point), without the database: a form shows them together with its own shape errors in one round."""
    return check_household(data, clock.today())[0]


def _check_documents(
    session: Session,
    items: Sequence[HouseholdCreate],
    pre: Callable[[int, str], str],
    errors: list[FieldError],
    *,
    across: bool,
    sites: dict[uuid.UUID, Site],
) -> None:
    """Documents given twice in different households of the items (when `across`), and documents
    already held by registered people (of the items whose site is known)."""
    first_at: dict[DocumentKey, str] = {}
    last_at: dict[DocumentKey, str] = {}
    for k, item in enumerate(items):
        for i, m in enumerate(item.members):
            for j, d in enumerate(m.documents):
                key = document_key(d)
                here = pre(k, f"members.{i}.documents.{j}.number")
                if item.site_id in sites:
                    last_at[key] = here
                if (
                    key in first_at
                    and across
                    and not here.startswith(first_at[key].rsplit(".members.", 1)[0] + ".members.")
                ):
                    errors.append(
                        FieldError(
                            here, f"the same document is also given at {first_at[key]}", "duplicate_document"
                        )
                    )
                first_at.setdefault(key, here)
    if last_at:
        for key, ref in existing_documents(session, set(last_at)).items():
            errors.append(
                FieldError(
                    last_at[key],
                    f"document already held by another registered person ({ref})",
                    "document_taken",
                )
            )


class _References:
    """Human-readable household references: reserved per operation and registration year in one
    counter update each (not one per household), then handed out in order."""

    def __init__(
        self, session: Session, codes: dict[uuid.UUID, str], wanted: dict[tuple[uuid.UUID, int], int]
    ):
        self._codes = codes
        self._next = {key: allocate(session, f"hh:{codes[key[0]]}:{key[1]}", n) for key, n in wanted.items()}

    def household_ref(self, operation_id: uuid.UUID, year: int) -> str:
        seq = self._next[(operation_id, year)]
        self._next[(operation_id, year)] = seq + 1
        return ids.household_ref(self._codes[operation_id], year, seq)


class _Facts(NamedTuple):
    date_of_birth: dt.date
    sex: str
    relationship_to_focal_point: str


@dataclass
class _Rows:
    """The rows of every table for a run of households, built one household at a time."""

    actor: Principal
    ruleset: rules.RuleSet
    now: dt.datetime
    households: list[dict[str, Any]] = field(default_factory=list)
    individuals: list[dict[str, Any]] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)
    names: list[dict[str, Any]] = field(default_factory=list)
    needs: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    audit: list[AuditEntry] = field(default_factory=list)

    def add(
        self, item: HouseholdCreate, dobs: list[ParsedDob | None], site: Site, ref: str, reg_date: dt.date
    ) -> Registered:
        """The rows of one household and its members; returns what was registered."""
        hh_id, *member_ids = ids.new_ids(1 + len(item.members))
        member_refs = [ids.individual_ref(ref, n + 1) for n in range(len(item.members))]
        focal = next(i for i, m in enumerate(item.members) if m.relationship == Relationship.FOCAL_POINT)
        self.households.append(
            household_row(
                household_id=hh_id,
                ref=ref,
                operation_id=site.operation_id,
                item=item,
                focal_point_id=member_ids[focal],
                registration_date=reg_date,
                now=self.now,
                country_iso3=site.operation.country_iso3,
            )
        )
        placement = Placement(hh_id, site.operation_id, site.id, site.operation.country_iso3)
        births = [
            Birth(d.value, d.precision, m.relationship.value)
            for d, m in zip(_dates(dobs), item.members, strict=True)
        ]
        consent = Consent(
            given=item.consent_given,
            purposes=[p.value for p in item.consent_purposes],
            date=reg_date if item.consent_given else None,
            legal_basis=item.legal_basis,
        )
        for i in range(len(item.members)):
            self._add_member(item, i, member_ids[i], member_refs[i], placement, births[i], consent)
        self._add_rule_needs(item, births, member_ids, reg_date)
        self.events.append(
            event_row(
                operation_id=site.operation_id,
                household_id=hh_id,
                event_type=EventType.REGISTERED,
                actor=self.actor,
                occurred_on=reg_date,
                summary=f"Household {ref} registered at {site.code} with {len(item.members)} member(s)",
                details={"members": member_refs, "level": item.registration_level.value, "site": site.code},
            )
        )
        return Registered(hh_id, ref, tuple(member_ids), tuple(member_refs))

    def _add_member(
        self,
        item: HouseholdCreate,
        i: int,
        iid: uuid.UUID,
        ref: str,
        placement: Placement,
        birth: Birth,
        consent: Consent,
    ) -> None:
        m = item.members[i]
        person = individual_row(
            individual_id=iid,
            ref=ref,
            placement=placement,
            person=m,
            birth=birth,
            country_of_origin=item.country_of_origin,
            population_type=(m.population_type or item.population_type).value,
            arrival_date=item.arrival_date,
            consent=consent,
            now=self.now,
        )
        self.individuals.append(person)
        doc = name_index.document(name_values(m), placement.operation_id, placement.site_id, "active")
        self.names.append(name_index.row(iid, doc, person["family_norm"], person["given_norm"], ref))
        self.documents.extend(document_row(individual_id=iid, document=d, now=self.now) for d in m.documents)
        self.needs.extend(
            need_row(
                individual_id=iid, code=f.code, source=NeedSource.MANUAL, reason=f.reason, actor=self.actor
            )
            for f in m.needs
        )

    def _add_rule_needs(
        self, item: HouseholdCreate, births: list[Birth], member_ids: list[uuid.UUID], on: dt.date
    ) -> None:
        """The flags the rule set finds for the members (not those already flagged by hand)."""
        facts = rules.household_facts(
            [
                _Facts(b.date, m.sex.value, m.relationship.value)
                for b, m in zip(births, item.members, strict=True)
            ],
            on,
        )
        manual = {(i, f.code) for i, m in enumerate(item.members) for f in m.needs}
        for i, person_facts in enumerate(facts):
            for finding in rules.evaluate(self.ruleset, person_facts):
                if (i, finding.code) in manual:
                    continue
                self.needs.append(
                    need_row(
                        individual_id=member_ids[i],
                        code=finding.code,
                        source=NeedSource.RULE,
                        reason=finding.explanation,
                        actor=self.actor,
                        rule_id=finding.rule_id,
                        version=self.ruleset.version,
                    )
                )

    def insert(self, session: Session) -> None:
        """Every row, one set-based insert per table, then the audit entries."""
        bulk_insert(session, Household, self.households)
        bulk_insert(session, Individual, self.individuals)
        if self.documents:
            bulk_insert(session, IdentityDocument, self.documents)
        bulk_insert(session, NameSearch, self.names)
        if self.needs:
            bulk_insert(session, SpecificNeed, self.needs)
        bulk_insert(session, RegistrationEvent, self.events)
        audit.record_many(session, actor=self.actor, entries=self.audit)


def _dates(dobs: list[ParsedDob | None]) -> list[ParsedDob]:
    """The members' dates of birth (every one is known once the household passed its checks)."""
    assert all(d is not None for d in dobs)
    return [d for d in dobs if d is not None]


__all__ = ["Registered", "register_household", "register_households"]
