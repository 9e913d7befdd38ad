"""Who may do what with tracing requests.

* reading a request, its candidates and history, the list, the search and the export — TRACING_VIEW for
  the request's operation or site (a site grant covers requests lodged at that site);
* opening a request, matching, reviewing candidates, recording verification and reunification,
  withdrawing consent, closing, assigning — TRACING_MANAGE there;
* matching sees registered people only where the worker holds INDIVIDUAL_VIEW, and other requests only
  where they hold TRACING_VIEW (see matching.py).

A request outside the caller's scope does not exist for them (NotFound), so its existence is not
revealed either.
"""

from __future__ import annotations

from refugio.core.errors import NotFound, PermissionDenied
from refugio.protection.tracing.models import TracingRequest
from refugio.security.permissions import Permission
from refugio.security.principals import Principal


def can_view(actor: Principal, request: TracingRequest) -> bool:
    return actor.can(Permission.TRACING_VIEW, operation_id=request.operation_id, site_id=request.site_id)


def require_view(actor: Principal, request: TracingRequest | None) -> TracingRequest:
    """The request if `actor` may read it; NotFound otherwise (no hint that it exists)."""
    if request is None or not can_view(actor, request):
        raise NotFound("no such tracing request")
    return request


def require_manage(actor: Principal, request: TracingRequest) -> None:
    require_view(actor, request)
    actor.require(Permission.TRACING_MANAGE, operation_id=request.operation_id, site_id=request.site_id)


def require_any_view(actor: Principal) -> None:
    if not actor.can_anywhere(Permission.TRACING_VIEW):
        raise PermissionDenied(f"{actor.label} lacks {Permission.TRACING_VIEW.value}")
