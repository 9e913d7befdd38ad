"""Principals: who is acting, with which permissions in which scopes.

A `Principal` is built once per request from the user's role assignments; `can()` answers whether it
holds a permission for a given operation/site, and `site_filter()` gives the sites it may see.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from refugio.core.errors import PermissionDenied
from refugio.security.permissions import ROLE_PERMISSIONS, Permission, Role


@dataclass(frozen=True)
class Grant:
    """One role in one scope. operation_id None = everywhere; site_id None = the whole operation."""

    role: Role
    operation_id: uuid.UUID | None = None
    site_id: uuid.UUID | None = None

    def covers(self, operation_id: uuid.UUID | None, site_id: uuid.UUID | None) -> bool:
        """Whether this grant applies to a check for (operation, site); None means "not scoped".

        A global grant covers everything; a scoped grant never covers an unscoped (global) check,
        an operation grant covers the operation and all its sites, a site grant that site only.
        """
        if self.operation_id is None:
            return True
        if operation_id is None:  # a check naming a site alone is covered by that site's grant only
            return site_id is not None and site_id == self.site_id
        if operation_id != self.operation_id:
            return False
        return self.site_id is None or site_id == self.site_id


@dataclass(frozen=True)
class SiteScope:
    """The sites a principal may see for one permission: everything, or these operations/sites."""

    everything: bool = False
    operation_ids: frozenset[uuid.UUID] = frozenset()
    site_ids: frozenset[uuid.UUID] = frozenset()

    @property
    def empty(self) -> bool:
        return not self.everything and not self.operation_ids and not self.site_ids


@dataclass(frozen=True)
class Principal:
    user_id: uuid.UUID | None
    username: str
    grants: tuple[Grant, ...] = field(default_factory=tuple)
    purpose: str = "registration"

    @property
    def label(self) -> str:
        return self.username

    def roles(self) -> set[Role]:
        return {g.role for g in self.grants}

    def can(
        self,
        permission: Permission,
        *,
        operation_id: uuid.UUID | None = None,
        site_id: uuid.UUID | None = None,
    ) -> bool:
        return any(
            permission in ROLE_PERMISSIONS[g.role] and g.covers(operation_id, site_id) for g in self.grants
        )

    def can_anywhere(self, permission: Permission) -> bool:
        return any(permission in ROLE_PERMISSIONS[g.role] for g in self.grants)

    def require(
        self,
        permission: Permission,
        *,
        operation_id: uuid.UUID | None = None,
        site_id: uuid.UUID | None = None,
    ) -> None:
        if not self.can(permission, operation_id=operation_id, site_id=site_id):
            where = " for this site" if site_id else (" for this operation" if operation_id else "")
            raise PermissionDenied(f"{self.username} lacks {permission.value}{where}")

    def scope(self, permission: Permission) -> SiteScope:
        everything = False
        ops: set[uuid.UUID] = set()
        sites: set[uuid.UUID] = set()
        for g in self.grants:
            if permission not in ROLE_PERMISSIONS[g.role]:
                continue
            if g.operation_id is None:
                everything = True
            elif g.site_id is None:
                ops.add(g.operation_id)
            else:
                sites.add(g.site_id)
        return SiteScope(everything, frozenset(ops), frozenset(sites))


SYSTEM = Principal(user_id=None, username="system", grants=(Grant(Role.ADMINISTRATOR),), purpose="system")
