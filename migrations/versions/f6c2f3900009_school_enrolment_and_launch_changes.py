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
    # Launch reopening and extension need no column: they change closed_at/closes_at, and the
    # audit trail keeps what they were.
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.add_column(sa.Column('enrolment', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('active', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
        batch_op.create_check_constraint(op.f('ck_schools_enrolment_not_negative'), 'enrolment >= 0')


def downgrade():
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_schools_enrolment_not_negative'), type_='check')
        batch_op.drop_column('active')
        batch_op.drop_column('enrolment')
