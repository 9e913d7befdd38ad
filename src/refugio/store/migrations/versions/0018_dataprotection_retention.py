"""Data protection: legal holds, runs of the retention rules with their reports, and the mark left on
each record a run anonymised. Portable types only.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
STAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "dp_legal_hold",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("object_type", sa.String(length=20), nullable=False),
        sa.Column("object_id", sa.Uuid(), nullable=False),
        sa.Column("object_ref", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("placed_at", STAMP, nullable=False),
        sa.Column("placed_by", sa.String(length=80), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("lifted_at", STAMP, nullable=True),
        sa.Column("lifted_by", sa.String(length=80), nullable=True),
        sa.Column("lift_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dp_legal_hold")),
    )
    op.create_index("ix_dp_legal_hold_object", "dp_legal_hold", ["object_type", "object_id"])
    op.create_table(
        "dp_retention_run",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("started_at", STAMP, nullable=False),
        sa.Column("finished_at", STAMP, nullable=True),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("trigger", sa.String(length=12), nullable=False),
        sa.Column("run_by", sa.String(length=80), nullable=False),
        sa.Column("report", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dp_retention_run")),
    )
    op.create_index(op.f("ix_dp_retention_run_started_at"), "dp_retention_run", ["started_at"])
    op.create_table(
        "dp_anonymised",
        sa.Column("object_type", sa.String(length=20), nullable=False),
        sa.Column("object_id", sa.Uuid(), nullable=False),
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("rule", sa.String(length=30), nullable=False),
        sa.Column("at", STAMP, nullable=False),
        sa.PrimaryKeyConstraint("object_type", "object_id", name=op.f("pk_dp_anonymised")),
    )
    op.create_index(op.f("ix_dp_anonymised_run_id"), "dp_anonymised", ["run_id"])


def downgrade() -> None:
    op.drop_table("dp_anonymised")
    op.drop_table("dp_retention_run")
    op.drop_table("dp_legal_hold")
