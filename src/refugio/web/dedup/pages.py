"""Deduplication pages: the review queue, a pair side by side with its match weight and the reasons
(per-field contributions), the decisions (same person → merge, reversible; different people →
remembered), and the desk check shown beside a member in the registration form (HTMX fragment).

Permissions are checked by refugio.dedup (DEDUP_VIEW to read, DEDUP_DECIDE to decide; the desk check
needs SEARCH_RUN or DEDUP_VIEW). Must not import refugio.api, refugio.cli or refugio.main.
"""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from refugio.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from refugio.dedup import policy, queries, service
from refugio.dedup.schemas import DeskCheck
from refugio.security.permissions import Permission
from refugio.web.context import parse_uuid, state_of
from refugio.web.dedup.labels import PAIR_STATUSES, comparison_words, level_words

router = APIRouter(include_in_schema=False)
_MEMBER_FIELD = re.compile(r"^members\[(\d+)\]\[(\w+)\]$")
_PERSON_FIELDS = {
    "given_name",
    "middle_name",
    "family_name",
    "given_name_original",
    "middle_name_original",
    "family_name_original",
    "sex",
    "date_of_birth",
    "stated_age",
    "estimated",
    "phone",
    "nationality",
}


QUEUE_PAGE = 50  # pairs per page of the review queue


@router.get("/dedup")
def queue(request: Request) -> Response:
    web = state_of(request)
    status = request.query_params.get("status") or "pending"
    raw = request.query_params.get("offset", "")
    offset = int(raw) - int(raw) % QUEUE_PAGE if raw.isdigit() and len(raw) < 10 else 0
    with web.page(request) as pg:
        policy.require_view(pg.principal)
        pairs, total = queries.review_queue(
            pg.db, actor=pg.principal, status=status, limit=QUEUE_PAGE, offset=offset
        )
        return pg.render(
            "dedup/queue.html",
            pairs=pairs,
            total=total,
            offset=offset,
            limit=QUEUE_PAGE,
            query=urlencode({"status": status}),
            review_status=status,
            counts=queries.counts(pg.db, actor=pg.principal),
            merges=queries.merges(pg.db, actor=pg.principal, limit=20),
        )


def _pair_page(request: Request, pair_id: uuid.UUID, error: str | None = None, status: int = 200) -> Response:
    web = state_of(request)
    with web.page(request) as pg:
        view = queries.pair(pg.db, actor=pg.principal, pair_id=pair_id)
        return pg.render(
            "dedup/pair.html",
            status=status,
            pair=view,
            comparison_words=comparison_words,
            pair_status_words=PAIR_STATUSES,
            level_words=level_words,
            error=error,
            can_decide=pg.can(Permission.DEDUP_DECIDE, operation_id=view.operation_id),
        )


@router.get("/dedup/pairs/{pair_id}")
def pair(request: Request, pair_id: str) -> Response:
    return _pair_page(request, parse_uuid(pair_id))


async def _decide(request: Request, pair_id: str, verb: str) -> Response:
    pid, form = parse_uuid(pair_id), await request.form()
    return await run_in_threadpool(_decide_sync, request, pid, form, verb)


def _decide_sync(request: Request, pid: uuid.UUID, form: FormData, verb: str) -> Response:
    web = state_of(request)
    reason = str(form.get("reason") or "")
    try:
        with web.page(request) as pg:
            pg.check_csrf(form)
            if verb == "same":
                survivor = str(form.get("survivor_id") or "")
                service.confirm_duplicate(
                    pg.db,
                    actor=pg.principal,
                    pair_id=pid,
                    reason=reason,
                    survivor_id=uuid.UUID(survivor) if survivor else None,
                )
            elif verb == "different":
                service.reject_duplicate(pg.db, actor=pg.principal, pair_id=pid, reason=reason)
            else:
                merge_id = parse_uuid(str(form.get("merge_id") or ""))
                service.unmerge(pg.db, actor=pg.principal, merge_id=merge_id, reason=reason)
    except (ValidationFailed, Conflict) as exc:
        message = "; ".join(e.message for e in getattr(exc, "errors", [])) or exc.message
        return _pair_page(
            request, pid, error=message, status=422 if isinstance(exc, ValidationFailed) else 409
        )
    except ValueError:
        return _pair_page(request, pid, error="choose one of the two records", status=422)
    return RedirectResponse(f"/dedup/pairs/{pid}", status_code=303)


@router.post("/dedup/pairs/{pair_id}/same")
async def same(request: Request, pair_id: str) -> Response:
    return await _decide(request, pair_id, "same")


@router.post("/dedup/pairs/{pair_id}/different")
async def different(request: Request, pair_id: str) -> Response:
    return await _decide(request, pair_id, "different")


@router.post("/dedup/pairs/{pair_id}/unmerge")
async def undo(request: Request, pair_id: str) -> Response:
    return await _decide(request, pair_id, "unmerge")


def desk_query(form: FormData, member: int) -> DeskCheck:
    """The desk check of member `member` of a registration form (the other members as household)."""
    members: dict[int, dict[str, Any]] = {}
    for key, value in form.multi_items():
        m = _MEMBER_FIELD.match(key)
        if m and m.group(2) in _PERSON_FIELDS | {"doc_number"} and isinstance(value, str) and value.strip():
            members.setdefault(int(m.group(1)), {})[m.group(2)] = value.strip()
    people = []
    for i in sorted(members):
        fields = dict(members[i])
        if "doc_number" in fields:
            fields["documents"] = [{"number": fields.pop("doc_number")}]
        fields["estimated"] = fields.get("estimated") in ("on", "true", "1")
        fields["country_of_origin"] = fields.pop("nationality", None) or form.get("country_of_origin") or None
        people.append((i, fields))
    person = next((f for i, f in people if i == member), {})
    household = [f for i, f in people if i != member]
    site = str(form.get("site_id") or "") or None
    return DeskCheck.model_validate({"person": person, "household": household, "site_id": site, "limit": 5})


@router.post("/dedup/desk-check")
async def desk_check(request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(_desk_sync, request, form)


def _desk_sync(request: Request, form: FormData) -> Response:
    web = state_of(request)
    with web.page(request) as pg:
        pg.check_csrf(form)
        try:
            member = int(str(request.query_params.get("member") or "0"))
        except ValueError:
            member = 0
        error, result = None, None
        try:
            result = service.desk_check(pg.db, actor=pg.principal, query=desk_query(form, member))
        except ValidationFailed as exc:
            error = "; ".join(e.message for e in exc.errors)
        except (PermissionDenied, NotFound) as exc:
            error = exc.message
        except Exception:
            error = "the values typed so far cannot be checked yet"
        return pg.render("dedup/_desk.html", result=result, error=error, member=member)


@router.get("/imports/{batch_id}/linkage")
def import_linkage(request: Request, batch_id: str) -> Response:
    """How far the background linkage of a committed import has gone (HTMX polls it while it runs)."""
    key = parse_uuid(batch_id)
    with state_of(request).page(request) as pg:
        linkage = service.import_linkage(pg.db, actor=pg.principal, batch_id=key)
        return pg.render("dedup/_import_linkage.html", linkage=linkage, batch_id=key)
