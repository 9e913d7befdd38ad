"""The query parameters of the households and people lists and of search: filters (site, arrival
period, population type, specific need, status, sex, age range), sort and paging. A wrong value is a
422 naming the parameter; the domain's checks (a known status or need, an age range the right way
round) name it too. Each list answers with its page; `X-Total-Count` tells how many there are in all.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from fastapi import Depends, Query, Response

from refugio.registration.enums import PopulationType, Sex
from refugio.registration.schemas import BrowseFilters


def person_filters(
    site_id: Annotated[uuid.UUID | None, Query(description="Only this site.")] = None,
    sex: Annotated[Sex | None, Query(description="F, M or X.")] = None,
    age_min: Annotated[int | None, Query(ge=0, le=130, description="At least N years old.")] = None,
    age_max: Annotated[int | None, Query(ge=0, le=130, description="At most N years old.")] = None,
    status: Annotated[
        str | None,
        Query(
            max_length=20,
            description="People: active, deceased, departed, inactive; households: active, closed.",
        ),
    ] = None,
) -> BrowseFilters:
    """The filters search takes (a dependency: each is a query parameter)."""
    return BrowseFilters(site_id=site_id, sex=sex, age_min=age_min, age_max=age_max, status=status)


def list_filters(
    base: Annotated[BrowseFilters, Depends(person_filters)],
    arrived_from: Annotated[dt.date | None, Query(description="Arrived on or after (YYYY-MM-DD).")] = None,
    arrived_to: Annotated[dt.date | None, Query(description="Arrived on or before (YYYY-MM-DD).")] = None,
    population_type: Annotated[PopulationType | None, Query(description="Of a member.")] = None,
    need: Annotated[
        str | None,
        Query(
            max_length=8,
            description="A member's active specific need: code (SC-UC) or category (SC).",
        ),
    ] = None,
) -> BrowseFilters:
    return base.model_copy(
        update={
            "arrived_from": arrived_from,
            "arrived_to": arrived_to,
            "population_type": population_type,
            "need": need,
        }
    )


def total_headers(response: Response, total: int, capped: bool = False) -> None:
    response.headers["X-Total-Count"] = str(total)
    response.headers["X-Total-Capped"] = "true" if capped else "false"


PersonFilters = Annotated[BrowseFilters, Depends(person_filters)]
ListFilters = Annotated[BrowseFilters, Depends(list_filters)]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="How many to skip (the page's start).")]
