"""The columnar snapshot of the registered population that statistics read (refugio.stats.snapshot):
`stats_person` (one row per person of the columns statistics count over), `stats_block` (those rows
packed as columns, per block of an operation's people), `stats_dirty` (the people changed since the
snapshot was last brought up to date) and `stats_state` (its generation).

`stats_dirty` is written by the database's own triggers, whatever wrote the change (the services, a
set-based import, a merge): on individual (insert, delete, an update of a counted column), household
(an update of its registration or arrival date or origin: its members, and the people first registered
with it), registration_event (exit dates), specific_need (the dashboard's counts of needs: a change
bumps the snapshot's generation, which keys the dashboard's cache) and site (its code). On SQLite row
triggers; on PostgreSQL statement triggers over the transition tables, so that a bulk insert costs one
INSERT … SELECT. Every person already registered is marked, so that the first refresh builds it all.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

COUNTED = (
    "sex, date_of_birth, population_type, country_of_origin, site_id, arrival_date, status, "
    "date_of_death, household_id, ref, operation_id"
)
HOUSEHOLD = "registration_date, arrival_date, country_of_origin, ref"

SQLITE_TRIGGERS = [
    "CREATE TRIGGER stats_dirty_individual_insert AFTER INSERT ON individual BEGIN "
    "INSERT INTO stats_dirty (individual_id) VALUES (NEW.id); END",
    f"CREATE TRIGGER stats_dirty_individual_update AFTER UPDATE OF {COUNTED} ON individual BEGIN "
    "INSERT INTO stats_dirty (individual_id) VALUES (NEW.id); END",
    "CREATE TRIGGER stats_dirty_individual_delete AFTER DELETE ON individual BEGIN "
    "INSERT INTO stats_dirty (individual_id) VALUES (OLD.id); END",
    f"CREATE TRIGGER stats_dirty_household_update AFTER UPDATE OF {HOUSEHOLD} ON household BEGIN "
    "INSERT INTO stats_dirty (individual_id) SELECT id FROM individual WHERE household_id = NEW.id "
    "UNION SELECT id FROM individual WHERE substr(ref, 1, length(ref) - 3) IN (NEW.ref, OLD.ref); END",
    "CREATE TRIGGER stats_dirty_event_insert AFTER INSERT ON registration_event "
    "WHEN NEW.individual_id IS NOT NULL BEGIN "
    "INSERT INTO stats_dirty (individual_id) VALUES (NEW.individual_id); END",
    "CREATE TRIGGER stats_dirty_event_update AFTER UPDATE ON registration_event "
    "WHEN OLD.individual_id IS NOT NULL OR NEW.individual_id IS NOT NULL BEGIN "
    "INSERT INTO stats_dirty (individual_id) SELECT OLD.individual_id WHERE OLD.individual_id IS NOT NULL "
    "UNION SELECT NEW.individual_id WHERE NEW.individual_id IS NOT NULL; END",
    "CREATE TRIGGER stats_dirty_event_delete AFTER DELETE ON registration_event "
    "WHEN OLD.individual_id IS NOT NULL BEGIN "
    "INSERT INTO stats_dirty (individual_id) VALUES (OLD.individual_id); END",
    "CREATE TRIGGER stats_dirty_need_insert AFTER INSERT ON specific_need BEGIN "
    "INSERT INTO stats_dirty (individual_id) VALUES (NEW.individual_id); END",
    "CREATE TRIGGER stats_dirty_need_update AFTER UPDATE ON specific_need BEGIN "
    "INSERT INTO stats_dirty (individual_id) SELECT OLD.individual_id "
    "UNION SELECT NEW.individual_id; END",
    "CREATE TRIGGER stats_dirty_need_delete AFTER DELETE ON specific_need BEGIN "
    "INSERT INTO stats_dirty (individual_id) VALUES (OLD.individual_id); END",
    "CREATE TRIGGER stats_dirty_site_update AFTER UPDATE OF code ON site BEGIN "
    "INSERT INTO stats_dirty (individual_id) SELECT id FROM individual WHERE site_id = NEW.id; END",
]

_N = ", ".join(f"n.{c.strip()}" for c in COUNTED.split(","))
_O = ", ".join(f"o.{c.strip()}" for c in COUNTED.split(","))
_HN = ", ".join(f"n.{c.strip()}" for c in HOUSEHOLD.split(","))
_HO = ", ".join(f"o.{c.strip()}" for c in HOUSEHOLD.split(","))

POSTGRESQL_FUNCTIONS = [
    f"""
CREATE FUNCTION stats_dirty_individual() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO stats_dirty (individual_id) SELECT id FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO stats_dirty (individual_id) SELECT id FROM old_rows;
  ELSE
    INSERT INTO stats_dirty (individual_id)
    SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE ({_N}) IS DISTINCT FROM ({_O});
  END IF;
  RETURN NULL;
