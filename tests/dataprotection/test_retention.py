"""The retention rules: what a run anonymises, what it keeps (legal holds, open cases), its report,
dry runs, the statistics snapshot staying consistent, the audit chain, the scheduler, permissions."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update
from tests.dataprotection.conftest import Past

from refugio.core.errors import PermissionDenied, ValidationFailed
from refugio.dataprotection import queries, scheduler, service
from refugio.dataprotection.enums import HoldObject, RetentionRule
from refugio.dataprotection.schemas import LegalHoldCreate, RetentionPolicy
from refugio.protection.models import ProtectionCase
from refugio.registration.models import Household, IdentityDocument, Individual, NameSearch, RegistrationEvent
from refugio.security import audit
from refugio.security.models import AuditEntry
from refugio.stats import snapshot
from refugio.store.uow import unit_of_work

RULES = RetentionPolicy()


def _run(past: Past, username: str = "dpo", dry_run: bool = False):  # type: ignore[no-untyped-def]
    with unit_of_work(past.world.container.sessions) as s:
        return service.run_retention(s, actor=past.world.who(username), rules=RULES, dry_run=dry_run)


def _person(past: Past, person_id):  # type: ignore[no-untyped-def]
    with unit_of_work(past.world.container.sessions) as s:
        p = s.get(Individual, person_id)
        assert p is not None
        s.expunge(p)
        return p


def test_a_run_anonymises_what_is_past_its_period_and_keeps_the_rest(past: Past) -> None:
    w = past.world
    son_before = _person(past, w.son_id)
    report = _run(past)
    by_rule = {r.rule: r for r in report.rules}
    assert by_rule[RetentionRule.CLOSED_CASES].processed == 1
    departed = by_rule[RetentionRule.DEPARTED_PEOPLE]
    assert (departed.eligible, departed.processed) == (2, 1)  # the father is in an open case
    case_code = None
    with unit_of_work(w.container.sessions) as s:
        case_code = s.scalar(select(ProtectionCase.code).where(ProtectionCase.id == past.open_case_id))
        father_ref = s.scalar(select(Individual.ref).where(Individual.id == w.father_id))
    assert departed.held == [{"ref": father_ref, "hold": f"open case {case_code}"}]
    assert by_rule[RetentionRule.DECEASED_PEOPLE].processed == 1  # Omar, dead three years ago
    son = _person(past, w.son_id)
    assert (son.given_name, son.family_name, son.phone, son.given_name_original) == (
        "",
        "(anonymised)",
        None,
        None,
    )
    assert (son.sex, son.nationality, son.site_id, son.household_id, son.ref) == (
        son_before.sex,
        son_before.nationality,
        son_before.site_id,
        son_before.household_id,
        son_before.ref,
    )
    assert son.date_of_birth == son_before.date_of_birth.replace(day=1)
    father = _person(past, w.father_id)
    assert father.given_name == "Khaled"  # kept: his case is open
    woman = _person(past, w.woman_id)
    assert woman.given_name == "Amira"  # active: no rule applies
    with unit_of_work(w.container.sessions) as s:
        case = s.get(ProtectionCase, report and past.closed_case_id)
        assert case is not None and case.summary == "" and case.closure_reason is None
        still_open = s.get(ProtectionCase, past.open_case_id)
        assert still_open is not None and "arrest" in still_open.summary
        for gone in (w.son_id, w.child_id):
            assert s.scalar(select(func.count()).where(IdentityDocument.individual_id == gone)) == 0
            assert s.scalar(select(func.count()).where(NameSearch.individual_id == gone)) == 0
        events = s.scalars(
            select(RegistrationEvent.summary).where(RegistrationEvent.individual_id == w.son_id)
        )
        assert set(events) == {"(anonymised)"}
        household = s.get(Household, son.household_id)
        assert household is not None and household.address is not None  # the father is still there
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "dataprotection.anonymised")).all()
        assert {(e.object_type, e.object_id) for e in entries} == {
            ("case", str(past.closed_case_id)),
            ("individual", str(w.son_id)),
            ("individual", str(w.child_id)),
            ("household", str(s.scalar(select(Individual.household_id).where(Individual.id == w.child_id)))),
        }  # Omar lived alone: his household goes with him
        assert audit.verify_chain(s).ok
    stored = _run(past)  # nothing twice
    assert sum(r.processed for r in stored.rules if r.rule != RetentionRule.STAGING) == 0


def test_the_household_goes_with_its_last_member(past: Past) -> None:
    w = past.world
    _run(past)
    with unit_of_work(w.container.sessions) as s:
        s.execute(
            update(ProtectionCase).where(ProtectionCase.id == past.open_case_id).values(status="closed")
        )
    report = _run(past)
    departed = next(r for r in report.rules if r.rule == RetentionRule.DEPARTED_PEOPLE)
    assert (departed.processed, departed.households) == (1, 1)
    father = _person(past, w.father_id)
    with unit_of_work(w.container.sessions) as s:
        household = s.get(Household, father.household_id)
        assert household is not None and (household.address, household.phone) == (None, None)


def test_a_legal_hold_keeps_a_record_and_is_listed_until_lifted(past: Past) -> None:
    w = past.world
    with unit_of_work(w.container.sessions) as s:
        omar = s.scalar(select(Individual.ref).where(Individual.id == w.child_id))
        assert omar is not None
        data = LegalHoldCreate(
            object_type=HoldObject.INDIVIDUAL, ref=omar.lower(), reason="court order 12/2026"
        )
        hold = service.place_hold(s, actor=w.who("dpo"), data=data)
    with unit_of_work(w.container.sessions) as s, pytest.raises(ValidationFailed, match="already under"):
        service.place_hold(s, actor=w.who("dpo"), data=data)
    with unit_of_work(w.container.sessions) as s, pytest.raises(ValidationFailed, match="no household"):
        bad = LegalHoldCreate(object_type=HoldObject.HOUSEHOLD, ref="NOPE-1", reason="court order")
        service.place_hold(s, actor=w.who("dpo"), data=bad)
    report = _run(past)
    deceased = next(r for r in report.rules if r.rule == RetentionRule.DECEASED_PEOPLE)
    assert (deceased.processed, deceased.held) == (0, [{"ref": omar, "hold": omar}])
    assert _person(past, w.child_id).given_name == "Omar"
    with unit_of_work(w.container.sessions) as s:
        lifted = service.lift_hold(s, actor=w.who("dpo"), hold_id=hold.id, reason="case dismissed")
        assert not lifted.active and lifted.lifted_by == "dpo"
        assert [h.id for h in queries.holds(s, actor=w.who("dpo"), active_only=True)] == []
    _run(past)
    assert _person(past, w.child_id).given_name == ""


def test_a_dry_run_counts_and_changes_nothing(past: Past) -> None:
    report = _run(past, dry_run=True)
    assert report.dry_run
    assert {r.rule: r.eligible for r in report.rules}[RetentionRule.DEPARTED_PEOPLE] == 2
    assert _person(past, past.world.son_id).given_name == "Yusuf"
    with unit_of_work(past.world.container.sessions) as s:
        assert [r.id for r in queries.runs(s, actor=past.world.who("dpo"))] == [report.id]


def test_statistics_stay_consistent(past: Past) -> None:
    with unit_of_work(past.world.container.sessions) as s:
        before = snapshot.frame_rows(snapshot.load_frame(s, past.world.operation_id))
    _run(past)
    with unit_of_work(past.world.container.sessions) as s:
        assert snapshot.pending(s)  # the triggers saw the coarsened dates
        refreshed = snapshot.frame_rows(snapshot.load_frame(s, past.world.operation_id))
        snapshot.rebuild(s)
        rebuilt = snapshot.frame_rows(snapshot.load_frame(s, past.world.operation_id))
    assert refreshed == rebuilt
    assert len(refreshed) == len(before)
    assert sorted(r[:1] for r in refreshed) == sorted(r[:1] for r in before)  # same people, same sexes


def test_least_privilege(past: Past) -> None:
    w = past.world
    for username in ("protection", "imo", "supervisor"):
        with pytest.raises(PermissionDenied):
            _run(past, username)
        with unit_of_work(w.container.sessions) as s, pytest.raises(PermissionDenied):
            queries.runs(s, actor=w.who(username))
    data = LegalHoldCreate(object_type=HoldObject.CASE, ref="X", reason="court order")
    with unit_of_work(w.container.sessions) as s, pytest.raises(PermissionDenied):
        service.place_hold(s, actor=w.who("supervisor"), data=data)


def test_the_scheduler_runs_once_per_interval(past: Past) -> None:
    sessions = past.world.container.sessions
    first = scheduler.tick(sessions, RULES, dt.timedelta(hours=24))
    assert first is not None and first.trigger == "scheduler" and first.processed == 3
    assert scheduler.tick(sessions, RULES, dt.timedelta(hours=24)) is None
    job = scheduler.RetentionScheduler(sessions, RULES, dt.timedelta(seconds=0.05)).start()
    try:
        for _ in range(200):
            if job.runs:
                break
            job._stop.wait(0.05)
    finally:
        job.stop()
    assert job.runs >= 1 and not job.thread.is_alive()


def test_serve_starts_the_daily_scheduler_unless_turned_off(past: Past) -> None:
    import dataclasses

    from refugio.main import start_retention_scheduler

    container = past.world.container
    off = dataclasses.replace(
        container, settings=container.settings.model_copy(update={"retention_interval_hours": 0})
    )
    assert start_retention_scheduler(off) is None
    job = start_retention_scheduler(container)
    assert job is not None and job.interval == dt.timedelta(hours=24)
    try:
        for _ in range(300):
            if job.runs:
                break
            job._stop.wait(0.05)
    finally:
        job.stop()
    assert job.runs == 1  # at start (no scheduled run yet), then not before a day has passed
