"""The rows of a frozen list, built column-wise for the hundreds of thousands of households of a cycle.

The registry comes as one ordered stream of plain tuples (`registration.queries.assistance_roster`,
withdrawn consent left out in the query); households alike — the same inputs to the rules — are
decided once (`rules.evaluate` on the first of them, reasons included); each eligible household's
snapshot is rendered as the canonical JSON text `json.dumps(lists.snapshot(…), sort_keys=True,
separators=(",", ":"), ensure_ascii=False)` would give, from pieces made once per decision (amount,
fee, basket, reasons, rule version) around the household's own (references, names, dates, needs),
each string escaped by the encoder `json.dumps` itself uses; and the columns (ids and sites in the
driver's form, the shared values converted once per decision) are written in batches with
`store.bulk.insert_columns`. `lists.snapshot` stays the definition the text must equal (tested on a
varied registry on both backends).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from refugio.assistance.rules import Decision, HouseholdFacts, Member, Rules, evaluate
from refugio.core import ids
from refugio.registration.queries import RosterHousehold, RosterMember

# the string encoder json.dumps uses with ensure_ascii=False (the C one when available)
_enc: Callable[[str], str] = json.encoder.encode_basestring
COLUMNS: tuple[str, ...] = ("id", "cycle_id", "household_id", "household_ref", "site_id", "rule_version")
COLUMNS += ("amount", "fee", "currency", "basket", "snapshot", "snapshot_sha256")  # all of the table's


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class Shared:
    """What the rows of one decision share: the decision, its snapshot pieces and column values."""

    decision: Decision
    head: str  # '{"amount":"…","arrival_date":'
    middle: str  # ',"basket":…,"currency":…,"fee":…,"focal_point":{"document":'
    tail: str  # '],"reasons":…,"rule_version":…,"site_code":'
    amount: Any  # in the driver's form
    fee: Any
    basket: Any


def _age(iso: str, on: dt.date) -> int:
    year, month, day = int(iso[0:4]), int(iso[5:7]), int(iso[8:10])
    return on.year - year - ((on.month, on.day) < (month, day))


def _date(iso: str | None) -> dt.date | None:
    return None if iso is None else dt.date.fromisoformat(iso)


class Builder:
    """Decisions by class and snapshot texts for one freeze (rules, version, currency, date)."""

    def __init__(
        self, rules: Rules, version: int, currency: str, on: dt.date, bind: dict[str, Callable[[Any], Any]]
    ) -> None:
        self.rules, self.version, self.currency, self.on, self.bind = rules, version, currency, on, bind
        e = rules.eligibility
        self.by_population = e.population_types is not None
        self.by_site = e.sites is not None
        self.by_arrival = e.arrived_from is not None or e.arrived_until is not None
        self.ages = (e.member_age.min, e.member_age.max) if e.member_age is not None else None
        self.counted = rules.counted_needs()
        self.kept: dict[tuple[str, ...], tuple[str, bool]] = {(): ("[]", False)}
        self.shared: dict[tuple[Any, ...], Shared | None] = {}

    def kept_needs(self, codes: tuple[str, ...]) -> tuple[str, bool]:
        """The member's needs the rules look at, as JSON text, and whether there is any."""
        found = self.kept.get(codes)
        if found is None:
            c = self.counted
            kept = [n for n in codes if n in c or n.split("-", 1)[0] in c] if c else []
            found = self.kept[codes] = (_dumps(kept), bool(kept))
        return found

    def decide(self, hh: RosterHousehold, focal: RosterMember | None) -> Shared | None:
        """The shared part of the household's rows, None when it is not eligible. Households with the
        same inputs to the rules (the full codes of every member with a code the rules look at: the
        reasons list them) share one evaluation."""
        members = hh.members
        ages = self.ages
        key = (
            (focal.population_type if focal else "") if self.by_population else None,
            hh.site_code if self.by_site else None,
            hh.arrival_date if self.by_arrival else None,
            len(members),
            tuple(sorted(m.needs for m in members if self.kept_needs(m.needs)[1])),
            None
            if ages is None
            else sum(1 for m in members if ages[0] <= _age(m.date_of_birth, self.on) <= ages[1]),
        )
        if key in self.shared:
            return self.shared[key]
        d = evaluate(self.rules, self.facts(hh, focal), on=self.on)
        found = self.shared[key] = self.pieces(d) if d.eligible else None
        return found

    def facts(self, hh: RosterHousehold, focal: RosterMember | None) -> HouseholdFacts:
        return HouseholdFacts(
            ref=hh.ref,
            site_code=hh.site_code,
            arrival_date=_date(hh.arrival_date),
            members=tuple(
                Member(
                    m.ref,
                    f"{m.given_name} {m.family_name}",
                    m.sex,
                    dt.date.fromisoformat(m.date_of_birth),
                    m.population_type,
                    m.relationship,
                    m.needs,
                )
                for m in hh.members
            ),
            focal_population_type=focal.population_type if focal else "",
        )

    def pieces(self, d: Decision) -> Shared:
        b = self.bind
        return Shared(
            decision=d,
            head=f'{{"amount":{_enc(f"{d.amount:.2f}")},"arrival_date":',
            middle=(
                f',"basket":{_dumps(d.basket)},"currency":{_enc(self.currency)},'
                f'"fee":{_enc(f"{d.fee:.2f}")},"focal_point":{{"document":'
            ),
            tail=f'],"reasons":{_dumps(d.reasons)},"rule_version":{_dumps(self.version)},"site_code":',
            amount=b["amount"](d.amount),
            fee=b["fee"](d.fee),
            basket=b["basket"](d.basket),
        )

    def text(self, hh: RosterHousehold, focal: RosterMember | None, s: Shared) -> str:
        """The household's snapshot as canonical JSON text (= json.dumps of `lists.snapshot`)."""
        enc, kept = _enc, self.kept_needs
        members = ",".join(
            [
                f'{{"date_of_birth":"{m.date_of_birth}","name":{enc(m.given_name + " " + m.family_name)},'
                f'"needs":{kept(m.needs)[0]},"ref":{enc(m.ref)},"relationship":{enc(m.relationship)},'
                f'"sex":{enc(m.sex)}}}'
                for m in hh.members
            ]
        )
        arrival = "null" if hh.arrival_date is None else f'"{hh.arrival_date}"'
        if focal is None:
            name, ref = '""', "null"
        else:
            name, ref = enc(f"{focal.given_name} {focal.family_name}"), enc(focal.ref)
        return (
            f"{s.head}{arrival}{s.middle}{enc(hh.focal_document or '')},"
            f'"name":{name},"ref":{ref}}},"household_ref":{enc(hh.ref)},"members":[{members}'
            f"{s.tail}{enc(hh.site_code)}}}"
        )


