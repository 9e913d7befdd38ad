"""Data subject rights: the requests (access, correction, erasure) with their deadlines and steps, and
the tombstones erasure leaves. Portable types only.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
STAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "dp_rights_request",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("ref", sa.String(length=24), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("individual_id", sa.Uuid(), nullable=False),
        sa.Column("individual_ref", sa.String(length=28), nullable=False),
        sa.Column("requester", sa.String(length=16), nullable=False),
        sa.Column("requester_name", sa.String(length=200), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("changes", JSON, nullable=False),
        sa.Column("include_sensitive", sa.Boolean(), nullable=False),
        sa.Column("sensitive_note", sa.Text(), nullable=True),
        sa.Column("identity_evidence", sa.Text(), nullable=True),
        sa.Column("outcome", JSON, nullable=False),
        sa.Column("refusal_reason", sa.Text(), nullable=True),
        sa.Column("steps", JSON, nullable=False),
        sa.Column("created_at", STAMP, nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("closed_at", STAMP, nullable=True),
        sa.Column("closed_by", sa.String(length=80), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dp_rights_request")),
        sa.UniqueConstraint("ref", name=op.f("uq_dp_rights_request_ref")),
    )
    op.create_index(op.f("ix_dp_rights_request_individual_id"), "dp_rights_request", ["individual_id"])
    op.create_index("ix_dp_rights_request_status_due", "dp_rights_request", ["status", "due_on"])
    op.create_table(
        "dp_tombstone",
        sa.Column("object_type", sa.String(length=20), nullable=False),
        sa.Column("object_id", sa.Uuid(), nullable=False),
        sa.Column("ref", sa.String(length=28), nullable=False),
        sa.Column("erased_at", STAMP, nullable=False),
        sa.Column("erased_by", sa.String(length=80), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("object_type", "object_id", name=op.f("pk_dp_tombstone")),
        sa.UniqueConstraint("ref", name=op.f("uq_dp_tombstone_ref")),
    )


def downgrade() -> None:
    op.drop_table("dp_tombstone")
    op.drop_table("dp_rights_request")
