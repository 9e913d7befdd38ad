"""The core: the exception tree (documented in one docstring), the clock that tests can freeze,
human-readable references, and the in-process event bus. No database."""

from __future__ import annotations

import datetime as dt
import re
import time
import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from refugio.core import clock, errors, events, ids

# --- errors ---------------------------------------------------------------------------------------------


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def test_the_exception_tree_is_written_out_in_the_module_docstring() -> None:
    documented = set(re.findall(r"[├└]── (\w+)", errors.__doc__ or ""))
    actual = {cls.__name__ for cls in _subclasses(errors.RefugioError) if cls.__module__ == errors.__name__}
    assert documented == actual


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (errors.ValidationFailed([]), 422),
        (errors.NotFound("x"), 404),
        (errors.Conflict("x"), 409),
        (errors.PermissionDenied("x"), 403),
        (errors.AuthenticationFailed("x"), 401),
        (errors.TooManyAttempts("x", retry_after=60), 429),
        (errors.IntegrityBroken("x"), 409),
    ],
)
def test_every_error_has_a_status_and_a_title(error: errors.RefugioError, status: int) -> None:
    assert error.status == status and error.title and isinstance(error, errors.RefugioError)


def test_validation_failed_names_every_field() -> None:
    failure = errors.ValidationFailed(
        [
            errors.FieldError("members.2.date_of_birth", "not a real date", "bad_date"),
            errors.FieldError("consent_given", "consent was not given", "consent_required"),
        ]
    )
    assert str(failure) == "members.2.date_of_birth: not a real date; consent_given: consent was not given"
    assert failure.errors[0].as_dict() == {
        "field": "members.2.date_of_birth",
        "message": "not a real date",
        "code": "bad_date",
    }
    single = errors.ValidationFailed.single("q", "type at least two characters", "too_short")
    assert [(e.field, e.code) for e in single.errors] == [("q", "too_short")]
    assert errors.FieldError("x", "y").code == "invalid"


def test_conflict_may_carry_field_errors_and_throttling_says_when_to_retry() -> None:
    conflict = errors.Conflict("already flagged", [errors.FieldError("code", "already flagged")])
    assert [e.field for e in conflict.errors] == ["code"] and errors.Conflict("x").errors == []
    throttled = errors.TooManyAttempts("wait", retry_after=900)
    assert isinstance(throttled, errors.AuthenticationFailed) and throttled.retry_after == 900


# --- clock ----------------------------------------------------------------------------------------------


def test_the_clock_is_aware_utc() -> None:
    now = clock.now()
    assert now.tzinfo is not None and now.utcoffset() == dt.timedelta(0)
    assert clock.today() in (now.date(), clock.now().date())


def test_the_clock_can_be_frozen_and_nested() -> None:
    outer = dt.datetime(2026, 1, 31, 23, 59, 59, tzinfo=dt.UTC)
    with clock.frozen(outer):
        assert clock.now() == outer and clock.today() == dt.date(2026, 1, 31)
        with clock.frozen(dt.datetime(2030, 6, 1, 12, 0)):  # naive means UTC
            assert clock.now() == dt.datetime(2030, 6, 1, 12, 0, tzinfo=dt.UTC)
        assert clock.now() == outer
    assert clock.now() != outer


def test_the_clock_thaws_when_the_block_raises() -> None:
    frozen_at = dt.datetime(2001, 1, 1, tzinfo=dt.UTC)
    with pytest.raises(RuntimeError), clock.frozen(frozen_at):
        raise RuntimeError
    assert clock.now() != frozen_at


# --- references -----------------------------------------------------------------------------------------


def test_household_and_individual_references() -> None:
    household = ids.household_ref("jor", 2026, 123)
    assert household == "JOR-26-000123"
    assert ids.individual_ref(household, 2) == "JOR-26-000123-02"
    assert ids.household_ref("SYR", 2009, 1_234_567) == "SYR-09-1234567"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("JOR-26-000123", True),
        (" jor-26-000123-02 ", True),
        ("JOR-26-1234567-12", True),
        ("JOR-26-123", False),
        ("JORD-26-000123", False),
        ("Khaled Haddad", False),
        ("N123456", False),
    ],
)
def test_looks_like_ref(text: str, expected: bool) -> None:
    assert ids.looks_like_ref(text) is expected


def test_new_ids_are_unique_time_ordered_uuids() -> None:
    before = time.time_ns() // 1_000_000
    made = [ids.new_id() for _ in range(1000)]
    after = time.time_ns() // 1_000_000
    assert len(set(made)) == 1000
    assert all(u.version == 7 and u.variant == uuid.RFC_4122 for u in made)
    stamps = [u.int >> 80 for u in made]  # the first 48 bits: Unix milliseconds
    assert stamps == sorted(stamps) and before <= stamps[0] and stamps[-1] <= after
    # below the millisecond the bits are random: 1000 ids do not share their low 62 bits
    assert len({u.int & ((1 << 62) - 1) for u in made}) == 1000


# --- events ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Registered:
    ref: str


@dataclass(frozen=True)
class _Died:
    ref: str


def test_the_bus_delivers_to_subscribers_of_that_type_only() -> None:
    bus = events.EventBus()
    received: list[tuple[_Registered, Session]] = []
    bus.subscribe(_Registered, lambda event, session: received.append((event, session)))
    session = Session()
    bus.publish(_Registered("JOR-26-000001"), session=session)
    bus.publish(_Died("JOR-26-000001-01"), session=session)
    assert received == [(_Registered("JOR-26-000001"), session)]


def test_a_handler_may_subscribe_another_while_an_event_is_delivered() -> None:
    bus = events.EventBus()
    calls: list[str] = []

    def first(_event: _Registered, _session: Session) -> None:
        calls.append("first")
        bus.subscribe(_Registered, lambda _e, _s: calls.append("late"))

    bus.subscribe(_Registered, first)
    bus.publish(_Registered("x"), session=Session())
    assert calls == ["first"]
    bus.publish(_Registered("x"), session=Session())
    assert calls == ["first", "first", "late"]
