"""The one module of refugio.stats that reads the registration tables: the people of an operation (or
one of its sites) that an actor may count, as columns for `duckdb_engine` (with their households), and
the count the dashboard needs beside them (people with an active specific need).

Why not through refugio.registration.queries: the population is read with ONE set-based SELECT over
the person table (joins to households, sites and the first household, a subquery of exit events,
dates as YYYYMMDD integers on either backend), streamed in partitions of PARTITION rows straight into
DuckDB; at 200k+ people a per-person read model would multiply the time and the memory. Every read
is limited to where the actor holds STATS_VIEW (`registration.queries.scope_clause`). Never writes.
Must not import any web framework.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import ColumnElement, Integer, and_, case, cast, func, literal, select
from sqlalchemy.orm import Session, aliased

from refugio.core.errors import NotFound, PermissionDenied
from refugio.registration.models import (
    Household,
    Individual,
    Operation,
    RegistrationEvent,
    Site,
    SpecificNeed,
)
from refugio.registration.queries import scope_clause
from refugio.security.permissions import Permission
from refugio.security.principals import Principal
from refugio.stats import snapshot

if TYPE_CHECKING:
    from refugio.stats.duckdb_engine import Frame

PARTITION = 50_000


@dataclass
class Population:
    """The registered people of an operation (or one of its sites) the actor may count, as columns."""

    operation: Operation
    site: Site | None
    sites: dict[str, str]  # code → name
    frame: Frame

    @property
    def context(self) -> dict[str, Any]:
        ctx: dict[str, Any] = {"operation": self.operation.code, "operation_name": self.operation.name}
        if self.site is not None:
            ctx["site"] = self.site.code
        return ctx


def _ymd(col: Any, dialect: str) -> ColumnElement[int]:
    """A DATE column as the integer YYYYMMDD, on either backend."""
    if dialect == "postgresql":
        return cast(func.to_char(col, "YYYYMMDD"), Integer)
    return cast(func.replace(col, "-", ""), Integer)


def resolve_operation(session: Session, *, actor: Principal, operation: str | uuid.UUID) -> Operation:
    """The operation by code or id, if the actor may see statistics of it (or of one of its sites)."""
    op: Operation | None
    if isinstance(operation, uuid.UUID):
        op = session.get(Operation, operation)
    else:
        op = session.scalar(select(Operation).where(Operation.code == str(operation).strip().upper()))
    if op is None:
        raise NotFound(f"no operation {operation}")
    scope = actor.scope(Permission.STATS_VIEW)
    if scope.everything or op.id in scope.operation_ids:
        return op
    site_ops = set(session.scalars(select(Site.operation_id).where(Site.id.in_(scope.site_ids))))
    if op.id in site_ops:
        return op
    raise PermissionDenied(f"{actor.label} lacks {Permission.STATS_VIEW.value} for operation {op.code}")


def person_select(dialect: str, people: ColumnElement[bool], *, with_ids: bool = False) -> Any:
    """The one SELECT computing the counted columns of the people matching `people` (a condition on
    the individual table): sex, dob, population type, origin, site, arrival, entry, exit, household id —
    preceded by the individual's id and operation when `with_ids`."""
    first = aliased(Household)  # the household the person was registered with
    ref_prefix = func.substr(Individual.ref, 1, func.length(Individual.ref) - 3)
    left = (
        select(RegistrationEvent.individual_id, func.max(RegistrationEvent.occurred_on).label("left_on"))
        .where(
            RegistrationEvent.event_type.in_(("status_change", "death")),
            RegistrationEvent.individual_id.in_(
                select(Individual.id).where(people, Individual.status != "active")
            ),
        )
        .group_by(RegistrationEvent.individual_id)
        .subquery()
    )
    registered = func.coalesce(first.registration_date, Household.registration_date)
    later = func.greatest if dialect == "postgresql" else func.max  # SQLite's max(a, b) is a scalar
    entry: ColumnElement[int] = later(_ymd(registered, dialect), _ymd(Individual.date_of_birth, dialect))
    exit_ = case(
        (Individual.status == "active", literal(None)),
        else_=_ymd(func.coalesce(Individual.date_of_death, left.c.left_on, registered), dialect),
    )
    ids: list[Any] = [Individual.id, Individual.operation_id] if with_ids else []
    return (
        select(
            *ids,
            Individual.sex,
            _ymd(Individual.date_of_birth, dialect),
            Individual.population_type,
            func.coalesce(Individual.country_of_origin, Household.country_of_origin, "UNK"),
            Site.code,
            _ymd(func.coalesce(Individual.arrival_date, Household.arrival_date), dialect),
            entry,
            exit_,
            Individual.household_id,
        )
        .join(Household, Household.id == Individual.household_id)
        .join(Site, Site.id == Individual.site_id)
        .outerjoin(first, first.ref == ref_prefix)
        .outerjoin(left, left.c.individual_id == Individual.id)
        .where(people)
    )


