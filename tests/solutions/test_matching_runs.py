"""Matching runs in the database: proposal with explanations, changes with reasons, review and
confirmation by a person; the refusals of the issue (past capacity, a family split, a case in two
active runs) with nothing half-saved; every step audited."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from refugio.core.errors import Conflict, PermissionDenied, ValidationFailed
from refugio.security.models import AuditEntry
from refugio.security.principals import SYSTEM
from refugio.solutions import queries
from refugio.solutions.schemas import MatchingRunCreate, PlacementChange
from refugio.solutions.service import matching_runs
from refugio.store.uow import unit_of_work

from .conftest import World


def proposal(w: World, **extra: object) -> MatchingRunCreate:
    data: dict[str, object] = {
        "title": "Quota 2027, first group",
        "time_limit": 5,
        "cases": [
            {"case_ref": "HAD", "household_id": str(w.haddad), "children": 2, "adults": 2, "seniors": 0},
            {"case_ref": "SAL", "household_id": str(w.saleh), "children": 1, "adults": 2, "seniors": 0},
            {"case_ref": "X3", "children": 0, "adults": 2, "seniors": 0},
        ],
        "localities": [
            {"locality_ref": "LYON", "name": "Lyon", "capacities": [4]},
            {"locality_ref": "NANTES", "capacities": [4]},
        ],
        "scores": [
            {"case_ref": "HAD", "locality_ref": "LYON", "score": 0.9},
            {"case_ref": "HAD", "locality_ref": "NANTES", "score": 0.5},
            {"case_ref": "SAL", "locality_ref": "NANTES", "score": 0.7},
            {"case_ref": "X3", "locality_ref": "LYON", "score": 0.4},
            {"case_ref": "X3", "locality_ref": "NANTES", "score": 0.3},
        ],
    }
    data.update(extra)
    return MatchingRunCreate.model_validate(data)


def propose(w: World, data: MatchingRunCreate | None = None) -> uuid.UUID:
    with unit_of_work(w.container.sessions) as s:
        run = matching_runs.propose(
            s, actor=w.who("resettler"), operation_id=w.operation_id, data=data or proposal(w)
        )
        return run.id


def test_proposal_review_confirm(world: World) -> None:
    run_id = propose(world)
    with unit_of_work(world.container.sessions) as s:
        detail = queries.get_run(s, actor=world.who("resettler"), run_id=run_id)
    placed = {p.case_ref: p.final_locality for p in detail.placements}
    assert placed == {"HAD": "LYON", "SAL": "NANTES", "X3": None}  # 0.9 + 0.7 beats 0.9 + 0.3
    assert detail.run.method == "exact" and detail.run.gap == pytest.approx(0, abs=1e-6)
    had = next(p for p in detail.placements if p.case_ref == "HAD")
    assert had.explanation["score"] == 0.9 and had.explanation["capacities"][0]["binding"] is True
    with unit_of_work(world.container.sessions) as s:
        matching_runs.review(
            s, actor=world.who("resettler"), run_id=run_id, note="checked the families' links"
        )
        run = matching_runs.confirm(s, actor=world.who("resettler"), run_id=run_id)
        assert run.status == "confirmed"
    with unit_of_work(world.container.sessions) as s:
        actions = list(s.scalars(select(AuditEntry.action).where(AuditEntry.object_id == str(run_id))))
    assert (
        actions[:1] == ["matching.propose"] and "matching.confirm" in actions and "matching.read" in actions
    )


def test_confirmation_past_capacity_is_refused_and_nothing_changes(world: World) -> None:
    run_id = propose(world)
    with unit_of_work(world.container.sessions) as s:
        matching_runs.change(
            s,
            actor=world.who("resettler"),
            run_id=run_id,
            data=PlacementChange(case_ref="X3", locality_ref="LYON", reason="joins relatives in Lyon"),
        )
        matching_runs.review(s, actor=world.who("resettler"), run_id=run_id, note="ok")
    with pytest.raises(ValidationFailed) as info, unit_of_work(world.container.sessions) as s:
        matching_runs.confirm(s, actor=world.who("resettler"), run_id=run_id)
    assert "locality LYON: 6 people placed for a capacity of 4" in info.value.message
    with unit_of_work(world.container.sessions) as s:
        assert queries.get_run(s, actor=world.who("resettler"), run_id=run_id).run.status == "reviewed"


def test_incompatible_change_is_refused(world: World) -> None:
    run_id = propose(world)
    with pytest.raises(ValidationFailed) as info, unit_of_work(world.container.sessions) as s:
        matching_runs.change(
            s,
            actor=world.who("resettler"),
            run_id=run_id,
            data=PlacementChange(case_ref="SAL", locality_ref="LYON", reason="asked for Lyon"),
        )
    assert "not compatible with locality LYON" in info.value.message


def test_a_case_in_two_active_runs_is_refused(world: World) -> None:
    first = propose(world)
    with pytest.raises(Conflict) as info:
        propose(world)
    assert "already in an active matching run" in info.value.message
    with unit_of_work(world.container.sessions) as s:
        matching_runs.cancel(s, actor=world.who("resettler"), run_id=first, reason="quota changed")
    propose(world)  # once the first run is cancelled, the cases are free again


def test_a_family_split_over_two_cases_is_refused(world: World) -> None:
    data = proposal(world)
    data.cases[2].household_id = world.haddad
    with pytest.raises(ValidationFailed) as info:
        propose(world, data)
    assert "a family is one case, never split" in info.value.message
    with unit_of_work(world.container.sessions) as s:
        assert queries.list_runs(s, actor=world.who("resettler")) == []


def test_permissions(world: World) -> None:
    with pytest.raises(PermissionDenied), unit_of_work(world.container.sessions) as s:
        matching_runs.propose(
            s, actor=world.who("rsd1"), operation_id=world.operation_id, data=proposal(world)
        )
    run_id = propose(world)
    with unit_of_work(world.container.sessions) as s:
        matching_runs.review(s, actor=world.who("resettler"), run_id=run_id, note="ok")
    with pytest.raises(PermissionDenied) as info, unit_of_work(world.container.sessions) as s:
        matching_runs.confirm(s, actor=SYSTEM, run_id=run_id)
    assert "confirmed by a person" in info.value.message
    with unit_of_work(world.container.sessions) as s:
        assert [r.ref for r in queries.list_runs(s, actor=world.who("lbn_officer"))] == []
