"""Operations and sites visible to the caller, and the reference lists a client needs to fill a form:
specific-needs codes, ISO 3166-1 alpha-3 countries and ISO 639-3 languages.
"""

from __future__ import annotations

from fastapi import APIRouter

from refugio.api.deps import Caller, Db
from refugio.api.problems import responses
from refugio.api.registration.bodies import CodeName
from refugio.registration import queries, reference
from refugio.registration.schemas import NeedCodeRead, OperationRead, SiteRead

router = APIRouter(tags=["reference"], responses=responses(401))


@router.get("/operations", response_model=list[OperationRead], summary="Operations the caller may see")
def list_operations(session: Db, principal: Caller) -> list[OperationRead]:
    return queries.operations(session, actor=principal)


@router.get("/sites", response_model=list[SiteRead], summary="Sites the caller may see")
def list_sites(session: Db, principal: Caller) -> list[SiteRead]:
    return queries.sites(session, actor=principal)


@router.get(
    "/specific-needs/codes", response_model=list[NeedCodeRead], summary="The specific-needs catalogue"
)
def need_codes(_principal: Caller) -> list[NeedCodeRead]:
    return queries.need_codes()


@router.get(
    "/reference/countries", response_model=list[CodeName], summary="Country codes (ISO 3166-1 alpha-3)"
)
def countries(_principal: Caller) -> list[CodeName]:
    return [CodeName(code=code, name=name) for code, name in reference.countries().items()]


@router.get("/reference/languages", response_model=list[CodeName], summary="Language codes (ISO 639-3)")
def languages(_principal: Caller) -> list[CodeName]:
    return [CodeName(code=code, name=name) for code, name in reference.languages().items()]
