"""Refugee status determination with due process: the whole path from lodging to the appeal, each
person's own outcome, and the refusals of the issue (a decision without reasons or legal basis, an
appeal decided by the first-instance officer, a late appeal without a reason, an interpreter of the
wrong language), with nothing half-saved; confidentiality (only assigned staff read the file) and the
figures with UNHCR's definitions."""

from __future__ import annotations

import datetime as dt
import uuid

import numpy as np
import pytest
from sqlalchemy import select

from refugio.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from refugio.security.models import AuditEntry
from refugio.solutions import figures, rsd_queries
from refugio.solutions.schemas import (
    AppealIn,
    AssessmentIn,
    ClaimOpen,
    InterpreterCreate,
    InterviewRecord,
    InterviewSchedule,
    ReviewIn,
)
from refugio.solutions.service import rsd
from refugio.store.uow import unit_of_work

from .conftest import World

RECORD = "The applicant described the events of March in detail and consistently."
REASONS = "Well-founded fear of persecution for political opinion; credible and consistent account."


def open_claim(w: World, **extra: object) -> uuid.UUID:
    data = {
        "household_id": str(w.haddad),
        "principal_id": str(w.haddad_people[0]),
        "member_ids": [str(p) for p in w.haddad_people[1:3]],
        "language": "ara",
        **extra,
    }
    with unit_of_work(w.container.sessions) as s:
        claim = rsd.open_claim(s, actor=w.who("rsd1"), data=ClaimOpen.model_validate(data))
        rsd.assign(
            s, actor=w.who("rsdsup"), claim_id=claim.id, user_id=w.seed.users["rsdsup2"], role="reviewer"
        )
        return claim.id


def interpreter(w: World, languages: list[str], gender: str = "F") -> uuid.UUID:
    with unit_of_work(w.container.sessions) as s:
        row = rsd.add_interpreter(
            s,
            actor=w.who("rsdsup"),
            operation_id=w.operation_id,
            data=InterpreterCreate(
                name="Interpreter " + "/".join(languages), languages=languages, gender=gender
            ),
        )
        return row.id


def interview(w: World, claim_id: uuid.UUID, officer: str = "rsd1") -> None:
    tongue = interpreter(w, ["ara", "eng"])
    with unit_of_work(w.container.sessions) as s:
        row = rsd.schedule_interview(
            s,
            actor=w.who(officer),
            claim_id=claim_id,
            data=InterviewSchedule(
                scheduled_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=3), interpreter_id=tongue
            ),
        )
        rsd.record_interview(
            s,
            actor=w.who(officer),
            claim_id=claim_id,
            interview_id=row.id,
            data=InterviewRecord(record=RECORD),
        )


def outcomes(w: World, first: str, others: str) -> dict[uuid.UUID, str]:
    return {w.haddad_people[0]: first, w.haddad_people[1]: others, w.haddad_people[2]: others}


def assess_review_decide(
    w: World, claim_id: uuid.UUID, out: dict[uuid.UUID, str], basis: list[str], officer: str
) -> None:
    with unit_of_work(w.container.sessions) as s:
        rsd.assess(
            s,
            actor=w.who(officer),
            claim_id=claim_id,
            data=AssessmentIn.model_validate(
                {"outcomes": {str(k): v for k, v in out.items()}, "legal_basis": basis, "reasons": REASONS}
            ),
        )
        rsd.review(
            s,
            actor=w.who("rsdsup2"),
            claim_id=claim_id,
            data=ReviewIn(agrees=True, note="agree with the analysis"),
        )
        rsd.decide(s, actor=w.who(officer), claim_id=claim_id)


