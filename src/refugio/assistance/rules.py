"""Targeting and entitlement rules: declarative data (YAML or JSON) validated by pydantic, evaluated here,
never executed. `parse_rules` turns a document into `Rules` or a ValidationFailed naming the rule set,
the field and the problem; `evaluate` gives one household's decision with the reasons, in words.

A rule set:

    name: Winter cash 2026
    currency: JOD
    eligibility:              # every condition given must hold (all optional)
      population_types: [refugee, asylum_seeker]          # of the focal point
      sites: [ZAA]                          # site codes
      household_size: {min: 1, max: 20}
      needs_any: [DS, SC-UC]                # a member with one of these codes (or categories)
      arrived_from: 2020-01-01
      arrived_until: 2026-12-31
      member_age: {min: 0, max: 4, at_least: 1}
    amounts:
      per_household: 50
      per_member: 20
      max_counted_members: 6
      topups: [{need: DS, amount: 15, per: member}]
      maximum: 400
      rounding: {to: 5, mode: nearest}      # nearest | down | up
      fee: {percent: 1.5, fixed: 0}         # the provider's fee, paid by the programme, not deducted
    basket: [{item: Blanket, unit: piece, per_member: 1, per_household: 0}]

Imports pydantic, yaml and refugio.registration.needs (the code catalogue) and core only.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from refugio.core.errors import FieldError, ValidationFailed
from refugio.registration.needs import CATEGORIES, CODES

CENT = Decimal("0.01")
Money = Decimal


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SizeRange(Strict):
    min: int = Field(default=1, ge=0)
    max: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> SizeRange:
        if self.max is not None and self.max < self.min:
            raise ValueError(f"max ({self.max}) is below min ({self.min})")
        return self


class MemberAge(Strict):
    min: int = Field(default=0, ge=0, le=130)
    max: int = Field(default=130, ge=0, le=130)
    at_least: int = Field(default=1, ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> MemberAge:
        if self.max < self.min:
            raise ValueError(f"max ({self.max}) is below min ({self.min})")
        return self


def _need_code(value: str) -> str:
    code = value.strip().upper()
    if code not in CODES and code not in CATEGORIES:
        raise ValueError(f"{value!r} is not a specific-need code or category of the UNHCR catalogue")
    return code


class Eligibility(Strict):
    population_types: list[str] | None = None
    sites: list[str] | None = None
    household_size: SizeRange | None = None
    needs_any: list[str] | None = None
    arrived_from: dt.date | None = None
    arrived_until: dt.date | None = None
    member_age: MemberAge | None = None

    @field_validator("needs_any")
    @classmethod
    def _needs(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else [_need_code(v) for v in value]

    @field_validator("population_types")
    @classmethod
    def _population(cls, value: list[str] | None) -> list[str] | None:
        known = {"refugee", "asylum_seeker", "migrant", "stateless", "idp", "returnee", "host_community"}
        out = [v.strip().lower() for v in value] if value is not None else None
        for v in out or []:
            if v not in known:
                raise ValueError(f"{v!r} is not a population type ({', '.join(sorted(known))})")
        return out

    @field_validator("sites")
    @classmethod
    def _upper(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else [v.strip().upper() for v in value]


class TopUp(Strict):
    need: str
    amount: Money = Field(ge=0, max_digits=12, decimal_places=2)
    per: Literal["member", "household"] = "member"

    @field_validator("need")
    @classmethod
    def _code(cls, value: str) -> str:
        return _need_code(value)


class Rounding(Strict):
    to: Money = Field(default=CENT, gt=0, max_digits=12, decimal_places=2)
    mode: Literal["nearest", "down", "up"] = "nearest"


class Fee(Strict):
    percent: Money = Field(default=Decimal(0), ge=0, le=100)
    fixed: Money = Field(default=Decimal(0), ge=0, max_digits=12, decimal_places=2)


class Amounts(Strict):
    per_household: Money = Field(default=Decimal(0), ge=0, max_digits=12, decimal_places=2)
    per_member: Money = Field(default=Decimal(0), ge=0, max_digits=12, decimal_places=2)
    max_counted_members: int | None = Field(default=None, ge=1)
    topups: list[TopUp] = Field(default_factory=list)
    maximum: Money | None = Field(default=None, gt=0, max_digits=12, decimal_places=2)
    rounding: Rounding = Field(default_factory=Rounding)
    fee: Fee = Field(default_factory=Fee)


class BasketItem(Strict):
    item: str = Field(min_length=1, max_length=100)
    unit: str = Field(default="unit", min_length=1, max_length=30)
    per_member: Decimal = Field(default=Decimal(0), ge=0)
    per_household: Decimal = Field(default=Decimal(0), ge=0)


class Rules(Strict):
    name: str = Field(min_length=1, max_length=200)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    eligibility: Eligibility = Field(default_factory=Eligibility)
    amounts: Amounts = Field(default_factory=Amounts)
    basket: list[BasketItem] = Field(default_factory=list)

    def counted_needs(self) -> set[str]:
        """The need codes (or categories) the rules look at: the only ones a snapshot keeps."""
        return {t.need for t in self.amounts.topups} | set(self.eligibility.needs_any or [])

    def canonical(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.model_dump_json())
        return data


def parse_rules(text: str | bytes, *, currency: str | None = None, source: str = "rules") -> Rules:
    """A rule set from YAML or JSON text; every problem names the rule set, the field and what is wrong."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise ValidationFailed.single(source, f"not YAML or JSON{where}: {exc}") from None
    return validate_rules(raw, currency=currency, source=source)


