"""Family tracing pages: the list of requests (search by name or ID, either script), a new request with
its sought people (rows; "Add a person" posts the form back with one more row), the request page with
each sought person's ranked candidates and the reasons in words, and the actions — match, confirm or
reject a candidate, record the verification interview, the reunification, close, reopen, withdraw
consent — each a CSRF-protected form; the CSV export.

Permissions are checked by refugio.protection.tracing (TRACING_VIEW to read, TRACING_MANAGE to act);
a request outside the worker's scope is simply not found. Must not import refugio.api, refugio.cli or
refugio.main.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from refugio.core.errors import Conflict, FieldError, PermissionDenied, ValidationFailed
from refugio.core.names import NAME_PARTS
from refugio.protection.tracing import queries, service
from refugio.protection.tracing.schemas import (
    AssignIn,
    CandidateReview,
    ClosureIn,
    ReasonIn,
    RequestCreate,
    ReunificationIn,
    VerificationIn,
)
from refugio.registration import queries as reg_queries
from refugio.security.permissions import Permission
from refugio.web import forms
from refugio.web.common import country_choices
from refugio.web.context import Page, parse_uuid, state_of
from refugio.web.forms import FormErrors, checked, text
from refugio.web.i18n import N_

router = APIRouter(include_in_schema=False)

MAX_ROWS = 10
_ROW = re.compile(r"^sought\[(\d{1,2})\]\[([a-z_]+)\]$")
ENQUIRER_FIELDS = (
    "individual_ref",
    *NAME_PARTS,
    "sex",
    "date_of_birth",
    "country_of_origin",
    "phone",
    "contact",
)
SOUGHT_FIELDS = (
    *NAME_PARTS,
    "other_names",
    "sex",
    "date_of_birth",
    "age",
    "relationship",
    "country_of_origin",
    "place_of_origin",
    "place_last_seen",
    "date_of_separation",
    "separation_circumstances",
    "phone",
    "description",
)

STATUS_LABELS = {
    "open": N_("Open"),
    "matching": N_("Searching"),
    "candidate_found": N_("Candidates to review"),
    "verification": N_("Verification"),
    "reunification": N_("Reunification"),
    "closed": N_("Closed"),
    "closed_not_found": N_("Closed, not found"),
}
RELATIONSHIP_LABELS = {
    "child": N_("Son or daughter"),
    "parent": N_("Father or mother"),
    "spouse": N_("Spouse"),
    "sibling": N_("Brother or sister"),
    "grandchild": N_("Grandchild"),
    "grandparent": N_("Grandparent"),
    "uncle_aunt": N_("Uncle or aunt"),
    "nephew_niece": N_("Nephew or niece"),
    "cousin": N_("Cousin"),
    "other_relative": N_("Other relative"),
    "not_related": N_("Not related"),
}
OUTCOME_LABELS = {
    "reunified": N_("Reunified"),
    "contact_restored": N_("Contact restored"),
    "declined": N_("Declined"),
    "other": N_("Other"),
}
KIND_LABELS = {
    "registered": N_("Registered person"),
    "enquirer": N_("Enquirer of another request"),
    "sought": N_("Sought by another request"),
}
STRENGTH_LABELS = {"possible": N_("possible"), "likely": N_("likely"), "strong": N_("strong")}
EVENT_WORDS = {
    "opened": N_("Request opened"),
    "assigned": N_("Caseworker assigned"),
    "consent_withdrawn": N_("Consent withdrawn"),
    "matched": N_("Search run"),
    "candidate_confirmed": N_("Candidate confirmed"),
    "candidate_rejected": N_("Candidate rejected"),
    "verification": N_("Verification interview"),
    "reunification": N_("Reunification"),
    "closed": N_("Closed"),
    "closed_not_found": N_("Closed, not found"),
    "reopened": N_("Reopened"),
}
FIELD_WORDS = {
    "given_name": N_("Given name"),
    "family_name": N_("Family name"),
    "father_name": N_("Father's name"),
    "date_of_birth": N_("Date of birth or age"),
    "sex": N_("Sex"),
    "country_of_origin": N_("Country of origin"),
    "phone": N_("Phone"),
    "places": N_("Places"),
    "family_link": N_("Family link"),
    "relationship": N_("Relationship"),
    "reciprocal": N_("Reciprocal request"),
}
LEVEL_WORDS = {
    "same Latin form": N_("same Latin form"),
    "same name, other spelling": N_("same name, other spelling"),
    "same spelling skeleton": N_("same spelling skeleton"),
    "found in another part of the name": N_("found in another part of the name"),
    "similar spelling": N_("similar spelling"),
    "different": N_("different"),
    "same": N_("same"),
    "crossed with the family name": N_("crossed with the family name"),
    "same date": N_("same date"),
    "one typo or day and month swapped": N_("one typo or day and month swapped"),
    "same month (one side known to the month)": N_("same month (one side known to the month)"),
    "same year (one side known only to the year)": N_("same year (one side known only to the year)"),
    "within a year of an estimated age": N_("within a year of an estimated age"),
    "within the tolerance of an estimated age": N_("within the tolerance of an estimated age"),
    "same year, other month or day": N_("same year, other month or day"),
    "one year apart": N_("one year apart"),
    "a few years beyond the estimate": N_("a few years beyond the estimate"),
    "far apart": N_("far apart"),
    "same number": N_("same number"),
    "other number": N_("other number"),
    "same place of origin": N_("same place of origin"),
    "origin is the place last seen": N_("origin is the place last seen"),
    "other places": N_("other places"),
    "father's name is the enquirer's given name": N_("father's name is the enquirer's given name"),
    "same father's name as the enquirer": N_("same father's name as the enquirer"),
    "given name is the enquirer's father's name": N_("given name is the enquirer's father's name"),
    "age gap fits the relationship": N_("age gap fits the relationship"),
    "age gap does not fit": N_("age gap does not fit"),
    "the other side is looking for the enquirer": N_("the other side is looking for the enquirer"),
    "the other side is looking for the enquirer, relationships agree": N_(
        "the other side is looking for the enquirer, relationships agree"
    ),
}
INPUT_LABELS = {
    "site_id": N_("Site"),
    "consent_given": N_("Tracing consent"),
    "consent_given_by": N_("Consent given by"),
    "consent_date": N_("Consent date"),
    "assigned_to": N_("Caseworker"),
    "individual_ref": N_("Registration ID of the enquirer"),
    "given_name": N_("Given name"),
    "middle_name": N_("Father's (middle) name"),
    "family_name": N_("Family name"),
    "given_name_original": N_("Given name, original script"),
    "middle_name_original": N_("Father's name, original script"),
    "family_name_original": N_("Family name, original script"),
    "other_names": N_("Other names"),
    "sex": N_("Sex"),
    "date_of_birth": N_("Date of birth"),
    "age": N_("Approximate age"),
    "relationship": N_("Relationship to the enquirer"),
    "country_of_origin": N_("Country of origin"),
    "place_of_origin": N_("Place of origin"),
    "place_last_seen": N_("Place last seen"),
    "date_of_separation": N_("Date of separation"),
    "separation_circumstances": N_("Circumstances of separation"),
    "phone": N_("Phone"),
    "contact": N_("Other contact"),
    "description": N_("Description"),
    "notes": N_("Notes"),
}


# ---------------------------------------------------------------------------------------------------
# list and export


@router.get("/tracing")
def list_page(request: Request) -> Response:
    web = state_of(request)
    q = (request.query_params.get("q") or "").strip()[:200]
    status = request.query_params.get("status") or None
    if status not in STATUS_LABELS:
        status = None
    with web.page(request) as pg:
        items, total = queries.list_requests(pg.db, actor=pg.principal, status=status, q=q or None, limit=100)
        return pg.render(
            "tracing/list.html",
            items=items,
            total=total,
            q=q,
            status_filter=status,
            statuses=STATUS_LABELS,
            can_open=pg.can_anywhere(Permission.TRACING_MANAGE),
        )


@router.get("/tracing/export.csv")
def export_csv(request: Request) -> Response:
    web = state_of(request)
    with web.page(request) as pg:
        rows = queries.export_requests(pg.db, actor=pg.principal)
    return Response(
        queries.export_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="tracing-requests.csv"',
            "Cache-Control": "no-store",
        },
    )


# ---------------------------------------------------------------------------------------------------
# a new request


def _blank_row() -> dict[str, str]:
    return dict.fromkeys(SOUGHT_FIELDS, "")


def _rows(form: FormData) -> list[dict[str, str]]:
    rows: dict[int, dict[str, str]] = {}
    for key, value in form.multi_items():
        m = _ROW.match(key)
        if m and m.group(2) in SOUGHT_FIELDS and isinstance(value, str):
            rows.setdefault(int(m.group(1)), _blank_row())[m.group(2)] = value.strip()
    return [rows[i] for i in sorted(rows)][:MAX_ROWS]


def _row_blank(row: dict[str, str]) -> bool:
    return not any(v for k, v in row.items() if k not in ("relationship", "sex"))


def _values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {f"enquirer_{f}": text(form, f"enquirer_{f}") for f in ENQUIRER_FIELDS}
    for f in ("site_id", "consent_given_by", "consent_date", "assigned_to", "notes"):
        values[f] = text(form, f)
    values["consent_given"] = checked(form, "consent_given")
    rows = _rows(form)
    values["sought"] = [r for r in rows if not _row_blank(r)] or rows[:1] or [_blank_row()]
    return values


def _new_values(site_id: str = "") -> dict[str, Any]:
    values: dict[str, Any] = {f"enquirer_{f}": "" for f in ENQUIRER_FIELDS}
    values.update(
        site_id=site_id, consent_given=False, consent_given_by="", consent_date="", assigned_to="", notes=""
    )
    values["sought"] = [_blank_row()]
    return values


def _payload(values: dict[str, Any]) -> dict[str, Any]:
    enquirer = forms.compact({f: values.get(f"enquirer_{f}", "") for f in ENQUIRER_FIELDS})
    sought = [forms.compact(dict(row)) for row in values["sought"] if not _row_blank(row)]
    payload: dict[str, Any] = forms.compact(
        {
            "site_id": values.get("site_id", ""),
            "assigned_to": values.get("assigned_to", ""),
            "notes": values.get("notes", ""),
        }
    )
    payload["enquirer"] = enquirer
    payload["consent"] = forms.compact(
        {
            "given": bool(values.get("consent_given")),
            "given_by": values.get("consent_given_by", ""),
            "date": values.get("consent_date", ""),
        }
    )
    payload["sought"] = sought
    return payload


def to_input(path: str) -> str | None:
    """`sought.1.date_of_birth` → `sought[1][date_of_birth]`, `enquirer.phone` → `enquirer_phone`,
    `consent.given` → `consent_given`; anything else to the summary only."""
    parts = path.split(".")
    if parts[0] == "sought":
        if len(parts) >= 3 and parts[1].isdigit() and parts[2] in SOUGHT_FIELDS:
            return f"sought[{parts[1]}][{parts[2]}]"
        if len(parts) >= 3 and parts[1].isdigit():
            return f"sought[{parts[1]}][given_name]"
        return "sought[0][given_name]"
    if parts[0] == "enquirer" and len(parts) > 1:
        name = parts[1] if parts[1] in ENQUIRER_FIELDS else "given_name"
        if name == "individual_id":
            name = "individual_ref"
        return f"enquirer_{name}"
    if parts[0] == "consent":
        return "consent_" + (
            {"given_by": "given_by", "date": "date"}.get(parts[1], "given") if len(parts) > 1 else "given"
        )
    if parts[0] in ("site_id", "assigned_to", "notes", "lodged_on"):
        return parts[0] if parts[0] != "lodged_on" else None
    return None


def input_label(page: Page, name: str) -> str:
    m = _ROW.match(name)
    if m:
        base = page.gettext(INPUT_LABELS.get(m.group(2), m.group(2)))
        return page.gettext("Person sought %(num)s", num=int(m.group(1)) + 1) + " · " + base
    if name.startswith("enquirer_"):
        return page.gettext("Enquirer") + " · " + page.gettext(INPUT_LABELS.get(name[9:], name[9:]))
    return page.gettext(INPUT_LABELS.get(name, name))


def _render_new(
    request: Request, values: dict[str, Any], errors: FormErrors | None = None, status: int = 200
) -> Response:
    web = state_of(request)
    with web.page(request) as pg:
        sites = reg_queries.visible_sites(pg.db, actor=pg.principal, permission=Permission.TRACING_MANAGE)
        if not sites:
            raise PermissionDenied(f"{pg.principal.label} may not open tracing requests at any site")
        if not values.get("site_id") and len(sites) == 1:
            values["site_id"] = str(sites[0].id)
        errors = errors or FormErrors()
        return pg.render(
            "tracing/new.html",
            status=status,
            values=values,
            errors=errors,
            summary=[
                (message, name, input_label(pg, name) if name else "") for message, name in errors.summary
            ],
            site_choices=[(str(s.id), f"{s.code} · {s.name}") for s in sites],
            countries=country_choices(pg),
            relationships=[(k, pg.gettext(v)) for k, v in RELATIONSHIP_LABELS.items()],
            labels=INPUT_LABELS,
            max_rows=MAX_ROWS,
        )


@router.get("/tracing/new")
def new_page(request: Request) -> Response:
    return _render_new(request, _new_values())


@router.post("/tracing/new")
async def new_submit(request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(_new_sync, request, form)


def _new_sync(request: Request, form: FormData) -> Response:
    web = state_of(request)
    values = _values(form)
    if text(form, "action") == "add_row":
        with web.page(request) as pg:
            pg.check_csrf(form)
        if len(values["sought"]) < MAX_ROWS:
            values["sought"].append(_blank_row())
        return _render_new(request, values)
    try:
        with web.page(request) as pg:
            pg.check_csrf(form)
            data = forms.build(RequestCreate, _payload(values), pg.t)
            created = service.open_request(pg.db, actor=pg.principal, data=data)
            target = f"/tracing/{created.id}"
    except (ValidationFailed, Conflict) as exc:
        errors = getattr(exc, "errors", None) or [FieldError("", exc.message, "conflict")]
        return _render_new(request, values, forms.collect(errors, to_input), status=422)
    return RedirectResponse(target, status_code=303)


# ---------------------------------------------------------------------------------------------------
# one request and its actions


def _request_page(request: Request, key: str, *, error: str | None = None, status: int = 200) -> Response:
    web = state_of(request)
    with web.page(request) as pg:
        view = queries.get_request(pg.db, actor=pg.principal, key=parse_uuid(key))
        return pg.render(
            "tracing/request.html",
            status=status,
            view=view,
            caseworkers=queries.caseworker_choices(pg.db, actor=pg.principal, request_id=view.request.id),
            error=error,
            statuses=STATUS_LABELS,
            relationships=RELATIONSHIP_LABELS,
            outcomes=OUTCOME_LABELS,
            kinds=KIND_LABELS,
            strengths=STRENGTH_LABELS,
            field_words=FIELD_WORDS,
            level_words=LEVEL_WORDS,
            event_words=EVENT_WORDS,
            done=request.query_params.get("done"),
        )


@router.get("/tracing/{request_id}")
def request_page(request: Request, request_id: str) -> Response:
    return _request_page(request, request_id)


def _act(request: Request, request_id: str, form: FormData, verb: str) -> Response:
    web = state_of(request)
    rid = parse_uuid(request_id)
    try:
        with web.page(request) as pg:
            pg.check_csrf(form)
            queries.request_id_of(pg.db, actor=pg.principal, key=rid)  # NotFound outside the caller's scope
            VERBS[verb](pg, rid, form)
    except (ValidationFailed, Conflict) as exc:
        message = "; ".join(e.message for e in getattr(exc, "errors", [])) or exc.message
        return _request_page(
            request, request_id, error=message, status=422 if isinstance(exc, ValidationFailed) else 409
        )
    return RedirectResponse(f"/tracing/{rid}?done={verb}", status_code=303)


def _match(pg: Page, rid: uuid.UUID, form: FormData) -> None:
    service.match_request(pg.db, actor=pg.principal, request_id=rid)


def _review(pg: Page, rid: uuid.UUID, form: FormData) -> None:
    cid = parse_uuid(text(form, "candidate_id"))
    if queries.candidate_request_id(pg.db, actor=pg.principal, candidate_id=cid) != rid:
        raise ValidationFailed.single("candidate_id", "not a candidate of this request", "not_found")
    values = {"decision": text(form, "decision"), "reason": text(form, "reason")}
    data = forms.build(CandidateReview, values, pg.t)
    service.review_candidate(
        pg.db, actor=pg.principal, candidate_id=cid, decision=data.decision, reason=data.reason
    )


def _verification(pg: Page, rid: uuid.UUID, form: FormData) -> None:
    values: dict[str, Any] = {k: text(form, k) for k in ("candidate_id", "documents", "notes", "occurred_on")}
    values["enquirer_agrees"] = checked(form, "enquirer_agrees")
    values["sought_agrees"] = checked(form, "sought_agrees")
    data = forms.build(VerificationIn, forms.compact(values), pg.t)
    service.record_verification(pg.db, actor=pg.principal, request_id=rid, data=data)


def _reunification(pg: Page, rid: uuid.UUID, form: FormData) -> None:
    values = {k: text(form, k) for k in ("occurred_on", "place", "outcome", "notes")}
    data = forms.build(ReunificationIn, forms.compact(values), pg.t)
    service.record_reunification(pg.db, actor=pg.principal, request_id=rid, data=data)


def _confirmed(pg: Page, form: FormData) -> None:
    """A dangerous action (closing, consent withdrawn) needs its confirmation box ticked."""
    if not checked(form, "confirm"):
        raise ValidationFailed.single(
            "confirm", pg.gettext("Tick the confirmation box: this cannot be undone here."), "required"
        )


def _close(pg: Page, rid: uuid.UUID, form: FormData) -> None:
    _confirmed(pg, form)
    values = {"outcome": text(form, "outcome"), "reason": text(form, "reason")}
    data = forms.build(ClosureIn, values, pg.t)
    service.close_request(pg.db, actor=pg.principal, request_id=rid, data=data)


def _reopen(pg: Page, rid: uuid.UUID, form: FormData) -> None:
    data = forms.build(ReasonIn, {"reason": text(form, "reason")}, pg.t)
    service.reopen_request(pg.db, actor=pg.principal, request_id=rid, reason=data.reason)


def _assign(pg: Page, rid: uuid.UUID, form: FormData) -> None:
    data = forms.build(AssignIn, {"username": text(form, "username")}, pg.t)
    service.assign_request(pg.db, actor=pg.principal, request_id=rid, username=data.username)


def _withdraw(pg: Page, rid: uuid.UUID, form: FormData) -> None:
    _confirmed(pg, form)
    data = forms.build(ReasonIn, {"reason": text(form, "reason")}, pg.t)
    service.withdraw_consent(pg.db, actor=pg.principal, request_id=rid, reason=data.reason)


# the forms of the request page, each posted to /tracing/{request_id}/<verb>
VERBS: dict[str, Callable[[Page, uuid.UUID, FormData], None]] = {
    "match": _match,
    "review": _review,
    "verification": _verification,
    "reunification": _reunification,
    "close": _close,
    "reopen": _reopen,
    "assign": _assign,
    "withdraw": _withdraw,
}


def _action(verb: str) -> Any:
    async def handler(request: Request, request_id: str) -> Response:
        form = await request.form()
        return await run_in_threadpool(_act, request, request_id, form, verb)

    handler.__name__ = f"tracing_{verb}"
    return handler


for _verb in VERBS:
    router.add_api_route(f"/tracing/{{request_id}}/{_verb}", _action(_verb), methods=["POST"])