def test_the_whole_procedure_with_an_appeal_by_another_officer(world: World) -> None:
    claim_id = open_claim(world)
    interview(world, claim_id)
    assess_review_decide(world, claim_id, outcomes(world, "rejected", "rejected"), ["none_met"], "rsd1")
    with unit_of_work(world.container.sessions) as s:
        rsd.lodge_appeal(
            s,
            actor=world.who("rsd1"),
            claim_id=claim_id,
            data=AppealIn(grounds="new evidence of arrest warrant"),
        )
    # the first-instance officer cannot be the appeal officer
    with pytest.raises(ValidationFailed) as info, unit_of_work(world.container.sessions) as s:
        rsd.assign(
            s,
            actor=world.who("rsdsup"),
            claim_id=claim_id,
            user_id=world.seed.users["rsd1"],
            role="appeal_officer",
        )
    assert "an appeal goes to another officer" in info.value.message
    with unit_of_work(world.container.sessions) as s:
        rsd.assign(
            s,
            actor=world.who("rsdsup"),
            claim_id=claim_id,
            user_id=world.seed.users["rsd2"],
            role="appeal_officer",
        )
    assess_review_decide(
        world,
        claim_id,
        outcomes(world, "recognised", "complementary"),
        ["1951:political_opinion", "complementary:serious_harm"],
        "rsd2",
    )
    with unit_of_work(world.container.sessions) as s:
        detail = rsd_queries.get_claim(s, actor=world.who("rsd2"), claim_id=claim_id)
    assert detail.claim.stage == "appeal_decided"
    assert [(m.first_outcome, m.appeal_outcome) for m in detail.members] == [
        ("rejected", "recognised"),
        ("rejected", "complementary"),
        ("rejected", "complementary"),
    ]
    kinds = [e.kind for e in detail.events]
    assert kinds[0] == "lodged" and kinds.count("decided") == 2 and "appealed" in kinds
    with unit_of_work(world.container.sessions) as s:
        actions = set(s.scalars(select(AuditEntry.action).where(AuditEntry.object_id == str(claim_id))))
    assert {"rsd.lodged", "rsd.decided", "rsd.appealed", "rsd.read"} <= actions


def test_appeal_decided_by_the_first_instance_officer_is_refused(world: World) -> None:
    claim_id = open_claim(world)
    interview(world, claim_id)
    assess_review_decide(world, claim_id, outcomes(world, "rejected", "rejected"), ["none_met"], "rsd1")
    with unit_of_work(world.container.sessions) as s:
        rsd.lodge_appeal(
            s, actor=world.who("rsd1"), claim_id=claim_id, data=AppealIn(grounds="error of fact")
        )
    # rsdsup (an RSD supervisor, who may decide) assigns themselves as appeal officer: fine; then rsd1
    # tries to decide the appeal without being its appeal officer
    with unit_of_work(world.container.sessions) as s:
        rsd.assign(
            s,
            actor=world.who("rsdsup"),
            claim_id=claim_id,
            user_id=world.seed.users["rsdsup"],
            role="appeal_officer",
        )
        rsd.assess(
            s,
            actor=world.who("rsdsup"),
            claim_id=claim_id,
            data=AssessmentIn.model_validate(
                {
                    "outcomes": {str(k): v for k, v in outcomes(world, "rejected", "rejected").items()},
                    "legal_basis": ["none_met"],
                    "reasons": REASONS,
                }
            ),
        )
        rsd.review(
            s, actor=world.who("rsdsup2"), claim_id=claim_id, data=ReviewIn(agrees=True, note="agreed")
        )
    with pytest.raises(PermissionDenied) as info, unit_of_work(world.container.sessions) as s:
        rsd.decide(s, actor=world.who("rsd1"), claim_id=claim_id)
    assert "appeal officer" in info.value.message


def test_a_decision_without_reasons_or_legal_basis_is_refused(world: World) -> None:
    claim_id = open_claim(world)
    interview(world, claim_id)
    data = AssessmentIn.model_validate(
        {
            "outcomes": {str(k): v for k, v in outcomes(world, "recognised", "recognised").items()},
            "legal_basis": [],
            "reasons": "ok",
        }
    )
    with pytest.raises(ValidationFailed) as info, unit_of_work(world.container.sessions) as s:
        rsd.assess(s, actor=world.who("rsd1"), claim_id=claim_id, data=data)
    fields = {e.field for e in info.value.errors}
    assert {"reasons", "legal_basis"} <= fields
    wrong = AssessmentIn.model_validate(
        {
            "outcomes": {str(k): v for k, v in outcomes(world, "recognised", "recognised").items()},
            "legal_basis": ["complementary:serious_harm"],
            "reasons": REASONS,
        }
    )
    with pytest.raises(ValidationFailed) as info, unit_of_work(world.container.sessions) as s:
        rsd.assess(s, actor=world.who("rsd1"), claim_id=claim_id, data=wrong)
    assert "a recognised outcome cites a 1951 Convention ground" in info.value.message
    with pytest.raises(Conflict), unit_of_work(world.container.sessions) as s:
        rsd.decide(
            s, actor=world.who("rsd1"), claim_id=claim_id
        )  # not assessed nor reviewed: nothing to decide
    with unit_of_work(world.container.sessions) as s:
        assert (
            rsd_queries.get_claim(s, actor=world.who("rsd1"), claim_id=claim_id).claim.stage == "interviewed"
        )


