"""School enrolment; launch reopening and extension

Revision ID: f6c2f3900009
Revises: e5b1e2800008
Create Date: 2026-12-02 06:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f6c2f3900009'
down_revision = 'e5b1e2800008'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
