"""Complementary pathways pages: the offers with the figures per kind, the form of a new offer and of a
candidate's profile; an offer with its criteria, its applications (each with the forms of its next
stages) and the profiled candidates measured against the criteria (shortlisted with one button when
they meet them all). A refused action shows the page again with its reasons beside that form.

Permissions are checked by refugio.solutions. Must not import refugio.api, refugio.cli or refugio.main.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from refugio.core.errors import FieldError, NotFound, ValidationFailed
from refugio.registration import queries as registry
from refugio.security.permissions import Permission
from refugio.solutions import queries
from refugio.solutions.enums import APPLICATION_MOVES
from refugio.solutions.schemas import ApplicationMove, OfferCreate, ProfileIn
from refugio.solutions.service import pathways
from refugio.web import forms
from refugio.web.context import Page, parse_uuid, state_of
from refugio.web.forms import split_codes, text
from refugio.web.solutions.actions import Refusal, add_actions
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


def _step(pg: Page, form: FormData, verb: str, key: str) -> str:
    """Do the action; where to go next (a new offer's page, else the page it was posted from)."""
    t, db, actor = pg.t, pg.db, pg.principal
    back = f"{PATH}/{key}" if key else PATH
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
        made = pathways.create_offer(db, actor=actor, data=forms.build(OfferCreate, payload, t)).id
        return f"{PATH}/{made}"
    if verb == "profile":
        data = {"education": text(form, "education"), "skills": _items(text(form, "skills")),
                "languages": split_codes(text(form, "languages"))}  # fmt: skip
        built = forms.build(ProfileIn, forms.compact(data), t)
        pathways.set_profile(db, actor=actor, individual_id=_person_id(pg, text(form, "person")), data=built)
        return back
    if verb == "shortlist":
        who = parse_uuid(text(form, "individual_id"))
        pathways.shortlist(db, actor=actor, offer_id=parse_uuid(key), individual_id=who)
        return back
    move = forms.build(ApplicationMove, {"status": text(form, "status"), "note": text(form, "note")}, t)
    pathways.move(db, actor=actor, application_id=parse_uuid(text(form, "application_id")), data=move)
    return back


def _refused(request: Request, r: Refusal) -> Response:
    if r.verb in ("offer", "profile"):
        return _list(request, failed=r.verb, errors=r.errors, values=r.values, status=r.status)
    failed = text(r.values, "application_id") or text(r.values, "individual_id")
    return _offer(request, parse_uuid(r.key), failed=failed, errors=r.errors, status=r.status)


add_actions(
    router,
    name="pathways",
    step=_step,
    refused=_refused,
    routes=[
        (f"{PATH}/offers", "offer"),
        (f"{PATH}/profiles", "profile"),
        (f"{PATH}/{{key}}/shortlist", "shortlist"),
        (f"{PATH}/{{key}}/move", "move"),
    ],
)