def test_late_appeal_needs_a_recorded_reason(world: World) -> None:
    claim_id = open_claim(world, appeal_days=10)
    interview(world, claim_id)
    assess_review_decide(world, claim_id, outcomes(world, "rejected", "rejected"), ["none_met"], "rsd1")
    late = dt.date.today() + dt.timedelta(days=11)
    with pytest.raises(ValidationFailed) as info, unit_of_work(world.container.sessions) as s:
        rsd.lodge_appeal(
            s, actor=world.who("rsd1"), claim_id=claim_id, data=AppealIn(grounds="new facts", lodged_on=late)
        )
    assert info.value.errors[0].field == "late_reason"
    with unit_of_work(world.container.sessions) as s:
        row = rsd.lodge_appeal(
            s,
            actor=world.who("rsd1"),
            claim_id=claim_id,
            data=AppealIn(
                grounds="new facts", lodged_on=late, late_reason="was in hospital, certificate seen"
            ),
        )
        assert row.late


def test_interpreter_of_the_wrong_language_or_gender_is_refused(world: World) -> None:
    claim_id = open_claim(world, interpreter_gender="F")
    wrong_language = interpreter(world, ["kur", "eng"])
    wrong_gender = interpreter(world, ["ara"], gender="M")
    when = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    for who, message in ((wrong_language, "does not interpret ara"), (wrong_gender, "gender F")):
        with pytest.raises(ValidationFailed) as info, unit_of_work(world.container.sessions) as s:
            rsd.schedule_interview(
                s,
                actor=world.who("rsd1"),
                claim_id=claim_id,
                data=InterviewSchedule(scheduled_at=when, interpreter_id=who),
            )
        assert message in info.value.message


def test_only_assigned_staff_read_the_file(world: World) -> None:
    claim_id = open_claim(world)
    with unit_of_work(world.container.sessions) as s:
        with pytest.raises(NotFound):
            rsd_queries.get_claim(s, actor=world.who("rsd2"), claim_id=claim_id)
        with pytest.raises(NotFound):
            rsd_queries.get_claim(s, actor=world.who("lbn_officer"), claim_id=claim_id)
        with pytest.raises(PermissionDenied):
            rsd_queries.get_claim(s, actor=world.who("admin"), claim_id=claim_id)  # register, not the file
        register = rsd_queries.list_claims(s, actor=world.who("admin"))
        assert [c.id for c in register] == [claim_id]
        assert rsd_queries.list_claims(s, actor=world.who("rsd2")) == []
        with pytest.raises(NotFound):  # an officer not assigned does not learn that the claim exists
            rsd.assign(
                s,
                actor=world.who("rsd2"),
                claim_id=claim_id,
                user_id=world.seed.users["rsd2"],
                role="officer",
            )


