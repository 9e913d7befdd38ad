"""Assistance: post-distribution monitoring outcomes (`assistance_pdm_outcome`, one per entitlement,
linked to the complaint a problem opened) and each household's last collection in a programme
(`assistance_collection_guard`), whose CHECK constraint makes the database refuse a collection sooner
than the programme's minimum interval after the previous one. The guard is filled from the
collections already recorded.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 05:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assistance_pdm_outcome",
        sa.Column("entitlement_id", sa.Uuid(), nullable=False),
        sa.Column("cycle_id", sa.Uuid(), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("complaint_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=80), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["assistance_complaint.id"],
            name=op.f("fk_assistance_pdm_outcome_complaint_id_assistance_complaint"),
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["assistance_cycle.id"],
            name=op.f("fk_assistance_pdm_outcome_cycle_id_assistance_cycle"),
        ),
        sa.ForeignKeyConstraint(
            ["entitlement_id"],
            ["assistance_entitlement.id"],
            name=op.f("fk_assistance_pdm_outcome_entitlement_id_assistance_entitlement"),
        ),
        sa.ForeignKeyConstraint(
            ["household_id"], ["household.id"], name=op.f("fk_assistance_pdm_outcome_household_id_household")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_assistance_pdm_outcome_site_id_site")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistance_pdm_outcome")),
        sa.UniqueConstraint("entitlement_id", name=op.f("uq_assistance_pdm_outcome_entitlement_id")),
    )
    op.create_index(
        op.f("ix_assistance_pdm_outcome_cycle_id"), "assistance_pdm_outcome", ["cycle_id"], unique=False
    )
    op.create_table(
        "assistance_collection_guard",
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("last_at_s", sa.BigInteger(), nullable=False),
        sa.Column("previous_at_s", sa.BigInteger(), nullable=True),
        sa.Column("min_interval_s", sa.Integer(), nullable=False),
        sa.Column("last_entitlement_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "min_interval_s = 0 OR previous_at_s IS NULL OR last_at_s - previous_at_s >= min_interval_s",
            name=op.f("ck_assistance_collection_guard_min_interval"),
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["household.id"],
            name=op.f("fk_assistance_collection_guard_household_id_household"),
        ),
        sa.ForeignKeyConstraint(
            ["last_entitlement_id"],
            ["assistance_entitlement.id"],
            name=op.f("fk_assistance_collection_guard_last_entitlement_id_assistance_entitlement"),
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["assistance_programme.id"],
            name=op.f("fk_assistance_collection_guard_programme_id_assistance_programme"),
        ),
        sa.PrimaryKeyConstraint("programme_id", "household_id", name=op.f("pk_assistance_collection_guard")),
    )
    _fill_guard()


def _fill_guard() -> None:
    """One row per household and programme from its latest collection (no previous one: the history
    before this migration was checked by the service)."""
    bind = op.get_bind()
    epoch = (
        "CAST(EXTRACT(EPOCH FROM c.collected_at) AS BIGINT)"
        if bind.dialect.name == "postgresql"
        else "CAST(strftime('%s', c.collected_at) AS INTEGER)"
    )
    bind.execute(
        sa.text(
            "INSERT INTO assistance_collection_guard "
            "(programme_id, household_id, last_at_s, previous_at_s, min_interval_s, last_entitlement_id) "
            "SELECT programme_id, household_id, at_s, NULL, interval_s, entitlement_id FROM ("
            f"SELECT c.programme_id, c.household_id, {epoch} AS at_s, "
            "p.min_interval_days * 86400 AS interval_s, c.entitlement_id, ROW_NUMBER() OVER ("
            "PARTITION BY c.programme_id, c.household_id ORDER BY c.collected_at DESC) AS n "
            "FROM assistance_collection c JOIN assistance_programme p ON p.id = c.programme_id) latest "
            "WHERE n = 1"
        )
    )


def downgrade() -> None:
    op.drop_table("assistance_collection_guard")
    op.drop_index(op.f("ix_assistance_pdm_outcome_cycle_id"), table_name="assistance_pdm_outcome")
    op.drop_table("assistance_pdm_outcome")
