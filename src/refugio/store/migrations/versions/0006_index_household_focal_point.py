"""Index household.focal_point_id.

The focal-point foreign key is deferred (a household and its members are inserted together); for every
individual inserted, SQLite then looks for households pointing at it, which without this index is a
scan of the household table per person: quadratic in bulk registration.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 08:12:08
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_household_focal_point_id", "household", ["focal_point_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_household_focal_point_id", table_name="household")
