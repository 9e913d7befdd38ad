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
"""

from __future__ import annotations

import datetime as dt
import hashlib
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
    and_,
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
    type_coerce,
)
from sqlalchemy.dialects.postgresql import JSONB, aggregate_order_by
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from refugio.assistance.rules import Decision
from refugio.assistance.service.frozen import COLUMNS, Builder
from refugio.core import ids
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


def _raw(value: ColumnElement[Any]) -> ColumnElement[str]:
    """A date column as SQLite stores it: ISO 8601 text."""
    return type_coerce(value, Text)


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


class LiteStatements:
    """SQLite's statements of one freeze: the same classes and rows as `Statements`, read household by
    household (SQLite plans nested loops, and a GROUP BY over every member would sort them all): one
    correlated subquery per household reads its members by index, in reference order, once, and gives
    its class inputs, its focal point's name and reference and its members' text as one value, split
    by a character that JSON text never holds unescaped (U+0001). SQLite 3.40 has no ordered
    aggregate: `group_concat` concatenates in the order its rows come, so it reads from a subquery
    with an ORDER BY (members by reference, codes by code), which SQLite runs in that order and does
    not flatten into the aggregate. A class lists the codes of its members in member order, not
    sorted: households alike but for the order of their members fall in two classes, each decided by
    `rules.evaluate` — the same decision."""

    SEP = "\x01"

    def __init__(self, builder: Builder, roster: RosterSelects) -> None:
        self.builder, self.hh = builder, roster.households
        self.people, self.needs = roster.people, roster.person_needs
        counted = sorted(builder.counted)

        def looked_at(code: ColumnElement[str]) -> ColumnElement[bool]:
            if not counted:
                return false()
            code = code + ""  # not the index on codes: each person's few are found by person
            head = func.substr(code, 1, func.instr(code + "-", "-") - 1)  # split("-", 1)[0]
            return or_(code.in_(counted), head.in_(counted))

        self.looked_at = looked_at
        self.counted = bool(counted)

    def _needs(self, person: ColumnElement[Any]) -> ColumnElement[Any]:
        """The person's codes when one of them is looked at, else NULL: those the rules look at, SEP,
        all (the class lists them all), each as a JSON string, joined by commas, in code order."""
        n = self.needs.c
        ordered = (
            select(n.code.label("code"), self.looked_at(n.code).label("kept"))
            .where(n.individual_id == person)
            .correlate(self.people)
            .order_by(n.code + "")  # sorted here: the person's few codes found by person, not by code
            .subquery("codes")
        )
        o = ordered.c
        quoted = func.json_quote(o.code)
        found = select(
            func.group_concat(quoted, ",").filter(o.kept) + _text(self.SEP) + func.group_concat(quoted, ",")
        ).scalar_subquery()
        # most people have no need: one index probe, not a sort, for them
        has = select(n.individual_id).where(n.individual_id == person).correlate(self.people).exists()
        return case((has, found))

    def _household(self, *, rendered: bool) -> ColumnElement[str]:
        """Per household, from one read of its members: its class inputs as JSON text and, `rendered`,
        then SEP, its focal point's '"name":…,"ref":…', SEP, its members' JSON texts joined by commas."""
        b, hh, p = self.builder, self.hh.c, self.people.c
        # what is sorted, per household: the columns used only (a wider row sorts twice as slowly)
        columns: list[Any] = [p.id, p.population_type, p.date_of_birth]
        if rendered:
            columns += [p.ref, p.given_name, p.family_name, p.sex, p.relationship]
        columns.append((self._needs(p.id) if self.counted else null()).label("needs"))
        each = (
            select(*columns)
            .where(p.household_id == hh.id)
            .correlate(self.hh)
            .order_by(p.ref)
            .subquery("each")
        )
        e = each.c
        split = func.instr(e.needs, self.SEP)
        sig = func.substr(e.needs, split + 1)
        inputs: list[ColumnElement[Any]] = [func.count(), func.group_concat("[" + sig + "]", ",")]
        if b.by_population:
            inputs.append(func.max(case((e.id == hh.focal_point_id, e.population_type))))
        if b.ages is not None:
            young, old = _latest_birth(b.on, b.ages[0]), _latest_birth(b.on, b.ages[1] + 1)
            inputs.append(func.count().filter(e.date_of_birth <= young, e.date_of_birth > old))
        value: ColumnElement[str] = func.json_array(*inputs)
        if rendered:
            name = func.json_quote(e.given_name + " " + e.family_name)
            kept = func.coalesce(func.substr(e.needs, 1, split - 1), "")
            focal = _text('"name":') + name + _text(',"ref":') + func.json_quote(e.ref)
            text = (
                _text('{"date_of_birth":"')
                + _raw(e.date_of_birth)
                + _text('","name":')
                + name
                + _text(',"needs":[')
                + kept
                + _text('],"ref":')
                + func.json_quote(e.ref)
                + _text(',"relationship":')
                + func.json_quote(e.relationship)
                + _text(',"sex":')
                + func.json_quote(e.sex)
                + _text("}")
            )
            value = (
                value
                + _text(self.SEP)
                + func.coalesce(
                    func.max(case((e.id == hh.focal_point_id, focal))), _text('"name":"","ref":null')
                )
                + _text(self.SEP)
                + func.coalesce(func.group_concat(text, ","), _text(""))
            )
        return select(value).scalar_subquery()

    def _key(self, inputs: ColumnElement[str], hh: Any) -> ColumnElement[str]:
        """The household's decision class as text: what `Builder.decide` keys on."""
        key = inputs
        if self.builder.by_site:
            key = key + _text(",") + func.json_quote(hh.site_code)
        if self.builder.by_arrival:
            key = key + _text(",") + func.json_quote(_raw(hh.arrival_date))
        return key

    def classes(self) -> Select[Any]:
        """(key, households, one household's id as text) per class."""
        hh = self.hh.c
        keyed = select(self._key(self._household(rendered=False), hh).label("key"), hh.id).subquery("keyed")
        k = keyed.c
        return select(k.key, func.count(), cast(func.min(k.id), Text)).group_by(k.key)

    def rows(self, classes: Table) -> Select[Any]:
        """The values of `frozen.COLUMNS` but the id and the cycle's, per eligible household; NULL amounts
        for a household of a class not in `classes`."""
        hh = self.hh.c
        read = (
            select(
                hh.id,
                hh.ref,
                hh.site_id,
                hh.site_code,
                hh.arrival_date,
                hh.document,
                self._household(rendered=True).label("read"),
            )  # fmt: skip
            .offset(0)  # each household's members read once
            .subquery("read")
        )
        r, c = read.c, classes.c
        first = func.instr(r.read, self.SEP)
        rest = func.substr(r.read, first + 1)
        second = func.instr(rest, self.SEP)
        inputs = func.substr(r.read, 1, first - 1)
        focal = func.substr(rest, 1, second - 1)
        members = func.substr(rest, second + 1)
        arrival = case((r.arrival_date.is_(None), _text("null")), else_='"' + _raw(r.arrival_date) + '"')
        snapshot = (
            c.head
            + arrival
            + c.middle
            + func.json_quote(func.coalesce(r.document, ""))
            + _text(",")
            + focal
            + _text('},"household_ref":')
            + func.json_quote(r.ref)
            + _text(',"members":[')
            + members
            + c.tail
            + func.json_quote(r.site_code)
            + _text("}")
        )
        return (
            select(r.id, r.ref, r.site_id, c.amount, c.fee, c.basket, snapshot.label("text"))
            .select_from(read.outerjoin(classes, c.key == self._key(inputs, r)))
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
        Column("basket", JSON().with_variant(JSONB(), "postgresql")),
        prefixes=["TEMPORARY"],
        postgresql_on_commit="DROP",
    )


