"""The freeze on PostgreSQL, set-based: the rows of `frozen` rendered by the database.

Reading 500,000 households into Python costs more than the database spends writing their frozen rows,
so on PostgreSQL no household is read into Python:

1. one aggregate query over the registry (`registration.queries.assistance_roster_selects`) gives the
   decision classes — the inputs the rules read (`frozen.Builder.decide`'s key: the focal point's
   population type, the site and arrival date when the rules look at them, the size, the full codes of
   the members with a code the rules look at, the count of members in the age range), as one JSON text
   — with the number of households of each and one household of each;
2. Python reads those few households (`households_for_assistance`) and decides each class with
   `rules.evaluate`, as everywhere else; the classes (key, eligible, amount, fee, basket and the
   snapshot's pieces shared per decision, `frozen.Builder.pieces`) go to a temporary table with COPY;
3. one `INSERT … SELECT` recomputes each household's key from the same registry read that renders its
   snapshot, joins the class table, and writes the rows: the snapshot's canonical JSON text (the same
   key order and separators as `json.dumps(…, sort_keys=True, separators=(",", ":"),
   ensure_ascii=False)`; strings escaped by `to_json`, which escapes exactly what that encoder escapes:
   `"`, `\\` and the control characters, as `\\n`, `\\t`, … or `\\u00XX`), stored as that text
   (a `json` column: its syntax checked, not parsed into jsonb — migration 0028), its SHA-256
   (`sha256()`), and a version 7 id (`core.ids`) per row.

Under READ COMMITTED step 3 sees the registry as it is then: a household whose inputs changed since
step 1 is rendered and decided from what step 3 reads, and one whose key step 1 did not see has no
class — its amount comes out NULL and the INSERT fails (NOT NULL) before anything is written; the
freeze then refuses with `Conflict` (try again), and the caller's transaction rolls back.

SQLite keeps the streamed path (`frozen`): the same statements on SQLite (`json_quote`, correlated reads
per household, functions registered for the digest and the ids) measured slower than it (decision 0006).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ColumnElement,
    MetaData,
    Numeric,
    Select,
    Table,
    Text,
    case,
    cast,
    false,
    func,
    insert,
    literal,
    literal_column,
    null,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB, aggregate_order_by
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from refugio.assistance.rules import Decision
from refugio.assistance.service.frozen import COLUMNS, Builder
from refugio.core.errors import Conflict
from refugio.registration.queries import RosterSelects

# a UUID version 7 (core.ids: 48 bits of Unix milliseconds, version 7, variant 10, random bits): the
# random bytes of gen_random_uuid() (version 4) behind the clock's milliseconds, version bits 0100 -> 0111
NEW_ID: ColumnElement[uuid.UUID] = literal_column(
    "CAST(encode(set_bit(set_bit(substr(int8send(CAST(floor(extract(epoch FROM clock_timestamp())"
    " * 1000) AS bigint)), 3) || substr(uuid_send(gen_random_uuid()), 7), 52, 1), 53, 1), 'hex') AS uuid)"
)


def _text(value: str) -> ColumnElement[str]:
    return literal(value, Text)


def _json(value: ColumnElement[Any]) -> ColumnElement[str]:
    """The JSON text of a string (escaped as `json.dumps` with ensure_ascii=False escapes it)."""
    return cast(func.to_json(value), Text)


def _agg(value: ColumnElement[Any], order: ColumnElement[Any]) -> ColumnElement[str]:
    return func.string_agg(value, aggregate_order_by(_text(","), order))


def _latest_birth(on: dt.date, years: int) -> dt.date:
    """The last date of birth of someone `years` old or more on `on` (`frozen._age`'s count)."""
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February, in a year without one
        return dt.date(on.year - years, 2, 28)


class Statements:
    """The statements of one freeze: the classes query and the INSERT … SELECT, over one roster."""

    def __init__(self, builder: Builder, roster: RosterSelects) -> None:
        self.builder, self.hh = builder, roster.households
        counted = sorted(builder.counted)

        def looked_at(code: ColumnElement[str]) -> ColumnElement[bool]:
            if not counted:
                return false()
            return or_(code.in_(counted), func.split_part(code, "-", 1).in_(counted))

        n = roster.needs.c
        code = n.code.collate("C")
        needs = (
            select(
                n.individual_id,
                _agg(_json(n.code), code).filter(looked_at(n.code)).label("kept"),
                case((func.bool_or(looked_at(n.code)), _agg(_json(n.code), code))).label("sig"),
            )
            .group_by(n.individual_id)
            .subquery("needs")
        )
        self.members = self._members(roster, needs, rendered=True)
        self.base = self.hh.outerjoin(self.members, self.members.c.household_id == self.hh.c.id)
        self.key = self._key(self.members)
        light = self._members(roster, needs, rendered=False)  # what the classes need only
        self.light_base = self.hh.outerjoin(light, light.c.household_id == self.hh.c.id)
        self.light_key = self._key(light)

    def _members(self, roster: RosterSelects, needs: Any, *, rendered: bool) -> Any:
        """Per household: the inputs of its class and, `rendered`, its members' and focal point's text."""
        m, on = roster.members.c, self.builder.on
        name = _json(m.given_name + " " + m.family_name)
        text = (
            _text('{"date_of_birth":"')
            + func.to_char(m.date_of_birth, "YYYY-MM-DD")
            + _text('","name":')
            + name
            + _text(',"needs":[')
            + func.coalesce(needs.c.kept, "")
            + _text('],"ref":')
            + _json(m.ref)
            + _text(',"relationship":')
            + _json(m.relationship)
            + _text(',"sex":')
            + _json(m.sex)
            + _text("}")
        )
        ages = self.builder.ages
        in_age: ColumnElement[Any] = null()
        if ages is not None:
            young, old = _latest_birth(on, ages[0]), _latest_birth(on, ages[1] + 1)
            in_age = func.count().filter(m.date_of_birth <= young, m.date_of_birth > old)
        sig = needs.c.sig
        columns = [
            m.household_id,
            func.count().label("size"),
            _agg(_text("[") + sig + _text("]"), sig.collate("C")).filter(sig.is_not(None)).label("sig"),
            func.max(m.population_type).filter(m.is_focal).label("focal_type"),
            in_age.label("in_age"),
        ]
        if rendered:
            columns += [
                _agg(text, m.ref).label("members"),
                func.max(name).filter(m.is_focal).label("focal_name"),
                func.max(_json(m.ref)).filter(m.is_focal).label("focal_ref"),
            ]
        return (
            select(*columns)
            .select_from(roster.members.outerjoin(needs, needs.c.individual_id == m.id))
            .group_by(m.household_id)
            .subquery("members")
        )

    def _key(self, members: Any) -> ColumnElement[str]:
        """The household's decision class as JSON text: what `Builder.decide` keys on."""
        b, hh, m = self.builder, self.hh.c, members.c
        parts: list[ColumnElement[Any]] = []
        if b.by_population:
            parts.append(func.coalesce(m.focal_type, ""))
        if b.by_site:
            parts.append(hh.site_code)
        if b.by_arrival:
            parts.append(hh.arrival_date)
        parts += [func.coalesce(m.size, 0), func.coalesce(m.sig, "")]
        if b.ages is not None:
            parts.append(func.coalesce(m.in_age, 0))
        return cast(func.json_build_array(*parts), Text)

    def classes(self) -> Select[Any]:
        """(key, households, one household's id as text) per class."""
        keyed = select(self.light_key.label("key"), self.hh.c.id).select_from(self.light_base)
        k = keyed.subquery("keyed").c
        return select(k.key, func.count(), func.min(cast(k.id, Text))).group_by(k.key)

    def rows(self, classes: Table) -> Select[Any]:
        """The values of `frozen.COLUMNS` but the id and the cycle's, per eligible household; NULL amounts
        for a household of a class not in `classes`."""
        hh, m, c = self.hh.c, self.members.c, classes.c
        arrival = case(
            (hh.arrival_date.is_(None), _text("null")),
            else_=_text('"') + func.to_char(hh.arrival_date, "YYYY-MM-DD") + _text('"'),
        )
        snapshot = (
            c.head
            + arrival
            + c.middle
            + _json(func.coalesce(hh.document, ""))
            + _text(',"name":')
            + func.coalesce(m.focal_name, '""')
            + _text(',"ref":')
            + func.coalesce(m.focal_ref, "null")
            + _text('},"household_ref":')
            + _json(hh.ref)
            + _text(',"members":[')
            + func.coalesce(m.members, "")
            + c.tail
            + _json(hh.site_code)
            + _text("}")
        )
        return (
            select(hh.id, hh.ref, hh.site_id, c.amount, c.fee, c.basket, snapshot.label("text"))
            .select_from(self.base.outerjoin(classes, c.key == self.key))
            .where(or_(c.eligible.is_(True), c.eligible.is_(None)))
            .offset(0)  # the text computed once, for the snapshot and its digest
        )


def tune(conn: Connection) -> None:
    """Settings for the rest of the transaction: no JIT compilation (at 100,000 households PostgreSQL
    compiled the statements' expressions for longer than it took to run them without), and memory
    for the sorts by household that group the members (4 MB by default: written to disk)."""
    conn.exec_driver_sql("SET LOCAL jit = off")
    conn.exec_driver_sql("SET LOCAL work_mem = '64MB'")


def class_table() -> Table:
    return Table(
        "assistance_freeze_class",
        MetaData(),
        Column("key", Text, primary_key=True),
        Column("eligible", Boolean, nullable=False),
        Column("head", Text),
        Column("middle", Text),
        Column("tail", Text),
        Column("amount", Numeric(14, 2)),
        Column("fee", Numeric(14, 2)),
        Column("basket", JSONB),
        prefixes=["TEMPORARY"],
        postgresql_on_commit="DROP",
    )


def write(
    conn: Connection,
    statements: Statements,
    decided: Iterable[tuple[str, Decision]],
    entitlements: Table,
    *,
    cycle_id: uuid.UUID,
    insert_tuples: Callable[[Connection, Table, tuple[str, ...], list[tuple[Any, ...]]], int],
    label: str,
) -> tuple[int, Decimal]:
    """Write the frozen rows of the eligible households; (rows, total amount)."""
    b = statements.builder
    classes = class_table()
    classes.create(conn)
    rows: list[tuple[Any, ...]] = []
    for key, d in decided:
        if d.eligible:
            p = b.pieces(d)
            rows.append((key, True, p.head, p.middle, p.tail, d.amount, d.fee, p.basket))
        else:
            rows.append((key, False, None, None, None, None, None, None))
    insert_tuples(conn, classes, tuple(c.name for c in classes.c), rows)
    found = statements.rows(classes).subquery("found")
    text = found.c.text
    values = select(
        NEW_ID,
        literal(cycle_id, entitlements.c.cycle_id.type),
        found.c.id,
        found.c.ref,
        found.c.site_id,
        literal(b.version, entitlements.c.rule_version.type),
        found.c.amount,
        found.c.fee,
        literal(b.currency, entitlements.c.currency.type),
        found.c.basket,
        cast(text, JSON),
        func.encode(func.sha256(func.convert_to(text, "UTF8")), "hex"),
    )
    done = (
        insert(entitlements).from_select(list(COLUMNS), values).returning(entitlements.c.amount).cte("done")
    )
    try:
        count, total = conn.execute(select(func.count(), func.sum(done.c.amount))).one()
    except IntegrityError as exc:
        if getattr(exc.orig, "sqlstate", None) == "23502":  # not_null_violation: a class not decided
            raise Conflict(
                f"the registry changed while {label} was being frozen (a household unlike any read a "
                "moment before); nothing was written: freeze again"
            ) from exc
        raise
    classes.drop(conn)
    return int(count), Decimal(total or 0)
