"""Name search through the database's full-text index: `name_search` replaces `name_token`.

One row per person: `names` holds the person's normalised name tokens and the reserved tokens
`_o<operation>`, `_s<site>` and `_status_<status>` (see refugio/registration/name_index.py), so the
scope and the status filter apply inside the index, before search caps the candidates.

PostgreSQL stores `names` as a tsvector with a GIN index, fastupdate off: the pending list of fast
updates (up to 4 MB of rows not yet in the index) is scanned by every search, which made searches ten
times slower. SQLite keeps `names` as text indexed by the FTS5 table `name_fts` (external content, no
positions, prefix indexes of one to three characters), which triggers on `name_search` keep in step.
The rows also carry the result order (family_norm, given_norm, ref, copied from `individual`), so that
search sorts its candidates without reading the people. The rows are built here from `name_token` and
`individual`, in SQL.

On SQLite, a later migration that rebuilds `name_search` in batch mode (copy, drop, rename) drops the
triggers with the old table: such a migration must run `SQLITE_TRIGGERS` again and rebuild `name_fts`.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

SQLITE_FILL = """
INSERT INTO name_search (individual_id, names, family_norm, given_norm, ref)
SELECT i.id,
       coalesce(t.names || ' ', '')
           || '_o' || i.operation_id || ' _s' || i.site_id || ' _status_' || i.status,
       i.family_norm, i.given_norm, i.ref
FROM individual AS i
LEFT JOIN (
    SELECT individual_id, group_concat(trim(replace(token, '_', ' ')), ' ') AS names
    FROM name_token GROUP BY individual_id
) AS t ON t.individual_id = i.id
"""

SQLITE_FTS = """
CREATE VIRTUAL TABLE name_fts USING fts5(
    names, content='name_search', content_rowid='id', detail='none', prefix='1 2 3',
    tokenize="unicode61 remove_diacritics 0 tokenchars '_'"
)
"""

SQLITE_TRIGGERS = [
    """
    CREATE TRIGGER name_search_fts_insert AFTER INSERT ON name_search BEGIN
        INSERT INTO name_fts (rowid, names) VALUES (new.id, new.names);
    END
    """,
    """
    CREATE TRIGGER name_search_fts_delete AFTER DELETE ON name_search BEGIN
        INSERT INTO name_fts (name_fts, rowid, names) VALUES ('delete', old.id, old.names);
    END
    """,
    """
    CREATE TRIGGER name_search_fts_update AFTER UPDATE ON name_search BEGIN
        INSERT INTO name_fts (name_fts, rowid, names) VALUES ('delete', old.id, old.names);
        INSERT INTO name_fts (rowid, names) VALUES (new.id, new.names);
    END
    """,
]

POSTGRESQL_FILL = """
INSERT INTO name_search (individual_id, names, family_norm, given_norm, ref)
SELECT i.id,
       array_to_tsvector(array_remove(
           coalesce(t.tokens, '{}'::text[])
           || ARRAY['_o' || replace(i.operation_id::text, '-', ''),
                    '_s' || replace(i.site_id::text, '-', ''),
                    '_status_' || i.status],
           '')),
       i.family_norm, i.given_norm, i.ref
FROM individual AS i
LEFT JOIN (
    SELECT individual_id,
           string_to_array(string_agg(replace(token, '_', ' '), ' '), ' ') AS tokens
    FROM name_token GROUP BY individual_id
) AS t ON t.individual_id = i.id
"""

SQLITE_TOKENS_BACK = """
WITH RECURSIVE split (individual_id, token, rest) AS (
    SELECT individual_id, '', names || ' ' FROM name_search
    UNION ALL
    SELECT individual_id, substr(rest, 1, instr(rest, ' ') - 1), substr(rest, instr(rest, ' ') + 1)
    FROM split WHERE rest <> ''
)
INSERT INTO name_token (token, individual_id)
SELECT DISTINCT substr(token, 1, 100), individual_id FROM split
WHERE token <> '' AND substr(token, 1, 1) <> '_'
"""

POSTGRESQL_TOKENS_BACK = """
INSERT INTO name_token (token, individual_id)
SELECT DISTINCT left(token, 100), individual_id
FROM name_search, unnest(tsvector_to_array(names)) AS token
WHERE left(token, 1) <> '_'
"""


def _dialect() -> str:
    name = op.get_context().dialect.name
    if name not in ("sqlite", "postgresql"):
        raise NotImplementedError(f"no full-text name index for the {name} dialect")
    return name


def upgrade() -> None:
    dialect = _dialect()
    op.create_table(
        "name_search",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("individual_id", sa.Uuid(), nullable=False),
        sa.Column("names", sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql"), nullable=False),
        sa.Column("family_norm", sa.String(length=100), nullable=False),
        sa.Column("given_norm", sa.String(length=100), nullable=False),
        sa.Column("ref", sa.String(length=28), nullable=False),
        sa.ForeignKeyConstraint(
            ["individual_id"],
            ["individual.id"],
            name=op.f("fk_name_search_individual_id_individual"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_name_search")),
        sa.UniqueConstraint("individual_id", name=op.f("uq_name_search_individual_id")),
    )
    if dialect == "sqlite":
        op.execute(SQLITE_FILL)
        op.execute(SQLITE_FTS)
        op.execute("INSERT INTO name_fts (name_fts) VALUES ('rebuild')")
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
    else:
        op.execute(POSTGRESQL_FILL)
        op.create_index(
            "ix_name_search_names",
            "name_search",
            ["names"],
            postgresql_using="gin",
            postgresql_with={"fastupdate": "off"},
        )
    op.drop_index(op.f("ix_name_token_individual_id"), table_name="name_token")
    op.drop_table("name_token")


def downgrade() -> None:
    dialect = _dialect()
    op.create_table(
        "name_token",
        sa.Column("token", sa.String(length=100), nullable=False),
        sa.Column("individual_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["individual_id"],
            ["individual.id"],
            name=op.f("fk_name_token_individual_id_individual"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token", "individual_id", name=op.f("pk_name_token")),
    )
    op.create_index(op.f("ix_name_token_individual_id"), "name_token", ["individual_id"])
    if dialect == "sqlite":
        op.execute(SQLITE_TOKENS_BACK)
        for name in ("name_search_fts_update", "name_search_fts_delete", "name_search_fts_insert"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS name_fts")
    else:
        op.execute(POSTGRESQL_TOKENS_BACK)
        op.drop_index("ix_name_search_names", table_name="name_search", postgresql_using="gin")
    op.drop_table("name_search")
