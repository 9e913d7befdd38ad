"""The desk check in the household registration form: every member is checked against the registry as
their name, sex and date of birth are typed (an HTMX post of the whole form, debounced, answered with
the fragment shown beside that member), and again when the household is saved. A member whose match is
above the operation's threshold is saved only with a reason (audited); the clerk's "same person" /
"not the same" choices are kept as notes on the pairs in the review queue.

Must not import refugio.api, refugio.cli or refugio.main.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from refugio.core.errors import ConcurrentWrite, FieldError, NotFound, PermissionDenied, ValidationFailed
from refugio.dedup import service as dedup
from refugio.dedup.schemas import DeskConfirmation, DeskPerson, DeskResult
from refugio.web import forms
from refugio.web.context import Page, state_of
from refugio.web.i18n import N_

router = APIRouter(include_in_schema=False)

# the comparisons of a pair, in words (their levels come from the linkage engine and are translated too)
COMPARISONS = {
    "given_name": N_("Given name"),
    "family_name": N_("Family name"),
    "father_name": N_("Father's name"),
    "date_of_birth": N_("Date of birth"),
    "sex": N_("Sex"),
    "country_of_origin": N_("Country of origin"),
    "phone": N_("Phone"),
    "document": N_("Identity document"),
    "site": N_("Site"),
    "household": N_("Household"),
}


# the levels the linkage engine names (shown as they come, translated through these entries)
LEVELS = (
    N_("exact"),
    N_("same"),
    N_("same name"),
    N_("same name, other spelling"),
    N_("same spelling skeleton"),
    N_("same date"),
    N_("same year (one side year only or estimated)"),
    N_("same month (one side month only)"),
    N_("same year, other month or day"),
    N_("one year apart"),
    N_("within 2 years (estimated)"),
    N_("one typo"),
    N_("one typo or day/month swapped"),
    N_("same number"),
    N_("one member in common"),
)


def _ids(raw: str) -> list[uuid.UUID]:
    out = []
    for part in raw.split(","):
        try:
            out.append(uuid.UUID(part.strip()))
        except ValueError:
            continue
    return out


def desk_person(row: Mapping[str, str], country: str | None) -> DeskPerson:
    """The desk check's input for one member row of the form (what was typed so far)."""
    fields: dict[str, Any] = {
        k: row.get(k) or None
        for k in (
            "given_name",
            "middle_name",
            "family_name",
            "given_name_original",
            "middle_name_original",
            "family_name_original",
            "date_of_birth",
            "phone",
        )
    }
    sex = (row.get("sex") or "").strip()
    fields["sex"] = sex[:1] or None
    age = (row.get("stated_age") or "").strip()
    fields["stated_age"] = int(age) if age.isdigit() and int(age) <= 130 else None
    fields["estimated"] = row.get("estimated") in ("on", "true", "1")
    fields["country_of_origin"] = (row.get("nationality") or country or "")[:3] or None
    if row.get("doc_number"):
        fields["documents"] = [{"number": row["doc_number"][:60]}]
    return DeskPerson.model_validate(fields)


def confirmation(row: Mapping[str, str]) -> DeskConfirmation:
    same = _ids(row.get("dup_same", ""))
    return DeskConfirmation(
        reason=(row.get("dup_reason") or "").strip() or None,
        same_as=same,
        not_same=[i for i in _ids(row.get("dup_not_same", "")) if i not in same],
    )


def _site(values: Mapping[str, Any]) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(values.get("site_id") or ""))
    except ValueError:
        return None


def check_rows(pg: Page, values: Mapping[str, Any]) -> dict[int, DeskResult]:
    """The desk check of every member row of the form (rows whose date cannot be read are left out)."""
    site = _site(values)
    if site is None:
        return {}
    country = str(values.get("country_of_origin") or "") or None
    people = []
    for row in values.get("members", []):
        try:
            people.append(desk_person(row, country))
        except ValueError:
            people.append(DeskPerson())
    try:
        return dedup.check_members(pg.db, actor=pg.principal, site_id=site, members=people)
    except (ValidationFailed, PermissionDenied, NotFound):
        return {}


def save_errors(
    pg: Page, results: Mapping[int, DeskResult], rows: Sequence[Mapping[str, str]]
) -> list[FieldError]:
    """Members with a likely match and no reason, in the user's language, beside the reason field."""
    confirmations = {i: confirmation(row) for i, row in enumerate(rows)}
    errors = []
    for e in dedup.confirmation_errors(results, confirmations):
        i = int(e.field.split(".")[1])
        best = next(m for m in results[i].matches if m.likely)
        message = pg.gettext(
            "Possibly already registered as %(ref)s (%(pct)s %%). Confirm that this is another person "
            "and give the reason, or remove this member.",
            ref=best.ref,
            pct=f"{best.probability * 100:.0f}",
        )
        errors.append(FieldError(e.field, message, e.code))
    return errors


def record(
    pg: Page,
    member_ids: Sequence[uuid.UUID],
    results: Mapping[int, DeskResult],
    rows: Sequence[Mapping[str, str]],
) -> None:
    """After the save: the clerk's choices and reasons on the pairs, audited."""
    confirmations = {i: confirmation(row) for i, row in enumerate(rows)}
    dedup.record_desk_decisions(
        pg.db, actor=pg.principal, member_ids=member_ids, results=results, confirmations=confirmations
    )


@router.post("/households/new/check")
async def check_member(request: Request) -> Response:
    """The desk check of one member of the form being filled in (HTMX), answered with its fragment."""
    form = await request.form(max_fields=40 * forms.MAX_ROWS)
    return await run_in_threadpool(_check_member, request, form)


def _check_member(request: Request, form: FormData) -> Response:
    try:
        return _render_check(request, form)
    except ConcurrentWrite:  # two checks brought the index up to date at once: the next keystroke asks again
        return Response(status_code=204)


def _render_check(request: Request, form: FormData) -> Response:
    raw = request.query_params.get("member", "0")
    member = int(raw) if raw.isdigit() else 0
    with state_of(request).page(request) as pg:
        pg.check_csrf(form)
        rows = forms.member_rows(form)
        values = {
            "site_id": forms.text(form, "site_id"),
            "country_of_origin": forms.text(form, "country_of_origin"),
            "members": rows,
        }
        result = check_rows(pg, values).get(member) if member < len(rows) else None
        row = rows[member] if member < len(rows) else forms.blank_row()
        return pg.render(
            "registration/_desk.html",
            i=member,
            result=result,
            m=row,
            errors=forms.FormErrors(),
            comparisons=COMPARISONS,
        )
