"""Data subject rights: access (everything held, the audit's reads, narratives withheld unless the DPO
releases them; JSON and an Arabic PDF), correction with history, erasure refused under a hold or an
open case, erasure leaving a tombstone with the audit chain intact, deadlines, least privilege."""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from tests.dataprotection.conftest import Past

from refugio.core.errors import Conflict, PermissionDenied, ValidationFailed
from refugio.dataprotection import service as dp_service
from refugio.dataprotection.rights import queries, service
from refugio.dataprotection.rights.enums import RequestKind, RequestStatus
from refugio.dataprotection.rights.schemas import (
    IdentityVerification,
    RightsRequestCreate,
    SensitiveDecision,
)
from refugio.dataprotection.schemas import LegalHoldCreate
from refugio.protection.models import ProtectionCase
from refugio.registration import queries as reg_queries
from refugio.registration.models import Individual, RegistrationEvent
from refugio.security import audit
from refugio.security.models import AuditEntry
from refugio.store.uow import unit_of_work


def _ref(past: Past, person_id: uuid.UUID) -> str:
    with unit_of_work(past.world.container.sessions) as s:
        ref = s.scalar(select(Individual.ref).where(Individual.id == person_id))
        assert ref is not None
        return ref


def _request(past: Past, person_id: uuid.UUID, kind: str, **extra: object) -> uuid.UUID:
    data = RightsRequestCreate.model_validate({"kind": kind, "ref": _ref(past, person_id), **extra})
    with unit_of_work(past.world.container.sessions) as s:
        made = service.create_request(s, actor=past.world.who("dpo"), data=data)
        service.verify_identity(
            s,
            actor=past.world.who("dpo"),
            request_id=made.id,
            data=IdentityVerification(evidence="ID card seen"),
        )
        return made.id


def _download(past: Past, request_id: uuid.UUID, fmt: str) -> bytes:
    with unit_of_work(past.world.container.sessions) as s:
        _, content, _ = service.access_report(s, actor=past.world.who("dpo"), request_id=request_id, fmt=fmt)
        return content


def test_access_report_holds_the_record_and_who_read_it(past: Past) -> None:
    w = past.world
    with unit_of_work(w.container.sessions) as s:
        reg_queries.person_record(s, actor=w.who("clerk"), key=w.woman_id)  # an audited read
    request_id = _request(past, w.woman_id, "access")
    report = json.loads(_download(past, request_id, "json"))
    assert report["person"]["given_name"] == "Amira"
    assert report["person"]["phone"] == "+962795550199"  # decrypted
    assert report["household"]["ref"]
    assert any(e["type"] == "registered" for e in report["events"])
    assert report["consent"]["purposes"] == ["registration", "assistance"]
    reads = [e for e in report["audit"] if e["action"] == "individual.read"]
    assert [e["actor"] for e in reads] == ["clerk"]
    cases = {r["table"]: r["rows"] for r in report["other_records"]}
    assert "protection_case" in cases and "case_individual" in cases
    (case,) = cases["protection_case"]
    assert case["summary"] == "(withheld)"
    assert "protection_case.summary" in report["withheld"]
    with unit_of_work(w.container.sessions) as s:
        service.decide_sensitive(
            s,
            actor=w.who("dpo"),
            request_id=request_id,
            data=SensitiveDecision(include=True, note="her own request; no third party at risk"),
        )
    report = json.loads(_download(past, request_id, "json"))
    (case,) = {r["table"]: r["rows"] for r in report["other_records"]}["protection_case"]
    assert "former employer" in case["summary"]
    with unit_of_work(w.container.sessions) as s:
        done = service.complete_access(s, actor=w.who("dpo"), request_id=request_id)
        entries = s.scalars(select(AuditEntry.action).where(AuditEntry.object_id == str(w.woman_id))).all()
    assert done.status == RequestStatus.COMPLETED
    assert [st.action for st in done.steps][-1] == "completed"
    assert entries.count("rights.access_downloaded") == 2


def test_sensitive_narratives_are_never_released_to_a_representative(past: Past) -> None:
    w = past.world
    request_id = _request(past, w.woman_id, "access", requester="representative", requester_name="Lawyer Lou")
    with unit_of_work(w.container.sessions) as s, pytest.raises(ValidationFailed) as err:
        service.decide_sensitive(
            s, actor=w.who("dpo"), request_id=request_id, data=SensitiveDecision(include=True, note="asked")
        )
    assert err.value.errors[0].field == "include"


def test_access_report_pdf_in_arabic(past: Past) -> None:
    request_id = _request(past, past.world.woman_id, "access", language="ar")
    pdf = _download(past, request_id, "pdf")
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    text = "".join(page.extract_text() for page in reader.pages)
    arabic = [ch for ch in text if "\u0600" <= ch <= "\u06ff" or "\ufe70" <= ch <= "\ufeff"]
    assert len(arabic) > 20, text[:300]
    assert "بياناتك الشخصية" in text and "سجل التسجيل" in text  # title and a section, shaped in logical order
    assert "الاسم الأول" in text and "Amira" in text
    assert reader.metadata is not None and reader.metadata.title and "DSR-" in reader.metadata.title