def test_closure_of_abandoned_claims_and_the_figures(world: World) -> None:
    first = open_claim(world)
    with unit_of_work(world.container.sessions) as s:
        second = rsd.open_claim(
            s,
            actor=world.who("rsd1"),
            data=ClaimOpen(
                household_id=world.saleh,
                principal_id=world.saleh_people[0],
                language="ara",
                modality="simplified",
            ),
        ).id
        rsd.assign(
            s,
            actor=world.who("rsdsup"),
            claim_id=second,
            user_id=world.seed.users["rsdsup2"],
            role="reviewer",
        )
    assess_review_decide(
        world, second, {p: "recognised" for p in world.saleh_people[:1]}, ["1951:religion"], "rsd1"
    )
    with unit_of_work(world.container.sessions) as s:
        assert (
            rsd.close_abandoned(
                s, actor=world.who("rsdsup"), operation_id=world.operation_id, inactive_days=30
            )
            == []
        )
        rsd.close(s, actor=world.who("rsd1"), claim_id=first, reason="applicant did not come back, abandoned")
        numbers = rsd_queries.rsd_figures(s, actor=world.who("rsdsup"))
    first_instance = numbers["rates"]["first_instance"]
    assert first_instance["persons"]["recognised"] == 1 and first_instance["persons"]["otherwise_closed"] == 3
    assert first_instance["persons"]["recognition_rate"] == 1.0  # otherwise closed left out
    assert first_instance["cases"]["otherwise_closed"] == 1
    assert numbers["backlog"]["registered"] == 0


def test_figures_definitions_on_arrays() -> None:
    code = {o: i for i, o in enumerate(figures.OUTCOMES)}
    out = np.array(
        [code["recognised"]] * 3
        + [code["complementary"]]
        + [code["rejected"]] * 4
        + [code["otherwise_closed"]] * 5
        + [-1]
    )
    r = figures.rates(out)
    assert r.recognition_rate == pytest.approx(3 / 8) and r.total_protection_rate == pytest.approx(4 / 8)
    st = {s: i for i, s in enumerate(figures.STAGES)}
    claim = np.array([0, 0, 0, 1, 1])
    stage = np.array(
        [st["registered"], st["registered"], st["interviewed"], st["registered"], st["interviewed"]]
    )
    days = np.array([0.0, 2.0, 10.0, 0.0, 4.0])
    medians = figures.stage_medians(claim, stage, days)
    assert medians["registered"] == 7.0  # 10 and 4 days: a step that keeps the stage does not split it


def test_the_assigned_officer_does_not_assign_staff(world: World) -> None:
    claim_id = open_claim(world)
    with pytest.raises(PermissionDenied) as info, unit_of_work(world.container.sessions) as s:
        rsd.assign(
            s, actor=world.who("rsd1"), claim_id=claim_id, user_id=world.seed.users["rsd2"], role="officer"
        )
    assert "RSD_REVIEW" in info.value.message


def _decided(world: World, language: str) -> uuid.UUID:
    with unit_of_work(world.container.sessions) as s:
        claim = rsd.open_claim(
            s,
            actor=world.who("rsd1"),
            data=ClaimOpen(
                household_id=world.saleh,
                principal_id=world.saleh_people[0],
                language=language,
                modality="simplified",
            ),
        )
        rsd.assign(
            s,
            actor=world.who("rsdsup"),
            claim_id=claim.id,
            user_id=world.seed.users["rsdsup2"],
            role="reviewer",
        )
        claim_id = claim.id
    assess_review_decide(world, claim_id, {world.saleh_people[0]: "recognised"}, ["1951:religion"], "rsd1")
    return claim_id


def test_decision_letter_in_the_applicants_language(world: World) -> None:
    import io

    from pypdf import PdfReader

    claim_id = _decided(world, "eng")
    with unit_of_work(world.container.sessions) as s:
        pdf = rsd_queries.decision_letter(s, actor=world.who("rsd1"), claim_id=claim_id)
        with pytest.raises(NotFound):
            rsd_queries.decision_letter(s, actor=world.who("rsd2"), claim_id=claim_id)
        with pytest.raises(NotFound):
            rsd_queries.decision_letter(s, actor=world.who("rsd1"), claim_id=claim_id, level="appeal")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Decision on your claim" in text and "Recognised (refugee status)" in text
    assert "1951 Convention: religion" in text and "You may appeal this decision until" in text


def test_arabic_decision_letter(world: World) -> None:
    claim_id = _decided(world, "ara")
    with unit_of_work(world.container.sessions) as s:
        pdf = rsd_queries.decision_letter(s, actor=world.who("rsd1"), claim_id=claim_id)
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
