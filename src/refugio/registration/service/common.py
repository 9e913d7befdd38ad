"""Helpers every registration write shares: loading a household or person within the actor's scope,
the rule set in force, reference counters, the name index, events, household size and the checks of
who may set a specific-needs code.

Imports registration models, rules and the store; never a web framework.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from refugio.core.errors import Conflict, FieldError, NotFound
from refugio.registration import name_index, rules
from refugio.registration.enums import IndividualStatus
from refugio.registration.models import (
    Household,
    Individual,
    NameSearch,
    NeedsRuleSet,
    RegistrationEvent,
    Site,
)
from refugio.registration.models import Sequence as RefSequence
from refugio.registration.needs import CODES
from refugio.registration.schemas import NeedFlag
from refugio.registration.service.rows import NAME_FIELDS, event_row
from refugio.security.permissions import Permission
from refugio.security.principals import Principal
from refugio.store import counters
from refugio.store.base import Base
from refugio.store.bulk import insert_rows


def allocate(session: Session, name: str, count: int) -> int:
    """Reserve `count` consecutive values of the named counter; returns the first."""
    return counters.reserve(session, RefSequence.__table__, name=name, count=count)  # type: ignore[arg-type]


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


def bulk_insert(session: Session, model: type[Base], rows: list[dict[str, Any]]) -> None:
    """One executemany on the session's connection (no ORM bookkeeping, no RETURNING)."""
    insert_rows(session.connection(), model.__table__, rows)  # type: ignore[arg-type]


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
            *(getattr(Individual, f) for f in NAME_FIELDS),
        ).where(Individual.id.in_(wanted))
    ).all()
    rows = {
        p.id: name_index.row(
            p.id,
            name_index.document([getattr(p, f) for f in NAME_FIELDS], p.operation_id, p.site_id, p.status),
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
    bulk_insert(session, NameSearch, [r for i, r in rows.items() if i not in indexed])


def jsonable(value: Any) -> Any:
    """A date or id as text (for an event's before/after values)."""
    if isinstance(value, dt.date | uuid.UUID):
        return str(value)
    return value


def add_event(session: Session, **kwargs: Any) -> None:
    """Record a registration event (the keyword arguments of `rows.event_row`)."""
    session.add(RegistrationEvent(**event_row(**kwargs)))


def check_need_permissions(
    actor: Principal, flags: Sequence[NeedFlag], field: str, site: Site, errors: list[FieldError]
) -> None:
    """A field error for each code the actor may not set at this site (sensitive codes need more)."""
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


def load_household(
    session: Session,
    *,
    actor: Principal,
    household_id: uuid.UUID,
    permission: Permission = Permission.HOUSEHOLD_UPDATE,
) -> Household:
    """The household, if the actor may see it (NotFound otherwise) and has `permission` on it."""
    return _load(session, actor, Household, household_id, Permission.HOUSEHOLD_VIEW, permission, "household")


def load_individual(
    session: Session,
    *,
    actor: Principal,
    individual_id: uuid.UUID,
    permission: Permission = Permission.INDIVIDUAL_UPDATE,
) -> Individual:
    """The person, if the actor may see them (NotFound otherwise) and has `permission` on them."""
    return _load(
        session, actor, Individual, individual_id, Permission.INDIVIDUAL_VIEW, permission, "individual"
    )


_Scoped = TypeVar("_Scoped", Household, Individual)


def _load(
    session: Session,
    actor: Principal,
    model: type[_Scoped],
    object_id: uuid.UUID,
    view: Permission,
    permission: Permission,
    what: str,
) -> _Scoped:
    found = session.get(model, object_id)
    if found is None or not actor.can(view, operation_id=found.operation_id, site_id=found.site_id):
        raise NotFound(f"no such {what}")
    actor.require(permission, operation_id=found.operation_id, site_id=found.site_id)
    return found


def active_members(session: Session, household_id: uuid.UUID) -> list[Individual]:
    """The active members of a household, by reference."""
    return list(
        session.scalars(
            select(Individual)
            .where(
                Individual.household_id == household_id, Individual.status == IndividualStatus.ACTIVE.value
            )
            .order_by(Individual.ref)
        )
    )


def refresh_size(session: Session, household: Household) -> None:
    """The household's size is its number of active members (a new version)."""
    household.size = len(active_members(session, household.id))
    household.version += 1


__all__ = [
    "active_members",
    "active_ruleset",
    "add_event",
    "allocate",
    "bulk_insert",
    "check_need_permissions",
    "jsonable",
    "load_household",
    "load_individual",
    "refresh_name_index",
    "refresh_size",
]
