"""Rows written with a response cannot be lined up with it by order

Revision ID: b2d15c0a0005
Revises: a1c0e5500004
Create Date: 2026-12-01 21:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b2d15c0a0005'
down_revision = 'a1c0e5500004'
branch_labels = None
depends_on = None


# The guard table as the model declares it; on SQLite WITHOUT ROWID, so rows live in the
# primary key's B-tree (hash order) and there is no hidden rowid in insertion order.
_SQLITE_TABLE = """
CREATE TABLE submission_keys_new (
    launch_id INTEGER NOT NULL,
    kind VARCHAR(8) NOT NULL,
    key_hash VARCHAR(64) NOT NULL,
    receipt VARCHAR(24),
    CONSTRAINT pk_submission_keys PRIMARY KEY (launch_id, kind, key_hash),
    CONSTRAINT fk_submission_keys_launch_id_launches FOREIGN KEY(launch_id) REFERENCES launches (id)
){options}
"""


def _rebuild_sqlite(options: str) -> None:
    op.execute(_SQLITE_TABLE.format(options=options))
    op.execute("INSERT INTO submission_keys_new (launch_id, kind, key_hash, receipt) "
               "SELECT launch_id, kind, key_hash, receipt FROM submission_keys")
    op.execute("DROP TABLE submission_keys")
    op.execute("ALTER TABLE submission_keys_new RENAME TO submission_keys")


def upgrade():
    # The per-browser rows go: the form's "already answered" mark now lives in the browser's
    # signed cookie, and a row written in the response's transaction can be lined up with it
    # (SQLite rowid order, PostgreSQL heap order and xmin). Only 'idem' rows stay; they hold
    # their receipt by design.
    op.execute("DELETE FROM submission_keys WHERE kind = 'device'")
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(" WITHOUT ROWID")
    else:
        # Rewrite the table so the deleted rows' tuples do not linger in its pages.
        with op.get_context().autocommit_block():
            op.execute("VACUUM FULL submission_keys")


def downgrade():
    # The device rows cannot come back (they are gone); browsers keep their answered cookie.
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite("")