def people_rows(session: Session, ids: Sequence[uuid.UUID]) -> Sequence[Any]:
    """(id, operation id, then the counted columns) of the people `ids` (for the snapshot's refresh)."""
    dialect = session.get_bind().dialect.name
    return session.execute(person_select(dialect, Individual.id.in_(ids), with_ids=True)).all()


def everyone(dialect: str, block_size: int) -> Any:
    """SELECT every registered person's id, operation, block number (consecutive runs of `block_size`
    people of an operation), counted columns and household number (from `stats_household`, filled
    first): the snapshot rebuilt in one INSERT … SELECT."""
    from refugio.stats.models import StatsHousehold

    rows = person_select(dialect, literal(True), with_ids=True).subquery()
    cols = list(rows.c)
    number = func.row_number().over(partition_by=cols[1], order_by=cols[0]) - 1
    return select(
        cols[0], cols[1], cast(number / block_size, Integer), *cols[2:-1], StatsHousehold.number
    ).join(StatsHousehold, StatsHousehold.household_id == cols[-1])


def population_query(session: Session, *, actor: Principal, operation: Operation, site: Site | None) -> Any:
    """The full recomputation of a population from the registry: sex, dob, population type, origin,
    site, arrival, entry, exit of every person the actor may count."""
    dialect = session.get_bind().dialect.name
    people = and_(
        Individual.operation_id == operation.id,
        scope_clause(actor, Permission.STATS_VIEW, Individual.operation_id, Individual.site_id),
    )
    if site is not None:
        people = and_(people, Individual.site_id == site.id)
    return person_select(dialect, people)


def counted_sites(session: Session, actor: Principal, op: Operation, site: Site | None) -> set[str] | None:
    """The codes of the sites of `op` whose people the actor may count (None: all of them)."""
    if site is not None:
        return {site.code}
    scope = actor.scope(Permission.STATS_VIEW)
    if scope.everything or op.id in scope.operation_ids:
        return None
    return set(
        session.scalars(select(Site.code).where(Site.operation_id == op.id, Site.id.in_(scope.site_ids)))
    )


def load_population(
    session: Session,
    *,
    actor: Principal,
    operation: str | uuid.UUID,
    site: str | None = None,
    source: Literal["snapshot", "store"] = "snapshot",
) -> Population:
    """Read the people of `operation` (optionally one site) the actor may count, into columns: from the
    snapshot (brought up to date first), or recomputed in full from the registry (`source="store"`)."""
    from refugio.stats.duckdb_engine import build_frame

    op = resolve_operation(session, actor=actor, operation=operation)
    site_row: Site | None = None
    if site:
        site_row = session.scalar(
            select(Site).where(Site.operation_id == op.id, Site.code == site.strip().upper())
        )
        if site_row is None:
            raise NotFound(f"no site {site!r} in operation {op.code}")
        if not actor.can(Permission.STATS_VIEW, operation_id=op.id, site_id=site_row.id):
            raise PermissionDenied(
                f"{actor.label} lacks {Permission.STATS_VIEW.value} for site {site_row.code}"
            )
    if source == "snapshot":
        frame = snapshot.load_frame(session, op.id, sites=counted_sites(session, actor, op, site_row))
    else:
        stmt = population_query(session, actor=actor, operation=op, site=site_row)
        result = session.execute(stmt.execution_options(yield_per=PARTITION))

        def partitions() -> Iterator[Sequence[Sequence[Any]]]:
            for part in result.partitions(PARTITION):
                yield [tuple(r) for r in part]

        frame = build_frame(partitions())
    sites = dict(
        session.execute(
            select(Site.code, Site.name).where(Site.operation_id == op.id).order_by(Site.code)
        ).all()
    )
    return Population(op, site_row, sites, frame)


# ---------------------------------------------------------------------------------------------
# the counts beside the population


def _in_scope(actor: Principal, population: Population) -> list[ColumnElement[bool]]:
    where = [
        Individual.status == "active",
        Individual.operation_id == population.operation.id,
        scope_clause(actor, Permission.STATS_VIEW, Individual.operation_id, Individual.site_id),
    ]
    if population.site is not None:
        where.append(Individual.site_id == population.site.id)
    return where


def need_counts(session: Session, *, actor: Principal, population: Population) -> dict[tuple[str, ...], int]:
    """Active people with an active specific need, by (category, sex); a person counts once per category."""
    stmt = (
        select(SpecificNeed.category, Individual.sex, func.count(func.distinct(Individual.id)))
        .join(Individual, Individual.id == SpecificNeed.individual_id)
        .where(SpecificNeed.active.is_(True), *_in_scope(actor, population))
        .group_by(SpecificNeed.category, Individual.sex)
    )
    return {(cat, sex): int(n) for cat, sex, n in session.execute(stmt).all()}


__all__ = [
    "PARTITION",
    "Population",
    "counted_sites",
    "everyone",
    "load_population",
    "need_counts",
    "people_rows",
    "person_select",
    "population_query",
    "resolve_operation",
]


def every_household_id() -> Any:
    """SELECT of every household's id, in id order (the snapshot numbers households in this order)."""
    return select(Household.id).order_by(Household.id)
