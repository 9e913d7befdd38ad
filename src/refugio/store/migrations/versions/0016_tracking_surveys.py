"""Tracking: flow monitoring surveys received through OpenRosa, and multi-sector location assessments
(DTM MSLA: population groups, shelter types, needs by sector).

Written from the models, portable types only. Follows 0015 (statistics snapshot).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 04:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "tracking_flow_survey",
        sa.Column("operation_id", sa.Uuid(), nullable=False),
        sa.Column("point_id", sa.Uuid(), nullable=False),
        sa.Column("form_id", sa.String(length=100), nullable=False),
        sa.Column("instance_id", sa.String(length=100), nullable=False),
        sa.Column("deprecated_id", sa.String(length=100), nullable=True),
        sa.Column("survey_date", sa.Date(), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("age_group", sa.String(length=10), nullable=False),
        sa.Column("nationality", sa.String(length=3), nullable=False),
        sa.Column("transport", sa.String(length=10), nullable=False),
        sa.Column("origin_country", sa.String(length=3), nullable=True),
        sa.Column("destination_country", sa.String(length=3), nullable=True),
        sa.Column("reasons", JSON, nullable=False),
        sa.Column("group_size", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("submitted_by", sa.String(length=80), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("xml", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["operation_id"], ["operation.id"], name=op.f("fk_tracking_flow_survey_operation_id_operation")
        ),
        sa.ForeignKeyConstraint(
            ["point_id"],
            ["tracking_flow_point.id"],
            name=op.f("fk_tracking_flow_survey_point_id_tracking_flow_point"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_flow_survey")),
        sa.UniqueConstraint("instance_id", name=op.f("uq_tracking_flow_survey_instance_id")),
    )
    op.create_index(op.f("ix_tracking_flow_survey_operation_id"), "tracking_flow_survey", ["operation_id"])
    op.create_index(op.f("ix_tracking_flow_survey_point_id"), "tracking_flow_survey", ["point_id"])
    op.create_table(
        "tracking_location_assessment",
        sa.Column("import_id", sa.Uuid(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("row_key", sa.String(length=64), nullable=False),
        sa.Column("country_iso3", sa.String(length=3), nullable=False),
        sa.Column("admin1_pcode", sa.String(length=30), nullable=True),
        sa.Column("admin2_pcode", sa.String(length=30), nullable=True),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("round_number", sa.Integer(), nullable=False),
        sa.Column("assessment_date", sa.Date(), nullable=False),
        sa.Column("households", sa.Integer(), nullable=True),
        sa.Column("individuals", sa.Integer(), nullable=False),
        sa.Column("idps", sa.Integer(), nullable=True),
        sa.Column("returnees", sa.Integer(), nullable=True),
        sa.Column("migrants", sa.Integer(), nullable=True),
        sa.Column("males", sa.Integer(), nullable=True),
        sa.Column("females", sa.Integer(), nullable=True),
        sa.Column("children", sa.Integer(), nullable=True),
        sa.Column("adults", sa.Integer(), nullable=True),
        sa.Column("elderly", sa.Integer(), nullable=True),
        sa.Column("reasons", JSON, nullable=False),
        sa.Column("origin_admin1_pcode", sa.String(length=30), nullable=True),
        sa.Column("shelter", JSON, nullable=False),
        sa.Column("needs", JSON, nullable=False),
        sa.Column("priority_needs", JSON, nullable=False),
        sa.Column("warnings", JSON, nullable=False),
        sa.Column("duplicate", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["tracking_import.id"],
            name=op.f("fk_tracking_location_assessment_import_id_tracking_import"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_location_assessment")),
    )
    op.create_index(
        "ix_tracking_location_assessment_row_key", "tracking_location_assessment", ["row_key"], unique=True
    )
    op.create_index(
        "ix_tracking_location_assessment_country_iso3_round_number",
        "tracking_location_assessment", ["country_iso3", "round_number"],
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_tracking_location_assessment_country_iso3_round_number", "tracking_location_assessment")
    op.drop_index("ix_tracking_location_assessment_row_key", table_name="tracking_location_assessment")
    op.drop_table("tracking_location_assessment")
    op.drop_index(op.f("ix_tracking_flow_survey_point_id"), table_name="tracking_flow_survey")
    op.drop_index(op.f("ix_tracking_flow_survey_operation_id"), table_name="tracking_flow_survey")
    op.drop_table("tracking_flow_survey")
