"""Responses' answers as JSONB on PostgreSQL (indicators read answers in SQL)

County indicators extract a few answers from every response with `->>`; on a JSON column that
re-parses the whole text for each answer, on JSONB it is a lookup. SQLite is left as it is
(its JSON is text either way).

Revision ID: 5e1f0c2a9b7d
Revises: 16130a3dc87c
Create Date: 2026-11-23 08:10:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '5e1f0c2a9b7d'
down_revision = '16130a3dc87c'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.alter_column("responses", "answers", type_=postgresql.JSONB(), existing_type=sa.JSON(),
                    existing_nullable=False, postgresql_using="answers::jsonb")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.alter_column("responses", "answers", type_=sa.JSON(), existing_type=postgresql.JSONB(),
                    existing_nullable=False, postgresql_using="answers::json")
