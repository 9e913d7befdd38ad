"""The derived phone keys as blind indexes (docs/decisions/0015-encryption-at-rest.md, issue 14): the dedup
index's `tel` keys and the `phone` of its prepared rows, and tracing's `tel` keys, held the last nine
digits of people's phones in clear; each becomes its match token, HMAC-SHA256 of those digits under the
data key `blind:phone_match` (what refugio.dedup.phones computes), in batches. No schema change.

Like 0020, the conversion needs the field master key, which a database opened by refugio.main.build
(`refugio db upgrade`) carries in its connection's info (`refugio.field_cipher`); a database without
phone keys in clear (an empty one) needs none. Offline (`--sql`) scripts cannot convert: they change
nothing, and `refugio db upgrade` must be run.

The downgrade gives 0025 its clear keys back: the dedup index is emptied and marked unbuilt (it is
derived: the next `refugio dedup index`, desk check or linkage rebuilds it from the registry), and the
tracing keys are recomputed from the encrypted phones they were derived from (decrypted with the key).

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 15:00:00
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

CIPHER_KEY = "refugio.field_cipher"
MATCH_KEY, PURPOSE = "phone_match", "last9"  # refugio.dedup.phones
BATCH = 500
_JSON = sa.JSON().with_variant(JSONB(), "postgresql")
DEDUP_KEY = sa.table("dedup_key", sa.column("individual_id"), sa.column("kind"), sa.column("value"))
DEDUP_PERSON = sa.table("dedup_person", sa.column("individual_id"), sa.column("prepared", _JSON))
TRACING_KEY = sa.table(
    "tracing_key", sa.column("person_id"), sa.column("kind"), sa.column("value"), sa.column("role")
)


def _clear(t: Any) -> Any:
    """A phone key in clear: at most nine characters (a token has 32)."""
    return (t.c.kind == "tel") & (sa.func.length(t.c.value) <= 9)


def _cipher(bind: sa.Connection) -> Any:
    cipher = bind.info.get(CIPHER_KEY)
    if cipher is None:
        raise RuntimeError(
            "this database holds phone keys to convert: migrate it with `refugio db upgrade`, which opens it "
            "with the field master key"
        )
    return cipher


def _token(cipher: Any, value: str | None) -> str | None:
    if not value or len(value) > 9 or not value.isdigit():
        return value
    return str(cipher.blind_index(MATCH_KEY, PURPOSE, value))


def _convert_dedup(bind: sa.Connection, cipher: Any) -> None:
    """The prepared rows of the people with a clear `tel` key, then their keys, a batch at a time."""
    while True:
        rows = bind.execute(
            sa.select(DEDUP_KEY.c.individual_id, DEDUP_KEY.c.value).where(_clear(DEDUP_KEY)).limit(BATCH)
        ).all()
        ids = sorted({r.individual_id for r in rows})
        for iid, prepared in bind.execute(
            sa.select(DEDUP_PERSON.c.individual_id, DEDUP_PERSON.c.prepared).where(
                DEDUP_PERSON.c.individual_id.in_(ids)
            )
        ).all():
            if isinstance(prepared, dict) and prepared.get("phone"):
                new = dict(prepared, phone=_token(cipher, prepared["phone"]))
                bind.execute(
                    sa.update(DEDUP_PERSON).where(DEDUP_PERSON.c.individual_id == iid).values(prepared=new)
                )
        for iid, value in rows:
            bind.execute(
                sa.update(DEDUP_KEY)
                .where(
                    DEDUP_KEY.c.individual_id == iid, DEDUP_KEY.c.kind == "tel", DEDUP_KEY.c.value == value
                )
                .values(value=_token(cipher, value))
            )
        if len(rows) < BATCH:
            return


def _convert_tracing(bind: sa.Connection, chosen: Any, change: Any) -> None:
    """Rewrite each `tel` key of tracing with a value `chosen` (a condition on it) to `change(row)`, or
    delete it when that is None, a batch at a time (a rewritten key is no longer chosen)."""
    t = TRACING_KEY
    while True:
        rows = bind.execute(
            sa.select(t.c.person_id, t.c.value, t.c.role).where((t.c.kind == "tel") & chosen).limit(BATCH)
        ).all()
        for row in rows:
            new = change(row)
            where = (t.c.person_id == row.person_id) & (t.c.kind == "tel") & (t.c.value == row.value)
            if new is None:
                bind.execute(sa.delete(t).where(where))
            else:
                bind.execute(sa.update(t).where(where).values(value=new))
        if len(rows) < BATCH:
            return


def upgrade() -> None:
    if context.is_offline_mode():
        return
    bind = op.get_bind()
    clear = (sa.select(sa.literal(1)).where(_clear(t)).limit(1) for t in (DEDUP_KEY, TRACING_KEY))
    if not any(bind.execute(q).first() for q in clear):
        return
    cipher = _cipher(bind)
    cipher.ensure_key(bind, "blind:" + MATCH_KEY)
    _convert_dedup(bind, cipher)
    _convert_tracing(bind, sa.func.length(TRACING_KEY.c.value) <= 9, lambda row: _token(cipher, row.value))


# -- downgrade -------------------------------------------------------------------------------------


def _last_nine(phone: str | None) -> str | None:
    """refugio.dedup.keys.phone_key as 0025 computed it."""
    digits = "".join(c for c in phone or "" if c.isdigit())
    return digits[-9:] if len(digits) >= 6 else None


def _phone_of(bind: sa.Connection, cipher: Any, role: str, person_id: Any) -> str | None:
    """The decrypted phone a tracing key was derived from: the sought person's, or the enquirer's (the
    registered person's when the enquirer is registered)."""
    if role == "sought":
        places = [("tracing_sought_person", "phone", person_id)]
    else:
        request = sa.table("tracing_request", sa.column("id"), sa.column("enquirer_individual_id"))
        registered = bind.execute(
            sa.select(request.c.enquirer_individual_id).where(request.c.id == person_id)
        ).scalar()
        places = [("individual", "phone", registered)] if registered else []
        places.append(("tracing_request", "enquirer_phone", person_id))
    for table_name, col, row_id in places:
        t = sa.table(table_name, sa.column("id"), sa.column(col))
        token = bind.execute(sa.select(t.c[col]).where(t.c.id == row_id)).scalar()
        if token:
            canonical = str(row_id if isinstance(row_id, uuid.UUID) else uuid.UUID(str(row_id)))
            return str(cipher.decrypt(table_name, col, canonical, token))
    return None


def downgrade() -> None:
    if context.is_offline_mode():
        return
    bind = op.get_bind()
    op.execute("DELETE FROM dedup_key")
    op.execute("DELETE FROM dedup_person")
    op.execute("UPDATE dedup_index_state SET audit_seq = 0, built_at = NULL, updated_at = NULL")
    tokens = sa.func.length(TRACING_KEY.c.value) > 9
    if bind.execute(sa.select(sa.literal(1)).where((TRACING_KEY.c.kind == "tel") & tokens).limit(1)).first():
        cipher = _cipher(bind)
        cipher.reload(bind)
        # a key whose phone is gone (or no longer gives nine digits) is dropped: 0025 could not use it
        _convert_tracing(
            bind, tokens, lambda row: _last_nine(_phone_of(bind, cipher, row.role, row.person_id))
        )
