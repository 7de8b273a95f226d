"""schedule: index (status, starts_at) instead of (status)

Counting the shows of a day or a week among millions (the dashboard) reads a range of
(status, starts_at) per active status, inside the index, instead of every row; a list
filtered by status walks the same index in start-time order.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('schedule', schema=None) as batch_op:
        batch_op.create_index('ix_schedule_status_starts_at', ['status', 'starts_at'],
                              unique=False)
        batch_op.drop_index('ix_schedule_status')


def downgrade():
    with op.batch_alter_table('schedule', schema=None) as batch_op:
        batch_op.create_index('ix_schedule_status', ['status'], unique=False)
        batch_op.drop_index('ix_schedule_status_starts_at')
