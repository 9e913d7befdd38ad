"""Data-sharing agreements on SQLite and PostgreSQL: a share outside its agreement (fields, expiry,
status) is refused; people without consent for its purpose, or who withdrew data sharing, are left out;
the manifest's hash is the file's; every share is audited; the DCI-style search answers only within an
agreement naming the partner account, with the minimum."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io

import pytest
from sqlalchemy import select
from tests.agreements.conftest import World, agreement
from tests.helpers import principal

from refugio.agreements import manifest, service
from refugio.agreements.schemas import AgreementCreate, AgreementStatusChange, RegistrySearch
from refugio.core.errors import Conflict, NotFound, PermissionDenied, TooManyAttempts, ValidationFailed
from refugio.registration import queries as reg_queries
from refugio.registration import service as reg
from refugio.security.models import AuditEntry
from refugio.store.uow import unit_of_work


def _share(
    world: World, agreement_id: object, fields: list[str] | None = None, who: str = "imo"
) -> service.Share:
    with unit_of_work(world.container.sessions) as s:
        return service.share_registry(
            s,
            actor=principal(world.container, who),
            agreement_id=agreement_id,
            fields=fields,  # type: ignore[arg-type]
        )


def _refs(share: service.Share) -> set[str]:
    return {r["registration_number"] for r in csv.DictReader(io.StringIO(share.content.decode("utf-8-sig")))}


def _search(world: World, who: str, **query: object) -> object:
    with unit_of_work(world.container.sessions) as s:
        return service.registry_search(
            s, actor=principal(world.container, who), query=RegistrySearch.model_validate(query)
        )


def test_share_holds_the_agreement_fields_of_consenting_people_and_a_true_manifest(world: World) -> None:
    aid = agreement(world)
    share = _share(world, aid)
    # consent basis: explicit consent to assistance AND to data sharing (the Salehs gave no data sharing)
    assert _refs(share) == {ref for _, ref in world.haddad + world.khalil}
    rows = list(csv.DictReader(io.StringIO(share.content.decode("utf-8-sig"))))
    assert list(rows[0]) == ["registration_number", "given_name", "family_name", "sex", "status"]
    made = share.manifest
    assert made["sha256"] == hashlib.sha256(share.content).hexdigest() and manifest.verify(
        share.content, made
    )
    assert (made["rows"], made["excluded_without_consent"]) == (4, 2)
    assert (
        made["agreement_id"] == str(aid)
        and made["created_by"] == "imo"
        and made["retention_days_at_partner"] == 180
    )
    assert not manifest.verify(share.content + b"x", made)
    with unit_of_work(world.container.sessions) as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "agreement.share")).one()
    assert (
        entry.object_id == str(aid)
        and entry.details["sha256"] == made["sha256"]
        and entry.details["rows"] == 4
    )


def test_a_withdrawal_of_data_sharing_takes_effect_on_the_next_share(world: World) -> None:
    aid = agreement(world, legal_basis="public_interest")  # not on consent: all, unless withdrawn
    everyone = {ref for _, ref in world.haddad + world.saleh + world.khalil}
    assert _refs(_share(world, aid)) == everyone
    khalil_id, khalil_ref = world.khalil[0]
    with unit_of_work(world.container.sessions) as s:
        assert reg.change_consent(
            s,
            actor=principal(world.container, "clerk"),
            individual_id=khalil_id,
            purpose="data_sharing",
            given=False,
        )
    assert _refs(_share(world, aid)) == everyone - {khalil_ref}
    with unit_of_work(world.container.sessions) as s:
        consent = reg_queries.consent_of(
            s, actor=principal(world.container, "clerk"), individual_id=khalil_id
        )
    state = {p.purpose: p.state for p in consent.purposes}
    assert state["data_sharing"] == "withdrawn" and state["tracing"] == "given"
    assert consent.history[0].recorded_by == "clerk" and "withdrawn" in consent.history[0].summary


def test_fields_outside_the_agreement_are_refused_and_nothing_is_audited(world: World) -> None:
    aid = agreement(world)
    with pytest.raises(ValidationFailed) as exc:
        _share(world, aid, fields=["registration_number", "phone", "date_of_birth"])
    assert exc.value.errors[0].code == "outside_agreement"
    assert "phone, date_of_birth" in exc.value.errors[0].message
    with unit_of_work(world.container.sessions) as s:
        assert not s.scalars(select(AuditEntry).where(AuditEntry.action == "agreement.share")).all()
    narrow = _share(world, aid, fields=["registration_number", "sex"])
    assert narrow.manifest["fields"] == ["registration_number", "sex"]


def test_an_expired_suspended_or_future_agreement_shares_nothing(world: World) -> None:
    today = dt.date.today()
    expired = agreement(
        world, valid_from=today - dt.timedelta(days=400), valid_until=today - dt.timedelta(days=1)
    )
    with pytest.raises(Conflict, match="expired on"):
        _share(world, expired)
    future = agreement(
        world, valid_from=today + dt.timedelta(days=2), valid_until=today + dt.timedelta(days=9)
    )
    with pytest.raises(Conflict, match="starts on"):
        _share(world, future)
    aid = agreement(world)
    with unit_of_work(world.container.sessions) as s:
        service.change_status(
            s,
            actor=principal(world.container, "dpo"),
            agreement_id=aid,
            data=AgreementStatusChange(status="suspended", reason="audit of the partner"),
        )
    with pytest.raises(Conflict, match="suspended"):
        _share(world, aid)


def test_only_the_dpo_records_agreements_and_only_data_sharers_share(world: World) -> None:
    data = AgreementCreate.model_validate(
        {
            "operation_id": world.seed.operation_id,
            "partner": "X",
            "purpose": "assistance",
            "fields": ["given_name", "shoe_size"],
            "legal_basis": "whim",
            "retention_days": 10,
            "valid_from": "2026-02-01",
            "valid_until": "2026-01-01",
        }
    )
    with unit_of_work(world.container.sessions) as s, pytest.raises(PermissionDenied):
        service.record_agreement(s, actor=principal(world.container, "imo"), data=data)
    with unit_of_work(world.container.sessions) as s, pytest.raises(ValidationFailed) as exc:
        service.record_agreement(s, actor=principal(world.container, "dpo"), data=data)
    assert {e.field for e in exc.value.errors} == {"fields.1", "legal_basis", "valid_until"}
    aid = agreement(world)
    with pytest.raises(PermissionDenied):
        _share(world, aid, who="dpo")  # records agreements, does not export
    with pytest.raises(NotFound):
        _share(world, aid, who="clerk")


def test_registry_search_is_minimal_within_its_agreement_and_refused_without(world: World) -> None:
    aid = agreement(world)
    haddad_ref = world.haddad[0][1]
    answer = _search(
        world, "partner", agreement_id=aid, id_type="registration_number", id_value=haddad_ref.lower()
    )
    assert answer.model_dump() == {  # type: ignore[attr-defined]
        "agreement_id": aid,
        "registered": True,
        "status": "active",
        "registration_number": haddad_ref,
    }
    # without registration_number among its fields: the status only
    narrow = agreement(world, fields=["status"])
    answer = _search(
        world, "partner", agreement_id=narrow, id_type="registration_number", id_value=haddad_ref
    )
    assert answer.registration_number is None and answer.registered  # type: ignore[attr-defined]
    # a person without consent for sharing: not found; an unknown number: not found
    saleh_ref = world.saleh[0][1]
    answer = _search(world, "partner", agreement_id=aid, id_type="registration_number", id_value=saleh_ref)
    assert not answer.registered and answer.status is None  # type: ignore[attr-defined]
    # another partner account, a staff account, an expired agreement: refused
    with pytest.raises(PermissionDenied):
        _search(world, "partner2", agreement_id=aid, id_type="registration_number", id_value=haddad_ref)
    with pytest.raises(PermissionDenied):
        _search(world, "admin", agreement_id=aid, id_type="registration_number", id_value=haddad_ref)
    today = dt.date.today()
    old = agreement(world, valid_from=today - dt.timedelta(days=90), valid_until=today - dt.timedelta(days=1))
    with pytest.raises(Conflict, match="not in force"):
        _search(world, "partner", agreement_id=old, id_type="registration_number", id_value=haddad_ref)
    with unit_of_work(world.container.sessions) as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "partner.registry_search")).all()
        refused = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "partner.registry_search_refused")
        ).all()
    assert len(entries) == 3 and {e.object_id for e in entries} == {str(aid), str(narrow)}
    assert [e.object_id for e in refused] == [str(aid), str(aid), str(old)]


def test_registry_search_by_document_and_date_of_birth(world: World) -> None:
    aid = agreement(world)
    with unit_of_work(world.container.sessions) as s:
        person = reg_queries.individual_read(
            s, actor=principal(world.container, "admin"), key=world.haddad[0][0]
        )
    number = person.documents[0].number
    found = _search(
        world,
        "partner",
        agreement_id=aid,
        id_type="document_number",
        id_value=number,
        date_of_birth="1984-05-17",
    )
    assert found.registered  # type: ignore[attr-defined]
    wrong = _search(
        world,
        "partner",
        agreement_id=aid,
        id_type="document_number",
        id_value=number,
        date_of_birth="1990-01-01",
    )
    assert not wrong.registered  # type: ignore[attr-defined]


def test_registry_search_is_rate_limited_per_agreement(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "SEARCHES_PER_MINUTE", 2)
    aid = agreement(world)
    for _ in range(2):
        _search(world, "partner", agreement_id=aid, id_type="registration_number", id_value="JOR-00-000000")
    with pytest.raises(TooManyAttempts):
        _search(world, "partner", agreement_id=aid, id_type="registration_number", id_value="JOR-00-000000")


def test_a_distress_log_agreement_opens_neither_the_registry_search_nor_a_registry_share(
    world: World,
) -> None:
    sitrep = ["identity", "position", "situation"]
    aid = agreement(
        world,
        dataset="distress_log",
        purpose="search_and_rescue",
        fields=sitrep,
        legal_basis="vital_interest",
    )
    haddad_ref = world.haddad[0][1]
    with pytest.raises(PermissionDenied, match="no data-sharing agreement names this account"):
        _search(world, "partner", agreement_id=aid, id_type="registration_number", id_value=haddad_ref)
    with pytest.raises(Conflict, match="covers the distress_log, not the registry"):
        _share(world, aid)
    # and a registry agreement cannot be given the distress log's purpose or paragraphs
    with pytest.raises(ValidationFailed, match="may not be shared for search_and_rescue"):
        agreement(world, purpose="search_and_rescue")
    with pytest.raises(ValidationFailed, match="unknown field 'identity' for the registry"):
        agreement(world, fields=["identity"])
