"""Validation: households rebuilt from the staged rows (whatever their order in the file), checked with
the registration rules and against the registry, and for each re-imported person what would change;
then the checks across households and the counts.

Imports intake and registration models and validation; never a web framework.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from refugio.core import clock
from refugio.intake.households import (
    ADDRESS_FIELDS,
    RowView,
    document_key,
    payload,
    person_changes,
    validate_payload,
)
from refugio.intake.models import ImportBatch, StagedRow
from refugio.intake.service.common import (
    BLOCKING,
    IMPORT_PERMISSION,
    PAGE_HOUSEHOLDS,
    Context,
    columns_of,
    load_batch,
    page_keys,
    page_views,
    site_of,
    sites_by_code,
    write_rows,
)
from refugio.intake.service.registry import Registry, ctx_household, load_registry
from refugio.registration.needs import CODES as NEED_CODES
from refugio.registration.validation import normalise_phone
from refugio.security.permissions import Permission
from refugio.security.principals import Principal


def _finish_household(views: list[RowView]) -> None:
    """A household with an error anywhere is held back whole: its other rows say where the errors are."""
    bad = [v for v in views if v.has_errors()]
    if not bad:
        return
    where = ", ".join(str(v.row_no) for v in bad[:10])
    for v in views:
        if v.has_errors():
            v.status = "invalid"
        else:
            v.status = "held"
            v.add(
                "household",
                f"not imported: its household has errors on row(s) {where}",
                "household_has_errors",
                "warning",
            )


def _check_new(ctx: Context, views: list[RowView], site_id: uuid.UUID | None, reg: Registry) -> None:
    data, origin = payload(views, site_id, source=ctx.batch.source)
    if site_id is None:
        views[0].add("site", "no site: map a site column or choose the site of the import", "required")
        return
    site_ok = ctx.actor.can(IMPORT_PERMISSION, operation_id=ctx.batch.operation_id, site_id=site_id)
    if not site_ok:
        (origin.get("site") or views[0]).add(
            "site", "you may not register households at this site", "forbidden"
        )
    item = validate_payload(views, data, origin, ctx.today)
    if item is None:
        return
    for v, member in zip(views, item.members, strict=True):
        for flag in member.needs:
            need = NEED_CODES.get(flag.code)
            perm = Permission.NEEDS_SENSITIVE_FLAG if need and need.sensitive else Permission.NEEDS_FLAG
            if not ctx.actor.can(perm, operation_id=ctx.batch.operation_id, site_id=site_id):
                v.add("needs", f"you may not set the code {flag.code} ({perm.value} needed)", "forbidden")
        key = document_key(v.values)
        if key is not None and key in reg.taken:
            v.add(
                "doc_number",
                f"document already held by a registered person ({reg.taken[key][1]})",
                "document_taken",
            )


def _check_linked(
    ctx: Context, views: list[RowView], hh: tuple[uuid.UUID, str] | None, reg: Registry
) -> None:
    for v in views:
        person = reg.people.get(v.individual_id) if v.individual_id else None
        if hh is None:
            if person is not None:
                ref = reg.household_refs.get(person.household_id, "?")
                v.add(
                    "member_key",
                    f"this person was imported before into household {ref}, not this one: move them there "
                    "on the household page",
                    "moved_household",
                )
            continue
        if person is None:
            v.add(
                "given_name",
                f"household {hh[1]} is already registered from this source and this person is not in it: "
                "adding a member by import is not supported (record a birth or move the person on the "
                "household page)",
                "member_added",
            )
            continue
        if person.household_id != hh[0]:
            v.add(
                "member_key",
                f"{person.ref} is now in household {reg.household_refs.get(person.household_id, '?')}, "
                f"not {hh[1]}: correct it on the household page",
                "moved_household",
            )
            continue
        if person.status != "active":
            if v.status != "unchanged":
                v.add("member_key", f"{person.ref} is {person.status}: not updated", "not_active", "warning")
            v.status = "unchanged"
            continue
        changes: dict[str, Any] = person_changes(person, v.values)
        key = document_key(v.values)
        if key is not None and key not in reg.documents.get(person.id, set()):
            holder = reg.taken.get(key)
            if holder is not None and holder[0] != person.id:
                v.add(
                    "doc_number",
                    f"document already held by another registered person ({holder[1]})",
                    "document_taken",
                )
            elif holder is None:
                changes["document"] = [None, f"{key[0]} {key[1]} {v.values.get('doc_number')}"]
        new_needs = [c for c in v.values.get("needs") or [] if c not in reg.needs.get(person.id, set())]
        if new_needs:
            changes["needs"] = [sorted(reg.needs.get(person.id, set())), new_needs]
        v.changes = changes or None
        if not v.has_errors():
            v.status = "update" if changes else "unchanged"
    if hh is not None:
        household = None
        focal = next((v for v in views if v.values.get("relationship") == "focal_point"), views[0])
        for name, attr in ADDRESS_FIELDS.items():
            new = focal.values.get(name)
            if not new:
                continue
            if household is None:
                household = ctx_household(reg, hh[0], views)
            old = household.get(attr) if household else None
            if (normalise_phone(str(new)) if attr == "phone" else new) != old:
                focal.changes = {**(focal.changes or {}), f"household.{name}": [old, new]}
                if not focal.has_errors():
                    focal.status = "update"


def validate_page(
    session: Session,
    *,
    actor: Principal,
    batch_id: uuid.UUID,
    after: str | None,
    limit: int = PAGE_HOUSEHOLDS,
) -> tuple[str | None, int]:
    """Validate the next `limit` households (by key) after `after`; returns (last key, rows seen), or
    (None, 0) when no household is left. Validating again starts afresh from the rows as read."""
    batch = load_batch(session, actor=actor, batch_id=batch_id)
    keys = page_keys(session, batch.id, after, limit)
    if not keys:
        return None, 0
    seen = validate_households(session, actor=actor, batch=batch, keys=keys)
    session.expunge_all()  # memory stays flat over a long batch
    return keys[-1], seen


def validate_households(
    session: Session,
    *,
    actor: Principal,
    batch: ImportBatch,
    keys: list[str],
    sites: dict[str, uuid.UUID] | None = None,
) -> int:
    """Validate the households of `keys` (sorted) in a batch; returns the number of rows checked."""
    return _validate(session, actor, batch, keys, sites)[0]


def check_households(
    session: Session,
    *,
    actor: Principal,
    batch: ImportBatch,
    keys: list[str],
    sites: dict[str, uuid.UUID] | None = None,
) -> set[str]:
    """Validate the households of `keys` (sorted) like `validate_households`; returns the statuses
    their rows now have (e.g. {"new"}, or {"invalid", "held"})."""
    return _validate(session, actor, batch, keys, sites)[1]


def _validate(
    session: Session,
    actor: Principal,
    batch: ImportBatch,
    keys: list[str],
    sites: dict[str, uuid.UUID] | None,
) -> tuple[int, set[str]]:
    statuses: set[str] = set()
    if sites is None:
        sites = sites_by_code(session, batch.operation_id)
    ctx = Context(actor, batch, sites, clock.today(), columns_of(batch))
    grouped = page_views(session, batch.id, keys, ctx.columns)
    if len(grouped) != len(keys):
        wanted = set(keys)
        grouped = {k: rows for k, rows in grouped.items() if k in wanted}
    reg = load_registry(session, batch, grouped)
    updates: list[dict[str, Any]] = []
    seen = 0
    for key, views in grouped.items():
        seen += len(views)
        before = {v.id: (v.status, list(v.errors), v.changes) for v in views}
        for v in views:
            v.changes = None  # computed afresh; start from the errors found when the row was read
            v.errors = [e for e in v.errors if e.get("origin") is None]
            if v.has_errors():
                v.status = "invalid"
            else:
                v.status = "new" if v.individual_id is None else "update"
        by_key: dict[str, RowView] = {}
        for v in views:
            if v.member_key in by_key:
                v.add(
                    "member_key",
                    f"the same person as row {by_key[v.member_key].row_no} "
                    f"(same key {v.member_key.split(':', 1)[1]!r}): "
                    "give each person their own member id",
                    "duplicate_key",
                )
            by_key.setdefault(v.member_key, v)
        site_id = site_of(ctx, views)
        hh = reg.households.get(key)
        if hh is None and not any(v.individual_id for v in views):
            _check_new(ctx, views, site_id, reg)
        else:
            _check_linked(ctx, views, hh, reg)
        _finish_household(views)
        for v in views:
            statuses.add(v.status)
            if (v.status, v.errors, v.changes) != before[v.id]:
                updates.append({"rid": v.id, "st": v.status, "er": v.errors, "ch": v.changes})
    write_rows(session, updates)
    return seen, statuses


def cross_household_checks(session: Session, batch: ImportBatch) -> None:
    """The same person key or document in two households of the batch."""
    dup_keys = list(
        session.scalars(
            select(StagedRow.member_key)
            .where(StagedRow.batch_id == batch.id)
            .group_by(StagedRow.member_key)
            .having(func.count(distinct(StagedRow.household_key)) > 1)
            .limit(10_000)
        )
    )
    updates: list[dict[str, Any]] = []
    for start in range(0, len(dup_keys), 500):
        rows = session.scalars(
            select(StagedRow)
            .where(StagedRow.batch_id == batch.id, StagedRow.member_key.in_(dup_keys[start : start + 500]))
            .order_by(StagedRow.row_no)
        ).all()
        first: dict[str, int] = {}
        for r in rows:
            if r.member_key not in first:
                first[r.member_key] = r.row_no
                continue
            error = {
                "field": "member_key",
                "column": columns_of(batch).get("member_key"),
                "message": f"the same person id as row {first[r.member_key]}, in another household",
                "code": "duplicate_key",
                "level": "error",
                "origin": "check",
            }
            if error not in (r.errors or []):
                updates.append({"rid": r.id, "st": "invalid", "er": [*r.errors, error], "ch": r.changes})
    write_rows(session, updates)


def count_rows(session: Session, batch: ImportBatch) -> dict[str, int]:
    counts: dict[str, int] = dict.fromkeys(("new", "update", "unchanged", "invalid", "held"), 0)
    for status, n in session.execute(
        select(StagedRow.status, func.count())
        .where(StagedRow.batch_id == batch.id)
        .group_by(StagedRow.status)
    ):
        counts[status] = int(n)
    counts["rows"] = sum(counts[s] for s in ("new", "update", "unchanged", "invalid", "held"))
    counts["households"] = int(
        session.scalar(
            select(func.count(distinct(StagedRow.household_key))).where(StagedRow.batch_id == batch.id)
        )
        or 0
    )
    for status, name in (("new", "households_new"), ("update", "households_update")):
        counts[name] = int(
            session.scalar(
                select(func.count(distinct(StagedRow.household_key))).where(
                    StagedRow.batch_id == batch.id, StagedRow.status == status
                )
            )
            or 0
        )
    counts["households_held"] = int(
        session.scalar(
            select(func.count(distinct(StagedRow.household_key))).where(
                StagedRow.batch_id == batch.id, StagedRow.status.in_(BLOCKING)
            )
        )
        or 0
    )
    return counts
