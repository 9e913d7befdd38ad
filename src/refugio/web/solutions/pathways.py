"""Complementary pathways pages: the offers with the figures per kind, the form of a new offer and of a
candidate's profile; an offer with its criteria, its applications (each with the forms of its next
stages) and the profiled candidates measured against the criteria (shortlisted with one button when
they meet them all). A refused action shows the page again with its reasons beside that form.

Permissions are checked by refugio.solutions. Must not import refugio.api, refugio.cli or refugio.main.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from refugio.core.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from refugio.registration import queries as registry
from refugio.security.permissions import Permission
from refugio.solutions import queries
from refugio.solutions.enums import APPLICATION_MOVES
from refugio.solutions.schemas import ApplicationMove, OfferCreate, ProfileIn
from refugio.solutions.service import pathways
from refugio.web import forms
from refugio.web.context import Page, parse_uuid, state_of
from refugio.web.forms import split_codes, text
from refugio.web.solutions.labels import APPLICATION_STATES, EDUCATION, PATHWAY_KINDS

router = APIRouter(include_in_schema=False)
PATH = "/solutions/pathways"
WORDS: dict[str, Any] = {
    "kinds": PATHWAY_KINDS,
    "levels": EDUCATION,
    "app_states": APPLICATION_STATES,
    "moves": APPLICATION_MOVES,
}


def _failure(pg: Page, errors: list[FieldError] | None) -> dict[str, str]:
    return {e.field.split(".")[-1]: pg.gettext(e.message) for e in errors or []}


def _list(request: Request, *, failed: str | None = None, errors: list[FieldError] | None = None,
          values: dict[str, str] | None = None, status: int = 200) -> Response:  # fmt: skip
    with state_of(request).page(request) as pg:
        operations = [
            o
            for o in registry.operations(pg.db, actor=pg.principal)
            if pg.can(Permission.RESETTLEMENT_MANAGE, operation_id=o.id)
        ]
        return pg.render(
            "solutions/pathways.html",
            status=status,
            offers=queries.list_offers(pg.db, actor=pg.principal),
            figures=queries.pathway_figures(pg.db, actor=pg.principal),
            operations=operations,
            manage=bool(operations),
            failed=failed,
            errors=_failure(pg, errors),
            values=values or {},
            **WORDS,
        )


def _offer(request: Request, offer_id: Any, *, failed: str | None = None,
           errors: list[FieldError] | None = None, status: int = 200) -> Response:  # fmt: skip
    with state_of(request).page(request) as pg:
        detail = queries.get_offer(pg.db, actor=pg.principal, offer_id=offer_id)
        return pg.render(
            "solutions/pathway.html",
            status=status,
            d=detail,
            manage=pg.can(Permission.RESETTLEMENT_MANAGE, operation_id=detail.offer.operation_id),
            failed=failed,
            errors=_failure(pg, errors),
            **WORDS,
        )


@router.get(PATH)
def pathways_page(request: Request) -> Response:
    return _list(request)


@router.get(PATH + "/{offer_id}")
def offer_page(request: Request, offer_id: str) -> Response:
    return _offer(request, parse_uuid(offer_id))


def _person_id(pg: Page, key: str) -> Any:
    try:
        return registry.get_individual(pg.db, actor=pg.principal, key=key, audit_read=False).person.id
    except NotFound:
        raise ValidationFailed.single("person", pg.gettext("No such person."), "unknown") from None


def _items(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _step(pg: Page, form: FormData, verb: str, key: str) -> Any:
    t, db, actor = pg.t, pg.db, pg.principal
    if verb == "offer":
        names = ("operation_id", "kind", "title", "provider", "destination_iso3", "places", "closes_on")
        payload: dict[str, Any] = forms.compact({n: text(form, n) for n in names})
        criteria = forms.compact({n: text(form, n) for n in ("min_age", "max_age", "education")})
        if text(form, "languages"):
            criteria["languages"] = split_codes(text(form, "languages"))
        if text(form, "skills"):
            criteria["skills"] = _items(text(form, "skills"))
        if text(form, "family_link"):
            criteria["family_link"] = True
        payload["criteria"] = criteria
        return pathways.create_offer(db, actor=actor, data=forms.build(OfferCreate, payload, t)).id
    if verb == "profile":
        data = {"education": text(form, "education"), "skills": _items(text(form, "skills")),
                "languages": split_codes(text(form, "languages"))}  # fmt: skip
        built = forms.build(ProfileIn, forms.compact(data), t)
        pathways.set_profile(db, actor=actor, individual_id=_person_id(pg, text(form, "person")), data=built)
        return None
    if verb == "shortlist":
        who = parse_uuid(text(form, "individual_id"))
        pathways.shortlist(db, actor=actor, offer_id=parse_uuid(key), individual_id=who)
        return None
    move = forms.build(ApplicationMove, {"status": text(form, "status"), "note": text(form, "note")}, t)
    pathways.move(db, actor=actor, application_id=parse_uuid(text(form, "application_id")), data=move)
    return None


def _act(request: Request, form: FormData, verb: str, key: str) -> Response:
    try:
        with state_of(request).page(request) as pg:
            pg.check_csrf(form)
            made = _step(pg, form, verb, key)
    except (ValidationFailed, Conflict, PermissionDenied) as exc:
        errors = list(getattr(exc, "errors", [])) or [FieldError("form", exc.message, "refused")]
        status = 422 if isinstance(exc, ValidationFailed) else 409 if isinstance(exc, Conflict) else 403
        if verb in ("offer", "profile"):
            values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
            return _list(request, failed=verb, errors=errors, values=values, status=status)
        failed = text(form, "application_id") or text(form, "individual_id")
        return _offer(request, parse_uuid(key), failed=failed, errors=errors, status=status)
    if verb == "offer":
        return RedirectResponse(f"{PATH}/{made}", status_code=303)
    return RedirectResponse(f"{PATH}/{key}" if key else PATH, status_code=303)


def _handler(verb: str, keyed: bool) -> Any:
    async def with_key(request: Request, key: str) -> Response:
        form = await request.form()
        return await run_in_threadpool(_act, request, form, verb, key)

    async def plain(request: Request) -> Response:
        form = await request.form()
        return await run_in_threadpool(_act, request, form, verb, "")

    handler = with_key if keyed else plain
    handler.__name__ = f"pathways_{verb}"
    return handler


router.add_api_route(f"{PATH}/offers", _handler("offer", False), methods=["POST"])
router.add_api_route(f"{PATH}/profiles", _handler("profile", False), methods=["POST"])
router.add_api_route(f"{PATH}/{{key}}/shortlist", _handler("shortlist", True), methods=["POST"])
router.add_api_route(f"{PATH}/{{key}}/move", _handler("move", True), methods=["POST"])
