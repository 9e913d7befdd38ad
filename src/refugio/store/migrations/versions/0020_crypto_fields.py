"""Encryption at rest of the sensitive free-text fields (docs/decisions/0014-encryption-at-rest.md): the
table of wrapped data keys, the contact and phone columns widened to TEXT (a ciphertext is longer than
its plaintext), the blind index of individuals' phones (`individual.phone_index`, indexed, replacing the
index on the phone), and every existing value of the encrypted columns encrypted in place, in batches.

The conversion needs the field master key: a database opened by refugio.main.build (`refugio db upgrade`)
carries its field cipher in the connection's info (`refugio.field_cipher`, set by
refugio.security.field_keys.install), so no refugio module is imported here; an empty database needs
none. Offline (`--sql`) scripts cannot read rows: they change the schema only, and `refugio db upgrade`
must convert. The downgrade decrypts every value and drops the key table.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 05:50:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import context, op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

# the columns encrypted by this revision (fixed here: the models may encrypt more columns later)
COLUMNS = [
    ("protection_case", "summary"),
    ("protection_case", "closure_reason"),
    ("case_assessment", "summary"),
    ("case_plan", "objectives"),
    ("case_plan", "actions"),
    ("best_interests_assessment", "findings"),
    ("best_interests_assessment", "child_views"),
    ("best_interests_assessment", "recommendation"),
    ("best_interests_assessment", "decision_note"),
    ("best_interests_determination", "reasons"),
    ("best_interests_determination", "decision_note"),
    ("referral", "reason"),
    ("referral", "consent_note"),
    ("referral", "response_note"),
    ("referral", "feedback"),
    ("referral", "revocation_reason"),
    ("tracing_request", "enquirer_contact"),
    ("tracing_request", "consent_withdrawal_reason"),
    ("tracing_request", "notes"),
    ("tracing_request", "closure_reason"),
    ("tracing_sought_person", "separation_circumstances"),
    ("tracing_sought_person", "description"),
    ("assistance_complaint", "complainant_contact"),
    ("assistance_complaint", "description"),
    ("assistance_complaint", "response"),
    ("tracing_request", "enquirer_phone"),
    ("tracing_sought_person", "phone"),
    ("household", "phone"),
    ("individual", "phone"),
]
BLIND = {("individual", "phone"): "phone_index"}  # an HMAC of the stored E.164 number, for the search
CIPHER_KEY = "refugio.field_cipher"
WIDENED = [
    ("tracing_request", "enquirer_contact", 300),
    ("assistance_complaint", "complainant_contact", 100),
    ("tracing_request", "enquirer_phone", 30),
    ("tracing_sought_person", "phone", 30),
    ("household", "phone", 30),
    ("individual", "phone", 30),
]


def _has_values(bind: sa.Connection) -> bool:
    for table_name, col in COLUMNS:
        t = sa.table(table_name, sa.column(col))
        if bind.execute(sa.select(sa.literal(1)).where(t.c[col].isnot(None)).limit(1)).first():
            return True
    return False


def _cipher(bind: sa.Connection) -> Any:
    cipher = bind.info.get(CIPHER_KEY)
    if cipher is None:
        raise RuntimeError(
            "this database holds values to encrypt (or decrypt): migrate it with `refugio db upgrade`, "
            "which opens it with the field master key"
        )
    return cipher


def _widen(to_text: bool) -> None:
    for table_name, col, length in WIDENED:
        old, new = (sa.String(length=length), sa.Text()) if to_text else (sa.Text(), sa.String(length=length))
        if op.get_context().dialect.name != "sqlite":  # SQLite does not enforce VARCHAR lengths
            op.alter_column(table_name, col, existing_type=old, type_=new)


def upgrade() -> None:
    op.create_table(
        "crypto_data_key",
        sa.Column("kid", sa.String(length=8), nullable=False),
        sa.Column("table_name", sa.String(length=60), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("kek_version", sa.Integer(), nullable=False),
        sa.Column("wrapped", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("wrapped_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kid", name=op.f("pk_crypto_data_key")),
        sa.UniqueConstraint(
            "table_name", "generation", name=op.f("uq_crypto_data_key_table_name_generation")
        ),
    )
    op.add_column("individual", sa.Column("phone_index", sa.String(length=32), nullable=True))
    op.drop_index("ix_individual_phone", table_name="individual")
    op.create_index("ix_individual_phone_index", "individual", ["phone_index"])
    _widen(to_text=True)
    if context.is_offline_mode():
        return
    bind = op.get_bind()
    if _has_values(bind):
        _cipher(bind).convert(bind, COLUMNS, encrypt=True, blind=BLIND)


def downgrade() -> None:
    if not context.is_offline_mode():
        bind = op.get_bind()
        if _has_values(bind):
            _cipher(bind).convert(bind, COLUMNS, encrypt=False)
    _widen(to_text=False)
    op.drop_index("ix_individual_phone_index", table_name="individual")
    op.execute("ALTER TABLE individual DROP COLUMN phone_index")  # SQLite 3.35+ and PostgreSQL
    op.create_index("ix_individual_phone", "individual", ["phone"])
    op.drop_table("crypto_data_key")
