"""Indexes of browsing (issue 13): the households list's default order (registration date, reference),
the people list's (family name, given name, reference), and the filter by specific need (code or
category, active, person). Plain `op.create_index`; no refugio imports. The integrator re-chains it if
another 0014 lands first.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 05:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_household_registration_date_ref", "household", ["registration_date", "ref"])
    op.create_index(
        "ix_individual_family_norm_given_norm_ref", "individual", ["family_norm", "given_norm", "ref"]
    )
    op.create_index(
        "ix_specific_need_code_active_individual_id", "specific_need", ["code", "active", "individual_id"]
    )
    op.create_index(
        "ix_specific_need_category_active_individual_id",
        "specific_need",
        ["category", "active", "individual_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_specific_need_category_active_individual_id", table_name="specific_need")
    op.drop_index("ix_specific_need_code_active_individual_id", table_name="specific_need")
    op.drop_index("ix_individual_family_norm_given_norm_ref", table_name="individual")
    op.drop_index("ix_household_registration_date_ref", table_name="household")
