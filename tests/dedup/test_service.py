"""Desk check, runs, the review decisions (merge, not the same, unmerge) and the index, on both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from tests.dedup.conftest import Families, again_payload, register
from tests.helpers import Seed, household_payload, name_index_out_of_step

from refugio.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from refugio.dedup import index, queries, service
from refugio.dedup.models import DedupPair
from refugio.dedup.schemas import DeskCheck
from refugio.main import Container
from refugio.registration.models import Household, Individual, RegistrationEvent
from refugio.security.models import AuditEntry
from refugio.security.principals import Principal
from refugio.store.uow import unit_of_work


def _desk(seeded: Seed, **person: object) -> DeskCheck:
    return DeskCheck.model_validate({"site_id": str(seeded.camp_id), "person": person})


def _ref(container: Container, household_id: object, n: int) -> Individual:
    with unit_of_work(container.sessions) as s:
        return s.scalars(
            select(Individual).where(Individual.household_id == household_id).order_by(Individual.ref)
        ).all()[n]


def test_desk_check_finds_the_person_across_spellings_and_scripts(
    container: Container, seeded: Seed, families: Families, clerk: Principal
) -> None:
    khaled = _ref(container, families.first, 0)
    with unit_of_work(container.sessions) as s:
        result = service.desk_check(
            s,
            actor=clerk,
            query=_desk(
                seeded, given_name="Khalid", family_name_original="حداد", sex="M", date_of_birth="1984-05-17"
            ),
        )
    assert result.matches, "the registered Khaled Haddad must come up"
    best = result.matches[0]
    assert best.individual_id in {khaled.id, _ref(container, families.again, 0).id}
    assert best.probability > 0.9
    assert {c.comparison for c in best.contributions} >= {"given_name", "family_name", "date_of_birth"}
    assert all(m.family_name in {"Haddad", "Hadad"} for m in result.matches[:2])
    with unit_of_work(container.sessions) as s:  # a year of birth only: still found, with less certainty
        weaker = service.desk_check(
            s,
            actor=clerk,
            query=_desk(seeded, given_name="Khalid", family_name="Hadad", date_of_birth="1984"),
        )
    assert weaker.matches[0].individual_id == khaled.id
    assert weaker.matches[0].probability < best.probability


def test_desk_check_sees_registrations_the_index_has_not_taken_in(
    container: Container, seeded: Seed, families: Families, clerk: Principal
) -> None:
    with unit_of_work(container.sessions) as s:
        service.desk_check(s, actor=clerk, query=_desk(seeded, given_name="Khaled", family_name="Haddad"))
        assert index.lag(s) == 0
    newcomer = household_payload(seeded.camp_id, family="Zoubi")
    newcomer["members"][0]["given_name"] = "Rami"  # type: ignore[index]
    register(container, newcomer)
    with unit_of_work(container.sessions) as s:
        assert index.lag(s) > 0
        result = service.desk_check(
            s,
            actor=clerk,
            query=_desk(seeded, given_name="Rami", family_name="Zoubi", date_of_birth="1984-05-17"),
        )
        assert index.lag(s) > 0  # nothing was written for the check
    assert result.index_lag > 0
    assert result.matches and result.matches[0].given_name == "Rami"


def test_desk_check_rules(
    container: Container, seeded: Seed, families: Families, viewer: Principal, clerk: Principal
) -> None:
    with unit_of_work(container.sessions) as s, pytest.raises(PermissionDenied):
        service.desk_check(s, actor=viewer, query=_desk(seeded, given_name="Khaled"))
    with unit_of_work(container.sessions) as s, pytest.raises(ValidationFailed) as exc:
        service.desk_check(
            s, actor=clerk, query=_desk(seeded, given_name="Khaled", date_of_birth="17/05/1984")
        )
    assert exc.value.errors[0].field == "person.date_of_birth"
    with unit_of_work(container.sessions) as s, pytest.raises(ValidationFailed):
        service.desk_check(s, actor=clerk, query=_desk(seeded, sex="M"))


def test_run_review_merge_unmerge_and_not_the_same(
    container: Container, seeded: Seed, families: Families, imo: Principal, clerk: Principal
) -> None:
    with unit_of_work(container.sessions) as s:  # the family registered twice: in the queue on save
        pairs, total = queries.review_queue(s, actor=imo)
    assert total == 4  # father, mother and two children
    with unit_of_work(container.sessions) as s:
        run = service.run_population(s, actor=imo, operation_id=seeded.operation_id)
    assert run.pairs_found >= 4 and run.pairs_new == 0  # a run finds them again, adds none
    for p in pairs:
        assert {p.left.family_name, p.right.family_name} <= {"Haddad", "Hadad"}, (
            "the Nasser family is not a duplicate"
        )
        assert p.contributions and p.probability > 0.5
    merge_pair, other_pair = pairs[0], pairs[1]

    with unit_of_work(container.sessions) as s, pytest.raises(NotFound):  # the queue is not the clerk's
        service.confirm_duplicate(s, actor=clerk, pair_id=merge_pair.id, reason="same person")

    with unit_of_work(container.sessions) as s:
        merge = service.confirm_duplicate(s, actor=imo, pair_id=merge_pair.id, reason="same passport photo")
        survivor_id, merged_id = merge.survivor_id, merge.merged_id
    with unit_of_work(container.sessions) as s:
        merged, survivor = s.get(Individual, merged_id), s.get(Individual, survivor_id)
        assert merged is not None and survivor is not None
        previous = merge.previous_status
        assert merged.status == "inactive" and survivor.status == "active"
        hh = s.get(Household, merged.household_id)
        assert hh is not None and hh.size == 3
        for person, text in (
            (merged, f"Merged into {survivor.ref}"),
            (survivor, f"{merged.ref} merged into this record"),
        ):
            events = s.scalars(
                select(RegistrationEvent.summary).where(RegistrationEvent.individual_id == person.id)
            ).all()
            assert any(e.startswith(text) for e in events)
        assert queries.merged_into(s, merged_id) == survivor_id
        assert (
            s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "dedup.merge"))
            == 1
        )
    with unit_of_work(container.sessions) as s, pytest.raises(Conflict):
        service.confirm_duplicate(s, actor=imo, pair_id=merge_pair.id, reason="again")

    with unit_of_work(container.sessions) as s:
        service.reject_duplicate(s, actor=imo, pair_id=other_pair.id, reason="twins, checked in interview")
    with unit_of_work(container.sessions) as s:
        rerun = service.run_population(s, actor=imo, operation_id=seeded.operation_id)
        assert rerun.pairs_new == 0  # decisions are remembered: nothing is raised again
        assert s.get(DedupPair, other_pair.id).status == "different"  # type: ignore[union-attr]

    with unit_of_work(container.sessions) as s:
        service.unmerge(s, actor=imo, merge_id=merge.id, reason="two people after all")
    with unit_of_work(container.sessions) as s:
        merged = s.get(Individual, merged_id)
        assert merged is not None and merged.status == previous
        assert s.get(Household, merged.household_id).size == 4  # type: ignore[union-attr]
        assert s.get(DedupPair, merge_pair.id).status == "pending"  # type: ignore[union-attr]
        assert s.scalar(select(func.count()).select_from(Individual)) == 12  # nothing was ever deleted
    with unit_of_work(container.sessions) as s, pytest.raises(Conflict):
        service.unmerge(s, actor=imo, merge_id=merge.id, reason="again")


def test_batch_against_registered_and_models(
    container: Container, seeded: Seed, families: Families, imo: Principal
) -> None:
    with unit_of_work(container.sessions) as s:
        model = service.train_model(s, actor=imo, operation_id=seeded.operation_id)
        assert model.version == 1 and model.active
        second = service.train_model(
            s, actor=imo, operation_id=seeded.operation_id, review_weight=2.0, match_weight=8.0
        )
        assert second.version == 2 and (second.review_weight, second.match_weight) == (2.0, 8.0)
        assert [m.active for m in queries.models(s, actor=imo)] == [True, False]
        with pytest.raises(ValidationFailed):
            service.set_thresholds(s, actor=imo, model_id=second.id, review_weight=9.0, match_weight=3.0)
    third = register(container, again_payload(seeded.camp_id))
    with unit_of_work(container.sessions) as s:
        run = service.run_batch(s, actor=imo, operation_id=seeded.operation_id, household_ids=[third])
        assert run.summary["batch"] == 4 and run.summary["registered_candidates"] >= 4
        pairs = s.scalars(select(DedupPair).where(DedupPair.run_id == run.id)).all()
        linked = s.scalars(select(DedupPair).where(DedupPair.run_id.is_(None))).all()
    third_ids = {i.id for i in [_ref(container, third, n) for n in range(4)]}
    assert all(p.left_id in third_ids or p.right_id in third_ids for p in pairs)
    assert any(p.left_id in third_ids or p.right_id in third_ids for p in linked)  # on save already


def test_merge_and_unmerge_keep_the_name_index_in_step(
    container: Container, seeded: Seed, families: Families, imo: Principal
) -> None:
    """Search filters by status inside the name index: a merged person is inactive there too, and
    active again once unmerged."""
    from refugio.registration import queries as registration

    with unit_of_work(container.sessions) as s:
        service.run_population(s, actor=imo, operation_id=seeded.operation_id)
    with unit_of_work(container.sessions) as s:
        pairs, _total = queries.review_queue(s, actor=imo)
        merge = service.confirm_duplicate(s, actor=imo, pair_id=pairs[0].id, reason="same passport photo")
        merged_id = merge.merged_id
    assert name_index_out_of_step(container) == {}

    def active_ids() -> set[object]:
        with unit_of_work(container.sessions) as s:
            return {
                h.person.id
                for q in ("haddad", "hadad")
                for h in registration.search(s, actor=imo, query=q, include_inactive=False)
            }

    assert merged_id not in active_ids()
    with unit_of_work(container.sessions) as s:
        service.unmerge(s, actor=imo, merge_id=merge.id, reason="two people after all")
    assert name_index_out_of_step(container) == {}
    assert merged_id in active_ids()
