"""Who may do what with duplicates.

* the desk check ("is this person already registered?") — anyone who may search people in the
  operation (`SEARCH_RUN`, as registration clerks do) or review duplicates (`DEDUP_VIEW`); the
  matches shown are limited to the people the caller may see (`INDIVIDUAL_VIEW` scope);
* the review queue, runs and models — `DEDUP_VIEW` to read;
* decisions (same / different / unmerge), runs, training and thresholds — `DEDUP_DECIDE`.
"""

from __future__ import annotations

import uuid

from refugio.core.errors import PermissionDenied
from refugio.security.permissions import Permission
from refugio.security.principals import Principal


def require_desk_check(actor: Principal, operation_id: uuid.UUID, site_id: uuid.UUID | None = None) -> None:
    if actor.can(Permission.SEARCH_RUN, operation_id=operation_id, site_id=site_id) or actor.can(
        Permission.DEDUP_VIEW, operation_id=operation_id
    ):
        return
    raise PermissionDenied(
        f"{actor.label} may not check for duplicates here (SEARCH_RUN or DEDUP_VIEW needed)"
    )


def require_view(actor: Principal, operation_id: uuid.UUID | None = None) -> None:
    if operation_id is None:
        if not actor.can_anywhere(Permission.DEDUP_VIEW):
            raise PermissionDenied(f"{actor.label} lacks {Permission.DEDUP_VIEW.value}")
        return
    actor.require(Permission.DEDUP_VIEW, operation_id=operation_id)


def require_decide(actor: Principal, operation_id: uuid.UUID) -> None:
    actor.require(Permission.DEDUP_DECIDE, operation_id=operation_id)