END $$""",
    f"""
CREATE FUNCTION stats_dirty_household() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO stats_dirty (individual_id)
  SELECT i.id FROM new_rows n JOIN old_rows o ON o.id = n.id JOIN individual i ON i.household_id = n.id
  WHERE ({_HN}) IS DISTINCT FROM ({_HO})
  UNION
  SELECT i.id FROM new_rows n JOIN old_rows o ON o.id = n.id
  JOIN individual i ON substr(i.ref, 1, length(i.ref) - 3) IN (n.ref, o.ref)
  WHERE ({_HN}) IS DISTINCT FROM ({_HO});
  RETURN NULL;
END $$""",
    """
CREATE FUNCTION stats_dirty_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO stats_dirty (individual_id) SELECT individual_id FROM new_rows
    WHERE individual_id IS NOT NULL;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO stats_dirty (individual_id) SELECT individual_id FROM old_rows
    WHERE individual_id IS NOT NULL;
  ELSE
    INSERT INTO stats_dirty (individual_id)
    SELECT individual_id FROM new_rows WHERE individual_id IS NOT NULL
    UNION SELECT individual_id FROM old_rows WHERE individual_id IS NOT NULL;
  END IF;
  RETURN NULL;
END $$""",
    """
CREATE FUNCTION stats_dirty_site() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO stats_dirty (individual_id)
  SELECT i.id FROM new_rows n JOIN old_rows o ON o.id = n.id JOIN individual i ON i.site_id = n.id
  WHERE n.code IS DISTINCT FROM o.code;
  RETURN NULL;
END $$""",
]


def _pg_triggers() -> list[str]:
    out = []
    for table, fn in (
        ("individual", "stats_dirty_individual"),
        ("household", "stats_dirty_household"),
        ("registration_event", "stats_dirty_event"),
        ("specific_need", "stats_dirty_event"),  # the same: the person of each row
        ("site", "stats_dirty_site"),
    ):
        kinds = {
            "insert": "REFERENCING NEW TABLE AS new_rows",
            "update": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
            "delete": "REFERENCING OLD TABLE AS old_rows",
        }
        if table in ("household", "site"):
            kinds = {"update": kinds["update"]}
        for kind, refs in kinds.items():
            out.append(
                f"CREATE TRIGGER {fn}_{kind} AFTER {kind.upper()} ON {table} {refs} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {fn}()"
            )
    return out


def upgrade() -> None:
    dialect = op.get_context().dialect.name
    op.create_table(
        "stats_person",
        sa.Column("individual_id", sa.Uuid(), nullable=False),
        sa.Column("operation_id", sa.Uuid(), nullable=False),
        sa.Column("block", sa.Integer(), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("dob", sa.Integer(), nullable=False),
        sa.Column("population_type", sa.String(length=20), nullable=False),
        sa.Column("origin", sa.String(length=3), nullable=False),
        sa.Column("site", sa.String(length=20), nullable=False),
        sa.Column("arrival", sa.Integer(), nullable=True),
        sa.Column("entry", sa.Integer(), nullable=False),
        sa.Column("exit", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("individual_id", name=op.f("pk_stats_person")),
    )
    op.create_index("ix_stats_person_operation_id_block", "stats_person", ["operation_id", "block"])
    op.create_table(
        "stats_block",
        sa.Column("operation_id", sa.Uuid(), nullable=False),
        sa.Column("block", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("operation_id", "block", name=op.f("pk_stats_block")),
    )
    op.create_table(
        "stats_dirty",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("individual_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_stats_dirty")),
    )
    op.create_table(
        "stats_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_state")),
    )
    op.execute("INSERT INTO stats_state (id, generation) VALUES (1, 0)")
    op.execute("INSERT INTO stats_dirty (individual_id) SELECT id FROM individual")
    op.execute("CREATE INDEX ix_individual_household_ref ON individual (substr(ref, 1, length(ref) - 3))")
    if dialect == "postgresql":  # blocks are read whole and barely compress: no pglz on the way out
        op.execute("ALTER TABLE stats_block ALTER COLUMN payload SET STORAGE EXTERNAL")
        for statement in [*POSTGRESQL_FUNCTIONS, *_pg_triggers()]:
            op.execute(statement)
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_context().dialect.name
    if dialect == "postgresql":
        for statement in _pg_triggers():
            name, table = statement.split()[2], statement.split()[6]
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for fn in ("individual", "household", "event", "site"):
            op.execute(f"DROP FUNCTION IF EXISTS stats_dirty_{fn}()")
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {statement.split()[2]}")
    op.execute("DROP INDEX IF EXISTS ix_individual_household_ref")
    op.drop_table("stats_state")
    op.drop_table("stats_dirty")
    op.drop_table("stats_block")
    op.drop_index("ix_stats_person_operation_id_block", table_name="stats_person")
    op.drop_table("stats_person")
