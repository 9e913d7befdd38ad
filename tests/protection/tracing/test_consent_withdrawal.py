"""Withdrawing consent for tracing takes effect on tracing: a registered person who withdrew is never
offered as a match; consent given again brings them back."""

from __future__ import annotations

from sqlalchemy import select
from tests.protection.tracing.conftest import World, open_request, request_payload

from refugio.main import Container
from refugio.protection.tracing import service
from refugio.protection.tracing.models import TracingCandidate
from refugio.registration import queries as reg_queries
from refugio.registration import service as reg
from refugio.security.principals import Principal
from refugio.store.uow import unit_of_work


def _candidates(container: Container, world: World, actor: Principal) -> set[object]:
    request_id = open_request(container, actor, request_payload(world.seed.camp_id))
    with unit_of_work(container.sessions) as s:
        service.match_request(s, actor=actor, request_id=request_id)
    with unit_of_work(container.sessions) as s:
        return set(
            s.scalars(select(TracingCandidate.individual_id).where(TracingCandidate.request_id == request_id))
        )


def test_a_person_who_withdrew_tracing_consent_is_never_a_match(
    container: Container, world: World, protection: Principal
) -> None:
    with unit_of_work(container.sessions) as s:
        reg.change_consent(
            s, actor=protection, individual_id=world.mohammed_id, purpose="tracing", given=False
        )
        assert not reg_queries.has_consent(s, purpose="tracing", individual_id=world.mohammed_id)
    assert world.mohammed_id not in _candidates(container, world, protection)
    with unit_of_work(container.sessions) as s:
        reg.change_consent(
            s, actor=protection, individual_id=world.mohammed_id, purpose="tracing", given=True
        )
    assert world.mohammed_id in _candidates(container, world, protection)
