"""schedule: indexes (status, starts_at) instead of (status), and (hall_id, ends_at)

Counting the shows of a day or a week among millions (the dashboard) reads a range of
(status, starts_at) per active status, inside the index, instead of every row; a list
filtered by status walks the same index in start-time order.

The overlap check of a new show (hall_id = ? AND starts_at < new end AND ends_at > new
start) reads, on (hall_id, starts_at), every earlier show of the hall: it grows with the
hall's history. On (hall_id, ends_at) it reads only the shows ending after the new one
starts: for the coming days, a handful, however many years lie behind.

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
        batch_op.create_index('ix_schedule_hall_id_ends_at', ['hall_id', 'ends_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('schedule', schema=None) as batch_op:
        batch_op.drop_index('ix_schedule_hall_id_ends_at')
        batch_op.create_index('ix_schedule_status', ['status'], unique=False)
        batch_op.drop_index('ix_schedule_status_starts_at')
