"""Tracing services and queries, on SQLite and PostgreSQL: consent, matching across scripts and partial
dates, reciprocal requests, withdrawn consent, scope, the recorded steps, bad input."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import func, select
from tests.protection.tracing.conftest import World, open_request, request_payload

from refugio.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from refugio.main import Container
from refugio.protection.tracing import queries, scoring, service
from refugio.protection.tracing.models import TracingCandidate, TracingRequest
from refugio.protection.tracing.schemas import (
    ClosureIn,
    RequestCreate,
    ReunificationIn,
    VerificationIn,
)
from refugio.registration import queries as reg_queries
from refugio.security.models import AuditEntry
from refugio.security.principals import Principal
from refugio.store.uow import unit_of_work


def _count(container: Container, model: object) -> int:
    with unit_of_work(container.sessions) as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)  # type: ignore[arg-type]


def _errors(exc: pytest.ExceptionInfo[ValidationFailed]) -> dict[str, str]:
    return {e.field: e.code for e in exc.value.errors}


def _match(container: Container, actor: Principal, request_id: uuid.UUID) -> service.MatchRun:
    with unit_of_work(container.sessions) as s:
        return service.match_request(s, actor=actor, request_id=request_id)


def _view(container: Container, actor: Principal, request_id: uuid.UUID) -> queries.RequestView:
    with unit_of_work(container.sessions) as s:
        return queries.get_request(s, actor=actor, key=request_id)


def test_tracing_consent_is_required(container: Container, world: World, protection: Principal) -> None:
    payload = request_payload(world.seed.camp_id, consent={"given": False, "given_by": ""})
    with unit_of_work(container.sessions) as s, pytest.raises(ValidationFailed) as exc:
        service.open_request(s, actor=protection, data=RequestCreate.model_validate(payload))
    fields = _errors(exc)
    assert fields["consent.given"] == "tracing_consent_required"
    assert fields["consent.given_by"] == "required"
    assert _count(container, TracingRequest) == 0


def test_bad_input_names_every_wrong_field(container: Container, world: World, protection: Principal) -> None:
    future = (dt.date.today() + dt.timedelta(days=40)).isoformat()
    payload = request_payload(
        world.seed.camp_id,
        enquirer={"given_name": "Fatima", "country_of_origin": "ZZZ"},
        sought=[
            {"relationship": "child", "date_of_birth": "84"},
            {"given_name": "Ali", "relationship": "sibling", "date_of_separation": future[:7]},
        ],
        assigned_to="nobody",
    )
    with unit_of_work(container.sessions) as s, pytest.raises(ValidationFailed) as exc:
        service.open_request(s, actor=protection, data=RequestCreate.model_validate(payload))
    assert _errors(exc) == {
        "enquirer.contact": "required",
        "enquirer.country_of_origin": "unknown_code",
        "sought.0.given_name": "required",
        "sought.0.date_of_birth": "bad_date",
        "sought.1.date_of_separation": "future_date",
        "assigned_to": "unknown_user",
    }
    registered = request_payload(world.seed.camp_id, enquirer={"individual_ref": "JOR-26-999999-01"})
    with unit_of_work(container.sessions) as s, pytest.raises(ValidationFailed) as exc:
        service.open_request(s, actor=protection, data=RequestCreate.model_validate(registered))
    assert _errors(exc) == {"enquirer.individual_ref": "not_found"}
    assert _count(container, TracingRequest) == 0


def test_only_tracing_managers_open_requests(
    container: Container, world: World, clerk: Principal, officer_lbn: Principal
) -> None:
    for actor in (clerk, officer_lbn):
        with unit_of_work(container.sessions) as s, pytest.raises(PermissionDenied):
            service.open_request(
                s, actor=actor, data=RequestCreate.model_validate(request_payload(world.seed.camp_id))
            )


def test_match_across_scripts_and_a_year_only_date(
    container: Container, world: World, protection: Principal
) -> None:
    request_id = open_request(container, protection, request_payload(world.seed.camp_id))
    run = _match(container, protection, request_id)
    assert run.candidates >= 1 and run.request.status == "candidate_found"
    view = _view(container, protection, request_id)
    best = view.sought[0].candidates[0]
    assert best.kind == "registered" and best.card["name"] == "Mohammed A."  # minimal until confirmed
    assert "date_of_birth" not in best.card and not best.revealed
    levels = {r["field"]: r["level"] for r in best.reasons}
    assert levels["given_name"] == "same name, other spelling"  # محمد ~ Mohammed
    assert levels["family_name"] == "same name, other spelling"  # الأحمد ~ Al-Ahmad
    assert levels["date_of_birth"] == "within a year of an estimated age"  # about 12, born 2014
    assert levels["places"] == "same place of origin"  # حمص ~ Homs
    assert best.strength in ("likely", "strong")
    # the Mohammed Al-Ahmad registered in Lebanon is outside this officer's scope
    with unit_of_work(container.sessions) as s:
        ids = {c.individual_id for c in s.scalars(select(TracingCandidate))}
    assert world.mohammed_id in ids and world.lbn_mohammed_id not in ids


def test_year_only_date_against_an_exact_one_is_weak_evidence() -> None:
    from refugio.dedup import names

    year = names.parse_partial_date("2014")
    exact = names.parse_partial_date("2014-06-01")
    assert scoring.date_level(year, 0, exact, 0) == "same year (one side known only to the year)"
    assert scoring.date_level(exact, 0, exact, 0) == "same date"
    weak = scoring.LEVELS["date_of_birth"]["same year (one side known only to the year)"]
    assert 0 < weak < scoring.LEVELS["date_of_birth"]["same date"] / 2
    estimated = names.PartialDate(2012, None, None, "estimated")
    assert scoring.date_level(estimated, 2, exact, 0) == "within the tolerance of an estimated age"
    about = names.PartialDate(2014, None, None, "estimated")
    assert scoring.date_level(about, 2, exact, 0) == "within a year of an estimated age"
    assert scoring.date_level(about, 2, names.PartialDate(2015, None, None, "year"), 0) == (
        "within a year of an estimated age"
    )
    assert scoring.date_level(names.PartialDate(2000, None, None, "estimated"), 2, exact, 0) == "far apart"


def test_a_sought_child_must_be_younger_than_the_parent_looking() -> None:
    from refugio.dedup import names

    def person(year: int, precision: str = "year") -> scoring.Profile:
        return scoring.Profile({}, names.PartialDate(year, None, None, precision))

    parent = person(1985)
    assert scoring._relationship_level("child", person(2014), parent) == "age gap fits the relationship"
    assert scoring._relationship_level("child", person(1990), parent) == "age gap does not fit"
    assert scoring._relationship_level("parent", person(1950), parent) == "age gap fits the relationship"


def test_reciprocal_requests_are_strong_evidence(
    container: Container, world: World, protection: Principal
) -> None:
    omar_looks = request_payload(
        world.seed.office_id,
        enquirer={
            "given_name": "Omar",
            "family_name": "Nasser",
            "sex": "M",
            "date_of_birth": "1990",
            "phone": "+962 77 000 1111",
        },
        sought=[
            {"given_name": "Ali", "family_name": "Nasser", "sex": "M", "age": 33, "relationship": "sibling"}
        ],
    )
    ali_looks = request_payload(
        world.seed.camp_id,
        enquirer={
            "given_name": "علي",
            "family_name": "ناصر",
            "sex": "M",
            "date_of_birth": "1993",
            "contact": "via the camp's protection desk",
        },
        sought=[
            {"given_name": "Omar", "family_name": "Naser", "sex": "M", "age": 36, "relationship": "sibling"}
        ],
    )
    first = open_request(container, protection, omar_looks)
    second = open_request(container, protection, ali_looks)
    _match(container, protection, first)
    view = _view(container, protection, first)
    by_kind = {c.kind: c for c in view.sought[0].candidates}
    enquirer = by_kind["enquirer"]
    assert enquirer.reciprocal and enquirer.card["request_id"] == second
    assert any(r["field"] == "reciprocal" and "relationships agree" in r["level"] for r in enquirer.reasons)
    assert enquirer.strength in ("likely", "strong")

    # consent withdrawn: the second request leaves the first one's candidates, and matching stops
    with unit_of_work(container.sessions) as s:
        service.withdraw_consent(
            s, actor=protection, request_id=second, reason="the enquirer asked us to stop"
        )
    assert all(
        c.card.get("request_id") != second for c in _view(container, protection, first).sought[0].candidates
    )
    _match(container, protection, first)
    assert all(
        c.card.get("request_id") != second for c in _view(container, protection, first).sought[0].candidates
    )
    with pytest.raises(Conflict):
        _match(container, protection, second)


def test_steps_are_recorded_from_review_to_reunification(
    container: Container, world: World, protection: Principal
) -> None:
    request_id = open_request(container, protection, request_payload(world.seed.camp_id))
    _match(container, protection, request_id)
    best = _view(container, protection, request_id).sought[0].candidates[0]
    with unit_of_work(container.sessions) as s, pytest.raises(ValidationFailed):
        service.review_candidate(s, actor=protection, candidate_id=best.id, decision="confirm", reason="")
    with unit_of_work(container.sessions) as s:
        service.review_candidate(
            s, actor=protection, candidate_id=best.id, decision="confirm", reason="names, age and Homs agree"
        )
    view = _view(container, protection, request_id)
    assert view.request.status == "verification"
    confirmed = view.confirmed[0]
    assert confirmed.revealed and confirmed.card["date_of_birth"] == "2014" and "phone" not in confirmed.card
    with unit_of_work(container.sessions) as s, pytest.raises(Conflict):
        service.record_reunification(
            s,
            actor=protection,
            request_id=request_id,
            data=ReunificationIn(occurred_on=dt.date.today(), place="Zaatari", outcome="reunified"),
        )
    with unit_of_work(container.sessions) as s:
        service.record_verification(
            s,
            actor=protection,
            request_id=request_id,
            data=VerificationIn(
                candidate_id=best.id,
                enquirer_agrees=True,
                sought_agrees=True,
                documents="family book",
                notes="both recognised each other on a photo",
            ),
        )
    view = _view(container, protection, request_id)
    assert view.request.status == "reunification" and view.sought[0].found is not None
    with unit_of_work(container.sessions) as s:
        service.record_reunification(
            s,
            actor=protection,
            request_id=request_id,
            data=ReunificationIn(occurred_on=dt.date.today(), place="Zaatari camp", outcome="reunified"),
        )
    view = _view(container, protection, request_id)
    assert view.request.status == "closed"
    assert [e.event_type for e in view.events] == [
        "opened",
        "matched",
        "candidate_confirmed",
        "verification",
        "reunification",
    ]
    assert view.events[3].details["documents"] == "family book"
    with unit_of_work(container.sessions) as s:
        actions = list(s.scalars(select(AuditEntry.action).where(AuditEntry.object_id == str(request_id))))
    assert {
        "tracing.opened",
        "tracing.matched",
        "tracing.candidate_confirmed",
        "tracing.verification",
    } <= set(actions)
    assert "tracing.request_read" in actions  # every read of the request is audited


def test_reject_then_close_not_found_and_reopen(
    container: Container, world: World, protection: Principal
) -> None:
    request_id = open_request(container, protection, request_payload(world.seed.camp_id))
    _match(container, protection, request_id)
    view = _view(container, protection, request_id)
    for c in view.sought[0].candidates:
        with unit_of_work(container.sessions) as s:
            service.review_candidate(
                s, actor=protection, candidate_id=c.id, decision="reject", reason="not him"
            )
    assert _view(container, protection, request_id).request.status == "matching"
    run = _match(container, protection, request_id)
    assert run.new == 0 and run.candidates == 0  # rejected candidates are never raised again
    with unit_of_work(container.sessions) as s:
        service.close_request(
            s, actor=protection, request_id=request_id, data=ClosureIn(outcome="not_found", reason="no trace")
        )
    with pytest.raises(Conflict):
        _match(container, protection, request_id)
    with unit_of_work(container.sessions) as s:
        service.reopen_request(s, actor=protection, request_id=request_id, reason="new information")
    assert _view(container, protection, request_id).request.status == "matching"


def test_a_worker_of_another_operation_sees_nothing(
    container: Container, world: World, protection: Principal, officer_lbn: Principal, clerk: Principal
) -> None:
    request_id = open_request(container, protection, request_payload(world.seed.camp_id))
    with unit_of_work(container.sessions) as s:
        ref = s.get(TracingRequest, request_id).ref  # type: ignore[union-attr]
    for key in (request_id, ref):
        with unit_of_work(container.sessions) as s, pytest.raises(NotFound):
            queries.get_request(s, actor=officer_lbn, key=key)
    with unit_of_work(container.sessions) as s:
        assert queries.list_requests(s, actor=officer_lbn) == ([], 0)
        assert queries.list_requests(s, actor=officer_lbn, q="Fatima") == ([], 0)
        assert queries.export_requests(s, actor=officer_lbn) == []
        assert queries.list_requests(s, actor=protection, q="فاطمة Fatima")[1] == 0
        assert queries.list_requests(s, actor=protection, q="fatima")[1] == 1
        assert queries.list_requests(s, actor=protection, q="محمد")[1] == 1
    with unit_of_work(container.sessions) as s, pytest.raises(NotFound):
        service.match_request(s, actor=officer_lbn, request_id=request_id)
    with unit_of_work(container.sessions) as s, pytest.raises(PermissionDenied):
        queries.list_requests(s, actor=clerk)
    with unit_of_work(container.sessions) as s, pytest.raises(PermissionDenied):
        queries.export_requests(s, actor=clerk)
    # a request in LBN sees neither JOR's registered people nor JOR's requests
    lbn = request_payload(world.lbn_site_id)
    lbn_request = open_request(container, officer_lbn, lbn)
    _match(container, officer_lbn, lbn_request)
    view = _view(container, officer_lbn, lbn_request)
    targets = {c.card.get("ref") or c.card.get("request_ref") for c in view.sought[0].candidates}
    assert ref not in targets
    with unit_of_work(container.sessions) as s:
        lbn_ids = {
            c.individual_id
            for c in s.scalars(select(TracingCandidate).where(TracingCandidate.request_id == lbn_request))
        }
    assert world.mohammed_id not in lbn_ids


def test_site_scoped_tracing_worker(container: Container, world: World, protection: Principal) -> None:
    from tests.helpers import principal

    tracer = principal(container, "tracer_amm")  # protection officer of the office only
    camp_request = open_request(container, protection, request_payload(world.seed.camp_id))
    office_request = open_request(container, tracer, request_payload(world.seed.office_id))
    with unit_of_work(container.sessions) as s:
        refs = [i.id for i in queries.list_requests(s, actor=tracer)[0]]
        assert refs == [office_request]
        with pytest.raises(NotFound):
            queries.get_request(s, actor=tracer, key=camp_request)


def test_registration_search_reveals_no_tracing_data(
    container: Container, world: World, protection: Principal
) -> None:
    payload = request_payload(world.seed.camp_id)
    payload["sought"][0].update(given_name="Zeinab", family_name="Qassem", given_name_original=None)
    open_request(container, protection, payload)
    with unit_of_work(container.sessions) as s:
        assert reg_queries.search(s, actor=protection, query="Zeinab Qassem") == []
        hits = reg_queries.search(s, actor=protection, query="Fatima")
    assert hits == []  # the enquirer is not registered: tracing records are not people of the registry


def test_a_registered_person_looking_for_the_enquirer_is_a_reciprocal_match(
    container: Container, world: World, protection: Principal
) -> None:
    khaled_looks = request_payload(
        world.seed.camp_id,
        enquirer={"individual_ref": world.khaled_ref},
        sought=[
            {
                "given_name": "Fatima",
                "family_name": "Al-Ahmad",
                "sex": "F",
                "age": 40,
                "relationship": "spouse",
            }
        ],
    )
    fatima_looks = request_payload(
        world.seed.office_id,
        sought=[
            {
                "given_name_original": "خالد",
                "family_name_original": "الأحمد",
                "sex": "M",
                "date_of_birth": "1980",
                "relationship": "spouse",
            }
        ],
    )
    theirs = open_request(container, protection, khaled_looks)
    ours = open_request(container, protection, fatima_looks)
    _match(container, protection, ours)
    candidates = _view(container, protection, ours).sought[0].candidates
    registered = next(c for c in candidates if c.kind == "registered")
    with unit_of_work(container.sessions) as s:
        other_ref = s.get(TracingRequest, theirs).ref  # type: ignore[union-attr]
    assert registered.card["ref"] == world.khaled_ref and registered.reciprocal
    assert registered.card["also_enquirer_of"] == other_ref
    assert any("relationships agree" in r["level"] for r in registered.reasons)
    assert registered.strength == "strong"


def test_jaro_winkler() -> None:
    assert scoring.jaro_winkler("martha", "marhta") == pytest.approx(0.961, abs=0.001)
    assert scoring.jaro_winkler("", "abc") == 0.0 and scoring.jaro_winkler("abc", "abc") == 1.0