def validate_rules(raw: Any, *, currency: str | None = None, source: str = "rules") -> Rules:
    if not isinstance(raw, dict):
        raise ValidationFailed.single(
            source, "a rule set is a mapping with name, currency, eligibility, amounts"
        )
    label = str(raw.get("name") or source)
    try:
        rules = Rules.model_validate(raw)
    except ValidationError as exc:
        raise ValidationFailed(
            [
                FieldError(
                    ".".join(str(p) for p in e["loc"]) or "rules",
                    f"rule set {label!r}: {e['msg']}",
                    e["type"],
                )
                for e in exc.errors()
            ]
        ) from None
    if currency is not None and rules.currency != currency:
        raise ValidationFailed.single(
            "currency",
            f"rule set {label!r}: currency {rules.currency} is not the programme's currency ({currency})",
        )
    return rules


# ---------------------------------------------------------------------------------------------
# evaluation


@dataclass(frozen=True)
class Member:
    ref: str
    name: str
    sex: str
    date_of_birth: dt.date
    population_type: str
    relationship: str
    needs: tuple[str, ...]


@dataclass(frozen=True)
class HouseholdFacts:
    """What the rules look at in a household (read from the registry)."""

    ref: str
    site_code: str
    arrival_date: dt.date | None
    members: tuple[Member, ...]
    focal_population_type: str


@dataclass
class Decision:
    eligible: bool
    reasons: list[str] = field(default_factory=list)
    amount: Decimal = Decimal(0)
    fee: Decimal = Decimal(0)
    basket: list[dict[str, Any]] = field(default_factory=list)


def age_on(dob: dt.date, on: dt.date) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def _has_need(member: Member, code: str) -> bool:
    return any(n == code or n.split("-", 1)[0] == code for n in member.needs)