BATCH = 50_000  # rows per write: memory bounded at 500,000 households


def batches(
    builder: Builder, households: Iterable[RosterHousehold], cycle_id: Any
) -> Iterator[tuple[list[tuple[Any, ...]], Decimal]]:
    """The frozen rows of the eligible households (values of `COLUMNS`, in the driver's form) in
    batches of `BATCH`, each batch with its total amount (written while the registry still streams)."""
    bind_id, sha = builder.bind["id"], hashlib.sha256
    version = builder.bind["rule_version"](builder.version)
    currency = builder.bind["currency"](builder.currency)
    rows: list[tuple[Any, ...]] = []
    total = Decimal(0)
    for hh in households:
        focal = next((m for m in hh.members if m.is_focal_point), None)
        shared = builder.decide(hh, focal)
        if shared is None:
            continue
        text = builder.text(hh, focal, shared)
        rows.append(
            (
                bind_id(ids.new_id()),
                cycle_id,
                hh.id,
                hh.ref,
                hh.site_id,
                version,
                shared.amount,
                shared.fee,
                currency,
                shared.basket,
                text,
                sha(text.encode()).hexdigest(),
            )
        )
        total += shared.decision.amount
        if len(rows) >= BATCH:
            yield rows, total
            rows, total = [], Decimal(0)
    if rows:
        yield rows, total
