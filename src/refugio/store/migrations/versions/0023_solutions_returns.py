"""Voluntary repatriation and AVRR (refugio.solutions.returns): return intention surveys received
through the OpenRosa form list, go-and-see visits, caseworkers' sign-offs, voluntary returns (planned,
departed, cancelled) and reintegration monitoring visits with their scores and weights version.
Portable types only, no refugio imports. The integrator re-chains it if other migrations land first.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 07:59:16.268778
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "go_and_see_visit",
        sa.Column("ref", sa.String(length=24), nullable=False),
        sa.Column("operation_id", sa.Uuid(), nullable=False),
        sa.Column("destination_iso3", sa.String(length=3), nullable=False),
        sa.Column("destination_area", sa.String(length=200), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("participants", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("findings", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["operation_id"], ["operation.id"], name=op.f("fk_go_and_see_visit_operation_id_operation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_go_and_see_visit")),
        sa.UniqueConstraint("ref", name=op.f("uq_go_and_see_visit_ref")),
    )
    with op.batch_alter_table("go_and_see_visit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_go_and_see_visit_operation_id"), ["operation_id"], unique=False)

    op.create_table(
        "return_survey",
        sa.Column("operation_id", sa.Uuid(), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("form_id", sa.String(length=100), nullable=False),
        sa.Column("instance_id", sa.String(length=100), nullable=False),
        sa.Column("deprecated_id", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("survey_date", sa.Date(), nullable=False),
        sa.Column("intention", sa.String(length=20), nullable=False),
        sa.Column("conditions", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("destination_iso3", sa.String(length=3), nullable=True),
        sa.Column("origin_area", sa.String(length=200), nullable=False),
        sa.Column("go_and_see", sa.Boolean(), nullable=False),
        sa.Column("submitted_by", sa.String(length=80), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("xml", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"], ["household.id"], name=op.f("fk_return_survey_household_id_household")
        ),
        sa.ForeignKeyConstraint(
            ["operation_id"], ["operation.id"], name=op.f("fk_return_survey_operation_id_operation")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_return_survey_site_id_site")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_survey")),
        sa.UniqueConstraint("instance_id", name=op.f("uq_return_survey_instance_id")),
    )
    with op.batch_alter_table("return_survey", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_return_survey_household_id"), ["household_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_return_survey_operation_id"), ["operation_id"], unique=False)

    op.create_table(
        "voluntary_return",
        sa.Column("ref", sa.String(length=24), nullable=False),
        sa.Column("operation_id", sa.Uuid(), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("returning_household_id", sa.Uuid(), nullable=False),
        sa.Column("whole_household", sa.Boolean(), nullable=False),
        sa.Column("members", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("return_date", sa.Date(), nullable=False),
        sa.Column("destination_iso3", sa.String(length=3), nullable=False),
        sa.Column("destination_area", sa.String(length=200), nullable=False),
        sa.Column("assisted", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("registered_by", sa.String(length=80), nullable=False),
        sa.Column("departed_on", sa.Date(), nullable=True),
        sa.Column("departed_by", sa.String(length=80), nullable=True),
        sa.Column("cancelled_reason", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"], ["household.id"], name=op.f("fk_voluntary_return_household_id_household")
        ),
        sa.ForeignKeyConstraint(
            ["operation_id"], ["operation.id"], name=op.f("fk_voluntary_return_operation_id_operation")
        ),
        sa.ForeignKeyConstraint(
            ["returning_household_id"],
            ["household.id"],
            name=op.f("fk_voluntary_return_returning_household_id_household"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voluntary_return")),
        sa.UniqueConstraint("ref", name=op.f("uq_voluntary_return_ref")),
    )
    with op.batch_alter_table("voluntary_return", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_voluntary_return_household_id"), ["household_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_voluntary_return_operation_id"), ["operation_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_voluntary_return_returning_household_id"), ["returning_household_id"], unique=False
        )

    op.create_table(
        "reintegration_visit",
        sa.Column("return_id", sa.Uuid(), nullable=False),
        sa.Column("operation_id", sa.Uuid(), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("answers", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("economic", sa.Float(), nullable=False),
        sa.Column("social", sa.Float(), nullable=False),
        sa.Column("psychosocial", sa.Float(), nullable=False),
        sa.Column("overall", sa.Float(), nullable=False),
        sa.Column("weights_version", sa.String(length=40), nullable=False),
        sa.Column("recorded_by", sa.String(length=80), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["operation_id"], ["operation.id"], name=op.f("fk_reintegration_visit_operation_id_operation")
        ),
        sa.ForeignKeyConstraint(
            ["return_id"],
            ["voluntary_return.id"],
            name=op.f("fk_reintegration_visit_return_id_voluntary_return"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reintegration_visit")),
    )
    with op.batch_alter_table("reintegration_visit", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reintegration_visit_operation_id"), ["operation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_reintegration_visit_return_id"), ["return_id"], unique=False)

    op.create_table(
        "return_signoff",
        sa.Column("individual_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("signed_by", sa.String(length=80), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["protection_case.id"], name=op.f("fk_return_signoff_case_id_protection_case")
        ),
        sa.ForeignKeyConstraint(
            ["individual_id"], ["individual.id"], name=op.f("fk_return_signoff_individual_id_individual")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_return_signoff_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_signoff")),
    )
    with op.batch_alter_table("return_signoff", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_return_signoff_individual_id"), ["individual_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("return_signoff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_return_signoff_individual_id"))

    op.drop_table("return_signoff")
    with op.batch_alter_table("reintegration_visit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reintegration_visit_return_id"))
        batch_op.drop_index(batch_op.f("ix_reintegration_visit_operation_id"))

    op.drop_table("reintegration_visit")
    with op.batch_alter_table("voluntary_return", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_voluntary_return_returning_household_id"))
        batch_op.drop_index(batch_op.f("ix_voluntary_return_operation_id"))
        batch_op.drop_index(batch_op.f("ix_voluntary_return_household_id"))

    op.drop_table("voluntary_return")
    with op.batch_alter_table("return_survey", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_return_survey_operation_id"))
        batch_op.drop_index(batch_op.f("ix_return_survey_household_id"))

    op.drop_table("return_survey")
    with op.batch_alter_table("go_and_see_visit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_go_and_see_visit_operation_id"))

    op.drop_table("go_and_see_visit")
