"""Specific needs set by hand (with a reason, never twice, sensitive codes only for those allowed and
hidden from everyone else) and identity documents (one holder per number, numbers compared normalised).
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from tests.helpers import Seed, household_payload
from tests.registration.support import error_at, events_of, needs_of, register, rejected

from refugio.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from refugio.main import Container
from refugio.registration import queries
from refugio.registration import service as reg
from refugio.registration.models import Household, IdentityDocument, Individual
from refugio.registration.schemas import DocumentCreate, HouseholdCreate, NeedFlag
from refugio.security.models import AuditEntry
from refugio.security.principals import Principal
from refugio.store.uow import unit_of_work


def _family(container: Container, actor: Principal, site: uuid.UUID) -> Household:
    return register(container, actor, household_payload(site, members=4))


def _flag(
    container: Container, actor: Principal, individual_id: uuid.UUID, code: str, reason: str
) -> uuid.UUID:
    with unit_of_work(container.sessions) as s:
        row = reg.flag_need(
            s, actor=actor, individual_id=individual_id, data=NeedFlag(code=code, reason=reason)
        )
        assert row is not None
        return row.id


# --- manual flags ---------------------------------------------------------------------------------------


def test_a_manual_flag_keeps_its_reason_and_leaves_an_event(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    hh = _family(container, clerk, seeded.camp_id)
    mariam = hh.members[1]
    _flag(container, clerk, mariam.id, "sm-ci", "diabetes, needs insulin")
    (need,) = needs_of(container, mariam.id)
    assert (need.code, need.category, need.source, need.active) == ("SM-CI", "SM", "manual", True)
    assert (need.reason, need.flagged_by) == ("diabetes, needs insulin", "clerk")
    (event,) = [e for e in events_of(container, mariam.id) if e.event_type == "need_flagged"]
    assert event.details["code"] == "SM-CI"
    with unit_of_work(container.sessions) as s:
        entry = s.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert entry is not None and (entry.action, entry.object_id) == ("need.flag", str(mariam.id))


def test_a_flag_already_active_is_a_conflict(container: Container, seeded: Seed, clerk: Principal) -> None:
    hh = _family(container, clerk, seeded.camp_id)
    _flag(container, clerk, hh.members[0].id, "DS-PM", "uses crutches")
    with unit_of_work(container.sessions) as s, pytest.raises(Conflict) as caught:
        reg.flag_need(
            s, actor=clerk, individual_id=hh.members[0].id, data=NeedFlag(code="DS-PM", reason="again")
        )
    assert [e.field for e in caught.value.errors] == ["code"]


def test_an_unknown_code_is_named(container: Container, seeded: Seed, clerk: Principal) -> None:
    hh = _family(container, clerk, seeded.camp_id)
    data = NeedFlag(code="XX-YY", reason="not a code")
    errors = rejected(
        container, lambda s: reg.flag_need(s, actor=clerk, individual_id=hh.members[0].id, data=data)
    )
    assert error_at(errors, "code").code == "unknown_code"


def test_a_sensitive_code_needs_the_sensitive_permission(
    container: Container, seeded: Seed, clerk: Principal, protection: Principal
) -> None:
    hh = _family(container, clerk, seeded.camp_id)
    mariam = hh.members[1]
    with unit_of_work(container.sessions) as s, pytest.raises(PermissionDenied, match="NEEDS_SENSITIVE_FLAG"):
        reg.flag_need(
            s, actor=clerk, individual_id=mariam.id, data=NeedFlag(code="SV-VA", reason="disclosed")
        )
    assert needs_of(container, mariam.id) == []
    _flag(container, protection, mariam.id, "SV-VA", "disclosed during the protection interview")
    assert [n.code for n in needs_of(container, mariam.id)] == ["SV-VA"]


def test_a_clerk_cannot_set_a_sensitive_code_at_registration(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    payload = household_payload(seeded.camp_id, members=2)
    payload["members"][1]["needs"] = [{"code": "SV-VO", "reason": "told the clerk"}]
    data = HouseholdCreate.model_validate(payload)
    errors = rejected(container, lambda s: reg.register_household(s, actor=clerk, data=data))
    assert error_at(errors, "members.1.needs.0.code").code == "forbidden"


def test_a_sensitive_flag_is_hidden_from_those_who_may_not_see_it(
    container: Container, seeded: Seed, clerk: Principal, protection: Principal
) -> None:
    hh = _family(container, clerk, seeded.camp_id)
    mariam = hh.members[1]
    reason = "disclosed during the protection interview"
    _flag(container, protection, mariam.id, "SV-VA", reason)
    _flag(container, clerk, mariam.id, "SM-CI", "diabetes")

    with unit_of_work(container.sessions) as s:
        seen_by_clerk = queries.get_individual(s, actor=clerk, key=mariam.id)
        seen_by_officer = queries.get_individual(s, actor=protection, key=mariam.id)
        household_for_clerk = queries.get_household(s, actor=clerk, key=hh.id)

    assert [v.need.code for v in seen_by_clerk.needs] == ["SM-CI"]
    assert seen_by_clerk.hidden_needs == 1
    assert not any(e.details.get("code") == "SV-VA" for e in seen_by_clerk.events)
    assert not any("SV-VA" in e.summary for e in seen_by_clerk.events)
    assert [v.need.code for v in household_for_clerk.needs_by_member[mariam.id]] == ["SM-CI"]
    assert not any(e.details.get("code") == "SV-VA" for e in household_for_clerk.events)

    assert {v.need.code: v.sensitive for v in seen_by_officer.needs} == {"SV-VA": True, "SM-CI": False}
    assert seen_by_officer.hidden_needs == 0
    assert any(e.details.get("code") == "SV-VA" for e in seen_by_officer.events)
    assert not any(reason in e.summary for e in seen_by_officer.events)  # the reason stays on the flag


def test_removing_a_flag_keeps_it_inactive_with_the_reason(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    hh = _family(container, clerk, seeded.camp_id)
    need_id = _flag(container, clerk, hh.members[0].id, "SM-CI", "asthma")
    with unit_of_work(container.sessions) as s:
        reg.remove_need(s, actor=clerk, need_id=need_id, reason="misdiagnosis, confirmed by the clinic")
    (need,) = needs_of(container, hh.members[0].id)
    assert not need.active and need.removed_at is not None
    assert (need.removed_by, need.removal_reason) == ("clerk", "misdiagnosis, confirmed by the clinic")
    (event,) = [e for e in events_of(container, hh.members[0].id) if e.event_type == "need_removed"]
    assert event.details == {"code": "SM-CI", "reason": "misdiagnosis, confirmed by the clinic"}

    with unit_of_work(container.sessions) as s, pytest.raises(Conflict):
        reg.remove_need(s, actor=clerk, need_id=need_id, reason="twice")
    with unit_of_work(container.sessions) as s, pytest.raises(NotFound):
        reg.remove_need(s, actor=clerk, need_id=uuid.uuid4(), reason="no such flag")
    _flag(container, clerk, hh.members[0].id, "SM-CI", "asthma after all")  # may be set again


def test_removing_needs_a_reason_and_the_right_permission(
    container: Container, seeded: Seed, clerk: Principal, protection: Principal
) -> None:
    hh = _family(container, clerk, seeded.camp_id)
    plain = _flag(container, clerk, hh.members[0].id, "SM-CI", "asthma")
    sensitive = _flag(container, protection, hh.members[1].id, "SV-VA", "disclosed")
    errors = rejected(container, lambda s: reg.remove_need(s, actor=clerk, need_id=plain, reason=" "))
    assert error_at(errors, "reason").code == "required"
    with unit_of_work(container.sessions) as s, pytest.raises(PermissionDenied):
        reg.remove_need(s, actor=clerk, need_id=sensitive, reason="the clerk thinks it is wrong")
    with unit_of_work(container.sessions) as s:
        reg.remove_need(s, actor=protection, need_id=sensitive, reason="recorded on the wrong person")


# --- documents ------------------------------------------------------------------------------------------


def _passport(number: str, **extra: object) -> DocumentCreate:
    return DocumentCreate.model_validate(
        {"doc_type": "passport", "number": number, "issuing_country": "SYR", **extra}
    )


def _add(container: Container, actor: Principal, individual_id: uuid.UUID, doc: DocumentCreate) -> None:
    with unit_of_work(container.sessions) as s:
        reg.add_document(s, actor=actor, individual_id=individual_id, data=doc)


def test_a_document_is_recorded_without_its_number_in_the_history(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    hh = _family(container, clerk, seeded.camp_id)
    _add(container, clerk, hh.members[1].id, _passport("N-123 456", expiry_date="2031-01-31"))
    with unit_of_work(container.sessions) as s:
        (doc,) = s.scalars(select(IdentityDocument).where(IdentityDocument.individual_id == hh.members[1].id))
        assert (doc.number, doc.number_norm, str(doc.expiry_date)) == ("N-123 456", "N123456", "2031-01-31")
    (event,) = [e for e in events_of(container, hh.members[1].id) if e.event_type == "document_added"]
    assert "123" not in event.summary and "123456" not in str(event.details)


def test_a_number_held_by_another_person_is_refused_whatever_its_spelling(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    hh = _family(container, clerk, seeded.camp_id)
    holder, other = hh.members[1], hh.members[2]
    _add(container, clerk, holder.id, _passport("N-123 456"))
    for spelling in ("n123456", "N 123-456", "  n-123456 "):
        doc = _passport(spelling)
        errors = rejected(
            container, lambda s, d=doc: reg.add_document(s, actor=clerk, individual_id=other.id, data=d)
        )
        error = error_at(errors, "number")
        assert error.code == "document_taken" and holder.ref in error.message
    doc = _passport("N123456")
    errors = rejected(
        container, lambda s: reg.add_document(s, actor=clerk, individual_id=holder.id, data=doc)
    )
    assert "this person" in error_at(errors, "number").message


def test_the_same_number_of_another_type_or_country_is_another_document(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    hh = _family(container, clerk, seeded.camp_id)
    _add(container, clerk, hh.members[1].id, _passport("N-123 456"))
    _add(container, clerk, hh.members[2].id, _passport("N-123 456", issuing_country="IRQ"))
    _add(container, clerk, hh.members[3].id, _passport("N-123 456", doc_type="national_id"))


@pytest.mark.parametrize(
    ("document", "field", "code"),
    [
        pytest.param({"issuing_country": "QQQ"}, "issuing_country", "unknown_code", id="country"),
        pytest.param({"issue_date": "2999-01-01"}, "issue_date", "future_date", id="future-issue"),
        pytest.param(
            {"issue_date": "2020-05-01", "expiry_date": "2019-05-01"}, "expiry_date", "invalid", id="expiry"
        ),
        pytest.param({"number": "--- / ---"}, "number", "invalid", id="no-letter-or-digit"),
    ],
)
def test_a_bad_document_is_named_at_its_field(
    container: Container, seeded: Seed, clerk: Principal, document: dict[str, str], field: str, code: str
) -> None:
    hh = _family(container, clerk, seeded.camp_id)
    doc = DocumentCreate.model_validate(
        {"doc_type": "passport", "number": "P777", "issuing_country": "SYR", **document}
    )
    errors = rejected(
        container, lambda s: reg.add_document(s, actor=clerk, individual_id=hh.members[0].id, data=doc)
    )
    assert error_at(errors, field).code == code


def test_documents_are_added_only_within_scope(
    container: Container, seeded: Seed, clerk: Principal, admin: Principal, viewer: Principal
) -> None:
    at_office = _family(container, admin, seeded.office_id)
    with unit_of_work(container.sessions) as s, pytest.raises(NotFound):
        reg.add_document(s, actor=clerk, individual_id=at_office.members[0].id, data=_passport("Z1"))
    with unit_of_work(container.sessions) as s, pytest.raises(PermissionDenied):
        reg.add_document(s, actor=viewer, individual_id=at_office.members[0].id, data=_passport("Z2"))


def test_a_document_from_the_registration_form_counts_for_later_additions(
    container: Container, seeded: Seed, clerk: Principal
) -> None:
    hh = _family(container, clerk, seeded.camp_id)
    with unit_of_work(container.sessions) as s:
        focal = s.get(Individual, hh.focal_point_id)
        assert focal is not None
        number = focal.documents[0].number
    doc = _passport(number.lower())
    with unit_of_work(container.sessions) as s, pytest.raises(ValidationFailed) as caught:
        reg.add_document(s, actor=clerk, individual_id=hh.members[1].id, data=doc)
    assert caught.value.errors[0].field == "number"
