"""Households: registering one with all its members on one page, the household page, and its events
(birth, address change, focal point change, moving a member).

The registration form posts `members[i][field]` rows; "Add member" fetches a new row with HTMX, or,
without JavaScript, posts the form back and gets it with one more empty row. Must not import
refugio.api, refugio.cli or refugio.main.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from refugio.core.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from refugio.dataprotection.rights import queries as rights
from refugio.registration import queries
from refugio.registration import service as registration
from refugio.registration.schemas import AddressChange, BirthCreate, HouseholdCreate, HouseholdMove
from refugio.security.permissions import Permission
from refugio.web import forms
from refugio.web.common import (
    Failure,
    country_choices,
    form_context,
    need_choices,
    notice,
    run_action,
)
from refugio.web.context import Page, parse_uuid, state_of
from refugio.web.forms import FormErrors, opt, plain_input, text
from refugio.web.registration import desk as desk_check
from refugio.web.registration.erasure import erasure_notice

router = APIRouter(include_in_schema=False)
MAX_FIELDS = 40 * forms.MAX_ROWS  # room for a household of the largest size the schema allows


# ---------------------------------------------------------------------------------------------------
# registering a household


def _render_new(
    request: Request,
    values: dict[str, Any],
    errors: FormErrors | None = None,
    status: int = 200,
    removed: dict[str, Any] | None = None,
    desk: dict[int, Any] | None = None,
) -> Response:
    web = state_of(request)
    with web.page(request) as pg:
        sites = queries.visible_sites(pg.db, actor=pg.principal, permission=Permission.HOUSEHOLD_CREATE)
        if not sites:
            raise PermissionDenied(f"{pg.principal.label} may not register households at any site")
        if not values.get("site_id") and len(sites) == 1:
            values["site_id"] = str(sites[0].id)
        return pg.render(
            "registration/household_new.html",
            status=status,
            values=values,
            errors=errors or FormErrors(),
            site_choices=[(str(s.id), f"{s.code} · {s.name}") for s in sites],
            needs=need_choices(pg),
            countries=country_choices(pg),
            removed=removed,
            desk=desk or {},
            comparisons=desk_check.COMPARISONS,
        )


@router.get("/households/new")
def new_household(request: Request) -> Response:
    return _render_new(request, forms.new_household_values())


@router.get("/households/new/member")
def member_row(request: Request) -> Response:
    """One empty member block (HTMX), and the "Add member" button with the next index (out of band)."""
    raw = request.query_params.get("index", "1")
    index = int(raw) if raw.isdigit() else 1
    index = min(max(index, 1), forms.MAX_ROWS - 1)
    web = state_of(request)
    with web.page(request) as pg:
        return pg.render(
            "registration/household_member.html",
            i=index,
            m=forms.empty_member(),
            errors=FormErrors(),
            needs=need_choices(pg),
            next_index=index + 1,
            desk={},
            comparisons=desk_check.COMPARISONS,
        )


@router.post("/households/new")
async def register(request: Request) -> Response:
    form = await request.form(max_fields=MAX_FIELDS)
    return await run_in_threadpool(_register, request, form)


def _register(request: Request, form: FormData) -> Response:
    web = state_of(request)
    values = forms.household_values(form)
    action = text(form, "action")
    remove = text(form, "remove_member")
    if action in ("add_member", "undo_remove") or remove:
        return _rearrange(request, form, values, action, remove)
    household_id: uuid.UUID | None = None
    desk: dict[int, Any] = {}
    try:
        with web.page(request) as pg:
            pg.check_csrf(form)
            payload = forms.household_payload(values)
            desk = desk_check.check_rows(pg, values)  # again on save: a likely match needs a reason
            unconfirmed = desk_check.save_errors(pg, desk, values["members"])
            try:
                data = forms.build_household(
                    HouseholdCreate, payload, pg.t, registration.household_field_errors
                )
            except ValidationFailed as exc:
                raise ValidationFailed(forms.in_plain_words(exc.errors, pg.t) + unconfirmed) from None
            if unconfirmed:  # the registry's own checks (documents held…) in the same round
                try:
                    with pg.db.begin_nested() as trial:
                        registration.register_one(pg.db, actor=pg.principal, data=data)
                        trial.rollback()
                except ValidationFailed as exc:
                    raise ValidationFailed(forms.in_plain_words(exc.errors, pg.t) + unconfirmed) from None
                raise ValidationFailed(unconfirmed)
            try:
                result = registration.register_one(pg.db, actor=pg.principal, data=data)
            except ValidationFailed as exc:
                raise ValidationFailed(forms.in_plain_words(exc.errors, pg.t)) from None
            household_id = result.household_id
            desk_check.record(pg, result.member_ids, desk, values["members"])
    except (ValidationFailed, Conflict) as exc:
        errors = exc.errors or [FieldError("", exc.message, "conflict")]
        return _render_new(
            request, values, forms.collect(errors, forms.household_input), status=422, desk=desk
        )
    return RedirectResponse(f"/households/{household_id}?done=registered", status_code=303)


def _rearrange(
    request: Request, form: FormData, values: dict[str, Any], action: str, remove: str
) -> Response:
    """Add a member, remove one (the form comes back with "Member N removed" and an Undo that puts the
    row back), or undo a removal; nothing is saved."""
    with state_of(request).page(request) as pg:  # no write: check the token all the same, it is a POST
        pg.check_csrf(form)
    rows = forms.member_rows(form)
    removed: dict[str, Any] | None = None
    if remove.isdigit() and int(remove) < len(rows) and len(rows) > 1:
        index = int(remove)
        removed = {"index": index, "number": index + 1, "row": rows.pop(index)}
    if action == "undo_remove" and (kept := forms.removed_row(form)) is not None:
        rows.insert(min(kept[0], len(rows)), kept[1])
    if action == "add_member":
        rows.append(forms.empty_member())
    values["members"] = rows or [forms.empty_member(first=True)]
    return _render_new(request, values, removed=removed)


# ---------------------------------------------------------------------------------------------------
# the household page


def _render_household(request: Request, household_id: uuid.UUID, failure: Failure | None = None) -> Response:
    web = state_of(request)
    with web.page(request) as pg:
        record = queries.household_record(pg.db, actor=pg.principal, key=household_id)
        hh = record.household
        can_event = pg.can(Permission.EVENT_RECORD, operation_id=hh.operation_id, site_id=hh.site_id)
        sites = [
            s
            for s in queries.visible_sites(pg.db, actor=pg.principal, permission=Permission.HOUSEHOLD_UPDATE)
            if s.operation_id == hh.operation_id
        ]
        return pg.render(
            "registration/household.html",
            status=422 if failure else 200,
            record=record,
            hh=hh,
            can_event=can_event,
            sites=sites,
            active_members=[m for m in record.members if m.status == "active"],
            countries=country_choices(pg),
            notice=notice(pg),
            birth=form_context(failure, "birth"),
            address=form_context(failure, "address"),
            focal=form_context(failure, "focal_point"),
            move=form_context(failure, "move"),
            **erasure_notice(pg, rights.erasure_mark(pg.db, object_type="household", object_id=hh.id)),
        )


@router.get("/households/{household_id}")
def household_page(request: Request, household_id: str) -> Response:
    return _render_household(request, parse_uuid(household_id))


ALIASES = {"to_household_id": "to_household", "child": "given_name"}


def _household_action(
    request: Request, form: FormData, household_id: uuid.UUID, name: str, work: Any, fields: tuple[str, ...]
) -> Response:
    return run_action(
        request,
        form,
        name=name,
        work=work,
        to_input=plain_input(fields, ALIASES),
        on_failure=lambda failure: _render_household(request, household_id, failure),
    )


BIRTH_FIELDS = (
    "given_name",
    "middle_name",
    "family_name",
    "given_name_original",
    "family_name_original",
    "sex",
    "date_of_birth",
    "relationship",
    "nationality",
    "place_of_birth",
    "birth_registered_with_authorities",
    "civil_registration_number",
)


@router.post("/households/{household_id}/birth")
async def record_birth(request: Request, household_id: str) -> Response:
    hid, form = parse_uuid(household_id), await request.form()

    def work(pg: Page) -> str:
        values: dict[str, Any] = {k: opt(form, k) for k in BIRTH_FIELDS}
        values["birth_registered_with_authorities"] = forms.checked(form, "birth_registered_with_authorities")
        data = forms.build(BirthCreate, forms.compact(values), pg.t)
        registration.record_birth(pg.db, actor=pg.principal, household_id=hid, data=data)
        return f"/households/{hid}?done=birth#members"

    return await run_in_threadpool(_household_action, request, form, hid, "birth", work, BIRTH_FIELDS)


ADDRESS_FIELDS = ("address", "shelter", "phone", "site_id", "effective_date")


@router.post("/households/{household_id}/address")
async def change_address(request: Request, household_id: str) -> Response:
    hid, form = parse_uuid(household_id), await request.form()

    def work(pg: Page) -> str:
        data = forms.build(AddressChange, {k: opt(form, k) for k in ADDRESS_FIELDS}, pg.t)
        registration.change_address(pg.db, actor=pg.principal, household_id=hid, data=data)
        return f"/households/{hid}?done=address"

    return await run_in_threadpool(_household_action, request, form, hid, "address", work, ADDRESS_FIELDS)


@router.post("/households/{household_id}/focal-point")
async def change_focal_point(request: Request, household_id: str) -> Response:
    hid, form = parse_uuid(household_id), await request.form()

    def work(pg: Page) -> str:
        try:
            member = uuid.UUID(text(form, "individual_id"))
        except ValueError:
            raise ValidationFailed.single("individual_id", pg.gettext("Choose one of the options.")) from None
        registration.change_focal_point(
            pg.db, actor=pg.principal, household_id=hid, individual_id=member, reason=text(form, "reason")
        )
        return f"/households/{hid}?done=focal_point#members"

    return await run_in_threadpool(
        _household_action, request, form, hid, "focal_point", work, ("individual_id", "reason")
    )


MOVE_FIELDS = ("individual_id", "to_household", "relationship", "reason", "effective_date")


@router.post("/households/{household_id}/move")
async def move_member(request: Request, household_id: str) -> Response:
    hid, form = parse_uuid(household_id), await request.form()

    def work(pg: Page) -> str:
        try:
            member = uuid.UUID(text(form, "individual_id"))
        except ValueError:
            raise ValidationFailed.single("individual_id", pg.gettext("Choose one of the options.")) from None
        target_ref = text(form, "to_household")
        target: uuid.UUID | None = None
        if target_ref:
            try:
                target = queries.household_record(
                    pg.db, actor=pg.principal, key=target_ref, audit_read=False
                ).household.id
            except NotFound:
                raise ValidationFailed.single(
                    "to_household", pg.gettext("No household with this ID among the sites you can see.")
                ) from None
        values = {
            "reason": opt(form, "reason"),
            "to_household_id": target,
            "relationship": opt(form, "relationship"),
            "effective_date": opt(form, "effective_date"),
        }
        data = forms.build(HouseholdMove, forms.compact(values), pg.t)
        registration.move_individual(pg.db, actor=pg.principal, individual_id=member, data=data)
        return f"/people/{member}?done=moved"

    return await run_in_threadpool(_household_action, request, form, hid, "move", work, MOVE_FIELDS)
