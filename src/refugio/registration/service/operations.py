"""Operations and their registration sites: creating them (OPERATION_MANAGE), audited.

Imports registration models and reference data; never a web framework.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from refugio.core.errors import Conflict, FieldError, ValidationFailed
from refugio.registration.enums import SiteKind
from refugio.registration.models import Operation, Site
from refugio.registration.reference import is_country
from refugio.security import audit
from refugio.security.permissions import Permission
from refugio.security.principals import Principal


def create_operation(
    session: Session, *, actor: Principal, code: str, name: str, country_iso3: str
) -> Operation:
    """Create an operation; `code` (three letters) prefixes its human-readable IDs."""
    actor.require(Permission.OPERATION_MANAGE)
    code, country_iso3 = code.strip().upper(), country_iso3.strip().upper()
    errors: list[FieldError] = []
    if len(code) != 3 or not code.isalpha():
        errors.append(FieldError("code", "use three letters, e.g. JOR"))
    if not name.strip():
        errors.append(FieldError("name", "is required", "required"))
    if not is_country(country_iso3):
        errors.append(FieldError("country_iso3", f"unknown country code {country_iso3!r}", "unknown_code"))
    if errors:
        raise ValidationFailed(errors)
    if session.scalar(select(Operation.id).where(Operation.code == code)) is not None:
        raise Conflict(f"an operation with code {code} already exists", [FieldError("code", "already used")])
    op = Operation(code=code, name=name.strip(), country_iso3=country_iso3)
    session.add(op)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="operation.create",
        object_type="operation",
        object_id=str(op.id),
        details={"code": code},
    )
    return op


def create_site(
    session: Session,
    *,
    actor: Principal,
    operation: Operation,
    code: str,
    name: str,
    kind: str,
    admin1: str | None = None,
    pcode: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
) -> Site:
    """Add a registration site to an operation."""
    actor.require(Permission.OPERATION_MANAGE, operation_id=operation.id)
    errors: list[FieldError] = []
    if not code.strip():
        errors.append(FieldError("code", "is required", "required"))
    if not name.strip():
        errors.append(FieldError("name", "is required", "required"))
    if kind not in {k.value for k in SiteKind}:
        errors.append(FieldError("kind", f"unknown site kind {kind!r}", "unknown_code"))
    if latitude is not None and not -90 <= latitude <= 90:
        errors.append(FieldError("latitude", "must be between -90 and 90"))
    if longitude is not None and not -180 <= longitude <= 180:
        errors.append(FieldError("longitude", "must be between -180 and 180"))
    if errors:
        raise ValidationFailed(errors)
    code = code.strip().upper()
    exists = session.scalar(select(Site.id).where(Site.operation_id == operation.id, Site.code == code))
    if exists is not None:
        raise Conflict(
            f"site {code} already exists in {operation.code}", [FieldError("code", "already used")]
        )
    site = Site(
        operation_id=operation.id,
        code=code,
        name=name.strip(),
        kind=kind,
        admin1=admin1,
        pcode=pcode,
        latitude=latitude,
        longitude=longitude,
    )
    session.add(site)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="site.create",
        object_type="site",
        object_id=str(site.id),
        details={"code": code, "operation": operation.code},
    )
    return site


__all__ = ["create_operation", "create_site"]
