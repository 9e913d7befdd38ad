"""The statistics snapshot knows each person's household (issue 19 aim 4: the dashboard's household
figure from the snapshot, not a scan of the person table): `stats_household` numbers households (a
small integer the packed blocks carry per person), `stats_person.household` holds that number. The
snapshot is emptied and every person marked changed, so that the first refresh builds it again with
the new column (blocks packed before this migration lack it).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def _start_again() -> None:
    op.execute("DELETE FROM stats_block")
    op.execute("DELETE FROM stats_person")
    op.execute("DELETE FROM stats_dirty")
    op.execute("INSERT INTO stats_dirty (individual_id) SELECT id FROM individual")
    op.execute("UPDATE stats_state SET generation = generation + 1")


def upgrade() -> None:
    op.create_table(
        "stats_household",
        sa.Column("number", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_stats_household")),
        sa.UniqueConstraint("household_id", name=op.f("uq_stats_household_household_id")),
    )
    _start_again()
    op.add_column("stats_person", sa.Column("household", sa.Integer(), nullable=True))


def downgrade() -> None:
    _start_again()
    with op.batch_alter_table("stats_person") as batch:
        batch.drop_column("household")
    op.drop_table("stats_household")
