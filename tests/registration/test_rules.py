"""The declarative specific-needs rules: each rule of `rules/specific_needs.yaml` fires exactly when it
should, explains itself with the facts, is re-evaluated when a household changes (death, birth, move,
correction), retires its stale flags without touching manual ones; and the rule-set parser refuses
anything it does not understand, naming the rule. Data is evaluated, never executed.
"""

from __future__ import annotations

import ast
import copy
import inspect
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import update
from tests.helpers import Seed
from tests.registration.support import (
    active_codes,
    dob_for_age,
    events_of,
    household,
    member,
    needs_of,
    register,
)

from refugio.core import clock
from refugio.core.errors import Conflict
from refugio.main import Container
from refugio.registration import rules
from refugio.registration import service as reg
from refugio.registration.models import Individual, NeedsRuleSet
from refugio.registration.schemas import (
    BirthCreate,
    DeathRecord,
    HouseholdMove,
    IndividualUpdate,
    NeedFlag,
)
from refugio.security.principals import Principal
from refugio.store.uow import unit_of_work

RULES_FILE = Path(rules.__file__).with_name("rules") / "specific_needs.yaml"


def _register(
    container: Container, actor: Principal, site: uuid.UUID, *members: dict[str, Any]
) -> list[Individual]:
    """Register a household with these members; the members in the order given."""
    hh = register(container, actor, household(site, *members))
    return sorted(hh.members, key=lambda m: m.ref)


def _codes(container: Container, people: list[Individual]) -> list[set[str]]:
    return [active_codes(container, p.id) for p in people]


# --- each rule, at registration ------------------------------------------------------------------------

COMPOSITIONS = [
    pytest.param(
        [member("focal_point", "Rami", "M", 15)],
        [{"SC-UC", "SC-CH"}],
        id="unaccompanied-child-alone",
    ),
    pytest.param(
        [member("focal_point", "Rami", "M", 16), member("sibling", "Dana", "F", 12)],
        [{"SC-UC", "SC-CH"}, {"SC-UC"}],
        id="child-headed-household-of-siblings",
    ),
    pytest.param(
        [member("focal_point", "Tarek", "M", 41), member("nephew_niece", "Sami", "M", 10)],
        [set(), {"SC-SC"}],
        id="separated-child-with-an-uncle",
    ),
    pytest.param(
        [member("focal_point", "Hassan", "M", 30), member("spouse", "Rana", "F", 16)],
        [set(), {"CR-CS", "SC-SC"}],
        id="child-spouse",
    ),
    pytest.param(
        [member("focal_point", "Hiba", "F", 16), member("son_daughter", "Nour", "F", 1)],
        [{"SC-UC", "SC-CH", "CR-CP"}, {"SC-UC"}],
        id="child-parent",
    ),
    pytest.param(
        [member("focal_point", "Fatima", "F", 72)],
        [{"ER-NF"}],
        id="older-person-alone",
    ),
    pytest.param(
        [
            member("focal_point", "Amina", "F", 68),
            member("grandchild", "Ali", "M", 8),
            member("grandchild", "Sara", "F", 11),
        ],
        [{"ER-MC"}, {"SC-SC"}, {"SC-SC"}],
        id="older-person-with-grandchildren",
    ),
    pytest.param(
        [
            member("focal_point", "Layla", "F", 31),
            member("son_daughter", "Adam", "M", 5),
            member("son_daughter", "Jana", "F", 3),
        ],
        [{"SP-PT"}, set(), set()],
        id="single-parent",
    ),
    pytest.param(
        [
            member("focal_point", "Khaled", "M", 42),
            member("spouse", "Mariam", "F", 38),
            member("son_daughter", "Yusuf", "M", 12),
            member("son_daughter", "Lina", "F", 6),
        ],
        [set(), set(), set(), set()],
        id="two-parent-family-flags-nothing",
    ),
    pytest.param(
        [member("focal_point", "Omar", "M", 18)],
        [set()],
        id="an-18-year-old-alone-is-an-adult",
    ),
    pytest.param(
        [member("focal_point", "Omar", "M", 17)],
        [{"SC-UC", "SC-CH"}],
        id="a-17-year-old-alone-is-a-child",
    ),
    pytest.param(
        [member("focal_point", "Salma", "F", 59)],
        [set()],
        id="a-59-year-old-alone-is-not-older",
    ),
    pytest.param(
        [member("focal_point", "Salma", "F", 60)],
        [{"ER-NF"}],
        id="a-60-year-old-alone-is-older",
    ),
    pytest.param(
        [member("focal_point", "Yasin", "M", 70), member("spouse", "Huda", "F", 66)],
        [set(), set()],
        id="older-couple-is-not-alone",
    ),
    pytest.param(
        [
            member("focal_point", "Amina", "F", 68),
            member("son_daughter", "Karim", "M", 40),
            member("grandchild", "Ali", "M", 8),
        ],
        [set(), set(), {"SC-SC"}],
        id="older-person-with-an-adult-child-and-grandchild",
    ),
]


