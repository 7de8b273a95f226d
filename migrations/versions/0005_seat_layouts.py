"""seat layouts: seat_layout, seat, schedule.seat_layout_id

Every existing hall gets version 1 of its layout from its seat_rows x seat_cols, all standard
seats numbered left to right, and every existing schedule that hall's layout, so nothing
already in production is left without seats.

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-02

"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0003'
branch_labels = None
depends_on = None

TABLE_OPTIONS = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4",
                 "mysql_collate": "utf8mb4_unicode_ci"}
BATCH = 5000

hall = sa.table('hall', sa.column('id', sa.Integer), sa.column('seat_rows', sa.Integer),
                sa.column('seat_cols', sa.Integer))
seat_layout = sa.table('seat_layout', sa.column('id', sa.Integer),
                       sa.column('hall_id', sa.Integer), sa.column('version', sa.Integer),
                       sa.column('created_at', sa.DateTime),
                       sa.column('row_count', sa.Integer), sa.column('col_count', sa.Integer),
                       sa.column('numbering', sa.String), sa.column('capacity', sa.Integer))
seat = sa.table('seat', sa.column('layout_id', sa.Integer), sa.column('row_no', sa.Integer),
                sa.column('col_no', sa.Integer), sa.column('row_label', sa.String),
                sa.column('seat_label', sa.String), sa.column('kind', sa.String))
schedule = sa.table('schedule', sa.column('hall_id', sa.Integer),
                    sa.column('seat_layout_id', sa.Integer))


def upgrade():
    op.create_table('seat_layout',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hall_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('row_count', sa.SmallInteger(), nullable=False),
    sa.Column('col_count', sa.SmallInteger(), nullable=False),
    sa.Column('numbering', sa.String(length=8), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_seat_layout_hall_id_hall'), onupdate='RESTRICT', ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seat_layout')),
    sa.UniqueConstraint('hall_id', 'version', name='uq_seat_layout_hall_id_version'),
    **TABLE_OPTIONS)
    op.create_table('seat',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('layout_id', sa.Integer(), nullable=False),
    sa.Column('row_no', sa.SmallInteger(), nullable=False),
    sa.Column('col_no', sa.SmallInteger(), nullable=False),
    sa.Column('row_label', sa.String(length=8), nullable=False),
    sa.Column('seat_label', sa.String(length=8), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('pair_seat_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['layout_id'], ['seat_layout.id'], name=op.f('fk_seat_layout_id_seat_layout'), onupdate='RESTRICT', ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['pair_seat_id'], ['seat.id'], name=op.f('fk_seat_pair_seat_id_seat'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seat')),
    sa.UniqueConstraint('layout_id', 'row_label', 'seat_label', name='uq_seat_layout_id_row_label_seat_label'),
    sa.UniqueConstraint('layout_id', 'row_no', 'col_no', name='uq_seat_layout_id_row_no_col_no'),
    **TABLE_OPTIONS)
    with op.batch_alter_table('seat', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seat_pair_seat_id'), ['pair_seat_id'], unique=False)

    with op.batch_alter_table('schedule', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seat_layout_id', sa.Integer(), nullable=True))

    backfill_layouts(op.get_bind())

    with op.batch_alter_table('schedule', schema=None) as batch_op:
        batch_op.alter_column('seat_layout_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f('ix_schedule_seat_layout_id'), ['seat_layout_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_schedule_seat_layout_id_seat_layout'), 'seat_layout', ['seat_layout_id'], ['id'], onupdate='RESTRICT', ondelete='RESTRICT')


def backfill_layouts(conn):
    """Version 1 for every hall (rows x columns of standard seats, numbered left to right),
    and each schedule its hall's layout."""
    conn.execute(seat_layout.insert().from_select(
        ['hall_id', 'version', 'created_at', 'row_count', 'col_count', 'numbering', 'capacity'],
        sa.select(hall.c.id, sa.literal(1), sa.literal(datetime.now(UTC).replace(tzinfo=None)),
                  hall.c.seat_rows, hall.c.seat_cols, sa.literal('ltr'),
                  hall.c.seat_rows * hall.c.seat_cols)))
    batch = []
    layouts = conn.execute(sa.select(seat_layout.c.id, seat_layout.c.row_count,
                                     seat_layout.c.col_count)).all()
    for layout_id, rows, cols in layouts:
        for row in range(1, rows + 1):
            batch.extend({'layout_id': layout_id, 'row_no': row, 'col_no': col,
                          'row_label': str(row), 'seat_label': str(col), 'kind': 'standard'}
                         for col in range(1, cols + 1))
            if len(batch) >= BATCH:
                conn.execute(seat.insert(), batch)
                batch = []
    if batch:
        conn.execute(seat.insert(), batch)
    conn.execute(schedule.update().values(seat_layout_id=sa.select(seat_layout.c.id).where(
        seat_layout.c.hall_id == schedule.c.hall_id).scalar_subquery()))


def downgrade():
    with op.batch_alter_table('schedule', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_schedule_seat_layout_id_seat_layout'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_schedule_seat_layout_id'))
        batch_op.drop_column('seat_layout_id')

    op.drop_table('seat')  # its indexes with it (MySQL keeps one while its foreign key exists)
    op.drop_table('seat_layout')
