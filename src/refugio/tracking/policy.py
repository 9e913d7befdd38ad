"""Who may see and do what in tracking.

* Reference and aggregate data — administrative areas, DTM figures, Missing Migrants incidents —
  hold no personal data: anyone holding `TRACKING_VIEW` in any scope reads them; importing them
  (`TRACKING_MANAGE`) is allowed to a holder of that permission in any scope, and every import is
  audited with its file digest.
* Sites belong to an operation: reading needs `TRACKING_VIEW` for the operation (or the linked
  registration site), writing `TRACKING_MANAGE` for it — the usual operation/site scoping.
* Sharing (`TRACKING_SHARE`) covers exports handed to partners.

Imports refugio.security and core only.
"""

from __future__ import annotations

import uuid

from refugio.core.errors import PermissionDenied
from refugio.security.permissions import Permission
from refugio.security.principals import Principal, SiteScope

P = Permission


def require_view(actor: Principal) -> None:
    if not actor.can_anywhere(P.TRACKING_VIEW):
        raise PermissionDenied(f"{actor.username} lacks {P.TRACKING_VIEW.value}")


def require_manage(actor: Principal) -> None:
    if not actor.can_anywhere(P.TRACKING_MANAGE):
        raise PermissionDenied(f"{actor.username} lacks {P.TRACKING_MANAGE.value}")


def require_share(actor: Principal) -> None:
    if not actor.can_anywhere(P.TRACKING_SHARE):
        raise PermissionDenied(f"{actor.username} lacks {P.TRACKING_SHARE.value}")


def require_site_manage(actor: Principal, operation_id: uuid.UUID) -> None:
    actor.require(P.TRACKING_MANAGE, operation_id=operation_id)


def site_scope(actor: Principal) -> SiteScope:
    """The operations (and registration sites) whose tracked sites `actor` may see."""
    return actor.scope(P.TRACKING_VIEW)


__all__ = ["require_manage", "require_share", "require_site_manage", "require_view", "site_scope"]
