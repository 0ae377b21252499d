"""School plaque links and anonymous reports (complaints)

Revision ID: e5b1e2800008
Revises: d4a0d1700007
Create Date: 2026-12-02 06:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5b1e2800008'
down_revision = 'd4a0d1700007'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