def test_correction_is_applied_with_history_and_refused_fields_named(past: Past) -> None:
    w = past.world
    request_id = _request(
        past,
        w.woman_id,
        "correction",
        changes={
            "family_name": "Khalil Nasser",
            "given_name": "Amira",
            "sex": "Q",
            "date_of_birth": "2999-01-01",
        },
    )
    with unit_of_work(w.container.sessions) as s:
        done = service.apply_correction(s, actor=w.who("dpo"), request_id=request_id)
    assert done.status == RequestStatus.COMPLETED
    assert done.outcome["applied"] == {"family_name": ["Khalil", "Khalil Nasser"]}
    assert set(done.outcome["refused"]) == {"given_name", "sex", "date_of_birth"}
    assert done.outcome["refused"]["given_name"] == "already has this value"
    with unit_of_work(w.container.sessions) as s:
        person = s.get(Individual, w.woman_id)
        assert person is not None and person.family_name == "Khalil Nasser"
        event = s.scalars(
            select(RegistrationEvent).where(
                RegistrationEvent.individual_id == w.woman_id,
                RegistrationEvent.event_type == "details_updated",
            )
        ).one()
        assert event.details["family_name"] == ["Khalil", "Khalil Nasser"]
        assert done.ref in event.details["reason"]
        assert event.recorded_by == "dpo"
    with unit_of_work(w.container.sessions) as s, pytest.raises(Conflict):
        service.apply_correction(s, actor=w.who("dpo"), request_id=request_id)  # closed


def test_erasure_is_refused_under_a_legal_hold_or_an_open_case(past: Past) -> None:
    w = past.world
    father = _request(past, w.father_id, "erasure")
    with unit_of_work(w.container.sessions) as s:
        refused = service.erase(s, actor=w.who("dpo"), request_id=father)
    assert refused.status == RequestStatus.REFUSED
    assert refused.refusal_reason and "open case" in refused.refusal_reason
    with unit_of_work(w.container.sessions) as s:
        dp_service.place_hold(
            s,
            actor=w.who("dpo"),
            data=LegalHoldCreate(
                object_type="individual", ref=_ref(past, w.woman_id), reason="court order 12/26"
            ),
        )
    woman = _request(past, w.woman_id, "erasure")
    with unit_of_work(w.container.sessions) as s:
        refused = service.erase(s, actor=w.who("dpo"), request_id=woman)
    assert (
        refused.refusal_reason
        and "legal hold" in refused.refusal_reason
        and "court order" in refused.refusal_reason
    )
    with unit_of_work(w.container.sessions) as s:
        assert s.get(Individual, w.woman_id).given_name == "Amira"  # type: ignore[union-attr]


def test_erasure_leaves_a_tombstone_and_the_audit_chain_verifiable(past: Past) -> None:
    w = past.world
    ref = _ref(past, w.woman_id)
    with unit_of_work(w.container.sessions) as s:
        reg_queries.person_record(s, actor=w.who("clerk"), key=w.woman_id)
    request_id = _request(past, w.woman_id, "erasure")
    with unit_of_work(w.container.sessions) as s:
        done = service.erase(s, actor=w.who("dpo"), request_id=request_id)
    assert done.status == RequestStatus.COMPLETED and done.erased
    assert done.outcome["households_erased"] == 1 and done.outcome["closed_cases_emptied"] == 1
    with unit_of_work(w.container.sessions) as s:
        person = s.get(Individual, w.woman_id)
        assert person is not None
        assert (person.given_name, person.family_name, person.phone) == ("", "(anonymised)", None)
        case = s.get(ProtectionCase, past.closed_case_id)
        assert case is not None and case.summary == ""
        stone = queries.tombstone(s, actor=w.who("dpo"), ref=ref)
        assert stone is not None and stone.request_ref == done.ref and stone.erased_by == "dpo"
        report = audit.verify_chain(s)
        assert report.ok, report.problems
        logged = json.dumps(
            [[e.object_id, e.details] for e in s.scalars(select(AuditEntry))], ensure_ascii=False, default=str
        )
    for personal in ("Amira", "Khalil", "555 0199", "5550199", "former employer"):
        assert personal not in logged
    data = RightsRequestCreate(kind=RequestKind.ACCESS, ref=ref)
    with unit_of_work(w.container.sessions) as s, pytest.raises(ValidationFailed) as err:
        service.create_request(s, actor=w.who("dpo"), data=data)
    assert err.value.errors[0].code == "erased"


def test_deadlines_and_overdue_requests(past: Past) -> None:
    w = past.world
    late = dt.date.today() - dt.timedelta(days=40)
    with unit_of_work(w.container.sessions) as s:
        old = service.create_request(
            s,
            actor=w.who("dpo"),
            data=RightsRequestCreate(kind=RequestKind.ACCESS, ref=_ref(past, w.son_id), received_on=late),
        )
        new = service.create_request(
            s,
            actor=w.who("dpo"),
            data=RightsRequestCreate(kind=RequestKind.ACCESS, ref=_ref(past, w.son_id)),
            deadline_days=10,
        )
    assert old.due_on == late + dt.timedelta(days=30) and old.overdue
    assert new.due_on == dt.date.today() + dt.timedelta(days=10) and not new.overdue
    with unit_of_work(w.container.sessions) as s:
        overdue = queries.requests(s, actor=w.who("dpo"), overdue=True)
    assert [r.ref for r in overdue] == [old.ref]


def test_only_the_data_protection_officer_handles_requests(past: Past) -> None:
    w = past.world
    data = RightsRequestCreate(kind=RequestKind.ACCESS, ref=_ref(past, w.woman_id))
    for username in ("imo", "clerk", "supervisor"):
        with unit_of_work(w.container.sessions) as s, pytest.raises(PermissionDenied):
            service.create_request(s, actor=w.who(username), data=data)
        with unit_of_work(w.container.sessions) as s, pytest.raises(PermissionDenied):
            queries.requests(s, actor=w.who(username))
    request_id = _request(past, w.woman_id, "access")
    with unit_of_work(w.container.sessions) as s, pytest.raises(PermissionDenied):
        service.access_report(s, actor=w.who("imo"), request_id=request_id)
