"""Disclosure gate: launch periods and published snapshots

Revision ID: c3d15c105006
Revises: b2d15c0a0005
Create Date: 2026-12-01 21:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3d15c105006'
down_revision = 'b2d15c0a0005'
branch_labels = None
depends_on = None


def upgrade():
    # Which published step of its launch a response entered (NULL: not published yet).
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('step', sa.Integer(), nullable=True))
    # Pending responses of a launch are found through this small partial index alone.
    op.create_index('ix_responses_pending', 'responses', ['launch_id'],
                    sqlite_where=sa.text('step IS NULL'), postgresql_where=sa.text('step IS NULL'))
    op.create_index('ix_responses_launch_id_step', 'responses', ['launch_id', 'step'])
    with op.batch_alter_table('launches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_step', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('lagging', sa.JSON(), nullable=True))
    # Existing responses stay unpublished: the first read takes each launch's first step
    # (app.disclosure.gate.advance), with the per-figure checks every step gets.


def downgrade():
    with op.batch_alter_table('launches', schema=None) as batch_op:
        batch_op.drop_column('lagging')
        batch_op.drop_column('published_step')
    op.drop_index('ix_responses_launch_id_step', table_name='responses')
    op.drop_index('ix_responses_pending', table_name='responses')
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_column('step')
