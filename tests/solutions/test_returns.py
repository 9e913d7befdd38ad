"""Voluntary return, on both backends: a partial return splits the household (the returnees form their
own household, those who stay keep theirs with a new focal point), a whole return leaves the active
registry and closes the household, an open protection case without its caseworker's sign-off refuses
the return (and with it the return goes ahead), the return grant through assistance lists the
returnees only, go-and-see visits, reintegration scores with their weights version."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.helpers import PASSWORD

from refugio.assistance.service import lists
from refugio.core import clock
from refugio.core.errors import Conflict, PermissionDenied, ValidationFailed
from refugio.protection import service as protection
from refugio.protection.schemas import CaseOpen
from refugio.registration import queries as registry
from refugio.registration.models import Household, Individual, RegistrationEvent
from refugio.security import service as sec
from refugio.security.permissions import Role
from refugio.security.principals import SYSTEM
from refugio.solutions.returns import packages, queries, service, visits
from refugio.solutions.returns import weights as weighting
from refugio.solutions.returns.schemas import (
    CancelIn,
    DepartureIn,
    GrantIn,
    MonitoringIn,
    ReturnIn,
    SignOffIn,
    VisitDone,
    VisitIn,
)
from refugio.store.uow import unit_of_work

from .conftest import World

ANSWERS = {
    "income_sources": 4,
    "employment": 3,
    "debt": 5,
    "food_security": 4,
    "productive_assets": 2,
    "housing": 2,
    "health_access": 4,
    "education_access": 4,
    "documentation": 5,
    "safety": 4,
    "belonging": 5,
    "community_participation": 3,
    "no_discrimination": 4,
    "no_distress": 2,
    "no_wish_to_remigrate": 4,
}


def register(w: World, **data: object) -> uuid.UUID:
    payload = {
        "household_id": str(w.haddad),
        "return_date": clock.today().isoformat(),
        "destination_iso3": "syr",
        "destination_area": "Daraa",
        **data,
    }
    with unit_of_work(w.container.sessions) as s:
        return service.register_return(s, actor=w.who("resettler"), data=ReturnIn.model_validate(payload)).id


def depart(w: World, return_id: uuid.UUID) -> None:
    with unit_of_work(w.container.sessions) as s:
        service.record_departure(s, actor=w.who("resettler"), return_id=return_id, data=DepartureIn())


def test_partial_return_splits_the_household(world: World) -> None:
    father, mother, child1, child2 = world.haddad_people
    # the focal point returns with one child: those who stay need a new focal point
    with pytest.raises(ValidationFailed) as info:
        register(world, individual_ids=[str(father), str(child1)])
    assert info.value.errors[0].field == "new_focal_point_id"
    ret_id = register(world, individual_ids=[str(father), str(child1)], new_focal_point_id=str(mother))
    with unit_of_work(world.container.sessions) as s:
        old = s.get(Household, world.haddad)
        assert old is not None and old.focal_point_id == mother and old.size == 2
        people = {
            p.id: p for p in s.scalars(select(Individual).where(Individual.id.in_(world.haddad_people)))
        }
        new_hh = people[father].household_id
        assert new_hh != world.haddad and people[child1].household_id == new_hh
        assert {people[mother].household_id, people[child2].household_id} == {world.haddad}
        assert people[father].relationship_to_focal_point == "focal_point"
        assert people[mother].relationship_to_focal_point == "focal_point"
        assert people[father].population_type == "returnee" and people[mother].population_type != "returnee"
        assert all(people[p].status == "active" for p in world.haddad_people)  # planned: still registered
        split = s.get(Household, new_hh)
        assert split is not None and split.size == 2 and split.registration_method == "split"
        events = s.scalars(select(RegistrationEvent).where(RegistrationEvent.individual_id == father)).all()
        assert any("moved from" in e.summary for e in events)
    depart(world, ret_id)
    with unit_of_work(world.container.sessions) as s:
        statuses = {
            p.id: p.status
            for p in s.scalars(select(Individual).where(Individual.id.in_(world.haddad_people)))
        }
        assert statuses == {father: "departed", child1: "departed", mother: "active", child2: "active"}
        old, split = s.get(Household, world.haddad), s.get(Household, new_hh)
        assert old is not None and old.status == "active" and old.size == 2
        assert split is not None and split.status == "closed" and split.size == 0
        detail = queries.get_return(s, actor=world.who("resettler"), return_id=ret_id)
    assert detail.ret.status == "departed" and not detail.ret.whole_household
    assert {r.status for r in detail.returnees} == {"departed"}
    with pytest.raises(Conflict), unit_of_work(world.container.sessions) as s:
        service.record_departure(s, actor=world.who("resettler"), return_id=ret_id, data=DepartureIn())


def test_whole_household_leaves_the_active_registry(world: World) -> None:
    ret_id = register(world, kind="avrr")
    depart(world, ret_id)
    with unit_of_work(world.container.sessions) as s:
        hh = s.get(Household, world.haddad)
        assert hh is not None and hh.status == "closed" and hh.size == 0
        people = s.scalars(select(Individual).where(Individual.household_id == world.haddad)).all()
        assert len(people) == 4 and {p.status for p in people} == {"departed"}
        assert {p.population_type for p in people} == {"returnee"}
        assert registry.household_member_ids(s, world.haddad) == []
        history = registry.history(s, actor=SYSTEM, person=people[0])
        assert [e for e in history if "departed" in e.summary]
        listed = queries.list_returns(s, actor=world.who("resettler"))
    assert [r.whole_household for r in listed] == [True] and listed[0].people == 4


def test_open_case_needs_the_caseworkers_sign_off(world: World) -> None:
    father = world.haddad_people[0]
    with unit_of_work(world.container.sessions) as s:
        case = protection.open_case(
            s,
            actor=world.who("protection"),
            data=CaseOpen.model_validate({"individual_id": str(father), "case_type": "other"}),
        )
        other = sec.create_user(s, actor=SYSTEM, username="pro2", full_name="Pro Two", password=PASSWORD)
        sec.grant_role(
            s, actor=SYSTEM, user=other, role=Role.PROTECTION_OFFICER, operation_id=world.operation_id
        )
        case_id = case.id
    with pytest.raises(ValidationFailed) as info:
        register(world)
    said = info.value.errors[0].message
    assert "sign-off" in said and case_id.hex not in said
    # someone who is not the case's caseworker cannot sign off
    with pytest.raises(PermissionDenied), unit_of_work(world.container.sessions) as s:
        service.sign_off(s, actor=world.who("pro2"), data=SignOffIn(individual_id=father, note="I agree"))
    with pytest.raises(PermissionDenied), unit_of_work(world.container.sessions) as s:
        service.sign_off(s, actor=world.who("resettler"), data=SignOffIn(individual_id=father, note="fine"))
    with unit_of_work(world.container.sessions) as s:
        service.sign_off(
            s,
            actor=world.who("protection"),
            data=SignOffIn(individual_id=father, note="Safe to return; family waiting"),
        )
        assert [x.individual_ref for x in queries.my_sign_offs(s, actor=world.who("protection"))]
    with pytest.raises(Conflict), unit_of_work(world.container.sessions) as s:
        service.sign_off(s, actor=world.who("protection"), data=SignOffIn(individual_id=father, note="again"))
    ret_id = register(world)
    depart(world, ret_id)


def test_cancel_restores_population_types(world: World) -> None:
    ret_id = register(world, individual_ids=[str(world.haddad_people[2])])
    with pytest.raises(Conflict):
        register(world, individual_ids=[str(world.haddad_people[3])])
    with unit_of_work(world.container.sessions) as s:
        service.cancel_return(
            s, actor=world.who("resettler"), return_id=ret_id, data=CancelIn(reason="changed mind")
        )
        child = registry.people_brief(s, [world.haddad_people[2]])[world.haddad_people[2]]
    assert child.population_type == "refugee" and child.status == "active"
    with pytest.raises(PermissionDenied), unit_of_work(world.container.sessions) as s:
        payload = ReturnIn(
            household_id=world.saleh,
            return_date=clock.today(),
            destination_iso3="SYR",
            destination_area="Homs",
        )
        service.register_return(s, actor=world.who("rsd1"), data=payload)


def test_return_grant_lists_the_returnees_only(world: World) -> None:
    register(
        world, individual_ids=[str(world.haddad_people[0])], new_focal_point_id=str(world.haddad_people[1])
    )
    with unit_of_work(world.container.sessions) as s:
        grant = packages.create_return_grant(
            s,
            actor=world.who("admin"),
            data=GrantIn(
                operation_id=world.operation_id,
                code="RET-26",
                currency="JOD",
                usd_rate=1.41,
                per_household=100,
                per_member=50,
                start_date=clock.today(),
            ),
        )
        preview = lists.preview(s, actor=world.who("admin"), cycle_key=grant.cycle_id, eligible_only=True)
    assert grant.households_planned == 1 and preview.eligible == 1
    assert preview.rows[0].amount == 150 and preview.rows[0].size == 1
    with pytest.raises(PermissionDenied), unit_of_work(world.container.sessions) as s:
        packages.create_return_grant(
            s,
            actor=world.who("resettler"),
            data=GrantIn(
                operation_id=world.operation_id,
                code="RET-27",
                currency="JOD",
                usd_rate=1.41,
                per_household=100,
                per_member=50,
                start_date=clock.today(),
            ),
        )


def test_go_and_see_visit(world: World) -> None:
    with unit_of_work(world.container.sessions) as s, pytest.raises(ValidationFailed):
        visits.plan_visit(
            s,
            actor=world.who("resettler"),
            data=VisitIn(
                operation_id=world.operation_id,
                destination_iso3="SYR",
                destination_area="Daraa",
                planned_on=clock.today(),
                participants=[uuid.uuid4()],
            ),
        )
    with unit_of_work(world.container.sessions) as s:
        v = visits.plan_visit(
            s,
            actor=world.who("resettler"),
            data=VisitIn(
                operation_id=world.operation_id,
                destination_iso3="syr",
                destination_area="Daraa",
                planned_on=clock.today() + dt.timedelta(days=7),
                participants=[world.haddad_people[0]],
            ),
        )
        vid = v.id
    with unit_of_work(world.container.sessions) as s:
        visits.record_visit(
            s,
            actor=world.who("resettler"),
            visit_id=vid,
            data=VisitDone(
                done_on=clock.today(), findings="Houses standing in Daraa; school open; water twice a week."
            ),
        )
        found = queries.list_visits(s, actor=world.who("resettler"))
    assert found[0].status == "done" and found[0].participants[0].id == world.haddad_people[0]
    with pytest.raises(Conflict), unit_of_work(world.container.sessions) as s:
        visits.cancel_visit(s, actor=world.who("resettler"), visit_id=vid, data=CancelIn(reason="not needed"))


def test_reintegration_scores_keep_their_weights_version(world: World) -> None:
    ret_id = register(world)
    with pytest.raises(Conflict), unit_of_work(world.container.sessions) as s:
        service.record_monitoring(
            s,
            actor=world.who("resettler"),
            return_id=ret_id,
            data=MonitoringIn(visited_on=clock.today(), answers=ANSWERS),
        )
    depart(world, ret_id)
    with pytest.raises(ValidationFailed) as info, unit_of_work(world.container.sessions) as s:
        bad = {**ANSWERS, "debt": 7, "mystery": 3}
        bad.pop("housing")
        service.record_monitoring(
            s,
            actor=world.who("resettler"),
            return_id=ret_id,
            data=MonitoringIn(visited_on=clock.today(), answers=bad),
        )
    assert {e.field for e in info.value.errors} == {"debt", "mystery", "housing"}
    with unit_of_work(world.container.sessions) as s:
        v1 = service.record_monitoring(
            s,
            actor=world.who("resettler"),
            return_id=ret_id,
            data=MonitoringIn(visited_on=clock.today(), answers=ANSWERS, weights_version="1"),
        )
        v2 = service.record_monitoring(
            s,
            actor=world.who("resettler"),
            return_id=ret_id,
            data=MonitoringIn(visited_on=clock.today(), answers=ANSWERS),
        )
        scores = [
            (v1.weights_version, v1.economic, v1.overall),
            (v2.weights_version, v2.economic, v2.overall),
        ]
        figures = queries.reintegration_figures(s, actor=world.who("resettler"))
    # version 1: equal weights; economic = mean of (3, 2, 4, 3, 1) / 4 = 0.65
    assert scores[0][0] == "1" and scores[0][1] == pytest.approx(0.65)
    assert scores[1][0] == "2" and scores[1][1] != scores[0][1]
    assert figures["by_weights_version"]["2"]["returns"] == 1


def test_weights_files_are_validated(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed) as info:
        weighting.parse_weights(
            "version: '9'\ndimensions:\n  economic: {weight: 1, indicators: {a: 1}}\n", source="w.yaml"
        )
    assert "w.yaml" in info.value.errors[0].message and "social" in info.value.errors[0].message
    with pytest.raises(ValidationFailed):
        weighting.parse_weights("version: '9'\ndimensions: {economic: {weight: -1, indicators: {a: 1}}}")
    (tmp_path / "reintegration-1.yaml").write_text(
        (weighting.WEIGHTS_DIR / "reintegration-1.yaml").read_text()
    )
    (tmp_path / "reintegration-x.yaml").write_text(
        (weighting.WEIGHTS_DIR / "reintegration-1.yaml").read_text()
    )
    with pytest.raises(ValidationFailed) as info:
        weighting.versions(tmp_path)
    assert "given twice" in info.value.errors[0].message
    assert weighting.latest().version == "2"
    with pytest.raises(ValidationFailed):
        weighting.weights("42")
