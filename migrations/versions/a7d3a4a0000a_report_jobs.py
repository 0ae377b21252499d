"""Background report and export jobs

Revision ID: a7d3a4a0000a
Revises: f6c2f3900009
Create Date: 2026-12-02 06:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7d3a4a0000a'
down_revision = 'f6c2f3900009'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