SHA256, UUID7 = "refugio_sha256", "refugio_uuid7"


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def sqlite_functions(conn: Connection, new_id: Callable[[], Any]) -> None:
    """Register on this SQLite connection what the INSERT … SELECT calls per row: `refugio_sha256(text)`
    (the hex SHA-256 of the text's UTF-8, deterministic) and `refugio_uuid7()` (`new_id`: a version 7
    id from `core.ids` in the driver's form, a new one per call)."""
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    dbapi.create_function(SHA256, 1, _sha256, deterministic=True)  # type: ignore[attr-defined]
    dbapi.create_function(UUID7, 0, new_id)  # type: ignore[attr-defined]


def _not_null_violation(exc: IntegrityError) -> bool:
    orig = exc.orig
    if getattr(orig, "sqlstate", None) == "23502":  # PostgreSQL's not_null_violation
        return True
    return getattr(orig, "sqlite_errorname", None) == "SQLITE_CONSTRAINT_NOTNULL"


def write(
    conn: Connection,
    statements: Statements | LiteStatements,
    decided: Iterable[tuple[str, Decision]],
    entitlements: Table,
    *,
    cycle_id: uuid.UUID,
    insert_tuples: Callable[[Connection, Table, tuple[str, ...], list[tuple[Any, ...]]], int],
    label: str,
) -> tuple[int, Decimal]:
    """Write the frozen rows of the eligible households; (rows, total amount)."""
    b = statements.builder
    postgres = conn.dialect.name == "postgresql"
    classes = class_table()
    if not postgres:  # SQLite keeps a temporary table until the connection closes, even after a failure
        classes.drop(conn, checkfirst=True)
    classes.create(conn)
    rows: list[tuple[Any, ...]] = []
    for key, d in decided:
        if d.eligible:
            p = b.pieces(d)
            rows.append((key, True, p.head, p.middle, p.tail, p.amount, p.fee, p.basket))
        else:
            rows.append((key, False, None, None, None, None, None, None))
    insert_tuples(conn, classes, tuple(c.name for c in classes.c), rows)
    found = statements.rows(classes).subquery("found")
    text = found.c.text
    if postgres:
        new_id, snapshot = NEW_ID, cast(text, JSON)
        digest = func.encode(func.sha256(func.convert_to(text, "UTF8")), "hex")
    else:
        sqlite_functions(conn, lambda: b.bind["id"](ids.new_id()))
        new_id, snapshot, digest = getattr(func, UUID7)(), text, getattr(func, SHA256)(text)
    values = select(
        new_id,
        literal(cycle_id, entitlements.c.cycle_id.type),
        found.c.id,
        found.c.ref,
        found.c.site_id,
        literal(b.version, entitlements.c.rule_version.type),
        found.c.amount,
        found.c.fee,
        literal(b.currency, entitlements.c.currency.type),
        found.c.basket,
        snapshot,
        digest,
    )
    written = insert(entitlements).from_select(list(COLUMNS), values)
    try:
        if postgres:
            done = written.returning(entitlements.c.amount).cte("done")
            count, total = conn.execute(select(func.count(), func.sum(done.c.amount))).one()
        else:
            conn.execute(written)
            e = entitlements.c
            count, total = 0, Decimal(0)
            for amount, n in conn.execute(
                select(e.amount, func.count()).where(e.cycle_id == cycle_id).group_by(e.amount)
            ):
                count, total = count + n, total + amount * n
    except IntegrityError as exc:
        if _not_null_violation(exc):  # a household of a class not decided
            raise Conflict(
                f"the registry changed while {label} was being frozen (a household unlike any read a "
                "moment before); nothing was written: freeze again"
            ) from exc
        raise
    classes.drop(conn)
    return int(count), Decimal(total or 0)
