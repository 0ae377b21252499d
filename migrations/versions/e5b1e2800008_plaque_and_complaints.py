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
    op.create_table('plaque_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_plaque_links_school_id_schools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plaque_links')),
    sa.UniqueConstraint('token', name=op.f('uq_plaque_links_token'))
    )
    with op.batch_alter_table('plaque_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plaque_links_school_id'), ['school_id'], unique=False)

    op.create_table('complaints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('contact', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('received_hour', sa.DateTime(timezone=True), nullable=False),
    sa.Column('receipt', sa.String(length=24), nullable=False),
    sa.Column('follow_up_hash', sa.String(length=64), nullable=False),
    sa.Column('reply', sa.Text(), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('concluded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('problem_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('complaint', 'suggestion', 'praise')", name=op.f('ck_complaints_kind_known')),
    sa.CheckConstraint("category IS NULL OR category IN ('homework', 'tutoring', 'fees', 'safety', 'bullying', 'conduct', 'food', 'facilities', 'other')", name=op.f('ck_complaints_category_known')),
    sa.CheckConstraint("status IN ('received', 'verifying', 'substantiated', 'unsubstantiated', 'closed')", name=op.f('ck_complaints_status_known')),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('substantiated', 'unsubstantiated', 'noted', 'spam')", name=op.f('ck_complaints_outcome_known')),
    sa.CheckConstraint("status <> 'closed' OR contact IS NULL", name=op.f('ck_complaints_closed_without_contact')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_complaints_school_id_schools')),
    sa.ForeignKeyConstraint(['problem_id'], ['problems.id'], name=op.f('fk_complaints_problem_id_problems'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaints')),
    sa.UniqueConstraint('receipt', name=op.f('uq_complaints_receipt')),
    sa.UniqueConstraint('follow_up_hash', name=op.f('uq_complaints_follow_up_hash'))
    )
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaints_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_received_hour'), ['received_hour'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_problem_id'), ['problem_id'], unique=False)

    op.create_table('complaint_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=80), nullable=True),
    sa.Column('status_from', sa.String(length=16), nullable=True),
    sa.Column('status_to', sa.String(length=16), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.CheckConstraint("kind IN ('status', 'reply', 'addition', 'problem')", name=op.f('ck_complaint_events_kind_known')),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_complaint_events_complaint_id_complaints'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_complaint_events_actor_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_events'))
    )
    with op.batch_alter_table('complaint_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_events_complaint_id'), ['complaint_id'], unique=False)


def downgrade():
    with op.batch_alter_table('complaint_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_events_complaint_id'))
    op.drop_table('complaint_events')
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaints_problem_id'))
        batch_op.drop_index(batch_op.f('ix_complaints_received_hour'))
        batch_op.drop_index(batch_op.f('ix_complaints_status'))
        batch_op.drop_index(batch_op.f('ix_complaints_school_id'))
    op.drop_table('complaints')
    with op.batch_alter_table('plaque_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plaque_links_school_id'))
    op.drop_table('plaque_links')
