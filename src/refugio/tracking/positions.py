"""The check that a site's or a flow monitoring point's coordinates fall inside its country: the
country of its P-code when it has one, else its operation's. A point outside is refused with the
distance to the border; a country the atlas has no outline for is not checked. Reads registration
through its queries only.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from refugio.core.errors import FieldError, ValidationFailed
from refugio.registration import queries as registration
from refugio.security.principals import SYSTEM
from refugio.tracking.models import AdminArea
from refugio.tracking.shapely_borders import TOLERANCE_KM, place


def stated_country(session: Session, *, operation_id: uuid.UUID, pcode: str | None) -> str | None:
    """The ISO3 code of the country a place is said to be in (its P-code's, else its operation's)."""
    if pcode:
        area = session.get(AdminArea, pcode)
        if area is not None:
            return area.country_iso3
    for op in registration.operations(session, actor=SYSTEM):
        if op.id == operation_id:
            return op.country_iso3
    return None


def check_position(
    session: Session,
    *,
    operation_id: uuid.UUID,
    pcode: str | None,
    latitude: float | None,
    longitude: float | None,
) -> None:
    """Raise ValidationFailed when the coordinates lie outside the stated country (or only one is given)."""
    if latitude is None and longitude is None:
        return
    if latitude is None or longitude is None:
        missing = "latitude" if latitude is None else "longitude"
        raise ValidationFailed.single(missing, "give both the latitude and the longitude", "required")
    iso3 = stated_country(session, operation_id=operation_id, pcode=pcode)
    if iso3 is None:
        return
    where = place(iso3, latitude, longitude)
    if not where.inside:
        message = (
            f"the coordinates {latitude:.5f}, {longitude:.5f} lie outside {iso3} "
            f"(about {where.distance_km:,.0f} km from its border; {TOLERANCE_KM:.0f} km allowed)"
        )
        raise ValidationFailed(
            [
                FieldError("latitude", message, "outside_country"),
                FieldError("longitude", message, "outside_country"),
            ]
        )


__all__ = ["check_position", "stated_country"]
