"""Data protection registers: personal data breaches and their notifications, processing activities
and their impact assessments (DPIA). Portable types only.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
STAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "dp_breach",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("discovered_at", STAMP, nullable=False),
        sa.Column("occurred_from", STAMP, nullable=True),
        sa.Column("occurred_to", STAMP, nullable=True),
        sa.Column("systems", JSON, nullable=False),
        sa.Column("data_categories", JSON, nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("risk_assessment", sa.Text(), nullable=False),
        sa.Column("containment", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("authority_hours", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.String(length=80), nullable=False),
        sa.Column("contained_at", STAMP, nullable=True),
        sa.Column("closed_at", STAMP, nullable=True),
        sa.Column("affected", JSON, nullable=True),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("updated_at", STAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dp_breach")),
        sa.UniqueConstraint("code", name=op.f("uq_dp_breach_code")),
    )
    op.create_index(op.f("ix_dp_breach_discovered_at"), "dp_breach", ["discovered_at"])
    op.create_table(
        "dp_breach_notification",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("breach_id", sa.Uuid(), nullable=False),
        sa.Column("recipient_kind", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("notified_at", STAMP, nullable=False),
        sa.Column("deadline_at", STAMP, nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=80), nullable=False),
        sa.Column("recorded_at", STAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["breach_id"],
            ["dp_breach.id"],
            name=op.f("fk_dp_breach_notification_breach_id_dp_breach"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dp_breach_notification")),
    )
    op.create_index(op.f("ix_dp_breach_notification_breach_id"), "dp_breach_notification", ["breach_id"])
    op.create_table(
        "dp_processing_activity",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("legal_basis", sa.String(length=40), nullable=False),
        sa.Column("data_categories", JSON, nullable=False),
        sa.Column("data_subjects", JSON, nullable=False),
        sa.Column("recipients", JSON, nullable=False),
        sa.Column("retention", sa.String(length=300), nullable=False),
        sa.Column("systems", JSON, nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("updated_at", STAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dp_processing_activity")),
        sa.UniqueConstraint("code", name=op.f("uq_dp_processing_activity_code")),
    )
    op.create_table(
        "dp_dpia",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("activity_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("risks", JSON, nullable=False),
        sa.Column("dpo_opinion", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=80), nullable=False),
        sa.Column("approved_by", sa.String(length=80), nullable=True),
        sa.Column("approved_at", STAMP, nullable=True),
        sa.Column("review_date", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("updated_at", STAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["dp_processing_activity.id"],
            name=op.f("fk_dp_dpia_activity_id_dp_processing_activity"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dp_dpia")),
    )
    op.create_index(op.f("ix_dp_dpia_activity_id"), "dp_dpia", ["activity_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_dp_dpia_activity_id"), table_name="dp_dpia")
    op.drop_table("dp_dpia")
    op.drop_table("dp_processing_activity")
    op.drop_index(op.f("ix_dp_breach_notification_breach_id"), table_name="dp_breach_notification")
    op.drop_table("dp_breach_notification")
    op.drop_index(op.f("ix_dp_breach_discovered_at"), table_name="dp_breach")
    op.drop_table("dp_breach")
