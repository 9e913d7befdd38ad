"""A certificate attests the registration as it stands: corrections and moves revoke it."""

from __future__ import annotations

import uuid

from tests.helpers import Seed, household_payload

from refugio.main import Container
from refugio.registration import certificate, queries
from refugio.registration import service as reg
from refugio.registration.schemas import HouseholdCreate, HouseholdMove, IndividualUpdate
from refugio.security.principals import SYSTEM
from refugio.store.uow import unit_of_work


def _issue(container: Container, seeded: Seed) -> tuple[uuid.UUID, str]:
    with unit_of_work(container.sessions) as s:
        hh = reg.register_household(
            s, actor=SYSTEM, data=HouseholdCreate.model_validate(household_payload(seeded.camp_id))
        )
        spouse = queries.get_household(s, actor=SYSTEM, key=hh.id).members[1]
        issued = certificate.issue_certificate(
            s, actor=SYSTEM, individual_id=spouse.id, signer=container.keyring.signing_key()
        )
        return spouse.id, issued.token


def _status(container: Container, token: str) -> str:
    with unit_of_work(container.sessions) as s:
        return certificate.verify_in_registry(s, token, container.keyring.public_key()).status.value


def test_correcting_a_printed_detail_revokes_the_certificate(container: Container, seeded: Seed) -> None:
    person_id, token = _issue(container, seeded)
    with unit_of_work(container.sessions) as s:
        reg.update_individual(
            s,
            actor=SYSTEM,
            individual_id=person_id,
            data=IndividualUpdate(reason="phone changed", phone="+962 79 000 1111"),
        )
    assert _status(container, token) == "valid"  # the phone is not on the certificate
    with unit_of_work(container.sessions) as s:
        reg.update_individual(
            s,
            actor=SYSTEM,
            individual_id=person_id,
            data=IndividualUpdate(reason="spelling per passport", given_name="Maryam"),
        )
    assert _status(container, token) == "revoked"


def test_moving_to_another_household_revokes_the_certificate(container: Container, seeded: Seed) -> None:
    person_id, token = _issue(container, seeded)
    with unit_of_work(container.sessions) as s:
        reg.move_individual(
            s, actor=SYSTEM, individual_id=person_id, data=HouseholdMove(reason="separated, lives alone now")
        )
    assert _status(container, token) == "revoked"