@pytest.mark.parametrize(("members", "expected"), COMPOSITIONS)
def test_each_rule_fires_exactly_when_it_should(
    container: Container,
    seeded: Seed,
    clerk: Principal,
    members: list[dict[str, Any]],
    expected: list[set[str]],
) -> None:
    people = _register(container, clerk, seeded.camp_id, *copy.deepcopy(members))
    assert _codes(container, people) == expected


def test_a_child_with_an_unrelated_adult_is_unaccompanied(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    adult, child = _register(
        container,
        clerk,
        seeded.camp_id,
        member("focal_point", "Ahmad", "M", 35),
        member("not_related", "Bilal", "M", 12, family_name="Saleh"),
    )
    assert active_codes(container, child.id) == {"SC-UC"}
    assert active_codes(container, adult.id) == set()


def test_rule_flags_explain_themselves_with_the_facts(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    grandmother, _ali, _sara = _register(
        container,
        clerk,
        seeded.camp_id,
        member("focal_point", "Amina", "F", 68),
        member("grandchild", "Ali", "M", 8),
        member("grandchild", "Sara", "F", 11),
    )
    (flag,) = needs_of(container, grandmother.id)
    assert (flag.code, flag.category, flag.source, flag.rule_id) == (
        "ER-MC",
        "ER",
        "rule",
        "older-person-with-children",
    )
    assert flag.ruleset_version == rules.default_ruleset().version
    assert "Aged 68" in flag.reason and "2 child(ren)" in flag.reason

    (child,) = _register(container, clerk, seeded.camp_id, member("focal_point", "Rami", "M", 15))
    reasons = {n.code: n.reason for n in needs_of(container, child.id)}
    assert "Aged 15" in reasons["SC-UC"] and "0 adult(s) in a group of 1" in reasons["SC-UC"]
    assert "15 years old" in reasons["SC-CH"]


def test_a_manual_flag_given_at_registration_is_not_doubled_by_the_rule(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    manual = {"code": "ER-NF", "reason": "lives alone, reported by the community"}
    (person,) = _register(
        container, clerk, seeded.camp_id, member("focal_point", "Fatima", "F", 75, needs=[manual])
    )
    (flag,) = needs_of(container, person.id)
    assert (flag.code, flag.source, flag.reason) == ("ER-NF", "manual", manual["reason"])


def test_the_rule_set_in_force_is_recorded_and_may_not_change_silently(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    _register(container, clerk, seeded.camp_id, member("focal_point", "Fatima", "F", 75))
    shipped = rules.default_ruleset()
    with unit_of_work(container.sessions) as s:
        row = s.get(NeedsRuleSet, shipped.version)
        assert row is not None and row.active and row.sha256 == shipped.sha256
        s.execute(update(NeedsRuleSet).values(sha256="0" * 64))
    with unit_of_work(container.sessions) as s, pytest.raises(Conflict, match=shipped.version):
        reg.register_household(
            s, actor=clerk, data=household(seeded.camp_id, member("focal_point", "Amal", "F", 30))
        )


# --- re-evaluation when the household changes -----------------------------------------------------------


def test_death_of_the_only_adult_makes_the_children_unaccompanied(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    father, son, daughter = _register(
        container,
        clerk,
        seeded.camp_id,
        member("focal_point", "Walid", "M", 40),
        member("son_daughter", "Adam", "M", 10),
        member("son_daughter", "Jana", "F", 8),
    )
    assert _codes(container, [father, son, daughter]) == [{"SP-PT"}, set(), set()]
    with unit_of_work(container.sessions) as s:
        reg.record_death(
            s, actor=clerk, individual_id=father.id, data=DeathRecord(date_of_death=clock.today())
        )
    assert _codes(container, [son, daughter]) == [{"SC-UC"}, {"SC-UC"}]
    flagged = [e for e in events_of(container, son.id) if e.event_type == "need_flagged"]
    assert flagged and "SC-UC" in flagged[-1].summary


def test_a_deceased_person_keeps_no_rule_flags_about_their_household(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    father, _son = _register(
        container,
        clerk,
        seeded.camp_id,
        member("focal_point", "Walid", "M", 40),
        member("son_daughter", "Adam", "M", 10),
    )
    with unit_of_work(container.sessions) as s:
        reg.record_death(
            s, actor=clerk, individual_id=father.id, data=DeathRecord(date_of_death=clock.today())
        )
    assert active_codes(container, father.id) == set()
    (retired,) = needs_of(container, father.id)
    assert not retired.active and retired.removal_reason


def test_a_child_left_with_an_uncle_after_the_fathers_death_is_separated(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    father, _uncle, child = _register(
        container,
        clerk,
        seeded.camp_id,
        member("focal_point", "Walid", "M", 40),
        member("sibling", "Tarek", "M", 36),
        member("son_daughter", "Adam", "M", 10),
    )
    with unit_of_work(container.sessions) as s:
        reg.record_death(
            s, actor=clerk, individual_id=father.id, data=DeathRecord(date_of_death=clock.today())
        )
    assert active_codes(container, child.id) == {"SC-SC"}


def test_a_birth_re_evaluates_the_household(container: Container, seeded: Seed, clerk: Principal) -> None:
    (mother,) = _register(container, clerk, seeded.camp_id, member("focal_point", "Amal", "F", 24))
    assert active_codes(container, mother.id) == set()
    with unit_of_work(container.sessions) as s:
        reg.record_birth(
            s,
            actor=clerk,
            household_id=mother.household_id,
            data=BirthCreate(given_name="Nour", family_name="Haddad", sex="F", date_of_birth=dob_for_age(0)),
        )
    assert active_codes(container, mother.id) == {"SP-PT"}


def test_a_move_retires_stale_rule_flags_and_keeps_manual_ones(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    mother, child = _register(
        container,
        clerk,
        seeded.camp_id,
        member("focal_point", "Layla", "F", 31),
        member("son_daughter", "Adam", "M", 5),
    )
    (husband,) = _register(container, clerk, seeded.camp_id, member("focal_point", "Samir", "M", 33))
    with unit_of_work(container.sessions) as s:
        reg.flag_need(
            s,
            actor=clerk,
            individual_id=mother.id,
            data=NeedFlag(code="WR-WR", reason="reported at the desk"),
        )
    assert active_codes(container, mother.id) == {"SP-PT", "WR-WR"}

    with unit_of_work(container.sessions) as s:
        reg.move_individual(
            s,
            actor=clerk,
            individual_id=husband.id,
            data=HouseholdMove(
                reason="joins his wife", to_household_id=mother.household_id, relationship="spouse"
            ),
        )
    assert active_codes(container, mother.id) == {"WR-WR"}
    assert active_codes(container, child.id) == set()
    retired = next(n for n in needs_of(container, mother.id) if n.code == "SP-PT")
    assert not retired.active and retired.removed_at is not None
    assert retired.removal_reason and "single-parent" in retired.removal_reason
    manual = next(n for n in needs_of(container, mother.id) if n.code == "WR-WR")
    assert manual.active and manual.removal_reason is None
    assert any(
        e.event_type == "need_removed" and "SP-PT" in e.summary for e in events_of(container, mother.id)
    )


def test_a_child_split_into_a_household_of_their_own_is_flagged(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    _father, _mother, son = _register(
        container,
        clerk,
        seeded.camp_id,
        member("focal_point", "Khaled", "M", 42),
        member("spouse", "Mariam", "F", 38),
        member("son_daughter", "Yusuf", "M", 16),
    )
    with unit_of_work(container.sessions) as s:
        reg.move_individual(
            s, actor=clerk, individual_id=son.id, data=HouseholdMove(reason="lives with friends now")
        )
    assert active_codes(container, son.id) == {"SC-UC", "SC-CH"}


def test_correcting_a_date_of_birth_re_evaluates_the_rules(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    (person,) = _register(container, clerk, seeded.camp_id, member("focal_point", "Fatima", "F", 72))
    assert active_codes(container, person.id) == {"ER-NF"}
    with unit_of_work(container.sessions) as s:
        reg.update_individual(
            s,
            actor=clerk,
            individual_id=person.id,
            data=IndividualUpdate(reason="passport shows 1976", date_of_birth=dob_for_age(50)),
        )
    assert active_codes(container, person.id) == set()


# --- the rule-set parser --------------------------------------------------------------------------------


def _ruleset(**rule: Any) -> dict[str, Any]:
    base = {
        "id": "my-rule",
        "code": "ER-NF",
        "when": {"fact": "age", "op": "ge", "value": 60},
        "explain": "Aged {age}.",
    }
    base.update(rule)
    return {"version": "test-1", "rules": [base]}


def test_the_shipped_rule_file_parses() -> None:
    parsed = rules.parse_ruleset(yaml.safe_load(RULES_FILE.read_text("utf-8")))
    assert {r.id for r in parsed.rules} >= {
        "unaccompanied-child",
        "separated-child",
        "child-headed-household",
        "child-spouse",
        "older-person-alone",
        "older-person-with-children",
        "single-parent",
    }
    assert parsed.sha256 == rules.default_ruleset().sha256


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        pytest.param(
            {"when": {"fact": "wealth", "op": "gt", "value": 1}}, "unknown fact 'wealth'", id="fact"
        ),
        pytest.param(
            {"when": {"fact": "age", "op": "like", "value": 1}}, "unknown operator 'like'", id="operator"
        ),
        pytest.param({"code": "XX-ZZ"}, "unknown specific-needs code 'XX-ZZ'", id="code"),
        pytest.param({"when": {"fact": "age", "op": "gt"}}, "missing 'value'", id="value"),
        pytest.param(
            {
                "when": {
                    "all": [
                        {"fact": "age", "op": "gt", "value": 1},
                        {"fact": "income", "op": "eq", "value": 0},
                    ]
                }
            },
            "unknown fact 'income'",
            id="nested-fact",
        ),
        pytest.param(
            {"when": {"not": {"fact": "age", "op": "≥", "value": 1}}}, "unknown operator", id="under-not"
        ),
        pytest.param({"when": {"any": []}}, "non-empty list", id="empty-any"),
        pytest.param({"when": "age >= 60"}, "must be a mapping", id="expression-string"),
        pytest.param({"explain": "Aged {salary}."}, "unknown fact 'salary'", id="explanation-fact"),
        pytest.param({"explain": "{__class__}"}, "unknown fact '__class__'", id="explanation-dunder"),
    ],
)
def test_the_parser_refuses_what_it_does_not_know_naming_the_rule(rule: dict[str, Any], problem: str) -> None:
    with pytest.raises(rules.RuleSetError) as caught:
        rules.parse_ruleset(_ruleset(**rule))
    assert "my-rule" in str(caught.value)
    assert problem in str(caught.value)


def test_the_parser_refuses_duplicate_ids_and_a_missing_version() -> None:
    content = _ruleset()
    content["rules"].append(dict(content["rules"][0]))
    with pytest.raises(rules.RuleSetError, match="duplicate id 'my-rule'"):
        rules.parse_ruleset(content)
    with pytest.raises(rules.RuleSetError, match="version"):
        rules.parse_ruleset({"rules": _ruleset()["rules"]})


def test_the_parser_refuses_in_without_a_list() -> None:
    with pytest.raises(rules.RuleSetError, match="my-rule"):
        rules.parse_ruleset(_ruleset(when={"fact": "relationship", "op": "in", "value": 5}))


def _facts(**overrides: Any) -> dict[str, Any]:
    (facts,) = rules.household_facts([_Person(dob_for_age(70), "F", "focal_point")], clock.today())
    facts.update(overrides)
    return facts


class _Person:
    def __init__(self, dob: str, sex: str, relationship: str) -> None:
        import datetime as dt

        self.date_of_birth = dt.date.fromisoformat(dob)
        self.sex = sex
        self.relationship_to_focal_point = relationship


def test_evaluation_compares_data_and_never_executes_it(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    payload = f"__import__('pathlib').Path({str(marker)!r}).touch()"
    ruleset = rules.parse_ruleset(
        _ruleset(
            when={
                "any": [
                    {"fact": "sex", "op": "eq", "value": payload},
                    {"fact": "age", "op": "lt", "value": 0},
                ]
            },
            explain="Aged {age} {age.__class__} {hh_size!r}",
        )
    )
    assert rules.evaluate(ruleset, _facts()) == []
    assert not marker.exists()
    assert (
        rules.evaluate(ruleset, _facts(sex=payload))[0].explanation == "Aged 70 {age.__class__} {hh_size!r}"
    )
    assert not marker.exists()


def test_the_rules_module_has_no_way_to_run_code() -> None:
    calls = [
        node.func for node in ast.walk(ast.parse(inspect.getsource(rules))) if isinstance(node, ast.Call)
    ]
    builtins = {f.id for f in calls if isinstance(f, ast.Name)}
    yaml_calls = {
        f.attr for f in calls if isinstance(f, ast.Attribute) and getattr(f.value, "id", None) == "yaml"
    }
    assert not builtins & {"eval", "exec", "compile", "__import__", "getattr"}
    assert yaml_calls == {"safe_load"}
