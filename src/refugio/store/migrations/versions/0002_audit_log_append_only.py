"""Make `audit_log` append-only in the database itself: triggers refuse UPDATE and DELETE (and, on
PostgreSQL, TRUNCATE), whoever connects. The hash chain (refugio.security.audit) detects tampering;
these triggers prevent the casual kind. Both backends raise an integrity error (SQLSTATE 23001 on PostgreSQL).

On SQLite, a later migration that rebuilds `audit_log` in batch mode (copy, drop, rename) drops these
triggers with the old table: such a migration must run this revision's `SQLITE_UP` statements again.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 06:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

MESSAGE = "audit_log is append-only"

POSTGRESQL_UP = [
    f"""
    CREATE FUNCTION refugio_audit_log_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $body$
    BEGIN
        RAISE EXCEPTION USING
            MESSAGE = '{MESSAGE}, ' || TG_OP || ' refused',
            ERRCODE = 'restrict_violation';
    END
    $body$
    """,
    """
    CREATE TRIGGER audit_log_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION refugio_audit_log_append_only()
    """,
    """
    CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION refugio_audit_log_append_only()
    """,
]

POSTGRESQL_DOWN = [
    "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
    "DROP TRIGGER IF EXISTS audit_log_no_update_delete ON audit_log",
    "DROP FUNCTION IF EXISTS refugio_audit_log_append_only()",
]

SQLITE_UP = [
    f"""
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
    """,
    f"""
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
    """,
]

SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS audit_log_no_delete",
    "DROP TRIGGER IF EXISTS audit_log_no_update",
]


def _statements(up: bool) -> list[str]:
    dialect = op.get_context().dialect.name
    if dialect == "postgresql":
        return POSTGRESQL_UP if up else POSTGRESQL_DOWN
    if dialect == "sqlite":
        return SQLITE_UP if up else SQLITE_DOWN
    raise NotImplementedError(f"no append-only triggers for the {dialect} dialect")


def upgrade() -> None:
    for statement in _statements(up=True):
        op.execute(statement)


def downgrade() -> None:
    for statement in _statements(up=False):
        op.execute(statement)
