"""A frozen entitlement's snapshot is kept as the canonical text its digest was taken of: PostgreSQL
`json` instead of `jsonb` (issue 15, benchmark 1). The snapshot is written once at the freeze and never
queried inside; `jsonb` parsed every snapshot into its binary form on the way in — as long as the rest
of the set-based freeze together — and gave back a re-ordered text. `json` checks the syntax and keeps
the text as written. SQLite stores JSON as text already: nothing to do there.

Existing rows are converted through their text (jsonb's rendering: the digest is taken of the
canonical form of the parsed value, `assistance.service.seal`, so it still verifies).

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06 16:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE assistance_entitlement ALTER COLUMN snapshot TYPE json USING snapshot::text::json"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE assistance_entitlement ALTER COLUMN snapshot TYPE jsonb USING snapshot::text::jsonb"
        )
