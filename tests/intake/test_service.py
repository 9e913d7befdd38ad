"""Stage → validate → review → commit, on SQLite and PostgreSQL: what is registered, what is held back
and why, idempotent re-import, a changed row as an update with history, refusal, permissions, and the
deduplication hook."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.helpers import Seed, principal
from tests.intake.support import FAMILY, batch, commit, people, rows, run_import, write_csv

from refugio.core.errors import Conflict, PermissionDenied, ValidationFailed
from refugio.core.events import EventBus
from refugio.intake import service
from refugio.intake.events import ImportCommitted, ImportScreening
from refugio.intake.models import SourceRecord, StagedRow
from refugio.main import Container
from refugio.registration import service as registration
from refugio.registration.models import Household, Individual, RegistrationEvent
from refugio.registration.schemas import DocumentCreate
from refugio.store.uow import unit_of_work


def test_import_validates_each_row_and_commits_valid_households(
    container: Container, seeded: Seed, tmp_path: Path
) -> None:
    admin = principal(container, "admin")
    path = write_csv(
        tmp_path,
        [
            *FAMILY,
            "H2,P4,head,Ali,Omar,M,31/02/1990,SYR,yes,,",  # impossible date
            "H2,P5,wife,Sara,Omar,F,1992,SYR,yes,,",  # fine, but her household has an error
            "H3,P6,head,Lina,Ahmad,F,1970,SYR,no,,",  # no consent and no other legal basis
            "H4,P7,wife,Nour,Saleh,F,1990,XYZ,yes,,",  # no focal point; unknown country
        ],
    )
    batch_id = run_import(container, admin, path, seeded.camp_id)
    b = batch(container, batch_id)
    assert b.status == "ready"
    assert b.counts["rows"] == 7 and b.counts["households"] == 4
    assert b.counts["households_new"] == 1 and b.counts["households_held"] == 3
    by_row = {r.row_no: r for r in rows(container, batch_id)}
    assert [by_row[n].status for n in (2, 3, 4)] == ["new", "new", "new"]
    assert by_row[5].status == "invalid"
    assert [(e["field"], e["column"], e["code"]) for e in by_row[5].errors] == [
        ("date_of_birth", "DOB", "bad_date")
    ]
    assert by_row[6].status == "held" and "row(s) 5" in by_row[6].errors[0]["message"]
    assert by_row[7].errors[0]["code"] == "consent_required"
    assert {e["code"] for e in by_row[8].errors} >= {"unknown_code", "no_focal_point"}
    assert people(container) == 0  # nothing registered before the commit

    result = commit(container, admin, batch_id)
    assert (result.households_registered, result.people_registered, result.households_skipped) == (1, 3, 3)
    assert people(container) == 3
    assert batch(container, batch_id).status == "committed"
    with pytest.raises(Conflict):
        commit(container, admin, batch_id)  # once only


def test_same_file_again_changes_nothing(container: Container, seeded: Seed, tmp_path: Path) -> None:
    admin = principal(container, "admin")
    path = write_csv(tmp_path, FAMILY)
    commit(container, admin, run_import(container, admin, path, seeded.camp_id))
    with unit_of_work(container.sessions) as s:
        events_before = s.scalar(select(func.count()).select_from(RegistrationEvent))
    again = run_import(container, admin, path, seeded.camp_id)
    assert batch(container, again).counts["unchanged"] == 3
    result = commit(container, admin, again)
    assert (result.people_registered, result.people_updated, result.unchanged) == (0, 0, 3)
    assert people(container) == 3
    with unit_of_work(container.sessions) as s:
        assert s.scalar(select(func.count()).select_from(RegistrationEvent)) == events_before


def test_changed_row_updates_the_same_person_with_history(
    container: Container, seeded: Seed, tmp_path: Path
) -> None:
    admin = principal(container, "admin")
    commit(container, admin, run_import(container, admin, write_csv(tmp_path, FAMILY), seeded.camp_id))
    changed = [FAMILY[0], FAMILY[1], "H1,P3,son,Youssef,Haddad,M,2014-03,SYR,yes,,"]
    batch_id = run_import(container, admin, write_csv(tmp_path, changed, "v2.csv"), seeded.camp_id)
    staged = {r.row_no: r for r in rows(container, batch_id)}
    assert staged[4].status == "update"
    assert staged[4].changes == {"given_name": ["Yusuf", "Youssef"], "date_of_birth": ["2014", "2014-03"]}
    assert commit(container, admin, batch_id).people_updated == 1
    assert people(container) == 3  # never a second person
    with unit_of_work(container.sessions) as s:
        son = s.scalar(select(Individual).where(Individual.given_name == "Youssef"))
        assert son is not None and son.dob_precision == "month"
        event = s.scalar(
            select(RegistrationEvent).where(
                RegistrationEvent.individual_id == son.id, RegistrationEvent.event_type == "details_updated"
            )
        )
        assert event is not None and event.details["given_name"] == ["Yusuf", "Youssef"]
        assert "Re-imported" in event.details["reason"]


def test_a_new_person_in_a_registered_household_is_not_added_silently(
    container: Container, seeded: Seed, tmp_path: Path
) -> None:
    admin = principal(container, "admin")
    commit(container, admin, run_import(container, admin, write_csv(tmp_path, FAMILY), seeded.camp_id))
    more = [*FAMILY, "H1,P9,daughter,Lina,Haddad,F,2019,SYR,yes,,"]
    batch_id = run_import(container, admin, write_csv(tmp_path, more, "v2.csv"), seeded.camp_id)
    last = rows(container, batch_id)[-1]
    assert last.status == "invalid" and last.errors[0]["code"] == "member_added"


def test_refusal_leaves_nothing(container: Container, seeded: Seed, tmp_path: Path) -> None:
    admin = principal(container, "admin")
    batch_id = run_import(container, admin, write_csv(tmp_path, FAMILY), seeded.camp_id)
    with unit_of_work(container.sessions) as s, pytest.raises(ValidationFailed):
        service.refuse_batch(s, actor=admin, batch_id=batch_id, reason="")
    with unit_of_work(container.sessions) as s:
        service.refuse_batch(s, actor=admin, batch_id=batch_id, reason="wrong site")
    assert rows(container, batch_id) == [] and people(container) == 0
    assert batch(container, batch_id).status == "refused"
    with pytest.raises(Conflict):
        commit(container, admin, batch_id)


def test_commit_is_all_or_nothing_when_the_registry_changed(
    container: Container, seeded: Seed, tmp_path: Path
) -> None:
    admin = principal(container, "admin")
    batch_id = run_import(container, admin, write_csv(tmp_path, FAMILY), seeded.camp_id)
    # after the check, someone registers a person holding the same passport at the desk
    with unit_of_work(container.sessions) as s:
        from tests.helpers import household_payload

        from refugio.registration.schemas import HouseholdCreate

        hh = registration.register_household(
            s, actor=admin, data=HouseholdCreate.model_validate(household_payload(seeded.camp_id, members=1))
        )
        registration.add_document(
            s,
            actor=admin,
            individual_id=hh.focal_point_id,  # type: ignore[arg-type]
            data=DocumentCreate(doc_type="passport", number="N1234", issuing_country="SYR"),
        )
    before = people(container)
    with pytest.raises(ValidationFailed) as err:
        commit(container, admin, batch_id)
    assert err.value.errors[0].field.startswith("row 2.") and err.value.errors[0].code == "document_taken"
    assert people(container) == before
    with unit_of_work(container.sessions) as s:
        assert s.scalar(select(func.count()).select_from(SourceRecord)) == 0


def test_clerk_imports_only_at_their_site(container: Container, seeded: Seed, tmp_path: Path) -> None:
    clerk = principal(container, "clerk")  # ZAA only
    with pytest.raises(ValidationFailed) as err:
        run_import(container, clerk, write_csv(tmp_path, FAMILY), seeded.office_id)
    assert err.value.errors[0].code == "forbidden"
    batch_id = run_import(container, clerk, write_csv(tmp_path, FAMILY), seeded.camp_id)
    assert commit(container, clerk, batch_id).people_registered == 3
    viewer = principal(container, "viewer")
    with pytest.raises((PermissionDenied, ValidationFailed)):
        run_import(container, viewer, write_csv(tmp_path, FAMILY), seeded.office_id)


def test_households_rebuilt_whatever_the_row_order(
    container: Container, seeded: Seed, tmp_path: Path
) -> None:
    admin = principal(container, "admin")
    shuffled = [FAMILY[2], "H9,P9,head,Ali,Omar,M,1980,SYR,yes,,", FAMILY[0], FAMILY[1]]
    batch_id = run_import(container, admin, write_csv(tmp_path, shuffled), seeded.camp_id)
    assert batch(container, batch_id).counts["households_new"] == 2
    assert commit(container, admin, batch_id).households_registered == 2
    with unit_of_work(container.sessions) as s:
        sizes = sorted(s.scalars(select(Household.size)))
    assert sizes == [1, 3]


def test_screening_hook_flags_possible_duplicates_or_blocks_the_batch(
    container: Container, seeded: Seed, tmp_path: Path
) -> None:
    admin = principal(container, "admin")
    events = EventBus()
    seen: list[dict[str, str]] = []

    def screen(event: ImportScreening, session: Session) -> None:
        for record in service.screening_records(session, batch_id=event.batch_id):
            seen.append(record)
            if record["given_name"] == "Mariam":
                event.flag(record["record_id"], "looks like JOR-26-000001-02 (match weight 12.3)")

    events.subscribe(service.SCREEN_EVENT, screen)
    committed: list[ImportCommitted] = []
    events.subscribe(service.COMMITTED_EVENT, lambda event, _session: committed.append(event))
    batch_id = run_import(container, admin, write_csv(tmp_path, FAMILY), seeded.camp_id, events=events)
    assert {r["given_name"] for r in seen} == {"Khaled", "Mariam", "Yusuf"}
    assert {"record_id", "sex", "date_of_birth", "document_number", "site"} <= set(seen[0])
    flagged = [r for r in rows(container, batch_id) if r.errors]
    assert len(flagged) == 1 and flagged[0].errors[0]["code"] == "possible_duplicate"
    assert batch(container, batch_id).counts["possible_duplicates"] == 1
    assert commit(container, admin, batch_id, events=events).people_registered == 3  # still registered
    assert committed[0].batch_id == batch_id
    with unit_of_work(container.sessions) as s:
        assert len(list(service.committed_people(s, batch_id=batch_id))) == 3
        assert len(service.flagged_people(s, batch_id=batch_id)) == 1

    blocking = EventBus()

    def refuse(event: ImportScreening, session: Session) -> None:
        raise Conflict("half of the batch looks already registered")

    blocking.subscribe(service.SCREEN_EVENT, refuse)
    blocked = run_import(
        container, admin, write_csv(tmp_path, FAMILY, "again.csv"), seeded.camp_id, events=blocking
    )
    assert batch(container, blocked).status == "blocked"
    with pytest.raises(Conflict):
        commit(container, admin, blocked)


def test_unreadable_file_leaves_a_failed_batch_and_no_rows(
    container: Container, seeded: Seed, tmp_path: Path
) -> None:
    admin = principal(container, "admin")
    path = tmp_path / "bad.csv"
    path.write_bytes(b"a,b\n\x81\x8d\x8f,\x90\x9d\n")
    with pytest.raises(ValidationFailed):
        run_import(container, admin, path, seeded.camp_id)
    with unit_of_work(container.sessions) as s:
        from refugio.intake.models import ImportBatch

        b = s.scalars(select(ImportBatch)).one()
        assert b.status == "failed" and "encoding" in (b.message or "")
        assert s.scalar(select(func.count()).select_from(StagedRow)) == 0


def test_imported_and_reimported_people_are_found_by_name(
    container: Container, seeded: Seed, tmp_path: Path
) -> None:
    """A commit goes through the registration services, which keep the name index in step."""
    from tests.helpers import name_index_out_of_step

    from refugio.registration import queries

    admin = principal(container, "admin")
    commit(container, admin, run_import(container, admin, write_csv(tmp_path, FAMILY), seeded.camp_id))
    changed = [FAMILY[0], FAMILY[1], "H1,P3,son,Youssef,Haddad,M,2014-03,SYR,yes,,"]
    commit(
        container, admin, run_import(container, admin, write_csv(tmp_path, changed, "v2.csv"), seeded.camp_id)
    )
    with unit_of_work(container.sessions) as s:
        assert [h.person.given_name for h in queries.search(s, actor=admin, query="youssef haddad")] == [
            "Youssef"
        ]
        assert queries.search(s, actor=admin, query="yusuf haddad") == []
    assert name_index_out_of_step(container) == {}


def test_commit_applies_the_reviewed_address_and_document_changes(
    container: Container, seeded: Seed, tmp_path: Path
) -> None:
    """The changes shown in review (household address, a new document) are what the commit applies:
    before, the commit rebuilt the rows without their changes and silently skipped them."""
    admin = principal(container, "admin")
    header = (
        "HH ID,Member ID,Relationship,First name,Last name,Sex,DOB,Nationality,Consent,Address,"
        "Doc type,Doc number"
    )
    first = [
        "H1,P1,head,Khaled,Haddad,M,17/05/1984,SYR,yes,Block 1,passport,N1234",
        "H1,P2,wife,Mariam,Haddad,F,1988-02,SYR,yes,,,",
    ]
    path = tmp_path / "v1.csv"
    path.write_text("\n".join([header, *first]) + "\n", encoding="utf-8")
    commit(container, admin, run_import(container, admin, path, seeded.camp_id))
    second = [
        "H1,P1,head,Khaled,Haddad,M,17/05/1984,SYR,yes,Block 7,passport,N1234",
        "H1,P2,wife,Mariam,Haddad,F,1988-02,SYR,yes,,national_id,ID-555",
    ]
    path2 = tmp_path / "v2.csv"
    path2.write_text("\n".join([header, *second]) + "\n", encoding="utf-8")
    batch_id = run_import(container, admin, path2, seeded.camp_id)
    staged = {r.row_no: r for r in rows(container, batch_id)}
    assert staged[2].status == "update" and staged[2].changes == {"household.address": ["Block 1", "Block 7"]}
    assert staged[3].status == "update" and "document" in (staged[3].changes or {})
    assert commit(container, admin, batch_id).people_updated == 2
    with unit_of_work(container.sessions) as s:
        household = s.scalar(select(Household))
        assert household is not None and household.address == "Block 7"
        mariam = s.scalar(select(Individual).where(Individual.given_name == "Mariam"))
        assert mariam is not None
        assert [d.number for d in mariam.documents] == ["ID-555"]
    again = run_import(container, admin, path2, seeded.camp_id)  # the same file again changes nothing
    assert batch(container, again).counts["unchanged"] == 2
