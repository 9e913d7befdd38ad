"""RSD notifications (refugio.solutions): one row per person and notice (a decision at each level, or
their legal status made final in the registry), pending until its delivery is recorded; complementary
pathways: offers with criteria, candidates' profiles, applications with their history. Portable
types only, no refugio imports. The integrator re-chains it if other migrations land first.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 05:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0019"
down_revision = "0018"
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

    op.create_table(
        "pathway_offer",
        sa.Column("ref", sa.String(length=24), nullable=False),
        sa.Column("operation_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("provider", sa.String(length=200), nullable=False),
        sa.Column("destination_iso3", sa.String(length=3), nullable=False),
        sa.Column("places", sa.Integer(), nullable=False),
        sa.Column("criteria", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["operation_id"], ["operation.id"], name=op.f("fk_pathway_offer_operation_id_operation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pathway_offer")),
        sa.UniqueConstraint("ref", name=op.f("uq_pathway_offer_ref")),
    )
    op.create_index(op.f("ix_pathway_offer_operation_id"), "pathway_offer", ["operation_id"], unique=False)
    op.create_table(
        "pathway_profile",
        sa.Column("individual_id", sa.Uuid(), nullable=False),
        sa.Column("operation_id", sa.Uuid(), nullable=False),
        sa.Column("skills", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("education", sa.String(length=20), nullable=False),
        sa.Column("languages", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["individual_id"], ["individual.id"], name=op.f("fk_pathway_profile_individual_id_individual")
        ),
        sa.ForeignKeyConstraint(
            ["operation_id"], ["operation.id"], name=op.f("fk_pathway_profile_operation_id_operation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pathway_profile")),
        sa.UniqueConstraint("individual_id", name=op.f("uq_pathway_profile_individual_id")),
    )
    op.create_index(
        op.f("ix_pathway_profile_operation_id"), "pathway_profile", ["operation_id"], unique=False
    )
    op.create_table(
        "pathway_application",
        sa.Column("offer_id", sa.Uuid(), nullable=False),
        sa.Column("individual_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("history", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["individual_id"], ["individual.id"], name=op.f("fk_pathway_application_individual_id_individual")
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["pathway_offer.id"], name=op.f("fk_pathway_application_offer_id_pathway_offer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pathway_application")),
        sa.UniqueConstraint(
            "offer_id", "individual_id", name=op.f("uq_pathway_application_offer_id_individual_id")
        ),
    )
    op.create_index(
        op.f("ix_pathway_application_individual_id"), "pathway_application", ["individual_id"], unique=False
    )
    op.create_index(
        op.f("ix_pathway_application_offer_id"), "pathway_application", ["offer_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_pathway_application_offer_id"), table_name="pathway_application")
    op.drop_index(op.f("ix_pathway_application_individual_id"), table_name="pathway_application")
    op.drop_table("pathway_application")
    op.drop_index(op.f("ix_pathway_profile_operation_id"), table_name="pathway_profile")
    op.drop_table("pathway_profile")
    op.drop_index(op.f("ix_pathway_offer_operation_id"), table_name="pathway_offer")
    op.drop_table("pathway_offer")
    op.drop_index(op.f("ix_rsd_notification_individual_id"), table_name="rsd_notification")
    op.drop_index(op.f("ix_rsd_notification_claim_id"), table_name="rsd_notification")
    op.drop_table("rsd_notification")
