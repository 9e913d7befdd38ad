"""Data-sharing agreements and consent withdrawals (issue 14, C10 purpose and consent): the register of
agreements (`data_sharing_agreement`) and the purposes people have withdrawn consent for
(`consent_withdrawal`). Plain `op.create_table`; no refugio imports. The integrator re-chains it if
another 0017 lands first.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
    op.create_table(
        "data_sharing_agreement",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("operation_id", sa.Uuid(), sa.ForeignKey("operation.id"), nullable=False),
        sa.Column("partner", sa.String(200), nullable=False),
        sa.Column("partner_username", sa.String(80), nullable=True),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("fields", json, nullable=False),
        sa.Column("legal_basis", sa.String(40), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_data_sharing_agreement_operation_id", "data_sharing_agreement", ["operation_id"])
    op.create_table(
        "consent_withdrawal",
        sa.Column("individual_id", sa.Uuid(), sa.ForeignKey("individual.id"), primary_key=True),
        sa.Column("purpose", sa.String(20), primary_key=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_by", sa.String(80), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("consent_withdrawal")
    op.drop_index("ix_data_sharing_agreement_operation_id", table_name="data_sharing_agreement")
    op.drop_table("data_sharing_agreement")