def _eligibility(rules: Eligibility, hh: HouseholdFacts, on: dt.date) -> tuple[bool, list[str]]:
    """Whether the household qualifies, and why (every condition checked, in order)."""
    ok = True
    why: list[str] = []

    def check(passed: bool, text: str) -> None:
        nonlocal ok
        ok = ok and passed
        why.append(("✓ " if passed else "✗ ") + text)

    size = len(hh.members)
    if rules.population_types is not None:
        check(
            hh.focal_population_type in rules.population_types,
            f"population type {hh.focal_population_type} (wanted {', '.join(rules.population_types)})",
        )
    if rules.sites is not None:
        check(hh.site_code in rules.sites, f"site {hh.site_code} (wanted {', '.join(rules.sites)})")
    if rules.household_size is not None:
        r = rules.household_size
        check(
            size >= r.min and (r.max is None or size <= r.max),
            f"household size {size} (wanted {r.min}–{r.max if r.max is not None else '∞'})",
        )
    if rules.needs_any is not None:
        found = sorted(
            {n for m in hh.members for n in m.needs if any(_has_need(m, c) for c in rules.needs_any)}
        )
        check(
            bool(found),
            f"specific needs {', '.join(found) or 'none'} (wanted any of {', '.join(rules.needs_any)})",
        )
    if rules.arrived_from is not None or rules.arrived_until is not None:
        arrived = hh.arrival_date
        passed = arrived is not None
        if arrived is not None and rules.arrived_from is not None:
            passed = passed and arrived >= rules.arrived_from
        if arrived is not None and rules.arrived_until is not None:
            passed = passed and arrived <= rules.arrived_until
        check(
            passed,
            f"arrival {arrived.isoformat() if arrived else 'unknown'} "
            f"(wanted {rules.arrived_from or '…'} to {rules.arrived_until or '…'})",
        )
    if rules.member_age is not None:
        a = rules.member_age
        n = sum(1 for m in hh.members if a.min <= age_on(m.date_of_birth, on) <= a.max)
        check(n >= a.at_least, f"{n} member(s) aged {a.min}–{a.max} (wanted at least {a.at_least})")
    return ok, why


def _rounded(value: Decimal, rounding: Rounding) -> Decimal:
    mode = {"nearest": ROUND_HALF_UP, "down": ROUND_FLOOR, "up": ROUND_CEILING}[rounding.mode]
    steps = (value / rounding.to).quantize(Decimal(1), rounding=mode)
    return (steps * rounding.to).quantize(CENT)


def _amounts(rules: Amounts, hh: HouseholdFacts) -> tuple[Decimal, Decimal, list[str]]:
    size = len(hh.members)
    counted = size if rules.max_counted_members is None else min(size, rules.max_counted_members)
    total = rules.per_household + rules.per_member * counted
    parts = [f"{rules.per_household:.2f} per household", f"{counted} × {rules.per_member:.2f} per member"]
    if rules.max_counted_members is not None and size > counted:
        parts[-1] += f" (capped at {rules.max_counted_members} of {size})"
    for t in rules.topups:
        n = sum(1 for m in hh.members if _has_need(m, t.need))
        if not n:
            continue
        times = n if t.per == "member" else 1
        total += t.amount * times
        parts.append(f"{times} × {t.amount:.2f} top-up {t.need}")
    why = [" + ".join(parts) + f" = {total:.2f}"]
    if rules.maximum is not None and total > rules.maximum:
        total = rules.maximum
        why.append(f"capped at the maximum {rules.maximum:.2f}")
    rounded = _rounded(total, rules.rounding)
    if rounded != total:
        why.append(f"rounded {rules.rounding.mode} to {rules.rounding.to} → {rounded:.2f}")
    fee = Decimal(0)
    if rounded > 0 and (rules.fee.percent or rules.fee.fixed):
        fee = (rounded * rules.fee.percent / 100 + rules.fee.fixed).quantize(CENT, rounding=ROUND_HALF_UP)
        why.append(f"provider fee {fee:.2f} (paid by the programme, not deducted)")
    return rounded, fee, why


def _basket(items: list[BasketItem], size: int) -> list[dict[str, Any]]:
    out = []
    for b in items:
        qty = b.per_household + b.per_member * size
        if qty > 0:
            out.append({"item": b.item, "unit": b.unit, "quantity": str(qty.normalize())})
    return out


def evaluate(rules: Rules, hh: HouseholdFacts, *, on: dt.date) -> Decision:
    """The household's decision under `rules` on date `on` (for ages), with every reason."""
    ok, why = _eligibility(rules.eligibility, hh, on)
    if not ok:
        return Decision(False, why)
    amount, fee, amount_why = _amounts(rules.amounts, hh)
    return Decision(True, why + amount_why, amount, fee, _basket(rules.basket, len(hh.members)))
