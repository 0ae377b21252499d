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
    op.create_table('report_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('scope', sa.JSON(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('format', sa.String(length=8), nullable=False),
    sa.Column('audience', sa.String(length=16), nullable=True),
    sa.Column('options', sa.JSON(), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('progress', sa.Float(), nullable=False),
    sa.Column('progress_label', sa.String(length=100), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('file_path', sa.String(length=400), nullable=True),
    sa.Column('filename', sa.String(length=200), nullable=True),
    sa.Column('content_type', sa.String(length=120), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('checksum', sa.String(length=64), nullable=True),
    sa.Column('data_as_of', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error', sa.String(length=500), nullable=True),
    sa.CheckConstraint("kind IN ('annual', 'monthly', 'launch_feedback', 'export')", name=op.f('ck_report_jobs_kind_known')),
    sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_report_jobs_status_known')),
    sa.CheckConstraint("format IN ('pdf', 'xlsx', 'csv')", name=op.f('ck_report_jobs_format_known')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_report_jobs_requested_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_jobs'))
    )
    with op.batch_alter_table('report_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_jobs_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_jobs_requested_by_id'), ['requested_by_id'], unique=False)
        batch_op.create_index('ix_report_jobs_status', ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('report_jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_report_jobs_status')
        batch_op.drop_index(batch_op.f('ix_report_jobs_requested_by_id'))
        batch_op.drop_index(batch_op.f('ix_report_jobs_created_at'))

    op.drop_table('report_jobs')
