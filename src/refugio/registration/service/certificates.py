"""Certificates and registration changes: a valid certificate attests a registration as it stood, so
a change that makes it untrue (death, status, move, corrected details) revokes it.

Imports registration models; never a web framework.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.registration.enums import EventType
from refugio.registration.models import Certificate, Individual
from refugio.registration.service.common import add_event
from refugio.security.principals import Principal


def revoke_certificates(session: Session, *, actor: Principal, person: Individual, reason: str) -> None:
    """Revoke the person's valid certificates: they attest a registration that no longer stands."""
    for cert in session.scalars(
        select(Certificate).where(Certificate.individual_id == person.id, Certificate.revoked_at.is_(None))
    ):
        cert.revoked_at = clock.now()
        cert.revoked_by = actor.label
        cert.revocation_reason = reason
        add_event(
            session,
            operation_id=person.operation_id,
            household_id=person.household_id,
            individual_id=person.id,
            event_type=EventType.CERTIFICATE_REVOKED,
            actor=actor,
            summary=f"Certificate {cert.serial} revoked: {reason}",
            details={"serial": cert.serial},
        )


__all__ = ["revoke_certificates"]
