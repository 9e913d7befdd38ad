"""Search the registry by name (either script), ID, document number or phone, within the caller's sites.

Prefer `POST /search` with a JSON body: a query string such as `?q=<name>` ends up in access logs of
proxies and servers, and names are personal data. `GET /search?q=` exists for simple clients.

Narrow it by site, sex, age range and status; page it with `offset` and `limit`. Spelling variants
("Mohamad Alahmad" for "Mohammed Al-Ahmad") are found by the dedup name keys, after the name matches
(`matched_by` = `variant`). The body is the page of hits, best first; the headers `X-Total-Count`
(how many people were found) and `X-Total-Capped` (`true` when the search stopped counting: there
are more than that) tell the total.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from refugio.api.deps import Caller, Db
from refugio.api.problems import responses
from refugio.api.registration.bodies import SearchRequest
from refugio.api.registration.browsing import Offset, PersonFilters, total_headers
from refugio.dedup import queries as dedup_queries
from refugio.registration.schemas import BrowseFilters, SearchHitRead, SearchPageRead

router = APIRouter(tags=["search"], responses=responses(401, 403, 422))


@router.post(
    "/search",
    responses=responses(413, 415),
    response_model=list[SearchHitRead],
    summary="Search people (preferred: keeps names out of URLs and access logs)",
)
def search_post(
    data: SearchRequest, session: Db, principal: Caller, response: Response
) -> list[SearchHitRead]:
    filters = BrowseFilters(
        site_id=data.site_id, sex=data.sex, age_min=data.age_min, age_max=data.age_max, status=data.status
    )
    page = dedup_queries.search_people_page(
        session, actor=principal, query=data.q, limit=data.limit, offset=data.offset, filters=filters
    )
    return _page(response, page)


@router.get(
    "/search",
    response_model=list[SearchHitRead],
    summary="Search people (the query string may be logged: prefer POST /search)",
)
def search_get(
    session: Db,
    principal: Caller,
    q: Annotated[str, Query(max_length=200, description="Name, ID, document number or phone.")],
    response: Response,
    filters: PersonFilters,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
    offset: Offset = 0,
) -> list[SearchHitRead]:
    page = dedup_queries.search_people_page(
        session, actor=principal, query=q, limit=limit, offset=offset, filters=filters
    )
    return _page(response, page)


def _page(response: Response, page: SearchPageRead) -> list[SearchHitRead]:
    """The hits, with the total in the headers (the body stays the list it has always been)."""
    total_headers(response, page.total, page.capped)
    return page.hits
