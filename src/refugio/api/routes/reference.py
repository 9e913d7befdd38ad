"""Operations and sites visible to the caller, and the reference lists a client needs to fill a form:
specific-needs codes, ISO 3166-1 alpha-3 countries and ISO 639-3 languages.
"""

from __future__ import annotations

from fastapi import APIRouter

from refugio.api.deps import Caller, Db
from refugio.api.problems import responses
from refugio.api.schemas import CodeName, NeedCodeOut, OperationOut, SiteOut
from refugio.registration import queries, reference
from refugio.registration.needs import CATEGORIES, CODES

router = APIRouter(tags=["reference"], responses=responses(401))


@router.get("/operations", response_model=list[OperationOut], summary="Operations the caller may see")
def list_operations(session: Db, principal: Caller) -> list[OperationOut]:
    return [OperationOut.model_validate(o) for o in queries.visible_operations(session, actor=principal)]


@router.get("/sites", response_model=list[SiteOut], summary="Sites the caller may see")
def list_sites(session: Db, principal: Caller) -> list[SiteOut]:
    return [SiteOut.model_validate(s) for s in queries.visible_sites(session, actor=principal)]


@router.get("/specific-needs/codes", response_model=list[NeedCodeOut], summary="The specific-needs catalogue")
def need_codes(_principal: Caller) -> list[NeedCodeOut]:
    return [
        NeedCodeOut(
            code=c.code,
            category=c.category,
            category_label=CATEGORIES.get(c.category, c.category),
            label=c.label,
            sensitive=c.sensitive,
        )
        for c in CODES.values()
    ]


@router.get(
    "/reference/countries", response_model=list[CodeName], summary="Country codes (ISO 3166-1 alpha-3)"
)
def countries(_principal: Caller) -> list[CodeName]:
    return [CodeName(code=code, name=name) for code, name in reference.countries().items()]


@router.get("/reference/languages", response_model=list[CodeName], summary="Language codes (ISO 639-3)")
def languages(_principal: Caller) -> list[CodeName]:
    return [CodeName(code=code, name=name) for code, name in reference.languages().items()]
