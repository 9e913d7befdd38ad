"""Encryption at rest of the sensitive free-text fields (docs/decisions/0011-encryption-at-rest.md): the
table of wrapped data keys, two contact columns widened to TEXT (a ciphertext is longer than its
plaintext), and every existing value of the encrypted columns encrypted in place, in batches.

The conversion needs the field master key, so it runs through refugio.security.field_keys (imported
inside the functions): on a database opened by `refugio db upgrade` (or any refugio.main.build) the key
is there; an empty database needs none. The downgrade decrypts every value and drops the key table.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 05:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
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
]
WIDENED = [("tracing_request", "enquirer_contact", 300), ("assistance_complaint", "complainant_contact", 100)]


def _has_values(bind: sa.Connection) -> bool:
    for table_name, col in COLUMNS:
        t = sa.table(table_name, sa.column(col))
        if bind.execute(sa.select(sa.literal(1)).where(t.c[col].isnot(None)).limit(1)).first():
            return True
    return False


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
    for table_name, col, length in WIDENED:
        with op.batch_alter_table(table_name) as batch:
            batch.alter_column(col, existing_type=sa.String(length=length), type_=sa.Text())
    bind = op.get_bind()
    if _has_values(bind):
        from refugio.security.field_keys import convert_rows

        convert_rows(bind, COLUMNS, encrypt=True)


def downgrade() -> None:
    bind = op.get_bind()
    if _has_values(bind):
        from refugio.security.field_keys import convert_rows

        convert_rows(bind, COLUMNS, encrypt=False)
    for table_name, col, length in WIDENED:
        with op.batch_alter_table(table_name) as batch:
            batch.alter_column(col, existing_type=sa.Text(), type_=sa.String(length=length))
    op.drop_table("crypto_data_key")
