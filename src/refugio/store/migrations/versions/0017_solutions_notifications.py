"""RSD notifications (refugio.solutions): one row per person and notice (a decision at each level, or
their legal status made final in the registry), pending until its delivery is recorded. Portable
types only, no refugio imports. The integrator re-chains it if other migrations land first.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 05:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rsd_notification",
        sa.Column("claim_id", sa.Uuid(), nullable=False),
        sa.Column("individual_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("legal_status", sa.String(length=20), nullable=True),
        sa.Column("language", sa.String(length=3), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("delivered_on", sa.Date(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=True),
        sa.Column("delivered_by", sa.String(length=80), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["rsd_claim.id"], name=op.f("fk_rsd_notification_claim_id_rsd_claim")
        ),
        sa.ForeignKeyConstraint(
            ["individual_id"], ["individual.id"], name=op.f("fk_rsd_notification_individual_id_individual")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rsd_notification")),
    )
    op.create_index(op.f("ix_rsd_notification_claim_id"), "rsd_notification", ["claim_id"], unique=False)
    op.create_index(
        op.f("ix_rsd_notification_individual_id"), "rsd_notification", ["individual_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_rsd_notification_individual_id"), table_name="rsd_notification")
    op.drop_index(op.f("ix_rsd_notification_claim_id"), table_name="rsd_notification")
    op.drop_table("rsd_notification")
