"""Issue 14's two data-protection leftovers.

1. `data_sharing_share_item`: who each share to a partner exposed (share id → individual, household;
   ids only), so that a breach affecting a share lists exactly its people. Shares made before this
   revision have no items: the breach register keeps counting them as an upper bound (estimated).
2. The distress log of refugio.tracking is shared under the `agreements` domain: `data_sharing_agreement`
   gains `dataset` ("registry" for every agreement so far, "distress_log"), and each
   `tracking_sharing_agreement` becomes a distress-log agreement with the same id, partner, operation,
   dates and recorder: purpose `search_and_rescue`, every SITREP paragraph as its fields, legal basis
   `vital_interest`, the tracking agreement's free-text purpose kept verbatim as its notes, status
   `terminated` if it was revoked and `active` otherwise. The tracking agreement recorded no retention:
   365 days is set, for the data protection officer to review (decision 0013). Then the tracking table
   goes. The downgrade converts the distress-log agreements back (notes → purpose; terminated → revoked
   at its last change) and drops what this revision added.

Plain SQL and `op.*` only; no refugio imports. The integrator re-chains it after the other 0026.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 15:00:00
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

DISTRESS_FIELDS = [
    "identity",
    "position",
    "situation",
    "persons_on_board",
    "assistance_required",
    "coordinating_centre",
    "actions",
    "further_reports",
]
RETENTION_DAYS = 365


def _fields_literal() -> str:
    text = json.dumps(DISTRESS_FIELDS).replace("'", "''")
    return f"CAST('{text}' AS JSONB)" if op.get_context().dialect.name == "postgresql" else f"'{text}'"


def upgrade() -> None:
    op.create_table(
        "data_sharing_share_item",
        sa.Column("share_id", sa.Uuid(), nullable=False),
        sa.Column("individual_id", sa.Uuid(), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["individual_id"],
            ["individual.id"],
            name=op.f("fk_data_sharing_share_item_individual_id_individual"),
        ),
        sa.ForeignKeyConstraint(
            ["household_id"], ["household.id"], name=op.f("fk_data_sharing_share_item_household_id_household")
        ),
        sa.PrimaryKeyConstraint("share_id", "individual_id", name=op.f("pk_data_sharing_share_item")),
    )
    op.create_index(
        op.f("ix_data_sharing_share_item_individual_id"), "data_sharing_share_item", ["individual_id"]
    )
    op.add_column(
        "data_sharing_agreement",
        sa.Column("dataset", sa.String(20), nullable=False, server_default="registry"),
    )
    op.execute(
        "INSERT INTO data_sharing_agreement (id, operation_id, dataset, partner, partner_username, purpose,"
        " fields, legal_basis, retention_days, valid_from, valid_until, status, notes, recorded_by,"
        " created_at, updated_at)"
        " SELECT id, operation_id, 'distress_log', partner, NULL, 'search_and_rescue', "
        f"{_fields_literal()}, 'vital_interest', {RETENTION_DAYS}, valid_from, valid_until,"
        " CASE WHEN revoked_at IS NULL THEN 'active' ELSE 'terminated' END, purpose, recorded_by,"
        " created_at, COALESCE(revoked_at, updated_at)"
        " FROM tracking_sharing_agreement"
    )
    op.drop_index(op.f("ix_tracking_sharing_agreement_operation_id"), table_name="tracking_sharing_agreement")
    op.drop_table("tracking_sharing_agreement")


def downgrade() -> None:
    op.create_table(
        "tracking_sharing_agreement",
        sa.Column("operation_id", sa.Uuid(), nullable=False),
        sa.Column("partner", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=80), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["operation_id"],
            ["operation.id"],
            name=op.f("fk_tracking_sharing_agreement_operation_id_operation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_sharing_agreement")),
    )
    op.create_index(
        op.f("ix_tracking_sharing_agreement_operation_id"), "tracking_sharing_agreement", ["operation_id"]
    )
    op.execute(
        "INSERT INTO tracking_sharing_agreement (id, operation_id, partner, purpose, valid_from, valid_until,"
        " recorded_by, revoked_at, created_at, updated_at)"
        " SELECT id, operation_id, partner, CASE WHEN notes = '' THEN purpose ELSE notes END, valid_from,"
        " valid_until, recorded_by, CASE WHEN status = 'active' THEN NULL ELSE updated_at END,"
        " created_at, updated_at"
        " FROM data_sharing_agreement WHERE dataset = 'distress_log'"
    )
    op.execute("DELETE FROM data_sharing_agreement WHERE dataset = 'distress_log'")
    with op.batch_alter_table("data_sharing_agreement") as batch:
        batch.drop_column("dataset")
    op.drop_index(op.f("ix_data_sharing_share_item_individual_id"), table_name="data_sharing_share_item")
    op.drop_table("data_sharing_share_item")
