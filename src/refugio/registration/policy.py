"""Who may see what in the registration domain, beyond the plain AREA_VERB checks."""

from __future__ import annotations

import uuid

from refugio.registration.needs import CODES
from refugio.security.permissions import Permission
from refugio.security.principals import Principal


def can_see_need(actor: Principal, code: str, *, operation_id: uuid.UUID, site_id: uuid.UUID) -> bool:
    """Sensitive codes (SV, TR, some LP/CR) need NEEDS_SENSITIVE_VIEW; others NEEDS_VIEW."""
    need = CODES.get(code)
    perm = Permission.NEEDS_SENSITIVE_VIEW if need is not None and need.sensitive else Permission.NEEDS_VIEW
    return actor.can(perm, operation_id=operation_id, site_id=site_id)
