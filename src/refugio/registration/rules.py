"""Declarative specific-needs rules: load a versioned rule set (YAML data), compute the facts of each
member of a household, evaluate conditions and explain the result. Nothing is executed from data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Protocol

import yaml

from refugio.registration.needs import CODES

OPS = {"eq", "ne", "lt", "le", "gt", "ge", "in"}
FACTS = {
    "age",
    "is_child",
    "is_older",
    "sex",
    "relationship",
    "is_focal_point",
    "hh_size",
    "hh_adults",
    "hh_children",
    "hh_older",
    "hh_adults_18_59",
    "spouse_present",
    "parent_present",
    "adult_present",
    "adult_relative_present",
    "has_children_in_household",
}
_PLACEHOLDER = re.compile(r"\{([a-z_0-9]+)\}")


class RuleSetError(ValueError):
    """A rule set that does not follow the schema (named rule and problem)."""


Test = Callable[[dict[str, Any]], bool]


@dataclass(frozen=True)
class Rule:
    id: str
    code: str
    when: dict[str, Any]
    explain: str
    # `when` as nested closures, built once per rule (the data is read, never executed)
    test: Test = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "test", _compile(self.when))


@dataclass(frozen=True)
class RuleSet:
    version: str
    rules: tuple[Rule, ...]
    content: dict[str, Any]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(json.dumps(self.content, sort_keys=True).encode()).hexdigest()


def _check_condition(cond: Any, where: str) -> None:
    if not isinstance(cond, dict) or len(cond) == 0:
        raise RuleSetError(f"{where}: a condition must be a mapping")
    if "all" in cond or "any" in cond:
        key = "all" if "all" in cond else "any"
        items = cond[key]
        if not isinstance(items, list) or not items:
            raise RuleSetError(f"{where}: '{key}' needs a non-empty list")
        for i, c in enumerate(items):
            _check_condition(c, f"{where}.{key}[{i}]")
    elif "not" in cond:
        _check_condition(cond["not"], f"{where}.not")
    else:
        if cond.get("fact") not in FACTS:
            raise RuleSetError(f"{where}: unknown fact {cond.get('fact')!r}")
        if cond.get("op") not in OPS:
            raise RuleSetError(f"{where}: unknown operator {cond.get('op')!r}")
        if "value" not in cond:
            raise RuleSetError(f"{where}: missing 'value'")
        if cond["op"] == "in" and not isinstance(cond["value"], list):
            raise RuleSetError(f"{where}: 'in' needs a list of values")


def parse_ruleset(content: dict[str, Any]) -> RuleSet:
    """Validate rule-set data and build a RuleSet; raises RuleSetError naming the problem."""
    version = content.get("version")
    if not isinstance(version, str) or not version:
        raise RuleSetError("rule set needs a 'version' string")
    raw = content.get("rules")
    if not isinstance(raw, list) or not raw:
        raise RuleSetError("rule set needs a non-empty 'rules' list")
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, r in enumerate(raw):
        where = f"rules[{i}]"
        if not isinstance(r, dict):
            raise RuleSetError(f"{where}: must be a mapping")
        rid, code = r.get("id"), r.get("code")
        if not isinstance(rid, str) or rid in seen:
            raise RuleSetError(f"{where}: missing or duplicate id {rid!r}")
        if code not in CODES:
            raise RuleSetError(f"{where} ({rid}): unknown specific-needs code {code!r}")
        _check_condition(r.get("when"), f"{where} ({rid}).when")
        explain = r.get("explain", "")
        for name in _PLACEHOLDER.findall(explain):
            if name not in FACTS:
                raise RuleSetError(f"{where} ({rid}): explanation names unknown fact {name!r}")
        seen.add(rid)
        rules.append(Rule(id=rid, code=code, when=r["when"], explain=explain))
    return RuleSet(version=version, rules=tuple(rules), content=content)


@lru_cache(maxsize=1)
def default_ruleset() -> RuleSet:
    text = resources.files("refugio.registration").joinpath("rules/specific_needs.yaml").read_text("utf-8")
    return parse_ruleset(yaml.safe_load(text))


class MemberLike(Protocol):
    @property
    def date_of_birth(self) -> dt.date: ...
    @property
    def sex(self) -> str: ...
    @property
    def relationship_to_focal_point(self) -> str: ...


def age_on(dob: dt.date, on: dt.date) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


_PARENT_LINKS = {"son_daughter", "step_child"}
_NOT_RELATIVE = {"not_related"}


def household_facts(members: Sequence[MemberLike], on: dt.date) -> list[dict[str, Any]]:
    """The facts of every (active) member of one household, in the order given."""
    ages = [age_on(m.date_of_birth, on) for m in members]
    rels = [m.relationship_to_focal_point for m in members]
    adults = [i for i, a in enumerate(ages) if a >= 18]
    hh = {
        "hh_size": len(members),
        "hh_adults": len(adults),
        "hh_children": sum(1 for a in ages if a < 18),
        "hh_older": sum(1 for a in ages if a >= 60),
        "hh_adults_18_59": sum(1 for a in ages if 18 <= a < 60),
        "spouse_present": "spouse" in rels,
    }
    has_parent_of_fp = "parent" in rels
    fp_or_spouse = "focal_point" in rels or "spouse" in rels
    # computed once per household, not once per member (the same answers, without a loop per person)
    related_adults = sum(1 for j in adults if rels[j] not in _NOT_RELATIVE)
    minors_of_fp = any(r in _PARENT_LINKS and ages[j] < 18 for j, r in enumerate(rels))
    out: list[dict[str, Any]] = []
    for i, m in enumerate(members):
        rel = rels[i]
        if rel in _PARENT_LINKS:
            # the focal point (or their spouse) is the parent, if still an active member
            parent_present = fp_or_spouse
        elif rel in {"focal_point", "sibling"}:
            parent_present = has_parent_of_fp
        else:
            parent_present = False
        adult = ages[i] >= 18
        related = rel not in _NOT_RELATIVE
        facts: dict[str, Any] = dict(hh)
        facts.update(
            age=ages[i],
            is_child=not adult,
            is_older=ages[i] >= 60,
            sex=m.sex,
            relationship=rel,
            is_focal_point=rel == "focal_point",
            parent_present=parent_present,
            adult_present=len(adults) > adult,  # an adult other than this person
            # relationships are to the focal point: a child unrelated to them has no known relative here
            adult_relative_present=related and related_adults > (adult and related),
            has_children_in_household=rel == "focal_point" and minors_of_fp,
        )
        out.append(facts)
    return out


_ORDER = {"lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge}


def _compile(cond: dict[str, Any]) -> Test:
    """A checked condition as a function of the facts, so that evaluating a rule for a person does not
    walk the condition's data again. A fact that is missing (None) is never less or greater than a
    value."""
    if "all" in cond:
        parts = tuple(_compile(c) for c in cond["all"])

        def every(facts: dict[str, Any]) -> bool:
            for part in parts:  # noqa: SIM110 (a loop: no generator per person and rule)
                if not part(facts):
                    return False
            return True

        return every
    if "any" in cond:
        parts = tuple(_compile(c) for c in cond["any"])

        def some(facts: dict[str, Any]) -> bool:
            for part in parts:  # noqa: SIM110 (a loop: no generator per person and rule)
                if part(facts):
                    return True
            return False

        return some
    if "not" in cond:
        inner = _compile(cond["not"])
        return lambda facts: not inner(facts)
    name, op, right = cond["fact"], cond["op"], cond["value"]
    if op == "eq":
        return lambda facts: bool(facts.get(name) == right)
    if op == "ne":
        return lambda facts: bool(facts.get(name) != right)
    if op == "in":
        return lambda facts: facts.get(name) in right
    compare = _ORDER[op]

    def ordered(facts: dict[str, Any]) -> bool:
        left = facts.get(name)
        return left is not None and bool(compare(left, right))

    return ordered


@dataclass(frozen=True)
class Finding:
    rule_id: str
    code: str
    explanation: str


def explain(template: str, facts: dict[str, Any]) -> str:
    return _PLACEHOLDER.sub(lambda m: str(facts.get(m.group(1), "?")), template)


def evaluate(ruleset: RuleSet, facts: dict[str, Any]) -> list[Finding]:
    """The rules that hold for one person, with their explanations."""
    return [Finding(r.id, r.code, explain(r.explain, facts)) for r in ruleset.rules if r.test(facts)]
